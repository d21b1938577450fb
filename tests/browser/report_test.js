// SPDX-License-Identifier: Apache-2.0
//
// report_test.js: opens a `flywheel report` HTML file from disk in headless Chromium and checks
// that it works with nothing but a browser: no console errors, no request leaves the page, every
// section has its charts drawn with data (and the retention heatmap has cells), and the page
// prints. Saves a full-page screenshot and a PDF print as test artifacts.
//   node report_test.js REPORT.html ARTIFACT_DIR [EXPECTED_SECTIONS_COMMA_LIST]
// Exit 0 = pass, 1 = fail (each failure printed).
'use strict';
const path = require('path');
const fs = require('fs');
const { launch, collectConsoleErrors, finish, run } = require('./browser');

async function main() {
  const [report, artifacts, expected] = process.argv.slice(2);
  if (!report || !artifacts) throw new Error('usage: report_test.js REPORT.html ARTIFACT_DIR [SECTIONS]');
  fs.mkdirSync(artifacts, { recursive: true });
  const failures = [];
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests = [];
    const consoleErrors = collectConsoleErrors(page);
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith('data:') && url !== 'file://' + path.resolve(report)) requests.push(url);
    });
    await page.goto('file://' + path.resolve(report), { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]', { timeout: 20000 });
    const result = await page.evaluate(() => {
      const charts = [...document.querySelectorAll('figure.chart canvas')].map((canvas) => {
        const chart = window.Chart && window.Chart.getChart(canvas);
        let points = 0;
        if (chart) {
          chart.data.datasets.forEach((d) => d.data.forEach((v) => {
            if (v !== null && v !== undefined) points++;
          }));
        }
        // Drawn: some pixel of the canvas is not transparent.
        let drawn = false;
        const ctx = canvas.getContext('2d');
        if (canvas.width > 0 && canvas.height > 0) {
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4 * 7) { if (pixels[i] !== 0) { drawn = true; break; } }
        }
        const figure = canvas.closest('figure');
        return {
          id: canvas.id, section: canvas.closest('section').dataset.section, points, drawn,
          title: figure.querySelector('figcaption b').textContent,
          takeaway: (figure.querySelector('figcaption span') || {}).textContent || '',
          xTitle: chart ? chart.options.scales.x.title.text : '',
          yTitle: chart ? chart.options.scales.y.title.text : '',
        };
      });
      return {
        sections: [...document.querySelectorAll('section[data-section]')].map((s) => s.dataset.section),
        charts,
        heatmapCells: document.querySelectorAll('#retention-heatmap td').length,
        complete: document.body.dataset.complete,
        state: window.fwReport,
        text: document.body.innerText,
      };
    });
    if (consoleErrors.length) failures.push('console errors: ' + consoleErrors.join(' | '));
    if (requests.length) failures.push('requests left the page: ' + requests.join(', '));
    if (result.state.errors.length) failures.push('report.js errors: ' + result.state.errors.join(' | '));
    if (/\bNaN\b|undefined/.test(result.text)) failures.push('the page shows NaN or undefined');
    for (const section of result.sections) {
      const charts = result.charts.filter((c) => c.section === section);
      if (section !== 'overview' && charts.length === 0) failures.push(`section ${section} has no chart`);
      for (const c of charts) {
        if (c.points === 0) failures.push(`${c.id} (${section}) has no data`);
        if (!c.drawn) failures.push(`${c.id} (${section}) is blank`);
        if (!c.title || !c.takeaway) failures.push(`${c.id} lacks a title or takeaway`);
        if (!c.xTitle || !c.yTitle) failures.push(`${c.id} lacks an axis title`);
      }
    }
    if (result.sections.includes('retention') && result.heatmapCells === 0) {
      failures.push('the retention heatmap has no cells');
    }
    if (expected) {
      for (const section of expected.split(',')) {
        if (!result.sections.includes(section)) failures.push(`section ${section} is missing`);
      }
    }
    await page.screenshot({ path: path.join(artifacts, 'report.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: path.join(artifacts, 'report.pdf'), format: 'A4', printBackground: true });
    console.log(`sections: ${result.sections.join(', ')}`);
    console.log(`charts: ${result.charts.length}, points: ${result.charts.reduce((n, c) => n + c.points, 0)}, ` +
                `heatmap cells: ${result.heatmapCells}, complete: ${result.complete}`);
    console.log(`artifacts: ${path.join(artifacts, 'report.png')}, ${path.join(artifacts, 'report.pdf')}`);
  } finally {
    await browser.close();
  }
  finish(failures);
}

run(main);
