#include "report/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/html_escape.hpp"
#include "report/utf8.hpp"

namespace auditsync {
namespace {

constexpr double kWidth = 960;
constexpr double kEmptyHeight = 60;  // a chart without bars is one line of text
constexpr std::string_view kGridColour = "#e2e8f0";
constexpr std::string_view kAxisColour = "#94a3b8";
constexpr std::string_view kLabelColour = "#475569";
constexpr std::string_view kValueColour = "#1e293b";

// Coordinates with one decimal: exact enough on screen, and the same text on every machine.
std::string Number(double value) { return fmt::format("{:.1f}", value); }

std::string Open(const Chart& chart, std::string_view id, double height) {
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="{0}" height="{1}" )"
      R"(role="img" aria-labelledby="{2}-title" font-size="12">)"
      "\n<title id=\"{2}-title\">{3}</title>\n",
      Number(kWidth), Number(height), id, HtmlEscape(chart.title));
}

std::string NothingToShow(double height) {
  return fmt::format(
      R"(<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="14">No launches in this window.</text>)"
      "\n</svg>",
      Number(kWidth / 2), Number(height / 2), kLabelColour);
}

int64_t Largest(const Chart& chart) {
  int64_t largest = 0;
  for (const auto& bar : chart.bars) largest = std::max(largest, bar.value);
  return largest;
}

// The step between gridlines: 1, 2 or 5 times a power of ten, for at most five steps above zero.
int64_t GridStep(int64_t largest) {
  for (int64_t magnitude = 1;; magnitude *= 10) {
    for (const int64_t multiple : {1, 2, 5}) {
      const int64_t step = multiple * magnitude;
      if ((largest + step - 1) / step <= 5) return step;
    }
  }
}

std::string Bar(double x, double y, double width, double height, std::string_view colour,
                const std::string& detail) {
  return fmt::format(
      R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" shape-rendering="crispEdges">)"
      "<title>{}</title></rect>\n",
      Number(x), Number(y), Number(width), Number(height), colour, HtmlEscape(detail));
}

std::string OverTimeSvg(const Chart& chart, std::string_view id) {
  constexpr double kHeight = 300;
  constexpr double kLeft = 56;
  constexpr double kRight = 40;  // half a date label, so that the last one is not cut
  constexpr double kTop = 16;
  constexpr double kBottom = 40;
  constexpr double kPlotWidth = kWidth - kLeft - kRight;
  constexpr double kPlotHeight = kHeight - kTop - kBottom;
  constexpr double kBaseline = kTop + kPlotHeight;
  const int64_t largest = Largest(chart);
  if (largest == 0) return Open(chart, id, kEmptyHeight) + NothingToShow(kEmptyHeight);
  std::string svg = Open(chart, id, kHeight);

  const int64_t step = GridStep(largest);
  const int64_t top = (largest + step - 1) / step * step;
  const auto y_of = [&](int64_t value) {
    return kBaseline - kPlotHeight * static_cast<double>(value) / static_cast<double>(top);
  };
  for (int64_t tick = 0; tick <= top; tick += step) {
    const double y = y_of(tick);
    svg += fmt::format(
        R"(<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" shape-rendering="crispEdges"/>)"
        "\n",
        Number(kLeft), Number(kWidth - kRight), Number(y), Number(y),
        tick == 0 ? kAxisColour : kGridColour);
    svg += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" fill="{}">{}</text>)"
        "\n",
        Number(kLeft - 8), Number(y), kLabelColour, tick);
  }

  const auto count = static_cast<double>(chart.bars.size());
  const double slot = kPlotWidth / count;
  const double width = std::max(1.0, slot * 0.7);
  // About a dozen labels fit under the axis; label every k-th bar.
  const auto label_every = static_cast<size_t>(std::ceil(count / 12.0));
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const auto& bar = chart.bars[i];
    const double center = kLeft + slot * (static_cast<double>(i) + 0.5);
    if (bar.value > 0) {
      const double y = y_of(bar.value);
      svg += Bar(center - width / 2, y, width, kBaseline - y, kOverTimeBarColour, bar.detail);
    }
    if (i % label_every == 0) {
      svg +=
          fmt::format(R"(<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>)"
                      "\n",
                      Number(center), Number(kBaseline + 20), kLabelColour, HtmlEscape(bar.label));
    }
  }
  return svg + "</svg>";
}

std::string RankingSvg(const Chart& chart, std::string_view id) {
  constexpr double kRowHeight = 30;
  constexpr double kBarHeight = 20;
  constexpr double kLabelRight = 290;  // labels end here, bars start 10 further
  constexpr double kBarLeft = 300;
  constexpr double kBarRoom = kWidth - kBarLeft - 64;  // room for the value after the longest bar
  constexpr size_t kLabelColumns = 40;
  const int64_t largest = Largest(chart);
  if (largest == 0) return Open(chart, id, kEmptyHeight) + NothingToShow(kEmptyHeight);
  const double height = 16 + kRowHeight * static_cast<double>(chart.bars.size());
  std::string svg = Open(chart, id, height);

  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const auto& bar = chart.bars[i];
    const double top = 8 + kRowHeight * static_cast<double>(i);
    const double middle = top + kRowHeight / 2;
    const double length = kBarRoom * static_cast<double>(bar.value) / static_cast<double>(largest);
    svg += fmt::format(
        R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" fill="{}">{}</text>)"
        "\n",
        Number(kLabelRight), Number(middle), kValueColour,
        HtmlEscape(TruncateToWidth(bar.label, kLabelColumns)));
    svg += Bar(kBarLeft, middle - kBarHeight / 2, std::max(1.0, length), kBarHeight,
               kRankingBarColour, bar.detail);
    svg += fmt::format(R"(<text x="{}" y="{}" dominant-baseline="middle" fill="{}">{}</text>)"
                       "\n",
                       Number(kBarLeft + std::max(1.0, length) + 6), Number(middle), kValueColour,
                       bar.value);
  }
  return svg + "</svg>";
}

}  // namespace

std::string ChartSvg(const Chart& chart, std::string_view id) {
  return chart.kind == ChartKind::kOverTime ? OverTimeSvg(chart, id) : RankingSvg(chart, id);
}

}  // namespace auditsync
