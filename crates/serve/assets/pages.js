// Every page's small script (no framework): times the server wrote in UTC
// (`<time class="when" datetime>`) shown in the browser's zone, the UTC time kept in
// their title; times written as how long ago (`<time class="ago" datetime>`,
// "3 min ago", as the server's `dashboard::ago` says it) said again every 20 s; a list asked to refresh (`data-refresh="SECONDS"`) reloads;
// the header's dark-mode toggle, remembered in localStorage (`wfc-theme`).
// Loaded without `defer`: the theme is set before the page is drawn.
(function () {
  'use strict';
  var KEY = 'wfc-theme';
  function stored() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function apply(theme) {
    if (theme === 'dark' || theme === 'light') {
      document.documentElement.setAttribute('data-theme', theme);
    }
  }
  apply(stored());
  function dark() {
    var set = document.documentElement.getAttribute('data-theme');
    if (set) { return set === 'dark'; }
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  }
  function toggle() {
    var button = document.getElementById('theme-toggle');
    if (!button) { return; }
    button.hidden = false;
    button.setAttribute('aria-pressed', dark() ? 'true' : 'false');
    button.addEventListener('click', function () {
      var next = dark() ? 'light' : 'dark';
      apply(next);
      try { window.localStorage.setItem(KEY, next); } catch (e) { /* private mode: this page only */ }
      button.setAttribute('aria-pressed', next === 'dark' ? 'true' : 'false');
    });
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function local(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
      ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  }
  function times(root) {
    root.querySelectorAll('time.when[datetime]').forEach(function (t) {
      if (t.dataset.local) { return; }
      var d = new Date(t.getAttribute('datetime'));
      if (isNaN(d.getTime())) { return; }
      t.dataset.local = '1';
      t.title = t.getAttribute('datetime') + ' (UTC)';
      t.textContent = local(d);
    });
  }
  // The server's clock less the browser's, when the page says (`data-now`).
  var skew = 0;
  function ago(ms) {
    var secs = (Date.now() + skew - ms) / 1000;
    var s = Math.round(Math.abs(secs));
    var words;
    if (s < 5) { return 'just now'; }
    if (s < 60) { words = s + ' s'; }
    else if (s < 3600) { words = Math.floor(s / 60) + ' min'; }
    else if (s < 86400) { words = Math.floor(s / 3600) + ' h'; }
    else if (s < 2592000) { words = Math.floor(s / 86400) + ' d'; }
    else { return new Date(ms).toISOString().slice(0, 10); }
    return secs < 0 ? 'in ' + words : words + ' ago';
  }
  function agos(root) {
    root.querySelectorAll('time.ago[datetime]').forEach(function (t) {
      var ms = Date.parse(t.getAttribute('datetime'));
      if (!isNaN(ms)) { t.textContent = ago(ms); }
    });
  }
  function refresh() {
    var el = document.querySelector('[data-refresh]');
    if (!el) { return; }
    var s = parseInt(el.getAttribute('data-refresh'), 10);
    if (s > 0) { setTimeout(function () { window.location.reload(); }, s * 1000); }
  }
  document.addEventListener('DOMContentLoaded', function () {
    var now = document.querySelector('[data-now]');
    if (now) { skew = parseInt(now.getAttribute('data-now'), 10) - Date.now() || 0; }
    times(document);
    agos(document);
    setInterval(function () { agos(document); }, 20000);
    refresh();
    toggle();
  });
  document.addEventListener('htmx:afterSwap', function (e) { times(e.target); agos(e.target); });
})();
