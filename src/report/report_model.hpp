// The one tabular model every report is converted to, so that a single renderer per format
// (table, CSV, JSON, HTML; render.hpp) serves them all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/time.hpp"

namespace auditsync {

enum class ColumnType { kText, kInteger, kTime };

struct Column {
  std::string name;  // snake_case: the JSON key and the CSV and table header
  ColumnType type = ColumnType::kText;
  bool optional = false;  // may be absent: null in JSON, empty in CSV and tables, "—" in HTML
};

// One value: absent, text (valid UTF-8, see Table::AddRow), integer, or a UTC instant.
using Cell = std::variant<std::monostate, std::string, int64_t, Instant>;

Cell OptionalText(const std::optional<std::string>& value);
Cell OptionalTime(const std::optional<Instant>& value);

// The text of a cell in CSV, tables and HTML: "" when absent, decimal integers, ISO 8601 times.
std::string CellText(const Cell& cell);

class Table {
 public:
  // `key`: the table's JSON key when it is nested in an object; `title`: its heading.
  Table(std::string key, std::string title, std::vector<Column> columns);

  // Adds a row of one cell per column, of the column's type (absent only in optional columns);
  // throws std::logic_error otherwise, a bug in the report's conversion. Text that is not valid
  // UTF-8 is repaired here (U+FFFD), so that no renderer has to.
  void AddRow(std::vector<Cell> row);

  const std::string& Key() const { return key_; }
  const std::string& Title() const { return title_; }
  const std::vector<Column>& Columns() const { return columns_; }
  const std::vector<std::vector<Cell>>& Rows() const { return rows_; }

 private:
  std::string key_;
  std::string title_;
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// How a document prints as JSON.
enum class JsonShape {
  kArray,   // one table: an array of one object per row
  kObject,  // the first table has one row (totals): its object, each further table nested in it
            // as an array under the table's key
};

// A chart of the HTML page, drawn as inline SVG (svg_chart.hpp).
enum class ChartKind {
  kOverTime,  // vertical bars in time order
  kRanking,   // horizontal bars, largest first
};

struct ChartBar {
  std::string label;  // under (over time) or beside (ranking) the bar
  int64_t value = 0;
  std::string detail;  // the bar's tooltip
};

struct Chart {
  ChartKind kind = ChartKind::kOverTime;
  std::string title;
  std::vector<ChartBar> bars = {};
};

struct ReportDocument {
  std::string title;        // "Apps"
  std::string description;  // one sentence: what a row is
  // What the report covers (window, filters, generation time), for the HTML header.
  std::vector<std::pair<std::string, std::string>> facts = {};
  JsonShape json_shape = JsonShape::kArray;
  std::vector<Table> tables = {};
  std::vector<Chart> charts = {};  // HTML only
};

}  // namespace auditsync
