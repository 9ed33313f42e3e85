// Draws the charts of the HTML report as inline SVG: no script, no external resource, every text
// escaped. A bar's tooltip is its SVG <title>.
#pragma once

#include <string>
#include <string_view>

#include "report/report_model.hpp"

namespace auditsync {

// Bar fills (WCAG contrast above 4.5:1 on white); tests look for them in screenshots.
inline constexpr std::string_view kOverTimeBarColour = "#2563eb";
inline constexpr std::string_view kRankingBarColour = "#0f766e";

// An <svg> element labelled by its title; `id` (unique in the page, [a-z0-9-]) names the title.
std::string ChartSvg(const Chart& chart, std::string_view id);

}  // namespace auditsync
