// Drives the dashboard of a real `wfc serve` in Debian's headless Chromium
// (playwright-core, no browser download) for tests/e2e/browser.rs.
//
//   node harness.js SCENARIO < config.json      (or a scenario's path)
//
// The config (JSON on stdin) holds `base` (the server's URL), `operator` and
// `reader` (API keys), `out` (a folder for screenshots), `node_modules` and
// whatever the scenario needs. The scenario (`./SCENARIO.js`) exports
// `async (t) => {...}`; what it puts in `t.result` is printed as JSON on
// stdout. A failed expectation, a JavaScript error on a page or a blocked
// resource (a CSP violation is one) fails the run: exit 1, the reason on stderr.
'use strict';
const fs = require('fs');
const path = require('path');

const config = JSON.parse(fs.readFileSync(0, 'utf8'));
const load = (name) => require(require.resolve(name, { paths: [config.node_modules] }));
const { chromium } = load('playwright-core');
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js', { paths: [config.node_modules] }), 'utf8');

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p));
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

class Failure extends Error {}

function expect(cond, message) {
  if (!cond) throw new Failure(message);
}

// The page's structure, for a snapshot: landmarks, headings, labelled
// controls, buttons, tables and graphics, each with its accessible name.
// Ids, numbers and times are masked so the outline depends on the page's
// shape, not on the run it shows.
async function outline(page) {
  const lines = await page.evaluate(() => {
    const out = [];
    const name = (el) => {
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ');
      if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
      if (el.labels && el.labels.length) {
        // A label wrapping its control: its own text, not the control's.
        const label = el.labels[0].cloneNode(true);
        label.querySelectorAll('select, textarea').forEach((c) => c.remove());
        return label.textContent;
      }
      const title = el.querySelector(':scope > title');
      if (title) return title.textContent;
      return el.textContent || el.value || '';
    };
    const clean = (s) => s.replace(/\s+/g, ' ').trim().slice(0, 60);
    const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const sel = 'header, nav, main, footer, h1, h2, h3, form, label, input:not([type=hidden]), select, textarea, button, table, svg[role=img], [role=alert], [role=status]';
    const seen = new Set();
    for (const el of document.querySelectorAll(sel)) {
      if (!visible(el) || el.closest('svg[role=img]') !== el && el.closest('svg')) continue;
      const tag = el.tagName.toLowerCase();
      let line;
      if (tag === 'input') line = `input[${el.type}] ${clean(name(el))}`;
      else if (tag === 'table') line = `table ${[...el.querySelectorAll('thead th')].map((th) => clean(th.textContent)).join(' | ')}`;
      else if (tag === 'select') line = `select ${clean(name(el).replace(/\s*$/, ''))}: ${[...el.options].map((o) => clean(o.textContent)).join(' | ')}`;
      else if (tag === 'form') line = `form ${el.method} ${el.getAttribute('action') || ''}`;
      else if (['header', 'main', 'footer'].includes(tag)) line = tag;
      else if (tag === 'label') continue;
      else line = `${el.getAttribute('role') && tag !== 'svg' ? el.getAttribute('role') : tag} ${clean(name(el))}`;
      // A list of rows repeats one shape: keep it once.
      if (seen.has(line)) continue;
      seen.add(line);
      out.push(line);
    }
    return out;
  });
  // The first word is the element; only the name after it is masked.
  return lines.map((l) => {
    const at = l.indexOf(' ');
    if (at < 0) return l;
    const name = l.slice(at)
      .replace(/\b\d{8}-\d{6}-[0-9a-f]{8}\b/g, '<run>')
      .replace(/\b[0-9a-f]{12,}\b/g, '<id>')
      .replace(/\d{4}-\d\d-\d\d[T ][\d:.]+Z?/g, '<time>')
      .replace(/(?<![A-Z\d])\d+(\.\d+)?/g, 'N');
    return (l.slice(0, at) + name).trimEnd();
  });
}

// axe-core's WCAG 2 A/AA rules on the page as it is now; the violations
// of impact serious or critical fail the run.
async function axe(page, label) {
  await page.evaluate(AXE_SOURCE);
  const r = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.length === 0, `${label}: accessibility violations:\n` + bad.map((v) =>
    `  ${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 3).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n')).join('\n'));
  return { passes: r.passes.length, violations: r.violations.map((v) => `${v.id} (${v.impact})`) };
}

(async () => {
  // A scenario of this folder by name, or a script by its path.
  const arg = process.argv[2];
  const name = path.basename(arg, '.js');
  const scenario = require(arg.includes('/') ? path.resolve(arg) : path.join(__dirname, `${arg}.js`));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: config.base });
  context.setDefaultTimeout(config.timeout_ms || 15000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Failed loads are judged by their responses below (Chromium's console
  // line for them names no URL).
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  // A page's own refusal (a bad key's 401, a bad form's 400) is what some
  // scenarios check; any other failed load (an asset, a fragment) is a bug.
  const expectedStatus = new Set();
  const expectedFetch = [];
  page.on('response', (r) => {
    const navigation = r.request().isNavigationRequest() && expectedStatus.has(r.status());
    const fetched = expectedFetch.some(([status, part]) => status === r.status() && r.url().includes(part));
    if (r.status() >= 400 && !navigation && !fetched) {
      problems.push(`${r.status()} from ${r.request().method()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    // An event stream closed by leaving the page is no failure.
    if (!/ERR_ABORTED/.test(r.failure().errorText)) problems.push(`${r.url()}: ${r.failure().errorText}`);
  });
  const t = {
    page, config, expect, result: {},
    // Lets a navigation answer `status` (a refusal the scenario checks).
    allow(status) { expectedStatus.add(status); },
    // Lets a script's request to a URL holding `part` answer `status`.
    allowFetch(status, part) { expectedFetch.push([status, part]); },
    async login(key) {
      await page.goto('/login');
      await page.getByLabel('API key').fill(key);
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.getByRole('button', { name: /log in/i }).click()]);
    },
    axe: (label) => axe(page, label),
    outline: () => outline(page),
    async shot(label) {
      const file = path.join(config.out, `${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    // At a phone's width the page itself must not scroll sideways: wide
    // tables and graphs scroll inside their own box.
    async phone(label) {
      await page.setViewportSize(PHONE);
      const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(scroll <= width + 1, `${label}: at ${width}px wide the page is ${scroll}px wide`);
      await page.setViewportSize(DESKTOP);
    },
  };
  let code = 0;
  try {
    await scenario(t);
    expect(problems.length === 0, `the pages reported errors:\n  ${problems.join('\n  ')}`);
  } catch (e) {
    code = 1;
    process.stderr.write(`${name}: ${e instanceof Failure ? e.message : e.stack}\n`);
    await page.screenshot({ path: path.join(config.out, `${name}-failure.png`), fullPage: true }).catch(() => {});
    process.stderr.write(`${name}: at ${page.url()}; screenshot ${path.join(config.out, `${name}-failure.png`)}\n`);
  }
  process.stdout.write(JSON.stringify(t.result) + '\n');
  await browser.close();
  process.exit(code);
})();
