// SPDX-License-Identifier: Apache-2.0
//
// report.js: draws the charts of a `flywheel report` page from the model embedded in
// <script id="fw-report-data" type="application/json">. Inlined into report.html by the binary
// (fw_web embeds every file of web/src/), after Chart.js and charts.js.
//
// Chart kinds (see include/flywheel/report/report.h): bar, hbar, stacked, line, xy (numeric x),
// forest (interval per row plus a point estimate). Every chart gets its title and axis titles
// from the model. Animation is off so a chart is complete the moment the page loads, for print
// and for screenshots. What was drawn is recorded in window.fwReport for the browser test.
(function () {
  "use strict";
  const shared = window.FW || {};  // charts.js: palette and chart(), shared with the dashboard
  const PALETTE = shared.palette || ["#2f6fde", "#e8743b", "#19a979", "#945ecf", "#ed4a7b",
                                      "#13a4b4", "#bf8b00", "#6c757d", "#525df4", "#b3446c"];
  const state = { rendered: [], errors: [] };
  window.fwReport = state;

  function color(i, alpha) {
    const hex = PALETTE[i % PALETTE.length];
    if (alpha === undefined) return hex;
    const n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function axis(title, extra) {
    return Object.assign({ title: { display: !!title, text: title || "" } }, extra || {});
  }

  function baseOptions(spec) {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
      plugins: {
        title: { display: false },
        legend: { display: spec.series.length > 1, position: "bottom" },
      },
      scales: {
        x: axis(spec.x_label),
        y: axis(spec.y_label),
      },
    };
  }

  function config(spec) {
    const options = baseOptions(spec);
    const labels = spec.labels || [];
    switch (spec.type) {
      case "bar":
      case "stacked":
      case "hbar": {
        if (spec.type === "hbar") options.indexAxis = "y";
        if (spec.type === "stacked") {
          options.scales.x.stacked = true;
          options.scales.y.stacked = true;
        }
        return {
          type: "bar",
          data: {
            labels: labels,
            datasets: spec.series.map((s, i) => ({
              label: s.name, data: s.data, backgroundColor: color(i, 0.8), borderColor: color(i),
            })),
          },
          options: options,
        };
      }
      case "line":
        return {
          type: "line",
          data: {
            labels: labels,
            datasets: spec.series.map((s, i) => ({
              label: s.name, data: s.data, borderColor: color(i), backgroundColor: color(i, 0.2),
              spanGaps: false, pointRadius: 2, borderDash: s.dashed ? [6, 4] : undefined,
            })),
          },
          options: options,
        };
      case "xy":
        options.scales.x.type = "linear";
        return {
          type: "line",
          data: {
            datasets: spec.series.map((s, i) => ({
              label: s.name,
              data: s.data.map((p) => ({ x: p[0], y: p[1] })),
              borderColor: color(i), backgroundColor: color(i, 0.2),
              pointRadius: s.points ? 4 : 0, showLine: !s.points,
              borderDash: s.dashed ? [6, 4] : undefined,
            })),
          },
          options: options,
        };
      case "forest": {
        // Rows down the page; series[0] holds [lo, hi] per row, series[1] the estimate.
        options.indexAxis = "y";
        options.plugins.legend.display = true;
        return {
          type: "bar",
          data: {
            labels: labels,
            datasets: [
              { label: spec.series[0].name, data: spec.series[0].data, backgroundColor:
                  spec.series[0].data.map((_, i) => (spec.colors && spec.colors[i]) || color(0, 0.45)),
                barPercentage: 0.35 },
              { type: "line", label: spec.series[1].name, data: spec.series[1].data,
                indexAxis: "y", showLine: false, pointRadius: 5, pointStyle: "rectRot",
                borderColor: "#1d2430", backgroundColor: "#1d2430" },
            ],
          },
          options: options,
        };
      }
      default:
        throw new Error("unknown chart type " + spec.type);
    }
  }

  function countPoints(spec) {
    let n = 0;
    spec.series.forEach((s) => s.data.forEach((v) => { if (v !== null && v !== undefined) n++; }));
    return n;
  }

  function drawAll() {
    const node = document.getElementById("fw-report-data");
    if (!node) { state.errors.push("no report data"); return; }
    const model = JSON.parse(node.textContent);
    if (typeof Chart === "undefined") { state.errors.push("Chart.js is not loaded"); return; }
    (model.sections || []).forEach((section) => {
      (section.charts || []).forEach((spec) => {
        const canvas = document.getElementById("chart-" + spec.id);
        if (!canvas) { state.errors.push("no canvas for " + spec.id); return; }
        try {
          const chart = shared.chart ? shared.chart(canvas, config(spec))
                                     : new Chart(canvas, config(spec));
          state.rendered.push({ id: spec.id, section: section.id, points: countPoints(spec),
                                datasets: chart.data.datasets.length });
        } catch (e) {
          state.errors.push(spec.id + ": " + e.message);
          console.error("chart " + spec.id + ": " + e.message);
        }
      });
    });
    document.body.setAttribute("data-rendered", "true");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
