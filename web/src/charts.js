// SPDX-License-Identifier: Apache-2.0
// Flywheel's shared chart layer over Chart.js (global `Chart`), used by the live dashboard and by
// the HTML report, so both draw the same metric the same way. Every helper takes a <canvas> and a
// plain-data description and returns the Chart instance (or updates the one already on it).
(function (global) {
  'use strict';
  const FW = global.FW || (global.FW = {});

  // One colour per series, readable in print and for common colour-vision deficiencies.
  FW.palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf'];

  // Creates a chart on `canvas`, or replaces the data of the chart already there (no flicker on a
  // dashboard refresh).
  FW.chart = function (canvas, config) {
    const existing = global.Chart.getChart(canvas);
    if (existing && existing.config.type === config.type) {
      existing.data = config.data;
      existing.update('none');
      return existing;
    }
    if (existing) existing.destroy();
    config.options = Object.assign({ animation: false, responsive: true,
      maintainAspectRatio: false }, config.options || {});
    return new global.Chart(canvas, config);
  };
})(typeof window !== 'undefined' ? window : globalThis);
