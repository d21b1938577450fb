// SPDX-License-Identifier: Apache-2.0
//
// dashboard_test.js: the live dashboard of a running `flywheel serve` in headless Chromium:
//   - a wrong key and a write-only key are refused at the login form (401, no session cookie);
//   - logging in with a read key shows the dashboard without console errors, every panel has
//     data (no "panels without data"), and every chart (canvas or SVG) has something drawn;
//   - events posted through the API (write key) change the "events in frame" KPI on screen
//     within the refresh interval (dashboard REFRESH_MS plus the server's frame reload);
//   - a full-page screenshot is saved as a test artifact.
//   node dashboard_test.js BASE_URL READ_KEY WRITE_KEY ARTIFACT_DIR
// Exit 0 = pass, 1 = fail (each failure printed). run_dashboard_test.sh starts the server.
'use strict';
const path = require('path');
const fs = require('fs');
const { launch, collectConsoleErrors, finish, run } = require('./browser');

const REFRESH_MS = 3000;        // the dashboard's refresh interval (src/server/dashboard.cc)
const FRAME_RELOAD_MS = 300;    // --frame-reload-ms in run_dashboard_test.sh
const SLACK_MS = 2000;          // a shared, noisy machine

async function login(browser, base, key) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.fill('#key', key);
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click('button[type=submit]'),
  ]);
  const cookies = await context.cookies();
  return { context, page, response, session: cookies.find((c) => c.name === 'fw_session') };
}

async function kpi(page, label) {
  return page.$eval(`[data-kpi="${label}"] b`, (b) => b.textContent).catch(() => null);
}

async function main() {
  const [base, readKey, writeKey, artifacts] = process.argv.slice(2);
  if (!base || !readKey || !writeKey || !artifacts) {
    throw new Error('usage: dashboard_test.js BASE_URL READ_KEY WRITE_KEY ARTIFACT_DIR');
  }
  fs.mkdirSync(artifacts, { recursive: true });
  const failures = [];
  const browser = await launch();
  try {
    // 1. Refused keys: a made-up one and a write-only one.
    for (const [what, key] of [['a wrong key', 'fwk_000000000000_' + '0'.repeat(64)],
      ['a write-only key', writeKey]]) {
      const r = await login(browser, base, key);
      if (r.response.status() !== 401) failures.push(`${what}: login answered ${r.response.status()}, expected 401`);
      if (r.session) failures.push(`${what}: a session cookie was set`);
      if (!(await r.page.$('#login-error'))) failures.push(`${what}: no "refused" message on the form`);
      if (await r.page.$('#kpis')) failures.push(`${what}: the dashboard was shown`);
      await r.context.close();
    }

    // 2. A read key logs in; the dashboard renders with data.
    const { context, page, response, session } = await login(browser, base, readKey);
    const consoleErrors = collectConsoleErrors(page);
    page.on('response', (r) => { if (r.status() >= 400) consoleErrors.push(`HTTP ${r.status()} for ${r.url()}`); });
    if (response.status() !== 200) failures.push(`read key: dashboard answered ${response.status()}`);
    if (!session || !session.httpOnly) failures.push('read key: no HttpOnly fw_session cookie');
    // The console listener is attached after the first load: reload once so the first refresh
    // is observed too, then wait for a complete refresh round.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => /^updated/.test(document.getElementById('status').textContent),
      null, { timeout: 20000 });
    const state = await page.evaluate(() => {
      const charts = [];
      document.querySelectorAll('main canvas').forEach((canvas, i) => {
        const chart = window.Chart && window.Chart.getChart(canvas);
        let points = 0;
        if (chart) chart.data.datasets.forEach((d) => d.data.forEach((v) => { if (v !== null && v !== undefined) points++; }));
        charts.push({ id: canvas.id || 'canvas' + i, kind: 'canvas', marks: points });
      });
      document.querySelectorAll('main svg').forEach((svg, i) => {
        const panel = svg.closest('section');
        charts.push({ id: (panel && panel.querySelector('h2').textContent) || 'svg' + i, kind: 'svg',
          marks: svg.querySelectorAll('rect, line, circle, path, polyline').length });
      });
      return {
        status: document.getElementById('status').textContent,
        kpis: [...document.querySelectorAll('[data-kpi]')].map((k) => k.dataset.kpi),
        charts,
        text: document.body.innerText,
      };
    });
    if (/panels without data/.test(state.status)) failures.push('dashboard status: ' + state.status);
    if (state.kpis.length < 5) failures.push(`only ${state.kpis.length} KPIs on screen`);
    if (state.charts.length < 3) failures.push(`only ${state.charts.length} charts on the dashboard`);
    for (const c of state.charts) {
      if (c.marks === 0) failures.push(`chart "${c.id}" (${c.kind}) has no data drawn`);
    }
    if (/\bNaN\b|undefined/.test(state.text)) failures.push('the dashboard shows NaN or undefined');

    // 3. Events posted with the write key show up in a KPI within the refresh interval.
    const before = await kpi(page, 'events in frame');
    const now = Date.now();
    const events = [];
    for (let i = 0; i < 50; i++) {
      events.push({ event_id: `dashboard-test-${now}-${i}`, user_id: `live-${i % 7}`,
        event: i % 10 === 0 ? 'purchase' : 'view', timestamp: new Date(now - i * 1000).toISOString(),
        channel: 'email', revenue: i % 10 === 0 ? 10 : undefined });
    }
    const posted = await fetch(base + '/v1/events', {
      method: 'POST', body: JSON.stringify(events),
      headers: { Authorization: 'Bearer ' + writeKey, 'Content-Type': 'application/json' },
    });
    const answer = await posted.json();
    if (posted.status !== 200 || answer.accepted !== 50) {
      failures.push(`POST /v1/events: ${posted.status} ${JSON.stringify(answer)}`);
    }
    const limit = REFRESH_MS + FRAME_RELOAD_MS + SLACK_MS;
    const t0 = Date.now();
    let after = before;
    while (Date.now() - t0 < limit && after === before) {
      await page.waitForTimeout(100);
      after = await kpi(page, 'events in frame');
    }
    const waited = Date.now() - t0;
    if (after === before) failures.push(`"events in frame" stayed ${before} for ${waited} ms after posting 50 events`);
    console.log(`KPI "events in frame": ${before} -> ${after} after ${waited} ms (limit ${limit} ms)`);

    await page.screenshot({ path: path.join(artifacts, 'dashboard.png'), fullPage: true });
    if (consoleErrors.length) failures.push('console errors: ' + consoleErrors.join(' | '));
    console.log(`charts: ${state.charts.map((c) => `${c.id}=${c.marks}`).join(', ')}`);
    console.log(`artifact: ${path.join(artifacts, 'dashboard.png')}`);
    await context.close();
  } finally {
    await browser.close();
  }
  finish(failures);
}

run(main);
