// Incremental runs on the run page: an up-to-date step says so (with a
// link to the run it was restored from) in its row, the timeline and its
// drawer, whose "Why" lists explain's reasons; "What changed since the
// last run" is collapsed until opened and shows the plan's diff with the
// workflow's markup as text (no script of it runs); the re-run form's
// force checkbox starts a run. Each page at 1440 px and a phone's 390 px,
// checked with axe-core.
module.exports = async (t) => {
  const { page, expect, config } = t;
  const WIDE = { width: 1440, height: 900 };
  await t.login(config.operator);
  await page.setViewportSize(WIDE);

  // The run up to date with the first.
  await page.goto(`/runs/${config.second}`);
  const row = page.locator('table.steps tr[data-step="build"]');
  const origin = row.locator('a.up-to-date');
  expect(await origin.getAttribute('href') === `/runs/${config.first}`, 'the row links the run it was restored from');
  expect((await origin.textContent()).trim() === 'up to date', 'the row says up to date');
  expect(await page.locator('#gantt .gantt-up-to-date').count() === 1, 'the timeline says up to date');
  t.result.up_to_date = { outline: await t.outline(), axe: await t.axe('up-to-date') };
  await t.shot('up-to-date');
  await t.phone('up-to-date');
  await page.setViewportSize(WIDE);

  // Its drawer: up to date with a link, and why.
  await row.locator('a.step-open').click();
  const drawer = page.getByRole('dialog');
  await drawer.locator('ul.why li').first().waitFor();
  const why = await drawer.locator('ul.why').textContent();
  expect(why.includes('source file') && why.includes(config.first), `the drawer says why: ${why}`);
  expect(await drawer.locator(`dd.up-to-date a[href="/runs/${config.first}"]`).count() === 1, 'the drawer links the origin run');
  t.result.drawer = { axe: await t.axe('drawer') };
  await page.setViewportSize({ width: 390, height: 844 });
  await t.shot('drawer-phone');
  await t.phone('drawer');
  await page.setViewportSize(WIDE);
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'hidden' });

  // The run with another note: what changed, collapsed, then opened.
  await page.goto(`/runs/${config.third}`);
  const details = page.locator('details.plan-diff');
  expect(!(await details.evaluate((d) => d.open)), 'the diff is collapsed at first');
  await details.locator('summary').click();
  await details.locator('.diff-add').first().waitFor();
  const lines = await details.locator('pre').textContent();
  expect(lines.includes('<img src=x onerror=') && lines.includes('<script>window.__xss'), `the diff shows the markup as text: ${lines}`);
  expect(await details.locator('.diff-del').count() >= 1, 'removed lines are marked');
  const red = await details.locator('.diff-del').first().evaluate((e) => getComputedStyle(e).color);
  const green = await details.locator('.diff-add').first().evaluate((e) => getComputedStyle(e).color);
  expect(red !== green, 'added and removed lines are styled apart');
  t.result.xss = await page.evaluate(() => window.__xss || 0);
  expect(t.result.xss === 0, `a script from the workflow ran: ${t.result.xss}`);
  t.result.changes = { outline: await t.outline(), axe: await t.axe('changes') };
  await t.shot('changes');
  await t.phone('changes');
  await page.setViewportSize(WIDE);

  // The re-run form: force checked, the run starts.
  await page.goto(`/workflows/inc/start?from=${config.third}`);
  const force = page.getByLabel(/Force/);
  expect(await force.getAttribute('type') === 'checkbox', 'force is a checkbox');
  await force.check();
  t.result.form = { axe: await t.axe('form') };
  await t.phone('form');
  await page.setViewportSize(WIDE);
  await Promise.all([
    page.waitForURL(/\/runs\/[^/]+$/),
    page.getByRole('button', { name: /start/i }).click(),
  ]);
  t.result.forced = page.url().split('/').pop();
  t.result.xss = await page.evaluate(() => window.__xss || 0) + t.result.xss;
};
