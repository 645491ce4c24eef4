// Deciding from /waiting in Chromium: a step paused after its retries
// (`on fail pause`) has Retry / Skip it / Abort, and is retried; a gate's
// approval with a value out of its range comes back as its form, the
// values kept, and a good value then approves. Each page with axe, at
// 1440 px and a phone's 390 px.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.operator);
  await page.goto('/waiting');
  const paused = page.locator('li.waiting-run').filter({ hasText: config.paused });
  await paused.getByRole('button', { name: /^retry$/i }).waitFor();
  for (const name of [/^skip it$/i, /^abort$/i]) {
    expect(await paused.getByRole('button', { name }).count() === 1, `a ${name} button`);
  }
  t.result.waiting = { axe: await t.axe('waiting-decisions'), shot: await t.shot('waiting-decisions') };
  await t.phone('waiting-decisions');

  // The gate, with a rollout out of its 1..100.
  const gated = page.locator('li.waiting-run').filter({ hasText: config.gated });
  // The field's own max stops 500 in the browser; a stale form or a
  // browser without validation sends it: the server refuses it.
  await gated.locator('form').first().evaluate((f) => { f.noValidate = true; });
  await gated.getByLabel(/rollout/).fill('500');
  await gated.getByLabel(/comment/i).fill('go <now>');
  t.allow(400);
  await Promise.all([page.waitForURL(/\/gates\/approve\/approve$/), gated.getByRole('button', { name: /^approve$/i }).click()]);
  await page.getByText('was not taken').waitFor();
  expect(await page.getByLabel(/rollout/).inputValue() === '500', 'the value typed is kept');
  expect(await page.getByLabel(/comment/i).inputValue() === 'go <now>', 'the comment typed is kept');
  t.result.retry = { axe: await t.axe('gate-retry'), shot: await t.shot('gate-retry') };
  await t.phone('gate-retry');
  await page.getByLabel(/rollout/).fill('50');
  await Promise.all([page.waitForURL(/done=approved/), page.getByRole('button', { name: /^approve$/i }).click()]);

  // The paused step, fixed, retried from the list.
  require('fs').writeFileSync(config.fix, '');
  await page.goto('/waiting');
  await Promise.all([page.waitForURL(/done=approved/), paused.getByRole('button', { name: /^retry$/i }).click()]);
};
