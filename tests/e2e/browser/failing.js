// A run that fails while its page is open: the page opens on the step
// that runs, and at the run's end the log's list moves to the failed step
// (as a fresh load would open it); "Jump to first error" finds its error
// line, which is text, not markup, and marked as written on stderr; "Times"
// shows when each line came; "Search the whole log" links the step page's search.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.operator);
  await page.goto(`/runs/${config.run}`);
  t.result.opened = {
    status: await page.locator('#run').getAttribute('data-status'),
    log: await page.locator('#log-step').inputValue().catch(() => null),
  };
  await page.locator('#run-status', { hasText: 'failed' }).waitFor({ timeout: 30000 });
  await page.waitForFunction(() => {
    const pick = document.querySelector('#log-step');
    return pick && pick.value === 'breaks';
  }, null, { timeout: 20000 });
  const panel = page.locator('pre.log[data-log="breaks"]:not([hidden])');
  await panel.filter({ hasText: 'error: boom' }).waitFor({ timeout: 20000 });
  await page.getByRole('button', { name: 'Jump to first error' }).click();
  t.result.hit = await panel.locator('.log-hit').textContent();
  // Written on stderr: marked so, live or loaded. "Times" shows each line's time.
  t.result.stream = await panel.locator('.log-hit').getAttribute('data-stream');
  t.result.others = await panel.locator('.log-line:not(.log-err)').count();
  await page.getByRole('button', { name: 'Times' }).click();
  t.result.times = await page.locator('#logs').evaluate((el) => el.classList.contains('times'));
  t.result.time = await panel.locator('.log-hit').getAttribute('data-t');
  expect(await panel.locator('b').count() === 0, 'a log line became markup');
  const href = await page.locator('#log-download').getAttribute('href');
  expect(href.endsWith('/steps/breaks/log.txt'), `the download link follows the pick: ${href}`);
  // The search above filters the lines shown; its text goes to the step page's whole-log search.
  await page.locator('#log-search').fill('boom');
  const whole = await page.locator('#log-whole').getAttribute('href');
  expect(whole.endsWith('/steps/breaks?q=boom&ignore_case=1'), `the whole-log search link: ${whole}`);
  await page.locator('#log-search').fill('');
  t.result.page = { axe: await t.axe('failed') };
  await t.shot('failed');
  await page.setViewportSize({ width: 390, height: 844 });
  await t.shot('failed-phone');
  await t.phone('failed');
};
