// The run page, live: follows /runs/{id}/events from the event id the page
// was rendered at (data-cursor) and updates step statuses, collapsed group
// counts, log panels and, at the run's end, its status and timeline.
// Log lines are inserted as text, never markup. Without this script the
// page is complete, just not live.
(function () {
  "use strict";
  var root = document.getElementById("run");
  if (!root) return;
  var path = root.getAttribute("data-run");
  var MAX_LINES = 2000;
  // Instance statuses seen, for the counts of collapsed groups.
  var seen = new Map();

  function byAttr(name, value) {
    return document.querySelectorAll("[" + name + '="' + CSS.escape(value) + '"]');
  }

  function panel(step) {
    return document.querySelector('pre.log[data-log="' + CSS.escape(step) + '"]');
  }

  // The step picked in the select shows its log; the others hide.
  function show(step) {
    document.querySelectorAll("pre.log").forEach(function (p) {
      var on = p.getAttribute("data-log") === step;
      p.hidden = !on;
      if (on) {
        p.setAttribute("aria-live", "polite");
        p.scrollTop = p.scrollHeight;
      } else {
        p.removeAttribute("aria-live");
      }
    });
  }

  var pick = document.getElementById("log-step");
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
    pick.addEventListener("change", function () { show(pick.value); });
    var none = document.getElementById("no-logs");
    if (none) none.remove();
    return pick;
  }
  if (pick) {
    pick.addEventListener("change", function () { show(pick.value); });
  }

  function panelFor(step) {
    var p = panel(step);
    if (p) return p;
    p = document.createElement("pre");
    p.className = "log";
    p.setAttribute("data-log", step);
    var select = ensurePicker();
    var option = document.createElement("option");
    option.value = step;
    option.textContent = step;
    select.appendChild(option);
    document.getElementById("logs").appendChild(p);
    if (select.options.length === 1) {
      select.value = step;
      p.setAttribute("aria-live", "polite");
    } else {
      p.hidden = true;
    }
    return p;
  }

  function appendLine(step, line) {
    var p = panelFor(step);
    var atBottom = p.scrollHeight - p.scrollTop - p.clientHeight < 4;
    var span = document.createElement("span");
    span.textContent = line + "\n";
    p.appendChild(span);
    while (p.childElementCount > MAX_LINES) p.firstElementChild.remove();
    if (atBottom && !p.hidden) p.scrollTop = p.scrollHeight;
  }

  function setStatus(step, status) {
    var els = byAttr("data-step", step);
    var old = seen.get(step) || "pending";
    seen.set(step, status);
    if (els.length === 0) {
      // An instance of a collapsed group: move it from one count to another.
      var base = step.indexOf("[") > 0 ? step.slice(0, step.indexOf("[")) : step;
      byAttr("data-group", base).forEach(function (g) { count(g, old, -1); count(g, status, 1); });
      return;
    }
    els.forEach(function (el) {
      el.setAttribute("data-status", status);
      var cell = el.querySelector(".step-status");
      if (cell) {
        cell.textContent = status;
        cell.className = "step-status status-" + status;
      }
    });
  }

  function count(group, status, by) {
    if (status === undefined) return;
    var el = group.querySelector('[data-count="' + CSS.escape(status) + '"]');
    if (!el) return;
    var n = parseInt(el.textContent, 10) || 0;
    el.textContent = String(Math.max(0, n + by));
  }

  // What only the server renders (durations, attempts, outputs, which
  // buttons apply) is fetched anew at the run's end and swapped in.
  var RENDERED = ["dl.run-header", "div.run-actions", "table.steps tbody", "#outputs", "#gantt"];
  function refresh() {
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
            var header = document.querySelector("dl.run-header");
            if (header) header.after(document.adoptNode(next));
          }
        });
      })
      .catch(function () {});
  }

  function ended(data) {
    refresh();
    var status = data.status || "";
    root.setAttribute("data-status", status);
    var cell = document.getElementById("run-status");
    if (cell) {
      cell.textContent = status;
      cell.className = "status-" + status;
    }
    fetch("/runs/" + path + "/gantt", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        var g = document.getElementById("gantt");
        // Server-rendered and escaped there, from this origin.
        if (html !== null && g) g.innerHTML = html;
      })
      .catch(function () {});
  }

  if (root.getAttribute("data-status") !== "running" || !window.EventSource) return;
  var url = "/runs/" + path + "/events?after=" + encodeURIComponent(root.getAttribute("data-cursor") || "");
  var source = new EventSource(url);
  function on(name, f) {
    source.addEventListener(name, function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (_) { return; }
      f(data);
    });
  }
  on("step_started", function (d) { if (d.step) setStatus(d.step, "running"); });
  on("step_waiting", function (d) {
    if (!d.step) return;
    setStatus(d.step, "waiting");
    // A gate that starts waiting now needs its buttons, which the server renders.
    refresh();
  });
  on("step_skipped", function (d) { if (d.step) setStatus(d.step, "skipped"); });
  on("step_ended", function (d) {
    if (!d.step || !d.status) return;
    setStatus(d.step, d.status);
    // A decided gate takes no more decisions.
    byAttr("data-step", d.step).forEach(function (el) {
      el.querySelectorAll(".gate-actions").forEach(function (a) { a.remove(); });
    });
  });
  on("log", function (d) { if (d.step && typeof d.line === "string") appendLine(d.step, d.line); });
  on("end", function (d) {
    // The stream ends here: no reconnect.
    source.close();
    ended(d);
  });
})();
