#include "core/time.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace auditsync {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `width` digits at `pos`, advancing it.
std::optional<int> ReadDigits(std::string_view text, size_t& pos, size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

std::optional<Instant> MakeInstant(int y, int mo, int d, int h, int mi, int s) {
  const std::chrono::year_month_day date{std::chrono::year{y},
                                         std::chrono::month{static_cast<unsigned>(mo)},
                                         std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return std::chrono::sys_days{date} + hours{h} + minutes{mi} + seconds{s};
}

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::optional<Instant> ParseIso8601(std::string_view text) {
  size_t pos = 0;
  const auto year = ReadDigits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) return std::nullopt;
  const auto month = ReadDigits(text, pos, 2);
  if (!month || !Expect(text, pos, '-')) return std::nullopt;
  const auto day = ReadDigits(text, pos, 2);
  if (!day) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ')) {
    ++pos;
    const auto h = ReadDigits(text, pos, 2);
    if (!h || !Expect(text, pos, ':')) return std::nullopt;
    const auto mi = ReadDigits(text, pos, 2);
    if (!mi) return std::nullopt;
    hour = *h;
    minute = *mi;
    if (Expect(text, pos, ':')) {
      const auto s = ReadDigits(text, pos, 2);
      if (!s) return std::nullopt;
      second = *s;
      if (Expect(text, pos, '.')) {
        const size_t fraction_start = pos;
        while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
        if (pos == fraction_start) return std::nullopt;
      }
    }
  }
  auto instant = MakeInstant(*year, *month, *day, hour, minute, second);
  if (!instant) return std::nullopt;
  if (pos == text.size()) return instant;
  if ((text[pos] == 'Z' || text[pos] == 'z') && pos + 1 == text.size()) return instant;
  if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    const auto oh = ReadDigits(text, pos, 2);
    if (!oh) return std::nullopt;
    Expect(text, pos, ':');
    const auto om = ReadDigits(text, pos, 2);
    if (!om || pos != text.size() || *oh > 23 || *om > 59) return std::nullopt;
    return *instant - sign * (hours{*oh} + minutes{*om});
  }
  return std::nullopt;
}

std::string FormatIso8601(Instant instant) {
  const auto day_point = std::chrono::floor<days>(instant);
  const std::chrono::year_month_day date{day_point};
  const std::chrono::hh_mm_ss time{instant - day_point};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(time.hours().count()),
                int(time.minutes().count()), int(time.seconds().count()));
  return buffer;
}

std::optional<Instant> ParseHttpDate(std::string_view text) {
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  size_t pos = 5;
  const auto day = ReadDigits(text, pos, 2);
  if (!day || !Expect(text, pos, ' ')) return std::nullopt;
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(pos, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  if (month == 0) return std::nullopt;
  pos += 3;
  if (!Expect(text, pos, ' ')) return std::nullopt;
  const auto year = ReadDigits(text, pos, 4);
  if (!year || !Expect(text, pos, ' ')) return std::nullopt;
  const auto h = ReadDigits(text, pos, 2);
  if (!h || !Expect(text, pos, ':')) return std::nullopt;
  const auto mi = ReadDigits(text, pos, 2);
  if (!mi || !Expect(text, pos, ':')) return std::nullopt;
  const auto s = ReadDigits(text, pos, 2);
  if (!s) return std::nullopt;
  return MakeInstant(*year, month, *day, *h, *mi, *s);
}

std::string FormatHttpDate(Instant instant) {
  const auto day_point = std::chrono::floor<days>(instant);
  const std::chrono::year_month_day date{day_point};
  const std::chrono::weekday weekday{day_point};
  const std::chrono::hh_mm_ss time{instant - day_point};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                kWeekdays[weekday.c_encoding()], unsigned(date.day()),
                kMonths[unsigned(date.month()) - 1], int(date.year()), int(time.hours().count()),
                int(time.minutes().count()), int(time.seconds().count()));
  return buffer;
}

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int sign = 1;
  size_t pos = 0;
  if (text[0] == '-' || text[0] == '+') {
    sign = text[0] == '-' ? -1 : 1;
    ++pos;
  }
  if (pos == text.size()) return std::nullopt;
  seconds total{0};
  while (pos < text.size()) {
    long long number = 0;
    const size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      number = number * 10 + (text[pos] - '0');
      if (number > 100'000'000) return std::nullopt;
      ++pos;
    }
    if (pos == start || pos == text.size()) return std::nullopt;
    switch (text[pos]) {
      case 'w':
        total += days{7 * number};
        break;
      case 'd':
        total += days{number};
        break;
      case 'h':
        total += hours{number};
        break;
      case 'm':
        total += minutes{number};
        break;
      case 's':
        total += seconds{number};
        break;
      default:
        return std::nullopt;
    }
    ++pos;
  }
  return sign * total;
}

std::optional<Instant> ParseTimeArgument(std::string_view text, Instant now) {
  if (auto instant = ParseIso8601(text)) return instant;
  if (auto offset = ParseDuration(text)) return now + *offset;
  return std::nullopt;
}

std::string FormatDuration(std::chrono::seconds duration) {
  if (duration == seconds(0)) return "0s";
  std::string text = duration < seconds(0) ? "-" : "";
  auto rest = duration < seconds(0) ? -duration : duration;
  const std::pair<seconds, char> units[] = {
      {days(1), 'd'}, {hours(1), 'h'}, {minutes(1), 'm'}, {seconds(1), 's'}};
  for (const auto& [unit, letter] : units) {
    if (rest >= unit) {
      text += std::to_string(rest / unit) + letter;
      rest %= unit;
    }
  }
  return text;
}

Instant NowUtc() { return std::chrono::floor<seconds>(std::chrono::system_clock::now()); }

}  // namespace auditsync
