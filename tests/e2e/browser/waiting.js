// The runs held for a person: the navigation counts them, `/waiting`
// lists them with each gate's form, and an operator approves from it at a
// phone's width (the buttons on screen). The runs list says how long ago
// each run started, the exact UTC time in the title.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.operator);
  await page.goto('/runs');
  const when = page.locator('time.ago').first();
  await when.waitFor();
  const title = await when.getAttribute('title');
  expect(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(title), `the UTC time is in the title: ${title}`);
  const said = await when.textContent();
  expect(/^(just now|\d+ (s|min) ago)$/.test(said), `how long ago is shown: ${said}`);
  t.result.runs = { axe: await t.axe('runs-filters'), shot: await t.shot('runs-filters') };
  await t.phone('runs-filters');

  // Dark mode: the toggle sets it, a reload keeps it, contrast holds.
  const toggle = page.locator('#theme-toggle');
  expect(await toggle.getAttribute('aria-pressed') === 'false', 'light by default');
  await toggle.click();
  await page.reload();
  const theme = await page.evaluate(() => [document.documentElement.dataset.theme,
    getComputedStyle(document.body).backgroundColor]);
  expect(theme[0] === 'dark' && theme[1] === 'rgb(13, 17, 23)', `dark after a reload: ${theme}`);
  expect(await page.locator('#theme-toggle').getAttribute('aria-pressed') === 'true', 'the toggle says dark');
  t.result.dark = { axe: await t.axe('runs-dark'), shot: await t.shot('runs-dark') };
  await page.goto('/triggers');
  await t.axe('triggers-dark');
  await page.locator('#theme-toggle').click();

  await page.goto('/triggers');
  await page.locator('article.trigger-card time.when').first().waitFor();
  t.result.triggers = { axe: await t.axe('triggers'), shot: await t.shot('triggers') };
  await t.phone('triggers');
  // A long trigger line wraps on the workflows page too.
  await page.goto('/');
  await t.phone('workflows');

  // The run's own page: its Approve and Reject buttons on screen at 390 px.
  await page.goto(`/runs/${config.waiting}`);
  await page.setViewportSize({ width: 390, height: 844 });
  for (const name of [/^approve$/i, /^reject$/i]) {
    const button = page.getByRole('button', { name }).first();
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, `the run page's ${name} is off-screen at 390px: ${JSON.stringify(box)}`);
  }
  await t.phone('run-waiting');

  await page.goto('/runs');
  const badge = page.locator('header nav a[href="/waiting"] .badge');
  expect((await badge.textContent()).startsWith('1'), 'the navigation counts one waiting run');
  await page.locator('header nav a[href="/waiting"]').click();
  await page.waitForURL(/\/waiting$/);
  const held = page.locator('li.waiting-run').filter({ hasText: config.waiting });
  await held.waitFor();
  t.result.waiting = { outline: await t.outline(), axe: await t.axe('waiting-list'), shot: await t.shot('waiting-list') };
  await t.phone('waiting-list');

  await page.setViewportSize({ width: 390, height: 844 });
  const approve = held.getByRole('button', { name: /^approve$/i });
  for (const button of [approve, held.getByRole('button', { name: /^reject$/i })]) {
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= 390, `a button is off-screen at 390px: ${JSON.stringify(box)}`);
  }
  t.result.phone = { shot: await t.shot('waiting-phone') };
  const rollout = held.getByLabel(/rollout/);
  expect(await rollout.inputValue() === '10', 'the default is filled in');
  await rollout.fill('30');
  await held.getByLabel(/comment/i).fill('ship <it>');
  await Promise.all([page.waitForURL(/done=approved/), approve.click()]);
};
