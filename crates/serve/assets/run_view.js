// The run page's viewing tools, for run.js (which follows the events):
// durations that tick each second from their start, the timeline fetched
// again while the run goes (it grows on the real time scale), the log
// viewer's search, "jump to first error", download link and ANSI colours,
// and the graph's zoom, pan and fit. Without script the page is complete:
// the durations, timeline, log and graph as the server rendered them.
// Every value goes in as text, never markup.
(function () {
  "use strict";
  var ERROR = /\b(error|errors|fail|failed|failure|fatal|panic|panicked|exception|traceback)\b/i;

  // `1.5s`, `4m 05s`, `2h 03m`: as the server writes a duration (runs.rs).
  function duration(ms) {
    var s = Math.max(0, ms) / 1000;
    if (s < 60) return s.toFixed(1) + "s";
    var whole = Math.floor(s);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (whole < 3600) return Math.floor(whole / 60) + "m " + pad(whole % 60) + "s";
    return Math.floor(whole / 3600) + "h " + pad(Math.floor((whole % 3600) / 60)) + "m";
  }

  // A log line as a span, its SGR colours as classes on text spans; any
  // other escape sequence or control character is dropped.
  var SEQ = /\x1b(?:\[([0-9;:?]*)([@-~])|.?)/g;
  function apply(style, params) {
    var n = params.split(";").map(function (x) { return parseInt(x, 10) || 0; });
    for (var i = 0; i < n.length; i++) {
      var c = n[i];
      if (c === 0) { style.fg = null; style.bg = null; style.bold = false; }
      else if (c === 1) style.bold = true;
      else if (c === 22) style.bold = false;
      else if (c >= 30 && c <= 37) style.fg = c - 30;
      else if (c >= 90 && c <= 97) style.fg = c - 90 + 8;
      else if (c === 39) style.fg = null;
      else if (c >= 40 && c <= 47) style.bg = c - 40;
      else if (c >= 100 && c <= 107) style.bg = c - 100 + 8;
      else if (c === 49) style.bg = null;
      else if (c === 38 || c === 48) {
        var colour = null;
        if (n[i + 1] === 5) { i += 2; colour = n[i] < 16 ? n[i] : null; }
        else if (n[i + 1] === 2) i += 4;
        if (c === 38) style.fg = colour; else style.bg = colour;
      }
    }
  }
  function classOf(style) {
    var c = [];
    if (style.fg !== null) c.push("ansi-fg-" + style.fg);
    if (style.bg !== null) c.push("ansi-bg-" + style.bg);
    if (style.bold) c.push("ansi-bold");
    return c.join(" ");
  }
  // A line's time as "Times" shows it: the local time of day, to the second.
  function stamp(el) {
    var ms = Number(el.getAttribute("data-ms"));
    if (!ms || el.hasAttribute("data-t")) return;
    el.setAttribute("data-t", new Date(ms).toLocaleTimeString([], { hour12: false }));
  }
  function line(text, err) {
    var el = document.createElement("span");
    var header = /^── attempt \d+.* · .* ──$/.test(text);
    el.className = header ? "log-attempt" : err ? "log-line log-err" : "log-line";
    if (err && !header) { el.setAttribute("data-stream", "stderr"); el.title = "stderr"; }
    // A live line came now (the server marks a stored one's time).
    if (!header) { el.setAttribute("data-ms", String(Date.now())); stamp(el); }
    var style = { fg: null, bg: null, bold: false };
    var at = 0;
    var push = function (t) {
      t = t.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
      if (!t) return;
      var cls = classOf(style);
      if (!cls) { el.appendChild(document.createTextNode(t)); return; }
      var s = document.createElement("span");
      s.className = cls;
      s.textContent = t;
      el.appendChild(s);
    };
    SEQ.lastIndex = 0;
    var m;
    while ((m = SEQ.exec(text)) !== null) {
      push(text.slice(at, m.index));
      at = SEQ.lastIndex;
      if (m[2] === "m") apply(style, m[1] || "0");
    }
    push(text.slice(at));
    el.appendChild(document.createTextNode("\n"));
    return el;
  }

  window.wfcRunView = function (path) {
    var root = document.getElementById("run");
    var served = parseInt(root.getAttribute("data-now"), 10);
    // The server's clock, as this page's: the start times are the server's.
    var offset = isNaN(served) ? 0 : Date.now() - served;
    function now() { return Date.now() - offset; }
    function tick() {
      document.querySelectorAll("[data-tick-from]").forEach(function (el) {
        var from = parseInt(el.getAttribute("data-tick-from"), 10);
        if (!isNaN(from)) el.textContent = duration(now() - from);
      });
    }
    setInterval(tick, 1000);

    // The log viewer's tools.
    var step = null;
    var pick = document.getElementById("log-step");
    if (pick) step = pick.value;
    function panel() {
      var found = null;
      document.querySelectorAll("pre.log").forEach(function (p) {
        if (p.getAttribute("data-log") === step) found = p;
      });
      return found;
    }
    function tools() {
      var t = document.getElementById("log-tools");
      if (t) return t;
      var logs = document.getElementById("logs");
      if (!logs) return null;
      t = document.createElement("div");
      t.className = "log-tools";
      t.id = "log-tools";
      var label = document.createElement("label");
      label.textContent = "Search ";
      var input = document.createElement("input");
      input.type = "search";
      input.id = "log-search";
      input.autocomplete = "off";
      label.appendChild(input);
      var jump = document.createElement("button");
      jump.type = "button";
      jump.id = "log-first-error";
      jump.textContent = "Jump to first error";
      var times = document.createElement("button");
      times.type = "button";
      times.id = "log-times";
      times.setAttribute("aria-pressed", "false");
      times.textContent = "Times";
      var a = document.createElement("a");
      a.id = "log-download";
      a.setAttribute("download", "");
      a.textContent = "Download the full log";
      // The search above sees the lines shown; the step's page searches them all.
      var whole = document.createElement("a");
      whole.id = "log-whole";
      whole.textContent = "Search the whole log";
      var count = document.createElement("span");
      count.className = "muted";
      count.id = "log-count";
      count.setAttribute("aria-live", "polite");
      [label, document.createTextNode(" "), jump, document.createTextNode(" "), times, document.createTextNode(" "), a, document.createTextNode(" "), whole, document.createTextNode(" "), count]
        .forEach(function (n) { t.appendChild(n); });
      logs.parentNode.insertBefore(t, logs);
      wire(t);
      return t;
    }
    function say(text) {
      var c = document.getElementById("log-count");
      if (c) c.textContent = text;
    }
    function filter() {
      var p = panel();
      var input = document.getElementById("log-search");
      var q = input ? input.value.toLowerCase() : "";
      if (!p) return;
      var shown = 0;
      var total = 0;
      for (var i = 0; i < p.children.length; i++) {
        var el = p.children[i];
        if (el.classList.contains("log-attempt")) { el.hidden = false; continue; }
        total++;
        var on = !q || el.textContent.toLowerCase().indexOf(q) >= 0;
        el.hidden = !on;
        if (on) shown++;
      }
      say(q ? shown + " of " + total + " lines shown match" : "");
      link();
    }
    function firstError() {
      var p = panel();
      var input = document.getElementById("log-search");
      if (input && input.value) { input.value = ""; filter(); }
      if (!p) return;
      p.querySelectorAll(".log-hit").forEach(function (el) { el.classList.remove("log-hit"); });
      for (var i = 0; i < p.children.length; i++) {
        var el = p.children[i];
        if (!el.classList.contains("log-line")) continue;
        if (ERROR.test(el.textContent) || el.querySelector(".ansi-fg-1, .ansi-fg-9")) {
          el.classList.add("log-hit");
          p.scrollTop = el.offsetTop - p.offsetTop - 8;
          say("First error: line " + (i + 1) + " of the lines shown");
          return;
        }
      }
      say("No error line in the lines shown (the step's page looks in the whole log)");
    }
    function wire(t) {
      var input = t.querySelector("#log-search");
      if (input) input.addEventListener("input", filter);
      var jump = t.querySelector("#log-first-error");
      if (jump) jump.addEventListener("click", firstError);
      var times = t.querySelector("#log-times");
      if (times) times.addEventListener("click", function () {
        var logs = document.getElementById("logs");
        if (!logs) return;
        var on = !logs.classList.contains("times");
        logs.querySelectorAll("[data-ms]").forEach(stamp);
        logs.classList.toggle("times", on);
        times.setAttribute("aria-pressed", on ? "true" : "false");
      });
      link();
    }
    function link() {
      var a = document.getElementById("log-download");
      if (a && step) a.href = "/runs/" + path + "/steps/" + encodeURIComponent(step) + "/log.txt";
      var whole = document.getElementById("log-whole");
      var input = document.getElementById("log-search");
      var q = input && input.value ? "?q=" + encodeURIComponent(input.value) + "&ignore_case=1" : "";
      if (whole && step) whole.href = "/runs/" + path + "/steps/" + encodeURIComponent(step) + q;
    }
    var t0 = document.getElementById("log-tools");
    if (t0) wire(t0);

    // The timeline, fetched again while the run goes: every 2 s, every
    // 10 s past 100 rows (the server reads every step's attempts for it).
    function live(going) {
      var last = 0;
      var timer = setInterval(function () {
        if (!going()) { clearInterval(timer); return; }
        var rows = document.querySelectorAll("#gantt .gantt-row").length;
        if (document.hidden || Date.now() - last < (rows > 100 ? 10000 : 2000) - 100) return;
        last = Date.now();
        fetch("/runs/" + path + "/gantt", { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            var g = document.getElementById("gantt");
            if (html !== null && g && going()) g.innerHTML = html;
          })
          .catch(function () {});
      }, 2000);
    }

    // The graph: zoom, pan (drag, or the scroll bars) and fit.
    var zoom = 1;
    function svg() { return document.querySelector("#dag svg.dag"); }
    function size() {
      var s = svg();
      if (!s) return;
      if (!s.hasAttribute("data-w")) {
        s.setAttribute("data-w", s.getAttribute("width"));
        s.setAttribute("data-h", s.getAttribute("height"));
      }
      s.setAttribute("width", String(Math.round(parseFloat(s.getAttribute("data-w")) * zoom)));
      s.setAttribute("height", String(Math.round(parseFloat(s.getAttribute("data-h")) * zoom)));
    }
    function fit() {
      var s = svg();
      var box = document.querySelector("#dag .dag-scroll");
      if (!s || !box) return;
      size();
      var w = parseFloat(s.getAttribute("data-w"));
      var h = parseFloat(s.getAttribute("data-h"));
      zoom = Math.min(4, Math.max(0.05, Math.min(box.clientWidth / w, 480 / h)));
      size();
    }
    function button(text, f) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.addEventListener("click", f);
      return b;
    }
    function graph() {
      var dag = document.getElementById("dag");
      if (!dag || !svg()) return;
      if (!document.getElementById("dag-tools")) {
        var bar = document.createElement("div");
        bar.className = "dag-tools";
        bar.id = "dag-tools";
        bar.appendChild(button("Zoom in", function () { zoom = Math.min(4, zoom * 1.25); size(); }));
        bar.appendChild(button("Zoom out", function () { zoom = Math.max(0.05, zoom / 1.25); size(); }));
        bar.appendChild(button("Fit the graph", fit));
        bar.appendChild(button("Actual size", function () { zoom = 1; size(); }));
        dag.parentNode.insertBefore(bar, dag);
      }
      size();
      var box = dag.querySelector(".dag-scroll");
      if (!box || box.getAttribute("data-pan")) return;
      box.setAttribute("data-pan", "1");
      var from = null;
      box.addEventListener("pointerdown", function (e) {
        if (e.button !== 0 || e.target.closest(".node")) return;
        from = { x: e.clientX, y: e.clientY, left: box.scrollLeft, top: box.scrollTop };
        box.classList.add("panning");
      });
      window.addEventListener("pointermove", function (e) {
        if (!from) return;
        box.scrollLeft = from.left - (e.clientX - from.x);
        box.scrollTop = from.top - (e.clientY - from.y);
      });
      window.addEventListener("pointerup", function () { from = null; box.classList.remove("panning"); });
    }
    graph();

    // The step drawer: a step's row or graph node opens its view
    // (/runs/{id}/steps/{step}, server-rendered) beside the page; Escape
    // or Close shuts it and gives the focus back.
    var opener = null;
    function drawer() {
      var d = document.getElementById("step-drawer");
      if (d) return d;
      d = document.createElement("aside");
      d.id = "step-drawer";
      d.className = "drawer";
      d.setAttribute("role", "dialog");
      d.setAttribute("aria-modal", "false");
      d.setAttribute("aria-label", "Step");
      d.tabIndex = -1;
      d.hidden = true;
      var close = document.createElement("button");
      close.type = "button";
      close.className = "drawer-close";
      close.textContent = "Close";
      close.addEventListener("click", shut);
      var body = document.createElement("div");
      body.className = "drawer-body";
      d.appendChild(close);
      d.appendChild(body);
      root.appendChild(d);
      return d;
    }
    function shut() {
      var d = document.getElementById("step-drawer");
      if (!d || d.hidden) return;
      d.hidden = true;
      if (opener && opener.isConnected) opener.focus();
      opener = null;
    }
    function open(name, from) {
      opener = from || document.activeElement;
      fetch("/runs/" + path + "/steps/" + encodeURIComponent(name), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var view = doc.getElementById("step-detail");
          if (!view) return;
          // In the drawer its title is a heading under the page's.
          var h1 = view.querySelector("h1");
          if (h1) {
            var h2 = doc.createElement("h2");
            h2.id = h1.id;
            while (h1.firstChild) h2.appendChild(h1.firstChild);
            h1.replaceWith(h2);
            view.querySelectorAll("h2:not(#" + h2.id + ")").forEach(function (h) {
              var h3 = doc.createElement("h3");
              while (h.firstChild) h3.appendChild(h.firstChild);
              h.replaceWith(h3);
            });
          }
          var d = drawer();
          d.querySelector(".drawer-body").replaceChildren(document.adoptNode(view));
          d.setAttribute("aria-labelledby", "step-detail-title");
          d.removeAttribute("aria-label");
          d.hidden = false;
          d.focus();
        })
        .catch(function () {});
    }
    document.addEventListener("click", function (e) {
      if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return;
      var link = e.target.closest("a.step-open");
      var node = e.target.closest("#dag .node[data-step]");
      var row = e.target.closest("table.steps tr[data-step]");
      if (link) {
        e.preventDefault();
        open(link.closest("tr").getAttribute("data-step"), link);
      } else if (node) {
        open(node.getAttribute("data-step"), node);
      } else if (row && !e.target.closest("a, button, input, select, textarea, label, form")) {
        open(row.getAttribute("data-step"), row.querySelector("a.step-open"));
      }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { shut(); return; }
      if (e.key !== "Enter" && e.key !== " ") return;
      var node = e.target.closest && e.target.closest("#dag .node[data-step]");
      if (!node) return;
      e.preventDefault();
      open(node.getAttribute("data-step"), node);
    });

    return {
      now: now,
      line: line,
      filter: filter,
      live: live,
      graph: graph,
      step: function (s) { step = s; tools(); link(); filter(); },
    };
  };
})();
