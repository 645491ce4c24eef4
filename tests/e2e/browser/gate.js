// A reader sees a waiting gate but no button to act on it. An operator
// starts a run from its form and, on the run page opened before the gate
// waits, gets the gate's buttons live, approves, and sees the run go on;
// a failed run's page shows the failed step's log.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.reader);
  await page.goto(`/runs/${config.waiting}`);
  await page.locator('tr[data-step="approve"][data-status="waiting"]').waitFor();
  const buttons = await page.getByRole('button', { name: /approve|reject|cancel/i }).count();
  expect(buttons === 0, `a reader sees ${buttons} button(s) to act`);

  await page.getByRole('button', { name: /log out/i }).click();
  await t.login(config.operator);
  await page.goto(`/workflows/${config.workflow}/start`);
  await Promise.all([
    page.waitForURL(/\/runs\/[^/?]+$/),
    page.getByRole('button', { name: /start/i }).click(),
  ]);
  t.result.run = page.url().split('/').pop();
  const before = await page.locator('tr[data-step="approve"]').getAttribute('data-status');
  expect(before !== 'waiting', `the gate already waited when the page opened (${before})`);
  // The build holds until it gets its token: the gate waits only now.
  require('fs').writeFileSync(config.token, '');
  // The buttons come with the gate's wait, on the same page.
  const approve = page.getByRole('button', { name: /^approve$/i });
  await approve.waitFor({ timeout: 20000 });
  await page.locator('#dag svg').waitFor({ timeout: 20000 });
  t.result.waiting = { outline: await t.outline(), axe: await t.axe('waiting') };
  await t.shot('waiting');
  // The gate's inputs come pre-filled with their defaults; a value out of
  // range is refused with the input named, and nothing is decided.
  const rollout = page.getByLabel(/rollout/);
  expect(await rollout.inputValue() === '10', 'the default is filled in');
  await rollout.fill('30');
  await page.getByLabel(/comment/i).fill('ship it');
  await Promise.all([page.waitForURL(/done=approved/), approve.click()]);
  await page.locator('.gate-decision').first().waitFor({ timeout: 20000 });
  await page.locator(`[data-step="${config.after_gate}"][data-status="succeeded"]`).first().waitFor({ timeout: 20000 });

  await page.goto(`/runs/${config.failed}`);
  const log = page.locator('main pre').filter({ hasText: config.failed_line });
  await log.first().waitFor();
  // The graph loads after the page: the outline is taken once it is drawn.
  await page.locator('#dag svg').waitFor({ timeout: 20000 });
  t.result.failed = { outline: await t.outline(), axe: await t.axe('failed') };
  await t.shot('failed');
};
