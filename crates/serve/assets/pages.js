// Every page's small script (no framework): times the server wrote in UTC
// (`<time class="when" datetime>`) shown in the browser's zone, the UTC time kept in
// their title; a list asked to refresh (`data-refresh="SECONDS"`) reloads.
(function () {
  'use strict';
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
  function refresh() {
    var el = document.querySelector('[data-refresh]');
    if (!el) { return; }
    var s = parseInt(el.getAttribute('data-refresh'), 10);
    if (s > 0) { setTimeout(function () { window.location.reload(); }, s * 1000); }
  }
  document.addEventListener('DOMContentLoaded', function () {
    times(document);
    refresh();
  });
  document.addEventListener('htmx:afterSwap', function (e) { times(e.target); });
})();
