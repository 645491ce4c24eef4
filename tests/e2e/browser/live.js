// A newcomer's first run: start a workflow from its form (a value out of
// range first: the server's diagnostic shows next to the field), then watch
// the run page — the graph's nodes turn green live, with the critical path
// lit, and the log lines of the running step arrive without a reload.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.operator);
  const link = page.locator(`a[href="/workflows/${config.workflow}/start"]`);
  expect(await link.count() > 0, 'the workflows page links to the start form');
  await link.first().click();
  await page.waitForURL(`**/workflows/${config.workflow}/start`);
  t.result.form = { outline: await t.outline(), axe: await t.axe('form') };
  await t.shot('form');

  // The browser would refuse 99 itself (`max`): turn its checks off to see
  // the server's, as a client without them would.
  const replicas = page.getByLabel(/replicas/);
  expect(await replicas.getAttribute('type') === 'number', 'an int param is a number field');
  expect(await replicas.getAttribute('max') === '20', 'its range is the field\'s max');
  await page.locator('form').filter({ has: replicas }).evaluate((f) => { f.noValidate = true; });
  await replicas.fill('99');
  t.allow(400);
  await page.getByRole('button', { name: /start/i }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const diagnostic = await alert.textContent();
  expect(/E\d{4}/.test(diagnostic) && diagnostic.includes('replicas'), `the server's diagnostic names its code and the param: ${diagnostic}`);
  expect(await page.getByLabel(/replicas/).getAttribute('aria-invalid') === 'true', 'the field is marked invalid');
  t.result.diagnostic = diagnostic.replace(/\s+/g, ' ').trim();
  t.result.refused = { outline: await t.outline(), axe: await t.axe('refused') };

  await page.getByLabel(/replicas/).fill('2');
  await Promise.all([
    page.waitForURL(/\/runs\/[^/]+$/),
    page.getByRole('button', { name: /start/i }).click(),
  ]);
  t.result.run = page.url().split('/').pop();

  // The graph as the page first drew it: the run has only begun.
  const dag = page.locator('#dag');
  await dag.locator(`[data-step="${config.last}"]`).waitFor();
  const firstState = await dag.locator(`[data-step="${config.last}"]`).getAttribute('data-status');
  expect(firstState !== 'succeeded', `the last step is ${firstState} when the page opens`);
  await page.evaluate(() => { window.__same_page = true; });

  // While it runs: the header's duration ticks from its start (no event
  // needed), and the graph is in the page with its zoom buttons.
  const lastTick = () => page.evaluate(() => {
    const l = [...document.querySelectorAll('#gantt .tick-label')].pop();
    return l ? l.textContent : '';
  });
  const axisAtOpen = await lastTick();
  const ticking = page.locator('#run-duration[data-tick-from]');
  if (await ticking.count()) {
    const before = await ticking.textContent();
    await page.waitForTimeout(1500);
    const after = await page.locator('#run-duration').textContent();
    t.result.ticked = [before, after];
    expect(await page.locator('#run-status').textContent() !== 'running' || before !== after,
      `the running run's duration ticks: ${before} then ${after}`);
  }
  // A running step's duration ticks too (it started after the page opened).
  await page.locator(`tr[data-step="${config.log_step}"] .step-duration[data-tick-from]`)
    .waitFor({ state: 'attached', timeout: 20000 }).catch(() => {});
  {
    // Read in the page, without waiting: the step may end meanwhile.
    const ticked = await page.evaluate(async (step) => {
      const cell = () => document.querySelector(`tr[data-step="${step}"] .step-duration[data-tick-from]`);
      const first = cell();
      if (!first) return null;
      const a = first.textContent;
      await new Promise((r) => setTimeout(r, 1100));
      const again = cell();
      return again ? [a, again.textContent] : null;
    }, config.log_step);
    t.result.step_ticked = ticked;
    expect(!ticked || ticked[0] !== ticked[1], `the running step's duration ticks: ${JSON.stringify(ticked)}`);
  }
  expect(!(await page.locator('#dag').textContent()).includes('Loading'), 'the graph is drawn by the server');
  const width = async () => parseFloat(await dag.locator('svg.dag').getAttribute('width'));
  const w0 = await width();
  await page.getByRole('button', { name: 'Zoom in' }).click();
  expect(await width() > w0, 'zoom in widens the graph');
  await page.getByRole('button', { name: 'Fit the graph' }).click();
  await page.getByRole('button', { name: 'Actual size' }).click();
  expect(await width() === w0, 'actual size is the first size');

  // The log lines of a step, as they come: picked in the log's step list
  // once the step has started.
  const pick = page.getByLabel('Step', { exact: false }).and(page.locator('select#log-step'));
  await pick.locator(`option[value="${config.log_step}"]`).waitFor({ state: 'attached', timeout: 20000 });
  await pick.selectOption(config.log_step);
  await page.locator('main pre').filter({ hasText: config.log_line }).first().waitFor({ timeout: 20000 });
  // The running step's duration ticks; the timeline has grown meanwhile.
  if (await page.locator('#run').getAttribute('data-status') === 'running') {
    await page.waitForFunction((before) => {
      const l = [...document.querySelectorAll('#gantt .tick-label')].pop();
      return (l && l.textContent !== before) || document.getElementById('run').getAttribute('data-status') !== 'running';
    }, axisAtOpen, { timeout: 10000 });
    t.result.axis = [axisAtOpen, await lastTick()];
  }
  // The log viewer: its search hides the lines without the text, the
  // download link follows the picked step.
  const search = page.getByLabel('Search');
  await search.fill(config.log_line);
  const visible = await page.locator(`pre.log[data-log="${config.log_step}"] > span.log-line:not([hidden])`).allTextContents();
  expect(visible.length >= 1 && visible.every((l) => l.includes(config.log_line)), `the search filters lines: ${JSON.stringify(visible)}`);
  await search.fill('');
  const href = await page.locator('#log-download').getAttribute('href');
  expect(href.endsWith(`/steps/${config.log_step}/log.txt`), `the download link is the step's: ${href}`);
  const whole = await page.evaluate(async (h) => (await fetch(h)).text(), href);
  expect(whole.includes(config.log_line), 'the full log downloads with the session');

  // A line of markup in an ANSI colour: red text, never an element.
  const probe = page.locator(`pre.log[data-log="${config.log_step}"] .ansi-fg-1`, { hasText: '<b>probe</b>' });
  await probe.waitFor({ timeout: 20000 });
  expect(await page.locator('pre.log b').count() === 0, 'a log line became markup');
  expect(!(await page.locator(`pre.log[data-log="${config.log_step}"]`).textContent()).includes('\u001b'), 'an escape sequence is shown raw');
  const red = await probe.evaluate((e) => getComputedStyle(e).color);
  t.result.probe_colour = red;

  // Every node green, on the same page (no reload).
  await dag.locator(`[data-step="${config.last}"][data-status="succeeded"]`).waitFor({ timeout: 30000 });
  const states = await dag.locator('[data-step]').evaluateAll((els) =>
    els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-status')]));
  t.result.states = Object.fromEntries(states);
  // Green as the legend says, not only by attribute.
  const colours = await page.evaluate(() => {
    const legend = getComputedStyle(document.querySelector('.dag-legend [data-status=succeeded]')).backgroundColor;
    const nodes = [...document.querySelectorAll('#dag .node[data-status=succeeded] rect')].map((r) => getComputedStyle(r).fill);
    return { legend, nodes };
  });
  expect(colours.nodes.length === states.length && colours.nodes.every((c) => c === colours.legend),
    `succeeded nodes are filled as the legend's succeeded: ${JSON.stringify(colours)}`);
  // At the end the page shows what only the server knows: no Cancel button,
  // the steps' attempts, the run's status.
  await page.locator('#run-status', { hasText: 'succeeded' }).waitFor();
  await page.getByRole('button', { name: /cancel/i }).waitFor({ state: 'detached' });
  await page.locator(`table.steps tr[data-step="${config.last}"] td:nth-child(3)`, { hasText: '1' }).waitFor();
  expect(await page.evaluate(() => window.__same_page === true), 'the page was not reloaded');
  // The legend says what the run took once it ended; the timeline's
  // tick labels stay inside its SVG.
  await page.locator('.dag-legend', { hasText: 'the run took' }).waitFor();
  const clipped = await page.evaluate(() => {
    const svg = document.querySelector('#gantt svg');
    const w = svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('.tick-label')].map((l) => l.getBBox())
      .filter((b) => b.x < 0 || b.x + b.width > w + 0.5).length;
  });
  expect(clipped === 0, `${clipped} tick labels are clipped`);
  t.result.critical = await dag.locator('[data-step].critical').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-step')));
  t.result.page = { outline: await t.outline(), axe: await t.axe('run') };
  await t.shot('run');
  await t.phone('run');

  // The step drawer: a row's link opens the step's view beside the page
  // (its attempts, its log and the link to the whole); Escape closes it and
  // gives the focus back; Enter on a graph node opens that step's.
  const rowLink = page.locator(`table.steps tr[data-step="${config.log_step}"] a.step-open`);
  await rowLink.click();
  const drawer = page.getByRole('dialog');
  await drawer.locator('table.attempts tr[data-attempt="1"]').waitFor();
  const drawerLog = await drawer.locator('pre.log').textContent();
  expect(drawerLog.includes(config.log_line), `the drawer shows the step's log: ${drawerLog}`);
  expect(await drawer.getByRole('link', { name: 'Download the full log' }).count() === 1, 'the drawer links the whole log');
  t.result.drawer = { axe: await t.axe('drawer') };
  await t.shot('drawer');
  await page.setViewportSize({ width: 390, height: 844 });
  await t.shot('drawer-phone');
  await t.phone('drawer');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });
  expect(await rowLink.evaluate((a) => a === document.activeElement), 'the focus is back on the link');
  await dag.locator(`[data-step="${config.last}"]`).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').locator(`#step-detail[data-step="${config.last}"]`).waitFor();
  await page.keyboard.press('Escape');
};
