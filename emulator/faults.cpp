#include "faults.hpp"

#include <cstdlib>

#include <fmt/format.h>

namespace emulator {
namespace {

constexpr std::array<std::string_view, kFaultKinds> kNames = {
    "429", "429-no-retry-after", "503", "504", "drop", "truncate", "token-expiry", "storm",
};

std::string KnownNames() {
  std::string names;
  for (const std::string_view name : kNames) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                           text.front() == '\r')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

bool AppliesTo(FaultKind kind, RouteClass route) {
  if (route == RouteClass::kGraph) return true;
  return kind != FaultKind::k504 && kind != FaultKind::kTokenExpiry;
}

}  // namespace

std::string_view FaultName(FaultKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  return index < kFaultKinds ? kNames[index] : "none";
}

std::optional<FaultSpec> ParseFaultSpec(std::string_view text, std::string& error) {
  FaultSpec spec;
  text = Trim(text);
  double total = 0;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      error = fmt::format("fault '{}' needs a probability (KIND=P)", item);
      return std::nullopt;
    }
    const std::string_view name = Trim(item.substr(0, equals));
    const std::string value(Trim(item.substr(equals + 1)));
    std::size_t index = kFaultKinds;
    for (std::size_t i = 0; i < kFaultKinds; ++i) {
      if (kNames[i] == name) index = i;
    }
    if (index == kFaultKinds) {
      error = fmt::format("unknown fault '{}' (known: {})", name, KnownNames());
      return std::nullopt;
    }
    char* end = nullptr;
    const double probability = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size() || !(probability >= 0.0) ||
        probability > 1.0) {
      error = fmt::format("fault '{}' needs a probability between 0 and 1, not '{}'", name, value);
      return std::nullopt;
    }
    total += probability - spec.probability[index];
    spec.probability[index] = probability;
  }
  if (total > 1.0 + 1e-9) {
    error = "fault probabilities add up to more than 1";
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    if (spec.probability[i] <= 0) continue;
    if (!spec.text.empty()) spec.text += ',';
    spec.text += fmt::format("{}={}", kNames[i], spec.probability[i]);
  }
  return spec;
}

void FaultInjector::Replace(FaultSpec spec) {
  std::lock_guard lock(mutex_);
  spec_ = std::move(spec);
  storm_left_ = 0;
}

FaultSpec FaultInjector::Current() const {
  std::lock_guard lock(mutex_);
  return spec_;
}

Fault FaultInjector::NextStormResponse() {
  --storm_left_;
  storm_retry_after_ = !storm_retry_after_;
  return {FaultKind::kStorm, storm_retry_after_};
}

Fault FaultInjector::Decide(RouteClass route) {
  std::lock_guard lock(mutex_);
  if (storm_left_ > 0) return NextStormResponse();
  const double draw = random_.Unit();
  double cumulative = 0;
  for (std::size_t i = 0; i < kFaultKinds; ++i) {
    cumulative += spec_.probability[i];
    if (draw >= cumulative) continue;
    const auto kind = static_cast<FaultKind>(i);
    if (!AppliesTo(kind, route)) return {};
    if (kind == FaultKind::kStorm) {
      // The length is drawn only when a storm starts, so specs without storms keep the exact
      // sequence of faults they always had.
      storm_left_ = kStormMin + static_cast<int>(random_.Below(kStormMax - kStormMin + 1));
      storm_retry_after_ = true;
      return {FaultKind::kStorm, true};
    }
    return {kind, kind == FaultKind::k429 || kind == FaultKind::k503};
  }
  return {};
}

FaultKind CreateReplyFaults::Next() {
  std::lock_guard lock(mutex_);
  return next_ < script_.size() ? script_[next_++] : FaultKind::kNone;
}

std::optional<std::vector<FaultKind>> ParseCreateReplyFaults(std::string_view text,
                                                             std::string& error) {
  std::vector<FaultKind> script;
  text = Trim(text);
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item == "drop") {
      script.push_back(FaultKind::kDrop);
    } else if (item == "truncate") {
      script.push_back(FaultKind::kTruncate);
    } else if (item == "none") {
      script.push_back(FaultKind::kNone);
    } else {
      error = fmt::format("create reply fault '{}' is none of drop, truncate, none", item);
      return std::nullopt;
    }
  }
  return script;
}

std::string_view CreateReplyFaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kDrop:
      return "create-drop";
    case FaultKind::kTruncate:
      return "create-truncate";
    default:
      return "none";
  }
}

}  // namespace emulator
