// SPDX-License-Identifier: Apache-2.0
//
// markdown.cc: the report as Markdown, for e-mail and issue trackers. Each chart becomes its
// takeaway plus its data as a table, so nothing is lost without the pictures.
#include <string>

#include "flywheel/report/report.h"
#include "report_internal.h"

namespace fw::report {
namespace {

std::string Cell(const nlohmann::json& value) {
  std::string text = CellText(value);
  if (value.is_array() && value.size() == 2) {
    text = "[" + CellText(value[0]) + ", " + CellText(value[1]) + "]";
  }
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void AppendRow(const std::vector<std::string>& cells, std::string& out) {
  out += "|";
  for (const auto& cell : cells) out += " " + cell + " |";
  out += "\n";
}

void AppendChartData(const nlohmann::json& chart, std::string& out) {
  const auto& series = chart["series"];
  if (chart.value("type", "") == "xy") {
    // Numeric x: one block per series, x then y.
    for (const auto& s : series) {
      out += "\n" + s.value("name", "") + " (" + chart.value("x_label", "") + " → " +
             chart.value("y_label", "") + "): ";
      std::string points;
      const auto& data = s["data"];
      const size_t step = data.size() > 12 ? data.size() / 12 : 1;
      for (size_t i = 0; i < data.size(); i += step) {
        points += (points.empty() ? "" : ", ") + CellText(data[i][0]) + " → " + CellText(data[i][1]);
      }
      out += points + "\n";
    }
    return;
  }
  std::vector<std::string> header = {chart.value("type", "") == "hbar" ||
                                             chart.value("type", "") == "forest"
                                         ? chart.value("y_label", "")
                                         : chart.value("x_label", "")};
  for (const auto& s : series) header.push_back(Cell(s["name"]));
  out += "\n";
  AppendRow(header, out);
  AppendRow(std::vector<std::string>(header.size(), "---"), out);
  const auto& labels = chart["labels"];
  for (size_t i = 0; i < labels.size(); ++i) {
    std::vector<std::string> row = {Cell(labels[i])};
    for (const auto& s : series) row.push_back(i < s["data"].size() ? Cell(s["data"][i]) : "");
    AppendRow(row, out);
  }
}

}  // namespace

std::string RenderMarkdown(const ReportModel& model) {
  std::string out = "# " + model.value("title", "Flywheel growth report") + "\n\n";
  out += "Workspace `" + model.value("workspace", "") + "`";
  if (model.contains("data_range")) out += ", " + model["data_range"].get<std::string>();
  out += "\n\n";
  if (model.value("complete", false)) {
    out += "**Status: complete.**\n";
  } else {
    out += "**Status: INCOMPLETE.** Some steps failed or their data is missing:\n\n";
    for (const auto& problem : model.value("problems", nlohmann::json::array())) {
      out += "- " + problem.get<std::string>() + "\n";
    }
  }
  if (model.contains("kpis") && !model["kpis"].empty()) {
    out += "\n";
    for (const auto& kpi : model["kpis"]) {
      out += "- **" + kpi.value("label", "") + "**: " + kpi.value("value", "") + "\n";
    }
  }
  for (const auto& section : model["sections"]) {
    out += "\n## " + section.value("title", "") + "\n\n";
    if (section.contains("takeaway")) out += section["takeaway"].get<std::string>() + "\n";
    for (const auto& warning : section.value("warnings", nlohmann::json::array())) {
      out += "\n**Warning:** " + warning.get<std::string>() + "\n";
    }
    for (const auto& chart : section.value("charts", nlohmann::json::array())) {
      out += "\n### " + chart.value("title", "") + "\n\n";
      if (chart.contains("takeaway")) out += "*" + chart["takeaway"].get<std::string>() + "*\n";
      AppendChartData(chart, out);
    }
    for (const auto& table : section.value("tables", nlohmann::json::array())) {
      out += "\n**" + table.value("title", "") + "**\n\n";
      std::vector<std::string> header;
      for (const auto& column : table["columns"]) header.push_back(Cell(column));
      AppendRow(header, out);
      AppendRow(std::vector<std::string>(header.size(), "---"), out);
      const bool heat = table.value("heat", false);
      for (const auto& row : table["rows"]) {
        std::vector<std::string> cells;
        for (size_t c = 0; c < row.size(); ++c) {
          cells.push_back(heat && c > 0 && row[c].is_number()
                              ? FormatPercent(row[c].get<double>())
                              : Cell(row[c]));
        }
        AppendRow(cells, out);
      }
    }
    for (const auto& note : section.value("notes", nlohmann::json::array())) {
      out += "\n" + note.get<std::string>() + "\n";
    }
  }
  return out;
}

}  // namespace fw::report
