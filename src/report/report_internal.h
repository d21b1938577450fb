// SPDX-License-Identifier: Apache-2.0
//
// report_internal.h: formatting and chart-building helpers shared by the section builders and the
// renderers. Private to fw_report.
//
// Thread safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::report::internal {

using nlohmann::json;

// A finite number from `j` (number or numeric text), else nullopt. JSON null (the commands'
// "cannot be computed") stays nullopt, so no NaN ever reaches a chart or a sentence.
std::optional<double> Num(const json& j);
// Num(j[key]) when `j` is an object holding `key`.
std::optional<double> NumAt(const json& j, std::string_view key);

// 1234.5 -> "1,234.50"; counts drop the decimals.
std::string FormatMoney(double value);
std::string FormatCount(double value);
// 0.1234 -> "12.3%".
std::string FormatPercent(double share);
// %.3g-style for general figures ("0.0412", "12.3", "1.2e+06").
std::string FormatShort(double value);
// A signed percentage: 0.052 -> "+5.2%".
std::string FormatSignedPercent(double share);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);
// Escapes "</" so the text can sit inside a <script> element.
std::string InlineJson(std::string_view text);
// A table cell as text: strings as-is, numbers formatted, null as an en dash.
std::string CellText(const json& cell);

// Builds a chart object of the model (see report.h).
json MakeChart(std::string id, std::string title, std::string type, std::string x_label,
               std::string y_label, json labels, json series, std::string takeaway);
// One series: {"name", "data"}.
json Series(std::string name, json data);

// Section builders: each returns the section object, or null when its input is absent. A
// present-but-unusable input adds a sentence to `problems` and returns null.
json BuildOverview(const json& inputs, json& kpis, std::string& data_range);
json BuildAcquisition(const json& inputs, json& findings, json& problems);
json BuildRetention(const json& inputs, json& findings, json& problems);
json BuildFunnel(const json& inputs, json& findings, json& problems);
json BuildLifecycle(const json& inputs, json& findings, json& problems);
json BuildSegments(const json& inputs, json& findings, json& problems);
json BuildExperiments(const json& inputs, json& findings, json& problems);
json BuildBandits(const json& inputs, json& findings, json& problems);
json BuildMmm(const json& inputs, json& findings, json& problems);
json BuildClv(const json& inputs, json& findings, json& problems);

}  // namespace fw::report::internal

namespace fw::report {
using internal::CellText;
using internal::FormatPercent;
using internal::HtmlEscape;
using internal::InlineJson;
}  // namespace fw::report
