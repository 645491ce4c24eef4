// A run of thousands of steps: the page, its graph and its timeline are
// there within the budget, and the page still answers input at once.
module.exports = async (t) => {
  const { page, expect, config } = t;
  await t.login(config.reader);
  const started = Date.now();
  await page.goto(`/runs/${config.run}`);
  await page.locator('#dag svg').waitFor({ timeout: config.budget_ms });
  const ms = Date.now() - started;
  expect(ms <= config.budget_ms, `the page and its graph took ${ms} ms (budget ${config.budget_ms})`);
  // Responsive: a scroll to the bottom and a style read finish quickly.
  const input = await page.evaluate(() => {
    const t0 = performance.now();
    window.scrollTo(0, document.body.scrollHeight);
    void document.body.getBoundingClientRect();
    return performance.now() - t0;
  });
  t.result = {
    ms,
    input_ms: Math.round(input),
    nodes: await page.locator('#dag [data-step], #dag [data-group]').count(),
    dom: await page.evaluate(() => document.getElementsByTagName('*').length),
  };
  expect(input < 1000, `a scroll and layout took ${input} ms`);
};
