// The run page, live: follows /runs/{id}/events from the event id the page
// was rendered at (data-cursor) and updates step statuses, collapsed group
// counts, the selected step's log and, at the run's end, what only the
// server renders. Without this script the page is complete, just not live.
//
// Cost: an event only changes this script's state (a status in a map, a
// line in the selected step's bounded buffer, a step name in a set); the
// DOM is written once per animation frame, for what changed since, within
// a time budget (a burst of thousands of events never blocks the page).
// Lines of steps no one looks at are not kept: picking such a step fetches
// its tail from the server. Every value goes in as text, never markup.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root) return;
  var path = root.getAttribute("data-run");
  // Lines the selected step's panel keeps.
  var MAX_LINES = 1000;
  // Steps the log's list offers: the first that log, and every step with a
  // row (a select of thousands is laid out again on each option added).
  var MAX_OPTIONS = 300;
  // Milliseconds of DOM work a frame does before leaving the rest to the next.
  var BUDGET = 8;
  // The statuses a collapsed group always counts, in order (graph/view.rs).
  var COUNTED = ["succeeded", "failed", "running", "waiting", "pending"];
  var SYMBOLS = { succeeded: "✓", failed: "✗", running: "▶", waiting: "‖", pending: "○" };

  // What the events said: status by step, and what is left to draw.
  var model = new Map();
  var dirtySteps = new Set();
  var dirtyGroups = new Set();
  var newLogged = [];
  var logged = new Set();
  var ended = null;
  var scheduled = false;

  // A status never goes back: pending, then running or waiting, then an end.
  function rank(s) {
    return !s || s === "pending" ? 0 : s === "running" || s === "waiting" ? 1 : 2;
  }
  function base(step) {
    var i = step.indexOf("[");
    return i > 0 ? step.slice(0, i) : null;
  }

  // Elements by step name (table rows, graph nodes), built when needed
  // and dropped when the server's markup is swapped in.
  var index = null;
  function elements(step) {
    if (!index) {
      index = new Map();
      document.querySelectorAll("tr[data-step], #dag [data-step]").forEach(function (el) {
        var k = el.getAttribute("data-step");
        if (!index.has(k)) index.set(k, []);
        index.get(k).push(el);
      });
    }
    return index.get(step) || [];
  }

  // Collapsed groups of the graph: base → {el, total, counts, going}. The
  // graph says which event it stands at (data-seq), its counts as of then
  // and which members were running or waiting; only later events move the
  // counts. Those of members that came before the graph are kept for it.
  var groups = new Map();
  var graphSeq = Infinity;
  var recent = [];
  var RECENT = 20000;
  function readGraph() {
    index = null;
    groups = new Map();
    var at = document.querySelector("#dag .dag-at");
    graphSeq = at ? parseInt(at.getAttribute("data-seq"), 10) : Infinity;
    if (isNaN(graphSeq)) graphSeq = Infinity;
    document.querySelectorAll("#dag [data-group]").forEach(function (el) {
      var g = { el: el, total: parseInt(el.getAttribute("data-members"), 10) || 0, counts: new Map(), going: new Map() };
      groups.set(el.getAttribute("data-group"), g);
      el.querySelectorAll("[data-count]").forEach(function (c) {
        g.counts.set(c.getAttribute("data-count"), parseInt(c.textContent, 10) || 0);
      });
      var going = {};
      try { going = JSON.parse(el.getAttribute("data-going") || "{}"); } catch (_) {}
      Object.keys(going).forEach(function (s) {
        (going[s] || []).forEach(function (name) { g.going.set(name, s); });
      });
    });
    recent = recent.filter(function (e) { return e[0] > graphSeq; });
    recent.forEach(function (e) { countIn(e[1], e[2]); });
    // Nodes drawn before the latest events: as the events said.
    model.forEach(function (_, step) { dirtySteps.add(step); });
    schedule();
  }

  // A member's status into its group's counts.
  function countIn(step, status) {
    var b = base(step);
    var g = b && groups.get(b);
    if (!g) return;
    var old = g.going.get(step) || "pending";
    if (old === status || rank(status) < rank(old)) return;
    if (rank(status) === 1) g.going.set(step, status);
    else g.going.delete(step);
    g.counts.set(old, (g.counts.get(old) || 0) - 1);
    g.counts.set(status, (g.counts.get(status) || 0) + 1);
    dirtyGroups.add(b);
  }

  // `seq`: the event's row (its id's first part).
  function setStatus(step, status, seq) {
    if (base(step)) {
      if (seq > graphSeq) countIn(step, status);
      else if (recent.length < RECENT) recent.push([seq, step, status]);
    }
    var old = model.get(step) || "pending";
    if (old !== status && rank(status) >= rank(old)) {
      model.set(step, status);
      dirtySteps.add(step);
    }
    schedule();
  }

  function drawStep(step) {
    var status = model.get(step);
    elements(step).forEach(function (el) {
      if (rank(status) < rank(el.getAttribute("data-status"))) return;
      el.setAttribute("data-status", status);
      var cell = el.querySelector(".step-status");
      if (cell) {
        cell.textContent = status;
        cell.className = "step-status status-" + status;
      }
      // Its duration ticks while it runs (the server's figure at the end).
      var took = el.querySelector(".step-duration");
      if (took && status === "running" && !took.hasAttribute("data-tick-from")) {
        took.setAttribute("data-tick-from", String(view.now()));
      } else if (took && rank(status) === 2) took.removeAttribute("data-tick-from");
      // A decided gate takes no more decisions.
      if (rank(status) === 2) el.querySelectorAll(".gate-actions").forEach(function (a) { a.remove(); });
    });
  }

  // The group's colour, as graph/view.rs decides it.
  function overall(n, total) {
    var c = function (s) { return n.get(s) || 0; };
    if (c("failed") + c("timed_out") > 0) return "failed";
    if (c("running") > 0) return "running";
    if (c("waiting") > 0) return "waiting";
    if (c("pending") === total) return "pending";
    if (c("succeeded") + c("skipped") === total) return "succeeded";
    return "mixed";
  }

  function drawGroup(b) {
    var g = groups.get(b);
    if (!g || !g.el.isConnected) return;
    var line = g.el.querySelector("text.counts");
    var others = [];
    g.counts.forEach(function (n, s) { if (COUNTED.indexOf(s) < 0 && n > 0) others.push(s); });
    others.sort();
    var summary = [];
    COUNTED.concat(others).forEach(function (s) {
      var n = Math.max(0, g.counts.get(s) || 0);
      summary.push(n + " " + s);
      var el = g.el.querySelector('[data-count="' + CSS.escape(s) + '"]');
      if (!el && line) {
        el = document.createElementNS("http://www.w3.org/2000/svg", "tspan");
        el.setAttribute("data-count", s);
        line.appendChild(document.createTextNode(SYMBOLS[s] || "·"));
        line.appendChild(el);
        line.appendChild(document.createTextNode(" "));
      }
      if (el) el.textContent = String(n);
    });
    g.el.setAttribute("data-status", overall(g.counts, g.total));
    var title = g.el.querySelector("title");
    if (title) {
      var t = title.textContent;
      var cut = t.lastIndexOf("; ");
      title.textContent = (cut > 0 ? t.slice(0, cut) : t) + "; " + summary.join(", ");
    }
  }

  // The log: the selected step's lines only, bounded.
  var pick = document.getElementById("log-step");
  var current = pick ? pick.value : null;
  var pending = [];
  var panelEl = null;
  var fetching = null;
  // The viewer's tools (run_view.js): search, first error, download link.
  var noop = function () {};
  var view = window.wfcRunView ? window.wfcRunView(path)
    : { filter: noop, line: null, step: noop, graph: noop, live: noop, now: Date.now };

  function panelOf(step) {
    var found = null;
    document.querySelectorAll("pre.log").forEach(function (p) {
      if (p.getAttribute("data-log") === step) found = p;
    });
    return found;
  }
  function bind(p) {
    panelEl = p;
    view.filter();
  }
  if (current && panelOf(current)) bind(panelOf(current));

  function show(step) {
    document.querySelectorAll("pre.log").forEach(function (p) {
      var on = p.getAttribute("data-log") === step;
      p.hidden = !on;
      if (on) p.setAttribute("aria-live", "polite");
      else p.removeAttribute("aria-live");
    });
  }

  // A step picked in the list: its lines as the server has them, then the
  // live ones (those both have, counted once).
  function select(step) {
    current = step;
    view.step(step);
    pending = [];
    panelEl = null;
    var stale = panelOf(step);
    if (stale) show(step);
    var asked = step;
    fetching = step;
    fetch("/runs/" + path + "?log=" + encodeURIComponent(step), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (current !== asked) return;
        fetching = null;
        var next = null;
        if (html !== null) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          doc.querySelectorAll("pre.log").forEach(function (p) {
            if (p.getAttribute("data-log") === asked) next = p;
          });
        }
        if (!next) {
          next = document.createElement("pre");
          next.className = "log";
          next.setAttribute("data-log", asked);
        }
        next = document.adoptNode(next);
        var old = panelOf(asked);
        if (old) old.replaceWith(next);
        else document.getElementById("logs").appendChild(next);
        bind(next);
        // Lines that came while the page was fetched may be in it already.
        var have = [];
        for (var i = 0; i < next.children.length; i++) have.push(next.children[i].textContent.replace(/\n$/, ""));
        var overlap = Math.min(have.length, pending.length);
        while (overlap > 0) {
          var same = true;
          for (var k = 0; k < overlap && same; k++) same = have[have.length - overlap + k] === plain(pending[k].t);
          if (same) break;
          overlap--;
        }
        pending = pending.slice(overlap);
        show(asked);
        next.scrollTop = next.scrollHeight;
        schedule();
      })
      .catch(function () { fetching = null; });
  }
  // A line as the server renders it: its escape and control characters out.
  function plain(l) {
    return l.replace(/\x1b(?:\[[0-9;:?]*[@-~]|.?)/g, "").replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
  }
  function listen(p) {
    p.addEventListener("change", function () { select(p.value); });
  }
  if (pick) listen(pick);

  function ensurePicker() {
    if (pick) return pick;
    var form = document.createElement("form");
    form.className = "log-pick";
    form.method = "get";
    form.action = "/runs/" + path;
    var label = document.createElement("label");
    label.textContent = "Step ";
    pick = document.createElement("select");
    pick.name = "log";
    pick.id = "log-step";
    label.appendChild(pick);
    form.appendChild(label);
    // The same form the server renders, so the page reads alike either way.
    var button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Show";
    form.appendChild(button);
    var logs = document.getElementById("logs");
    logs.parentNode.insertBefore(form, logs);
    listen(pick);
    var none = document.getElementById("no-logs");
    if (none) none.remove();
    return pick;
  }
  if (pick) for (var o = 0; o < pick.options.length; o++) logged.add(pick.options[o].value);

  function onLine(step, line, err) {
    if (!logged.has(step)) {
      logged.add(step);
      if (logged.size <= MAX_OPTIONS || elements(step).length) newLogged.push(step);
    }
    if (current === null) current = step;
    if (step === current) {
      pending.push({ t: line, err: err });
      if (pending.length > MAX_LINES) pending.splice(0, pending.length - MAX_LINES);
    }
    schedule();
  }

  function drawLog() {
    if (newLogged.length) {
      var select = ensurePicker();
      var frag = document.createDocumentFragment();
      newLogged.forEach(function (step) {
        var option = document.createElement("option");
        option.value = step;
        option.textContent = step;
        frag.appendChild(option);
      });
      newLogged = [];
      select.appendChild(frag);
      if (select.value !== current && current !== null) select.value = current;
    }
    if (!pending.length || fetching !== null || current === null) return;
    if (!panelEl || !panelEl.isConnected) {
      var p = panelOf(current);
      if (!p) {
        p = document.createElement("pre");
        p.className = "log";
        p.setAttribute("data-log", current);
        document.getElementById("logs").appendChild(p);
      }
      bind(p);
      show(current);
    }
    var atBottom = panelEl.scrollHeight - panelEl.scrollTop - panelEl.clientHeight < 4;
    // One insertion per frame, whatever the lines: a span per line (the
    // search hides lines), its colours as classes on text.
    var frag = document.createDocumentFragment();
    pending.forEach(function (l) {
      var span;
      if (view.line) span = view.line(l.t, l.err);
      else { span = document.createElement("span"); span.textContent = l.t + "\n"; }
      frag.appendChild(span);
    });
    pending = [];
    panelEl.appendChild(frag);
    var extra = panelEl.children.length - MAX_LINES;
    while (extra-- > 0) panelEl.firstElementChild.remove();
    view.filter();
    if (atBottom && !panelEl.hidden) panelEl.scrollTop = panelEl.scrollHeight;
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(frame);
  }

  function frame() {
    scheduled = false;
    var t0 = performance.now();
    var more = false;
    var it = dirtySteps.values();
    for (var s = it.next(); !s.done; s = it.next()) {
      dirtySteps.delete(s.value);
      drawStep(s.value);
      if (performance.now() - t0 > BUDGET) { more = true; break; }
    }
    dirtyGroups.forEach(drawGroup);
    dirtyGroups.clear();
    drawLog();
    if (more) schedule();
    else if (ended) finish();
  }

  // What only the server renders (durations, attempts, outputs, which
  // buttons apply, the rows a fresh load lists) is fetched anew when a
  // gate waits and at the run's end, and swapped in; one fetch at a time.
  var RENDERED = ["dl.run-header", "div.run-actions", "#steps-hidden", "table.steps tbody", "#outputs", "#gantt"];
  var refreshing = false;
  var again = false;
  var ending = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.pathname + location.search, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        RENDERED.forEach(function (sel) {
          var now = document.querySelector(sel);
          var next = doc.querySelector(sel);
          if (now && next) now.replaceWith(document.adoptNode(next));
          else if (now) now.remove();
          else if (next) {
            var at = sel === "#steps-hidden" ? document.querySelector("section div.table") : null;
            if (at) at.before(document.adoptNode(next));
            else {
              var header = document.querySelector("dl.run-header");
              if (header) header.after(document.adoptNode(next));
            }
          }
        });
        index = null;
        // At the end, the log a fresh load opens on (the failed step's).
        if (ending && location.search.indexOf("log=") < 0) {
          var opened = doc.querySelector("#log-step option[selected]");
          var step = opened && opened.value;
          if (step && step !== current) {
            logged.add(step);
            var had = newLogged.indexOf(step);
            if (had >= 0) newLogged.splice(had, 1);
            if (pick) {
              if (![].some.call(pick.options, function (o) { return o.value === step; })) {
                var option = document.createElement("option");
                option.value = step;
                option.textContent = step;
                pick.appendChild(option);
              }
              pick.value = step;
            }
            select(step);
          }
        }
        ending = false;
        // Events since the page was read may be newer than its rows.
        model.forEach(function (_, step) { dirtySteps.add(step); });
        schedule();
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  function finish() {
    var data = ended;
    ended = false;
    var status = data.status || "";
    root.setAttribute("data-status", status);
    // A failed run's log opens on the failed step, as a fresh load's does.
    ending = status === "failed";
    var cell = document.getElementById("run-status");
    if (cell) {
      cell.textContent = status;
      cell.className = "status-" + status;
    }
    refresh();
    // The graph as a fresh load draws it (server-rendered and escaped there).
    fetch("/runs/" + path + "/graph", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var g = document.getElementById("dag");
        if (html !== null && g) { g.innerHTML = html; view.graph(); }
      })
      .catch(function () {});
  }

  // The graph comes after the page (htmx) and again at the end.
  var dag = document.getElementById("dag");
  if (dag) {
    new MutationObserver(readGraph).observe(dag, { childList: true });
    if (dag.querySelector("[data-group], [data-step]")) readGraph();
  }

  var live = root.getAttribute("data-status");
  if ((live !== "running" && live !== "waiting" && live !== "paused") || !window.EventSource) return;
  view.live(function () { return ended === null; });
  var url = "/runs/" + path + "/events?after=" + encodeURIComponent(root.getAttribute("data-cursor") || "");
  var source = new EventSource(url);
  function on(name, f) {
    source.addEventListener(name, function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (_) { return; }
      f(data, parseInt(String(e.lastEventId || "").split(";")[0], 10) || 0);
    });
  }
  on("step_started", function (d, seq) {
    if (!d.step) return;
    setStatus(d.step, "running", seq);
    // An attempt of the step whose log shows: its separator, as the server
    // draws the `── attempt N · TIME ──` line (the stream leaves it out).
    if (d.step === current && d.attempt) {
      onLine(d.step, "── attempt " + d.attempt + " · " + (d.at || new Date(view.now()).toISOString()) + " ──");
    }
  });
  on("step_waiting", function (d, seq) {
    if (!d.step) return;
    setStatus(d.step, "waiting", seq);
    // A gate that starts waiting now needs its buttons, which the server renders.
    refresh();
  });
  on("step_skipped", function (d, seq) { if (d.step) setStatus(d.step, "skipped", seq); });
  on("step_ended", function (d, seq) {
    if (!d.step || !d.status) return;
    // A decision taken: the run's header (waiting, running) is the server's.
    var row = elements(d.step)[0];
    var was = model.get(d.step) || (row && row.getAttribute("data-status"));
    var decided = was === "waiting";
    setStatus(d.step, d.status, seq);
    if (decided) refresh();
  });
  on("log", function (d) { if (d.step && typeof d.line === "string") onLine(d.step, d.line, d.stream === "stderr"); });
  on("end", function (d) {
    // The stream ends here: no reconnect.
    source.close();
    ended = d || {};
    schedule();
  });
})();
