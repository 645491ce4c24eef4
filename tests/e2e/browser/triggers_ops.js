// The triggers page an operator keeps open: a webhook delivery refused for
// a secret with no value is listed with its reason within a second of its
// answer; a schedule's range is backfilled from its form — the slots shown
// first, then started, and pressed twice, each slot runs once; logging out
// says so. Each page at 1440 px and a phone's 390 px, with axe.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.operator);

  // A refused delivery, sent by the page's own request context.
  const sent = Date.now();
  const answer = await page.request.post('/hooks/release', {
    data: '{"version": "1.2.3"}',
    headers: { 'X-Hub-Signature-256': config.signature, 'X-GitHub-Delivery': 'gh-1', 'Content-Type': 'application/json' },
  });
  expect(answer.status() === 401, `the delivery is refused: ${answer.status()}`);
  await page.goto('/triggers');
  const row = page.locator('table.deliveries tr').filter({ hasText: 'gh-1' });
  await row.waitFor();
  const listed = Date.now() - sent;
  expect(listed < 1000, `listed ${listed} ms after it was sent`);
  const reason = await row.locator('td.reason').textContent();
  expect(/hook_key. has no value/.test(reason), `its reason: ${reason}`);
  expect(await row.getByRole('button', { name: /redeliver/i }).count() === 1, 'an operator can redeliver it');
  t.result.listed_ms = listed;
  t.result.triggers = { axe: await t.axe('triggers'), shot: await t.shot('triggers') };
  await t.phone('triggers');

  // Backfill ten days: the slots first, then their runs.
  const backfill = async () => {
    await page.goto('/triggers');
    await page.getByText('Backfill a past range').click();
    await page.getByLabel('From').fill('2026-11-01T00:00');
    await page.getByLabel('To').fill('2026-11-10T23:00');
    await Promise.all([page.waitForURL(/\/backfill$/), page.getByRole('button', { name: /show the slots/i }).click()]);
    return page.getByRole('button', { name: /start 10 runs/i });
  };
  const start = await backfill();
  await start.waitFor();
  t.result.confirm = { axe: await t.axe('backfill-confirm'), shot: await t.shot('backfill-confirm') };
  await t.phone('backfill-confirm');
  await Promise.all([page.waitForURL(/trigger=backfill/), start.click()]);
  // Pressed again: the same range, confirmed a second time.
  const again = await backfill();
  await Promise.all([page.waitForURL(/trigger=backfill/), again.click()]);
  await page.locator('table tbody tr').first().waitFor();
  t.result.runs = { axe: await t.axe('backfill-runs') };
  await t.phone('backfill-runs');

  // Logging out says so.
  await Promise.all([page.waitForURL(/\/login\?out=1$/), page.getByRole('button', { name: /log out/i }).click()]);
  await page.locator('#logged-out').waitFor();
  const label = await page.locator('label[for="key"]').boundingBox();
  t.result.logout = { axe: await t.axe('logged-out'), label_height: label && label.height };
  await t.phone('logged-out');
};
