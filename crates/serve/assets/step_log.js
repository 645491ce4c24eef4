// The step page's log (step_log.rs renders it whole without script):
// a `#L120` link to a line not on the page opens the page at that line
// (`?line=120`, which the server renders around it); scrolling to the top
// of the log fetches the lines before it (the "Earlier lines" link's page)
// and puts them above, keeping what is in view where it was. Lines come
// as the server rendered them: nothing here builds markup from text.
(function () {
  "use strict";
  var pre = document.querySelector("pre.step-log[data-base]");
  if (!pre) return;
  var base = pre.getAttribute("data-base");

  function open() {
    var m = /^#L(\d+)$/.exec(location.hash);
    if (!m) return false;
    if (document.getElementById("L" + m[1])) return true;
    var keep = new URLSearchParams(location.search);
    ["line", "before", "first", "error"].forEach(function (k) { keep.delete(k); });
    keep.set("line", m[1]);
    location.replace(base + "?" + keep.toString() + location.hash);
    return true;
  }
  window.addEventListener("hashchange", open);
  // The newest lines in view, unless a line was asked for.
  if (!open() && !/[?&](line|before)=/.test(location.search)) pre.scrollTop = pre.scrollHeight;

  var loading = false;
  function earlier() {
    var url = pre.getAttribute("data-earlier");
    if (!url || loading || pre.scrollTop > 40) return;
    loading = true;
    fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var got = doc.querySelector("pre.step-log");
        if (!got) return;
        var height = pre.scrollHeight;
        var frag = document.createDocumentFragment();
        while (got.firstChild) frag.appendChild(document.adoptNode(got.firstChild));
        pre.insertBefore(frag, pre.firstChild);
        pre.scrollTop += pre.scrollHeight - height;
        var next = got.getAttribute("data-earlier");
        var link = document.querySelector("a.log-earlier");
        if (next) {
          pre.setAttribute("data-earlier", next);
          if (link) link.href = next;
        } else {
          pre.removeAttribute("data-earlier");
          if (link) link.parentNode.remove();
        }
      })
      .catch(function () {})
      .then(function () { loading = false; });
  }
  pre.addEventListener("scroll", earlier, { passive: true });
})();
