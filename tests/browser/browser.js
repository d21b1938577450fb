// SPDX-License-Identifier: Apache-2.0
//
// browser.js: what the headless Chromium tests share: launching Debian's chromium through
// playwright-core with the flags this machine needs (no sandbox as root, no background network),
// collecting a page's console errors, and the PASS/FAIL exit.
'use strict';
const path = require('path');
const source = process.env.FW_SOURCE_DIR || path.join(__dirname, '..', '..');
const { chromium } = require(path.join(source, 'web', 'node_modules', 'playwright-core'));

function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
}

// Returns the list that console errors and uncaught page errors of `page` are pushed to.
function collectConsoleErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  return errors;
}

// Prints the failures and exits 1, or prints PASS.
function finish(failures) {
  if (failures.length) {
    failures.forEach((f) => console.error('FAIL: ' + f));
    process.exit(1);
  }
  console.log('PASS');
}

function run(main) {
  main().catch((e) => { console.error('FAIL: ' + e.stack); process.exit(1); });
}

module.exports = { launch, collectConsoleErrors, finish, run };
