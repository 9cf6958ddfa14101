#!/usr/bin/env node
// Test-only: open a self-contained HTML report (a local file) in headless Chromium and check it.
//
//   node tests/browser/check.mjs REPORT.html SCREENSHOT.png
//        [--expect-text TEXT ...] [--click SELECTOR ...] [--width W --height H]
//        [--timeout SECONDS] [--allow-warnings]
//
// Drives the system Chromium (Debian's /usr/bin/chromium, or $CHROMIUM) through
// playwright-core, so no browser is downloaded. The report is opened as file://; every
// request to anything but file: (and data:/blob:, which stay in the page) is blocked and
// recorded, since a self-contained report must make none. Console messages of type
// error and warning and uncaught page errors are collected; after load each
// --expect-text must be visible in the page (its rendered text or an SVG <text>) as it
// stands after load, before any click; each --click selector is clicked in order (the first
// element it matches) and must raise no new error; then a full-page screenshot is written
// of the page as the clicks left it. --allow-warnings lets console warnings pass (they are
// still listed).
//
// Prints exactly one JSON object on stdout:
//   {ok, console_errors:[{type,text,location}], page_errors:[{message,stack}],
//    blocked_requests:[url], missing_text:[text], title, screenshot, bytes,
//    clicks:[{selector,ok,error,new_errors}], file_requests:[url], dialogs:[{type,message}],
//    viewport:{width,height}, browser, elapsed_ms, error}
// Exit status: 0 only if ok; 1 when a check failed (including a report that never finishes
// loading or stops answering); 2 when the check could not run (usage, report missing,
// playwright-core not installed, Chromium missing or not starting, or the overall --timeout
// watchdog firing). `error` says why, in both of the last two cases.
// Everything is bounded by --timeout (default 60 s) overall.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const started = Date.now();

const result = {
  ok: false,
  console_errors: [],
  page_errors: [],
  blocked_requests: [],
  missing_text: [],
  title: null,
  screenshot: null,
  bytes: 0,
  clicks: [],
  file_requests: [],
  dialogs: [],
  viewport: null,
  browser: null,
  elapsed_ms: 0,
  error: null,
};

let emitted = false;
function emit(code) {
  if (emitted) return;
  emitted = true;
  result.elapsed_ms = Date.now() - started;
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exitCode = code;
}

function usage(msg) {
  result.error = `usage: ${msg}; node check.mjs REPORT.html SCREENSHOT.png [--expect-text TEXT ...] [--click SELECTOR ...] [--width W --height H] [--timeout SECONDS] [--allow-warnings]`;
  emit(2);
}

// ---- arguments
const opts = { expect: [], click: [], width: 1280, height: 800, timeoutS: 60, allowWarnings: false };
const positional = [];
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer, got ${JSON.stringify(v)}`);
      return n;
    };
    try {
      if (a === '--expect-text') opts.expect.push(value());
      else if (a === '--click') opts.click.push(value());
      else if (a === '--width') opts.width = int();
      else if (a === '--height') opts.height = int();
      else if (a === '--timeout') opts.timeoutS = int();
      else if (a === '--allow-warnings') opts.allowWarnings = true;
      else if (a === '--') positional.push(...argv.slice(i + 1)), (i = argv.length);
      else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
      else positional.push(a);
    } catch (e) {
      usage(e.message);
    }
    if (emitted) break;
  }
}

if (!emitted && positional.length !== 2) usage(`expected REPORT.html and SCREENSHOT.png, got ${positional.length} argument(s)`);
if (!emitted) await main();

async function main() {
  const report = path.resolve(positional[0]);
  const screenshot = path.resolve(positional[1]);
  result.screenshot = screenshot;
  result.viewport = { width: opts.width, height: opts.height };
  const deadline = started + opts.timeoutS * 1000;
  const left = (cap = Infinity) => Math.max(1000, Math.min(cap, deadline - Date.now()));

  if (!fs.existsSync(report) || !fs.statSync(report).isFile()) {
    result.error = `report not found: ${report}`;
    return emit(2);
  }

  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    result.error = `playwright-core not installed (run: npm ci --prefix tests/browser): ${e.message.split('\n')[0]}`;
    return emit(2);
  }

  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    result.error = `chromium not found at ${executablePath} (apt-get install chromium, or set CHROMIUM)`;
    return emit(2);
  }

  let browser = null;
  // Overall watchdog: whatever hangs, one JSON object comes out and the process ends.
  const watchdog = setTimeout(async () => {
    result.ok = false;
    result.error = `timed out after ${opts.timeoutS} s`;
    emit(2);
    const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
    await Promise.race([closing, new Promise((r) => setTimeout(r, 3000).unref())]);
    process.exit(2);
  }, opts.timeoutS * 1000);

  // page.evaluate has no timeout of its own: a page stuck in a loop would hang it.
  const bounded = (promise, ms, what) => {
    let timer;
    const t = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer from the page in ${ms} ms`)), ms);
      timer.unref();
    });
    return Promise.race([promise, t]).finally(() => clearTimeout(timer));
  };

  let phase = 'launch';
  let setupFailed = false;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      // CI runs as root, where Chromium's sandbox cannot start.
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
      timeout: left(30000),
    });
    result.browser = `Chromium ${browser.version()}`;
    phase = 'context';
    const context = await browser.newContext({
      viewport: { width: opts.width, height: opts.height },
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'UTC',
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
    // A report's copy button should work as a person would see it.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});

    const reportUrl = pathToFileURL(report).href;
    const blocked = new Set();
    const block = (url) => {
      if (!blocked.has(url)) {
        blocked.add(url);
        result.blocked_requests.push(url);
      }
    };
    await context.route(
      () => true,
      (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) {
          if (url.split('#')[0] !== reportUrl && !result.file_requests.includes(url)) result.file_requests.push(url);
          return route.continue();
        }
        block(url);
        return route.abort('blockedbyclient');
      },
    );
    if (typeof context.routeWebSocket === 'function') {
      await context.routeWebSocket(
        () => true,
        (ws) => {
          block(ws.url());
          ws.close().catch?.(() => {});
        },
      );
    }

    phase = 'page';
    const page = await context.newPage();
    page.setDefaultTimeout(left(15000));
    page.setDefaultNavigationTimeout(left(30000));

    const errorCount = () => result.console_errors.length + result.page_errors.length + result.blocked_requests.length;
    page.on('console', (msg) => {
      const type = msg.type();
      if (type !== 'error' && type !== 'warning') return;
      const loc = msg.location() || {};
      result.console_errors.push({
        type,
        text: msg.text(),
        location: loc.url ? `${loc.url}:${loc.lineNumber ?? 0}:${loc.columnNumber ?? 0}` : null,
      });
    });
    page.on('pageerror', (err) => {
      result.page_errors.push({
        message: String(err && err.message !== undefined ? err.message : err),
        stack: err && err.stack ? String(err.stack).split('\n').slice(0, 6).join('\n') : null,
      });
    });
    // Anything that bypassed routing (it should not) is still recorded.
    page.on('request', (req) => {
      const url = req.url();
      if (!/^(file|data|blob|about):/.test(url)) block(url);
    });
    page.on('dialog', (d) => {
      result.dialogs.push({ type: d.type(), message: d.message() });
      d.dismiss().catch(() => {});
    });

    const settle = async () => {
      // Two animation frames and a short pause: scripts that render after load, or after a
      // click, get to run and to throw.
      await bounded(
        page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 100))))),
        left(10000),
        'settle',
      );
    };

    phase = 'load';
    await page.goto(reportUrl, { waitUntil: 'load', timeout: left(30000) });
    await bounded(page.evaluate(() => (document.fonts ? document.fonts.ready.then(() => true) : true)), left(10000), 'fonts');
    await settle();
    result.title = await bounded(page.title(), left(10000), 'title');

    phase = 'expect-text';
    if (opts.expect.length) {
      const texts = await bounded(page.evaluate(() => {
        const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
        const parts = [document.body ? document.body.innerText : ''];
        // innerText leaves out SVG text; take the SVG <text> that is rendered.
        for (const el of document.querySelectorAll('svg text')) {
          const cs = getComputedStyle(el);
          if (cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0') continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 && r.height === 0) continue;
          parts.push(el.textContent);
        }
        return parts.map(norm);
      }), left(10000), 'page text');
      for (const want of opts.expect) {
        const w = want.replace(/\s+/g, ' ').trim();
        if (!texts.some((t) => t.includes(w))) result.missing_text.push(want);
      }
    }

    phase = 'click';
    for (const selector of opts.click) {
      const before = errorCount();
      const entry = { selector, ok: false, error: null, new_errors: 0 };
      try {
        // Fail fast on a selector that matches nothing rather than waiting out the timeout.
        if ((await page.locator(selector).count()) === 0) throw new Error('no element matches');
        await page.locator(selector).first().click({ timeout: left(10000) });
        await settle();
      } catch (e) {
        entry.error = String(e.message || e).replace(/\u001b\[[0-9;]*m/g, '').split('\n')[0];
      }
      entry.new_errors = errorCount() - before;
      entry.ok = entry.error === null && entry.new_errors === 0;
      result.clicks.push(entry);
    }

    phase = 'screenshot';
    fs.mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true, type: 'png', animations: 'disabled', timeout: left(20000) });
    result.bytes = fs.statSync(screenshot).size;
    phase = 'close';
    await context.close();
  } catch (e) {
    const msg = String(e && e.message ? e.message : e)
      .replace(/\u001b\[[0-9;]*m/g, '')
      .split('\n')
      .slice(0, 3)
      .join(' | ');
    result.error = `${phase}: ${msg}`;
    setupFailed = phase === 'launch' || phase === 'context' || phase === 'page';
  } finally {
    if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000).unref())]);
    clearTimeout(watchdog);
  }

  const consoleFails = opts.allowWarnings
    ? result.console_errors.filter((m) => m.type === 'error')
    : result.console_errors;
  result.ok =
    result.error === null &&
    consoleFails.length === 0 &&
    result.page_errors.length === 0 &&
    result.blocked_requests.length === 0 &&
    result.missing_text.length === 0 &&
    result.clicks.every((c) => c.ok) &&
    result.bytes > 0;
  emit(result.ok ? 0 : setupFailed ? 2 : 1);
}
