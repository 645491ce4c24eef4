// The dashboard's "done when", walked in Chromium: start examples/deploy.wf
// for prod from its form, watch the graph (critical path lit) until the
// production gate waits, approve it on the page, and read the log of the
// step that failed. Run by scripts/browser/walkthrough.
module.exports = async (t) => {
  const { page, expect } = t;
  await t.login(t.config.operator);
  await t.shot('1-workflows');
  await page.locator('a[href="/workflows/deploy/start"]').click();
  await page.getByLabel(/version/).fill('1.4.2');
  await page.getByLabel(/^env/).selectOption('prod');
  await t.shot('2-form');
  await Promise.all([page.waitForURL(/\/runs\/[^/]+$/), page.getByRole('button', { name: /start/i }).click()]);
  t.result.run = page.url().split('/').pop();
  await page.locator('#dag [data-step="approve"][data-status="waiting"]').waitFor({ timeout: 120000 });
  t.result.critical = await page.locator('#dag [data-step].critical').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
  expect(t.result.critical.includes('approve'), 'the production gate is on the critical path');
  await t.shot('3-waiting');
  await page.getByRole('button', { name: /^approve$/i }).click();
  await page.locator('#run-status', { hasText: /failed|succeeded/ }).waitFor({ timeout: 180000 });
  t.result.status = await page.locator('#run-status').textContent();
  t.result.failed = await page.locator('table.steps tr[data-status=failed]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')));
  if (t.result.failed.length) {
    await page.locator('select#log-step').selectOption(t.result.failed[0]);
    t.result.log = await page.locator(`pre.log[data-log="${t.result.failed[0]}"]`).textContent();
  }
  await t.shot('4-ended');
};
