// The run page of a live fan-out: the collapsed group's counts move while
// the run goes, and the page at the end shows what a fresh load shows.
// Then the page of a step that printed 20,000 lines: a screenful of its
// stdout, a link to the whole, which only a session can follow.
// Run by tests/e2e/browser_live.rs.
module.exports = async (t) => {
  const { page, expect, config } = t;
  const api = async (method, path) => {
    const r = await fetch(`${config.base}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${config.operator}`, 'content-type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    expect(r.ok, `${method} ${path}: ${r.status}`);
    return r.json();
  };
  // What the page shows of the run (the same as scripts/browser/bench-live.js).
  const state = () => {
    const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null);
    const groups = {};
    document.querySelectorAll('#dag [data-group]').forEach((g) => {
      const counts = {};
      g.querySelectorAll('[data-count]').forEach((c) => { counts[c.getAttribute('data-count')] = c.textContent; });
      groups[g.getAttribute('data-group')] = { status: g.getAttribute('data-status'), counts };
    });
    return {
      run: text(document.getElementById('run-status')),
      rows: [...document.querySelectorAll('table.steps tbody tr')].map((r) =>
        [r.getAttribute('data-step'), r.getAttribute('data-status'), text(r.querySelector('.step-status'))]),
      nodes: [...document.querySelectorAll('#dag [data-step]')].map((n) => [n.getAttribute('data-step'), n.getAttribute('data-status')]),
      groups,
      hidden: text(document.getElementById('steps-hidden')),
    };
  };

  await t.login(config.operator);
  const run = await api('POST', `/workflows/${config.workflow}/runs`);
  t.result.run = run.id;
  await page.goto(`/runs/${run.id}`);
  const group = page.locator(`#dag [data-group="${config.group}"]`);
  await group.waitFor();
  // The group's succeeded count, as the page shows it, until the run ends.
  const seen = [];
  for (;;) {
    const [status, done] = await page.evaluate((g) => [
      document.getElementById('run-status').textContent.trim(),
      (document.querySelector(`#dag [data-group="${g}"] [data-count="succeeded"]`) || {}).textContent,
    ], config.group);
    if (seen[seen.length - 1] !== done) seen.push(done);
    if (status !== 'running') break;
    await page.waitForTimeout(100);
  }
  t.result.succeeded_seen = seen.map((n) => parseInt(n, 10));
  // What the server renders at the end is fetched and swapped in.
  await page.waitForTimeout(2000);
  t.result.live = await page.evaluate(state);
  const fresh = await page.context().newPage();
  await fresh.goto(`/runs/${run.id}`);
  await fresh.locator(`#dag [data-group="${config.group}"]`).waitFor();
  t.result.fresh = await fresh.evaluate(state);
  await fresh.close();

  const loud = await api('POST', `/workflows/${config.loud}/runs?wait=60s`);
  await page.goto(`/runs/${loud.id}`);
  const outputs = page.locator(`#outputs dl[data-outputs="${config.loud_step}"]`);
  const shown = await outputs.locator('dd:has(a[href*="name=stdout"]) > code').textContent();
  const link = outputs.locator('a[href*="/output?"]').first();
  t.result.loud = {
    page_bytes: (await (await page.request.get(`/runs/${loud.id}`)).text()).length,
    shown_lines: shown.split('\n').length,
    shown_last: shown.split('\n').pop(),
    markup: await page.locator('#outputs b').count(),
    cut: (await outputs.locator('.output-cut').first().textContent()).replace(/\s+/g, ' ').trim(),
  };
  // The link, followed as a person would: the whole stdout, as text.
  const href = await link.getAttribute('href');
  const [response] = await Promise.all([page.waitForEvent('response', (r) => r.url().includes('/output?')), link.click()]);
  t.result.loud.rest_type = response.headers()['content-type'];
  const rest = await response.text();
  t.result.loud.rest_lines = rest.split('\n').filter((l) => l !== '').length;
  t.result.loud.rest_first = rest.split('\n')[0];
  // Without a session: the login page, not the output.
  const stranger = await page.context().browser().newContext({ baseURL: config.base });
  const anon = await stranger.request.get(href, { maxRedirects: 0 });
  t.result.loud.anonymous = { status: anon.status(), location: anon.headers().location || null, body: (await anon.text()).slice(0, 200) };
  await stranger.close();
};
