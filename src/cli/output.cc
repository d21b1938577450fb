// SPDX-License-Identifier: Apache-2.0
//
// output.cc: JSON and table printing.
#include "output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace fw::cli {
namespace {

bool LooksNumeric(const std::string& cell) {
  if (cell.empty()) return false;
  return std::all_of(cell.begin(), cell.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ',' || c == '%' || c == 'e' ||
           c == '+';
  });
}

// Display width of a UTF-8 string: counts code points, not bytes.
size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

}  // namespace

void PrintJson(const nlohmann::json& doc) {
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  for (size_t col = 0; col < header.size(); ++col) widths[col] = DisplayWidth(header[col]);
  for (const auto& row : rows) {
    for (size_t col = 0; col < row.size() && col < widths.size(); ++col) {
      widths[col] = std::max(widths[col], DisplayWidth(row[col]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row, bool is_header) {
    std::string line;
    for (size_t col = 0; col < widths.size(); ++col) {
      const std::string cell = col < row.size() ? row[col] : "";
      const std::string pad(widths[col] - DisplayWidth(cell), ' ');
      if (col > 0) line += "  ";
      if (!is_header && LooksNumeric(cell)) {
        line += pad + cell;
      } else {
        line += cell + (col + 1 == widths.size() ? "" : pad);
      }
    }
    std::cout << line << "\n";
  };
  print_row(header, true);
  std::string rule;
  for (size_t col = 0; col < widths.size(); ++col) {
    if (col > 0) rule += "  ";
    rule += std::string(widths[col], '-');
  }
  std::cout << rule << "\n";
  for (const auto& row : rows) print_row(row, false);
}

nlohmann::json JsonNumber(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

std::string FormatNumber(double value, int digits) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string FormatMoney(double value) {
  if (!std::isfinite(value)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::fabs(value));
  const std::string text = buf;
  const size_t dot = text.find('.');
  std::string out;
  for (size_t i = 0; i < dot; ++i) {
    if (i > 0 && (dot - i) % 3 == 0) out += ',';
    out += text[i];
  }
  out += text.substr(dot);
  return value < 0 && out != "0.00" ? "-" + out : out;
}

std::string FormatCount(long long value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace fw::cli
