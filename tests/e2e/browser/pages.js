// Every page a reader sees: a bad key is refused with its code, then the
// workflows, runs and run pages (and the others the config lists) pass
// axe-core, fit a phone's width, show no button that acts, and give their
// outline and a screenshot.
module.exports = async (t) => {
  const { page, expect, config } = t;
  t.allow(401);
  await page.goto('/login');
  await page.getByLabel('API key').fill('wfc_not-a-key');
  await page.getByRole('button', { name: /log in/i }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  expect((await alert.textContent()).includes('API080'), 'a bad key is refused with API080');
  t.result.login = { outline: await t.outline(), axe: await t.axe('login') };

  await t.login(config.reader);
  t.result.pages = {};
  for (const [label, url] of Object.entries(config.pages)) {
    const started = Date.now();
    await page.goto(url);
    await page.waitForLoadState('load');
    const acting = await page.locator('main button, main input[type=submit]')
      .filter({ hasText: /start|cancel|approve|reject|resume/i }).count();
    expect(acting === 0, `${label}: a read key sees ${acting} button(s) that act`);
    t.result.pages[label] = {
      ms: Date.now() - started,
      outline: await t.outline(),
      axe: await t.axe(label),
      shot: await t.shot(label),
    };
    await t.phone(label);
  }
};
