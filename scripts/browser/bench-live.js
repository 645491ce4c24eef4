// The run page of a live fan-out in headless Chromium, for
// scripts/bench-dashboard (which starts the server and passes, as JSON on
// stdin, `base`, `key` (an operator's API key), `node_modules`, `steps`).
// Starts workflow `live` through the API, opens its page at once, counts
// the page's long tasks with a PerformanceObserver while the run goes,
// samples the fan-out group's counts, then compares the page's state at
// the end with a fresh load. Then measures the page of `loud` (a step
// printing 20,000 lines). Prints the figures, then one JSON line.
'use strict';
const fs = require('fs');

const config = JSON.parse(fs.readFileSync(0, 'utf8'));
const { chromium } = require(require.resolve('playwright-core', { paths: [config.node_modules] }));
const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(method, path, body) {
  const r = await fetch(`${config.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${config.key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

// What the page shows of the run: its status, the steps' rows, the graph's
// nodes and the groups' counts (and the note of rows not listed).
function state() {
  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
  const groups = {};
  document.querySelectorAll('#dag [data-group]').forEach((g) => {
    const counts = {};
    g.querySelectorAll('[data-count]').forEach((c) => { counts[c.getAttribute('data-count')] = c.textContent; });
    groups[g.getAttribute('data-group')] = { status: g.getAttribute('data-status'), counts };
  });
  return {
    run: text(document.getElementById('run-status')),
    rows: [...document.querySelectorAll('table.steps tbody tr')].map((r) =>
      [r.getAttribute('data-step'), r.getAttribute('data-status'), text(r.querySelector('.step-status'))]),
    nodes: [...document.querySelectorAll('#dag [data-step]')].map((n) => [n.getAttribute('data-step'), n.getAttribute('data-status')]),
    groups,
    hidden: text(document.getElementById('steps-hidden')),
  };
}

function differences(a, b) {
  const out = [];
  for (const k of Object.keys(a)) {
    const x = JSON.stringify(a[k]);
    const y = JSON.stringify(b[k]);
    if (x !== y) out.push(`${k}: live ${x.slice(0, 300)} vs fresh ${y.slice(0, 300)}`);
  }
  return out;
}

(async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, baseURL: config.base });
  context.setDefaultTimeout(120000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/login');
  await page.getByLabel('API key').fill(config.key);
  await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: /log in/i }).click()]);
  await page.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__long.push([Math.round(e.startTime), Math.round(e.duration)])))
      .observe({ type: 'longtask', buffered: true });
  });

  const started = await api('POST', '/workflows/live/runs', {});
  const id = started.id;
  const t0 = Date.now();
  await page.goto(`/runs/${id}`);
  // The group's counts as the page shows them, every half second.
  const seen = new Set();
  let samples = 0;
  let apiStatus = 'running';
  while (apiStatus === 'running') {
    const counts = await page.evaluate(() => [...document.querySelectorAll('#dag [data-group] [data-count]')]
      .map((c) => `${c.getAttribute('data-count')}=${c.textContent}`).join(' '));
    if (counts) seen.add(counts);
    samples += 1;
    apiStatus = (await api('GET', `/runs/${id}`)).status;
    await sleep(500);
  }
  const runSeconds = (Date.now() - t0) / 1000;
  // The page sees the end, then fetches what only the server renders.
  await page.locator('#run-status').filter({ hasText: apiStatus }).waitFor();
  await sleep(3000);
  const live = await page.evaluate(state);
  const tasks = await page.evaluate(() => window.__long);
  const long = tasks.map((t) => t[1]);
  const fresh = await context.newPage();
  await fresh.goto(`/runs/${id}`);
  await fresh.locator('#dag svg, #dag .dag-none').first().waitFor();
  const again = await fresh.evaluate(state);
  const diff = differences(live, again);

  // A step that printed 20,000 lines: its run page, whole.
  const loud = await api('POST', '/workflows/loud/runs?wait=60s', {});
  const r = await page.request.get(`/runs/${loud.id}`);
  const html = await r.text();
  await fresh.goto(`/runs/${loud.id}`);
  const rest = await fresh.locator('#outputs a[href*="/output?"]').first().getAttribute('href').catch(() => null);
  let restLines = null;
  if (rest) {
    const full = await page.request.get(rest);
    restLines = full.ok() ? (await full.text()).split('\n').filter((l) => l !== '').length : `HTTP ${full.status()}`;
  }
  await browser.close();

  const total = long.reduce((a, b) => a + b, 0);
  const result = {
    run: id, status: apiStatus, run_s: +runSeconds.toFixed(1), samples,
    long_tasks: long.length, long_total_ms: Math.round(total), long_worst_ms: Math.round(Math.max(0, ...long)),
    over_100ms: long.filter((d) => d > 100).length,
    group_states_seen: seen.size, groups_moved: seen.size >= 3,
    final_equals_fresh: diff.length === 0, differences: diff,
    loud_page_bytes: html.length, loud_rest_link: rest, loud_rest_lines: restLines,
    page_errors: errors, tasks: process.env.TASKS ? tasks : undefined,
  };
  const p = (k, v) => console.log(`${k.padEnd(34)} ${v}`);
  p('run', `${id} ${apiStatus} in ${result.run_s} s (${config.steps} steps)`);
  p('long tasks (> 50 ms)', result.long_tasks);
  p('long tasks total', `${result.long_total_ms} ms`);
  p('worst long task', `${result.long_worst_ms} ms (over 100 ms: ${result.over_100ms})`);
  p('group counts moved during the run', `${result.groups_moved} (${seen.size} distinct in ${samples} samples)`);
  p('final state equals a fresh load', result.final_equals_fresh);
  diff.forEach((d) => p('  differs', d));
  p('run page of a 20k-line step', `${(html.length / 1024).toFixed(1)} KiB of HTML`);
  p('  link to the rest', rest ? `${rest} (${restLines} lines)` : 'none');
  if (errors.length) p('page errors', errors.join(' | '));
  console.log(JSON.stringify(result));
})().catch((e) => { console.error(e); process.exit(1); });
