#include "report/report_model.hpp"

#include <stdexcept>

#include "report/utf8.hpp"

namespace auditsync {
namespace {

bool Fits(const Cell& cell, const Column& column) {
  switch (column.type) {
    case ColumnType::kText:
      if (std::holds_alternative<std::string>(cell)) return true;
      break;
    case ColumnType::kInteger:
      if (std::holds_alternative<int64_t>(cell)) return true;
      break;
    case ColumnType::kTime:
      if (std::holds_alternative<Instant>(cell)) return true;
      break;
  }
  return column.optional && std::holds_alternative<std::monostate>(cell);
}

}  // namespace

Cell OptionalText(const std::optional<std::string>& value) {
  return value ? Cell(*value) : Cell(std::monostate{});
}

Cell OptionalTime(const std::optional<Instant>& value) {
  return value ? Cell(*value) : Cell(std::monostate{});
}

std::string CellText(const Cell& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* number = std::get_if<int64_t>(&cell)) return std::to_string(*number);
  if (const auto* time = std::get_if<Instant>(&cell)) return FormatIso8601(*time);
  return "";
}

Table::Table(std::string key, std::string title, std::vector<Column> columns)
    : key_(std::move(key)), title_(std::move(title)), columns_(std::move(columns)) {}

void Table::AddRow(std::vector<Cell> row) {
  if (row.size() != columns_.size()) {
    throw std::logic_error("table " + key_ + ": a row of " + std::to_string(row.size()) +
                           " cells for " + std::to_string(columns_.size()) + " columns");
  }
  for (size_t i = 0; i < row.size(); ++i) {
    if (!Fits(row[i], columns_[i])) {
      throw std::logic_error("table " + key_ + ": the cell of column " + columns_[i].name +
                             " is not of its type");
    }
    if (auto* text = std::get_if<std::string>(&row[i])) *text = ValidUtf8(*text);
  }
  rows_.push_back(std::move(row));
}

}  // namespace auditsync
