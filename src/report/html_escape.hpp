// Text and attribute values for HTML (and the SVG inside it).
#pragma once

#include <string>
#include <string_view>

namespace auditsync {

// `text` safe inside an element or a quoted attribute: & < > " ' as character references,
// control characters as spaces, invalid UTF-8 as U+FFFD. App names can hold `<script>`.
std::string HtmlEscape(std::string_view text);

}  // namespace auditsync
