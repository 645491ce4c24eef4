// Page loads of the dashboard's ordinary pages, for scripts/bench-pages
// (through tests/e2e/browser/harness.js; the config adds `pages`, label →
// path, and `tries`). An operator's session opens each page once (its
// assets then cached), then TRIES times at 1440 px and TRIES times at
// 390 px, each timed by the Navigation Timing API: the answer's end
// (`html`), DOMContentLoaded (`ready`) and `load`, in ms from the
// navigation's start. `t.result.pages[label]` holds the medians and the
// slowest `load` per width.
module.exports = async (t) => {
  const { page, config } = t;
  await t.login(config.operator);
  const tries = config.tries || 5;
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return Math.round(s[Math.floor(s.length / 2)]);
  };
  const timed = async (url) => {
    await page.goto(url);
    await page.waitForLoadState('load');
    return page.evaluate(() => new Promise((resolve) => setTimeout(() => {
      const n = performance.getEntriesByType('navigation')[0];
      resolve({ html: n.responseEnd, ready: n.domContentLoadedEventEnd, load: n.loadEventEnd, bytes: n.transferSize });
    }, 0)));
  };
  t.result.pages = {};
  for (const [label, url] of Object.entries(config.pages)) {
    await timed(url);
    const row = {};
    for (const [width, height] of [[1440, 900], [390, 844]]) {
      await page.setViewportSize({ width, height });
      const all = [];
      for (let i = 0; i < tries; i++) all.push(await timed(url));
      row[width] = {
        html: median(all.map((x) => x.html)),
        ready: median(all.map((x) => x.ready)),
        load: median(all.map((x) => x.load)),
        max: Math.round(Math.max(...all.map((x) => x.load))),
      };
    }
    t.result.pages[label] = row;
  }
  await page.setViewportSize({ width: 1440, height: 900 });
};
