// A step's whole log searched from its page: a 20,000-line log with 20
// `ERROR` lines (log lines 8, 1008, … 19008). The search lists all 20 with
// their line numbers; the first opens the page at its line (`#L8` in the
// URL, the line in view and highlighted); "Jump to first error" finds it
// over the whole log; a `#L500` link opens at line 500; scrolling the log
// to its top loads the lines before it; the run's search page finds all
// 21 (the other step's too) and opens the last at its line. Axe at 1440
// and 390 px.
module.exports = async (t) => {
  const { page, expect, config } = t;
  const at = `/runs/${config.run}/steps/shout`;
  // Whether line `id` is in view (in the log's box and the window) and highlighted.
  const shown = (id) => page.waitForFunction((id) => {
    const el = document.getElementById(id);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    const p = el.closest('pre').getBoundingClientRect();
    const inside = r.top >= p.top - 1 && r.bottom <= p.bottom + 1 && r.top >= 0 && r.bottom <= window.innerHeight;
    return inside && (el.matches(':target') || el.classList.contains('log-hit'));
  }, id, { timeout: 10000 }).then(() => true, () => false);

  await t.login(config.reader);
  await page.goto(at);
  expect(await page.locator('#L20001').count() === 1, 'the last line is numbered 20001');
  t.result.tail_first = await page.locator('pre.step-log > span').first().getAttribute('id');
  t.result.axe_desktop = await t.axe('step log');

  // The search: every match, whatever the lines on the page.
  const t0 = Date.now();
  await page.getByRole('searchbox', { name: 'Search the whole log' }).fill('ERROR');
  await Promise.all([page.waitForURL(/[?&]q=ERROR/), page.getByRole('button', { name: 'Search' }).click()]);
  const links = page.locator('ol.log-matches a');
  t.result.search_ms = Date.now() - t0;
  t.result.found = await links.count();
  t.result.lines = await links.evaluateAll((as) => as.map((a) => Number(a.textContent.replace('Line ', ''))));
  t.result.axe_results = await t.axe('search results');

  // The first match opens the page at its line.
  await Promise.all([page.waitForURL(/#L8$/), links.first().click()]);
  t.result.first_url = page.url();
  t.result.first_shown = await shown('L8');
  t.result.first_text = await page.locator('#L8').textContent();

  // "Jump to first error" over the whole log, from the last lines.
  await page.goto(at);
  await Promise.all([page.waitForURL(/#L8$/), page.getByRole('link', { name: 'Jump to first error' }).click()]);
  t.result.error_url = page.url();
  t.result.error_shown = await shown('L8');

  // A link to a line not on the page.
  await page.goto(`${at}#L500`);
  await page.waitForURL(/[?&]line=500#L500$/);
  t.result.link_shown = await shown('L500');

  // Scrolling to the top of the last lines loads the 200 before them.
  await page.goto(at);
  const pre = page.locator('pre.step-log');
  const before = await pre.locator(':scope > span').count();
  await pre.evaluate((el) => { el.scrollTop = 0; });
  await page.locator('#L19801').waitFor({ state: 'attached', timeout: 10000 });
  t.result.scrolled = { before, after: await pre.locator(':scope > span').count() };
  // What was in view stays in view: the first line loaded before is still near the top.
  t.result.kept_place = await page.evaluate(() => {
    const pre = document.querySelector('pre.step-log');
    const el = document.getElementById('L19802');
    return pre.scrollTop > 0 && Math.abs(el.getBoundingClientRect().top - pre.getBoundingClientRect().top) < 200;
  });
  await pre.evaluate((el) => { el.scrollTop = 0; });
  await page.locator('#L19601').waitFor({ state: 'attached', timeout: 10000 });
  await t.shot('step-log');

  await page.setViewportSize({ width: 390, height: 844 });
  t.result.axe_phone = await t.axe('step log, phone');
  await t.shot('step-log-phone');
  await t.phone('step log');

  // The run's every step, searched from the run page's link.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/runs/${config.run}`);
  await Promise.all([page.waitForURL(/\/search$/), page.getByRole('link', { name: "Search every step's log" }).click()]);
  await page.getByRole('searchbox', { name: "Search every step's log" }).fill('ERROR');
  await Promise.all([page.waitForURL(/[?&]q=ERROR/), page.getByRole('button', { name: 'Search' }).click()]);
  t.result.run_found = await page.locator('ol.log-matches li').count();
  t.result.axe_run_search = await t.axe('run search');
  await page.setViewportSize({ width: 390, height: 844 });
  t.result.axe_run_search_phone = await t.axe('run search, phone');
  await t.phone('run search');
  await page.locator('ol.log-matches a').last().click();
  await page.waitForURL(/\/steps\/quiet\?.*line=2#L2$/);
  t.result.run_last_shown = await shown('L2');
};
