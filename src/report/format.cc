// SPDX-License-Identifier: Apache-2.0
//
// format.cc: number formatting, escaping and chart-object helpers for the report.
#include <cmath>
#include <cstdio>
#include <string>

#include "report_internal.h"

namespace fw::report::internal {
namespace {

std::string WithThousands(std::string digits) {
  // `digits` is an unsigned integer part; insert a comma every three digits from the right.
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    out += digits[i];
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out += ',';
  }
  return out;
}

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string text = buf;
  const size_t dot = text.find('.');
  std::string integer = dot == std::string::npos ? text : text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot);
  const bool negative = value < 0 && text.find_first_not_of("0.") != std::string::npos;
  return (negative ? "-" : "") + WithThousands(integer) + fraction;
}

}  // namespace

std::optional<double> Num(const json& j) {
  double value = 0;
  if (j.is_number()) {
    value = j.get<double>();
  } else if (j.is_string()) {
    try {
      size_t used = 0;
      value = std::stod(j.get<std::string>(), &used);
      if (used != j.get<std::string>().size()) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<double> NumAt(const json& j, std::string_view key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(std::string(key));
  if (it == j.end()) return std::nullopt;
  return Num(*it);
}

std::string FormatMoney(double value) { return Fixed(value, 2); }
std::string FormatCount(double value) { return Fixed(std::round(value), 0); }

std::string FormatPercent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * share);
  return buf;
}

std::string FormatSignedPercent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * share);
  return buf;
}

std::string FormatShort(double value) {
  char buf[32];
  if (std::fabs(value) >= 1000) return Fixed(value, 0);
  std::snprintf(buf, sizeof buf, "%.3g", value);
  return buf;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string InlineJson(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string CellText(const json& cell) {
  if (cell.is_string()) return cell.get<std::string>();
  if (cell.is_number_integer() || cell.is_number_unsigned()) {
    return FormatCount(cell.get<double>());
  }
  if (cell.is_number_float()) {
    const auto value = Num(cell);
    return value ? FormatShort(*value) : "–";
  }
  if (cell.is_boolean()) return cell.get<bool>() ? "yes" : "no";
  if (cell.is_null()) return "–";
  return cell.dump();
}

json Series(std::string name, json data) {
  return {{"name", std::move(name)}, {"data", std::move(data)}};
}

json MakeChart(std::string id, std::string title, std::string type, std::string x_label,
               std::string y_label, json labels, json series, std::string takeaway) {
  return {{"id", std::move(id)},         {"title", std::move(title)},
          {"type", std::move(type)},     {"x_label", std::move(x_label)},
          {"y_label", std::move(y_label)}, {"labels", std::move(labels)},
          {"series", std::move(series)}, {"takeaway", std::move(takeaway)}};
}

}  // namespace fw::report::internal
