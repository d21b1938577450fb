// SPDX-License-Identifier: Apache-2.0
//
// html.cc: the self-contained HTML page.
//
// Layout: a header with the run status, KPI tiles, a table of contents, then one <section> per
// report section. Text, takeaways and tables are written here, so the page reads without
// JavaScript and prints cleanly; charts are <canvas> elements that web/src/report.js fills from
// the model, which is embedded as an application/json script. A Content-Security-Policy of
// default-src 'none' makes the "no network" promise checkable: the browser refuses any fetch.
#include <string>

#include "flywheel/report/report.h"
#include "report_internal.h"

namespace fw::report {
namespace {

// Styles: screen first, then print rules that keep each chart with its caption, drop the
// navigation and let the page flow on A4/Letter.
constexpr std::string_view kStyle = R"CSS(
:root{--ink:#1d2430;--muted:#5b6472;--line:#e3e6eb;--accent:#2f6fde;--bad:#b00020;--good:#2e7d32}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#f5f6f8;line-height:1.45}
header{background:var(--ink);color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d1dc;font-size:13px}
.status{margin:14px 28px 0;padding:10px 14px;border-radius:6px;font-size:14px}
.status.complete{background:#e7f4ea;color:var(--good);border:1px solid #b9dfc2}
.status.incomplete{background:#fdecee;color:var(--bad);border:2px solid var(--bad);font-weight:600}
.status ul{margin:6px 0 0 18px;padding:0;font-weight:400}
main{max-width:1100px;margin:0 auto;padding:8px 28px 40px}
nav{margin:14px 0;font-size:13px}nav a{margin-right:12px;color:var(--accent);text-decoration:none}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin:14px 0}
.kpi{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.kpi b{display:block;font-size:20px}.kpi span{font-size:12px;color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
section h2{margin:0 0 6px;font-size:18px}
.takeaway{margin:4px 0 12px;font-size:15px}
figure{margin:14px 0 18px;break-inside:avoid;page-break-inside:avoid}
figcaption b{display:block;font-size:14px}figcaption span{font-size:13px;color:var(--muted)}
.chart-box{position:relative;height:300px;margin-top:6px}
.chart-box canvas{max-width:100%}
table{border-collapse:collapse;font-size:12.5px;margin:8px 0;width:100%}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f0f2f5}
.table-title{font-size:13px;font-weight:600;margin-top:12px}
.table-scroll{overflow-x:auto}
.note{font-size:12.5px;color:var(--muted)}
.warn{color:var(--bad);font-weight:600}
footer{font-size:12px;color:var(--muted);text-align:center;padding:12px}
@media print{
  body{background:#fff;font-size:11pt}
  header{background:#fff;color:#000;border-bottom:2px solid #000;padding:0 0 6px}
  header p{color:#333}
  nav{display:none}
  main{max-width:none;padding:0}
  section{border:none;padding:0;margin:10px 0 18px;break-before:auto}
  section h2{break-after:avoid}
  .chart-box{height:240px}
  .table-scroll{overflow:visible}
  table{font-size:9pt}
  th,td{white-space:normal}
}
)CSS";

void AppendTable(const nlohmann::json& table, std::string& out) {
  out += "<div class=\"table-title\">" + HtmlEscape(table.value("title", "")) + "</div>";
  out += "<div class=\"table-scroll\"><table";
  if (table.contains("id")) out += " id=\"" + HtmlEscape(table["id"].get<std::string>()) + "\"";
  out += table.value("heat", false) ? " class=\"heat\">" : ">";
  out += "<thead><tr>";
  for (const auto& column : table["columns"]) out += "<th>" + HtmlEscape(CellText(column)) + "</th>";
  out += "</tr></thead><tbody>";
  const bool heat = table.value("heat", false);
  for (const auto& row : table["rows"]) {
    out += "<tr>";
    for (size_t col = 0; col < row.size(); ++col) {
      const auto& cell = row[col];
      if (heat && col > 0 && cell.is_number()) {
        // Retention heat: the share as a blue intensity; text stays dark enough to read.
        const double share = cell.get<double>();
        const int alpha = static_cast<int>(std::min(1.0, std::max(0.0, share)) * 100.0 + 0.5);
        out += "<td style=\"background:rgba(47,111,222," + std::to_string(alpha) + "%)\">" +
               FormatPercent(share) + "</td>";
      } else {
        out += "<td>" + HtmlEscape(CellText(cell)) + "</td>";
      }
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  if (table.contains("note")) {
    out += "<p class=\"note\">" + HtmlEscape(table["note"].get<std::string>()) + "</p>";
  }
}

void AppendSection(const nlohmann::json& section, std::string& out) {
  const std::string id = section.value("id", "");
  out += "<section id=\"sec-" + HtmlEscape(id) + "\" data-section=\"" + HtmlEscape(id) + "\">";
  out += "<h2>" + HtmlEscape(section.value("title", id)) + "</h2>";
  if (section.contains("takeaway")) {
    out += "<p class=\"takeaway\">" + HtmlEscape(section["takeaway"].get<std::string>()) + "</p>";
  }
  for (const auto& warning : section.value("warnings", nlohmann::json::array())) {
    out += "<p class=\"warn\">" + HtmlEscape(warning.get<std::string>()) + "</p>";
  }
  for (const auto& chart : section.value("charts", nlohmann::json::array())) {
    const std::string chart_id = chart.value("id", "");
    out += "<figure class=\"chart\" data-chart=\"" + HtmlEscape(chart_id) + "\">";
    out += "<figcaption><b>" + HtmlEscape(chart.value("title", "")) + "</b>";
    if (chart.contains("takeaway")) {
      out += "<span>" + HtmlEscape(chart["takeaway"].get<std::string>()) + "</span>";
    }
    out += "</figcaption><div class=\"chart-box\"><canvas id=\"chart-" + HtmlEscape(chart_id) +
           "\" role=\"img\" aria-label=\"" + HtmlEscape(chart.value("title", "")) +
           "\"></canvas></div></figure>";
  }
  for (const auto& table : section.value("tables", nlohmann::json::array())) {
    AppendTable(table, out);
  }
  for (const auto& note : section.value("notes", nlohmann::json::array())) {
    out += "<p class=\"note\">" + HtmlEscape(note.get<std::string>()) + "</p>";
  }
  out += "</section>\n";
}

}  // namespace

std::string RenderHtml(const ReportModel& model, const HtmlAssets& assets) {
  const bool complete = model.value("complete", false);
  const std::string title = model.value("title", "Flywheel growth report");
  std::string out;
  out.reserve(assets.chart_js.size() + 256 * 1024);
  out += "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  // No request may leave the page: everything it needs is inline.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  out += "<title>" + HtmlEscape(title) + (complete ? "" : " (INCOMPLETE)") + "</title>";
  out += "<style>" + std::string(kStyle) + "</style></head>\n<body data-complete=\"" +
         (complete ? "true" : "false") + "\">";
  out += "<header><h1>" + HtmlEscape(title) + "</h1><p>Workspace " +
         HtmlEscape(model.value("workspace", "")) + " · " +
         HtmlEscape(model.value("data_range", "")) + "</p></header>";
  if (complete) {
    out += "<div class=\"status complete\" id=\"status\">Complete: every step that feeds this "
           "report succeeded.</div>";
  } else {
    out += "<div class=\"status incomplete\" id=\"status\">INCOMPLETE REPORT: some steps failed "
           "or their data is missing, so sections below may be absent or stale.<ul>";
    for (const auto& problem : model.value("problems", nlohmann::json::array())) {
      out += "<li>" + HtmlEscape(problem.get<std::string>()) + "</li>";
    }
    out += "</ul></div>";
  }
  out += "<main>";
  if (model.contains("kpis") && !model["kpis"].empty()) {
    out += "<div class=\"kpis\" id=\"kpis\">";
    for (const auto& kpi : model["kpis"]) {
      out += "<div class=\"kpi\"><b>" + HtmlEscape(kpi.value("value", "")) + "</b><span>" +
             HtmlEscape(kpi.value("label", "")) + "</span></div>";
    }
    out += "</div>";
  }
  out += "<nav>";
  for (const auto& section : model["sections"]) {
    out += "<a href=\"#sec-" + HtmlEscape(section.value("id", "")) + "\">" +
           HtmlEscape(section.value("title", "")) + "</a>";
  }
  out += "</nav>\n";
  for (const auto& section : model["sections"]) AppendSection(section, out);
  out += "</main><footer>Generated by flywheel report. Every number above is computed from the "
         "workspace; charts are drawn in the page with no network access.</footer>\n";
  // The model as data for report.js. "</" is escaped so no string can close the element.
  out += "<script type=\"application/json\" id=\"fw-report-data\">" +
         InlineJson(model.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) +
         "</script>\n";
  out += "<script>" + InlineJson(assets.chart_js) + "</script>\n";
  out += "<script>" + InlineJson(assets.charts_js) + "</script>\n";
  out += "<script>" + InlineJson(assets.report_js) + "</script>\n";
  out += "</body></html>\n";
  return out;
}

}  // namespace fw::report
