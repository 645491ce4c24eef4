// An operator approves a waiting gate from the run page and sees the run
// succeed; a reader sees no button on the same page; a failed run's page
// shows the failed step's log.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.reader);
  await page.goto(`/runs/${config.waiting}`);
  const buttons = await page.getByRole('button', { name: /approve|reject|cancel/i }).count();
  expect(buttons === 0, `a reader sees ${buttons} button(s) to act`);

  await page.getByRole('button', { name: /log out/i }).click();
  await t.login(config.operator);
  await page.goto(`/runs/${config.waiting}`);
  t.result.waiting = { outline: await t.outline(), axe: await t.axe('waiting') };
  await t.shot('waiting');
  await page.getByRole('button', { name: /approve/i }).first().click();
  await page.waitForURL(`**/runs/${config.waiting}**`);
  // The run goes on once approved: its page says so, live or on reload.
  const deadline = Date.now() + 20000;
  for (;;) {
    const done = await page.locator(`[data-step="${config.after_gate}"][data-status="succeeded"]`).count();
    if (done > 0) break;
    expect(Date.now() < deadline, 'the run did not go on after the approval');
    await page.waitForTimeout(300);
    if ((await page.locator('[data-step]').count()) === 0) await page.reload();
  }

  await page.goto(`/runs/${config.failed}`);
  const log = page.locator('main pre').filter({ hasText: config.failed_line });
  await log.first().waitFor();
  t.result.failed = { outline: await t.outline(), axe: await t.axe('failed') };
  await t.shot('failed');
};
