// The dashboard's workflow editor (`/edit/{path}`): CodeMirror from
// codemirror.min.js (`window.WfcEditor`), the server's analysis of the
// text as it is typed (`/editor/analyze`, 150 ms after the last key), its
// completion, hover and plan, and saving (`/editor/save`). The text comes
// in as JSON (`#editor-data`), never as markup.
'use strict';
(function () {
  const root = document.getElementById('editor');
  const dataEl = document.getElementById('editor-data');
  if (!root || !dataEl || !window.WfcEditor) return;
  const data = JSON.parse(dataEl.textContent);
  const csrf = root.dataset.csrf;
  const DEBOUNCE_MS = 150;
  let isNew = data.new;
  // The hash of the file's text this editor started from (null: new).
  let base = data.base;

  // A JSON request of the editor's; the answer's body (a problem's too)
  // and its status.
  async function ask(url, body, method) {
    const r = await fetch(url, {
      method: method || 'POST',
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let json = null;
    try { json = await r.json(); } catch (e) { json = null; }
    return { status: r.status, json };
  }

  const text = () => view.state.doc.toString();
  const el = (tag, cls, content) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  };

  // The diagnostics: CodeMirror's marks and the list under the text.
  const list = document.getElementById('diagnostics');
  const count = document.getElementById('diag-count');
  function show(marks) {
    const len = view.state.doc.length;
    const diags = marks.map((m) => ({
      from: Math.min(m.from, len),
      to: Math.min(Math.max(m.to, m.from), len),
      severity: m.severity === 'warning' ? 'warning' : 'error',
      source: m.code,
      message: `${m.code}: ${m.message}`,
    }));
    view.dispatch(window.WfcEditor.setDiagnostics(view.state, diags));
    list.replaceChildren(...marks.map((m) => {
      const li = el('li', `diag diag-${m.severity}`);
      li.dataset.code = m.code;
      const go = el('button', 'link', `${m.line}:${m.column}`);
      go.type = 'button';
      go.setAttribute('aria-label', `${m.line}:${m.column}, go to line ${m.line}, column ${m.column}`);
      go.addEventListener('click', () => {
        view.dispatch({ selection: { anchor: Math.min(m.from, view.state.doc.length) }, scrollIntoView: true });
        view.focus();
      });
      li.append(el('strong', null, m.code), ' ', go, ' ', el('span', null, m.message));
      return li;
    }));
    const errors = marks.filter((m) => m.severity === 'error').length;
    count.textContent = marks.length ? `(${errors} error${errors === 1 ? '' : 's'}, ${marks.length - errors} warning${marks.length - errors === 1 ? '' : 's'})` : '(none)';
    root.dataset.errors = String(errors);
  }

  // Each change asks again; an answer for an older text is dropped.
  let seq = 0;
  let timer = null;
  // Typed since the last save (or load): leaving the page asks first.
  let dirty = false;
  window.addEventListener('beforeunload', (e) => { if (dirty) e.preventDefault(); });
  function changed() {
    dirty = true;
    seq += 1;
    clearTimeout(timer);
    root.dataset.analyzing = 'true';
    timer = setTimeout(analyze, DEBOUNCE_MS);
  }
  async function analyze() {
    const mine = seq;
    const r = await ask('/editor/analyze', { path: data.path, text: text() });
    if (mine !== seq) return;
    if (r.status === 200) show(r.json.diagnostics);
    else problem(r);
    root.dataset.analyzing = 'false';
    root.dataset.analyzed = String(mine);
    // The plan follows the diagnostics: of this text, once it checks.
    if (root.dataset.errors === '0') plan();
    else plans.replaceChildren(el('p', 'muted', 'The text has errors: fix them to see its plan.'));
  }

  const plans = document.getElementById('plans');
  async function plan() {
    const mine = seq;
    const r = await ask('/editor/plan', { path: data.path, text: text() });
    if (mine !== seq || r.status !== 200) return;
    if (r.json.note) { plans.replaceChildren(el('p', 'muted', r.json.note)); return; }
    plans.replaceChildren(...r.json.plans.flatMap((p) => [
      el('h3', null, p.workflow), el('pre', 'plan-text', p.text),
    ]));
    plans.querySelectorAll('pre').forEach((pre) => { pre.tabIndex = 0; });
  }

  // Completion and hover: the language server's, at the cursor.
  function snippetText(s) {
    return s.replace(/\$\{(\d+)\|([^,|]*)[^}]*\|\}/g, '${$1:$2}').replace(/\$(\d+)/g, '${$1}');
  }
  async function complete(ctx) {
    const word = ctx.matchBefore(/[\w.-]*/);
    if (!ctx.explicit && (!word || word.from === word.to)) return null;
    const r = await ask('/editor/complete', { path: data.path, text: ctx.state.doc.toString(), offset: ctx.pos });
    if (ctx.aborted || r.status !== 200) return null;
    return {
      from: Math.min(r.json.from, ctx.pos),
      options: r.json.items.map((i) => ({
        label: i.label, type: i.type, detail: i.detail || undefined, info: i.info || undefined,
        boost: i.boost, apply: i.snippet ? window.WfcEditor.snippet(snippetText(i.apply)) : i.apply,
      })),
      validFor: /^[\w-]*$/,
    };
  }
  // Markdown as text: fenced blocks as <pre>, `code` as <code>, the rest
  // as paragraphs; never markup from the server.
  function markdown(md) {
    const box = el('div', 'hover-text');
    md.split(/^```[a-z]*\n?/m).forEach((part, i) => {
      if (!part.trim()) return;
      if (i % 2 === 1) { box.append(el('pre', null, part.replace(/\n$/, ''))); return; }
      for (const para of part.split(/\n\s*\n/)) {
        if (!para.trim()) continue;
        const p = el('p');
        para.split('`').forEach((bit, j) => p.append(j % 2 ? el('code', null, bit) : bit));
        box.append(p);
      }
    });
    return box;
  }
  async function hover(v, pos) {
    const r = await ask('/editor/hover', { path: data.path, text: v.state.doc.toString(), offset: pos });
    if (r.status !== 200 || !r.json) return null;
    return {
      pos: r.json.from, end: r.json.to, above: true,
      create: () => ({ dom: markdown(r.json.markdown) }),
    };
  }

  // Saving: formatted, checked and written by the server; refused, its
  // diagnostics shown.
  const saved = document.getElementById('editor-saved');
  const saveButton = document.getElementById('editor-save');
  const format = document.getElementById('editor-format');
  function problem(r) {
    const j = r.json || {};
    saved.textContent = `${j.code || r.status}: ${j.detail || 'the server refused'}`;
    saved.className = 'error';
  }
  async function save() {
    saveButton.disabled = true;
    saved.className = '';
    saved.textContent = 'Saving…';
    const r = await ask('/editor/save', { path: data.path, text: text(), format: format.checked, create: isNew, base });
    saveButton.disabled = false;
    if (r.status === 200 || r.status === 201) {
      if (r.json.text !== text()) {
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: r.json.text } });
      }
      const names = r.json.workflows.map((w) => w.name);
      saved.replaceChildren(`${r.json.created ? 'Created' : 'Saved'}${r.json.kept_version ? ` (the text before kept as version ${r.json.kept_version})` : ''}. `);
      for (const n of names) {
        const a = el('a', null, `Start a run of ${n}`);
        a.href = `/workflows/${encodeURIComponent(n)}/start`;
        saved.append(a, ' ');
      }
      dirty = false;
      isNew = false;
      base = r.json.base;
      saveButton.textContent = 'Save';
      versions(r.json.versions);
      return;
    }
    problem(r);
    // Changed by someone else since: the next save replaces it, as the
    // message says.
    if (r.status === 409 && r.json && r.json.code === 'API006') base = null;
    const diags = (r.json && r.json.diagnostics) || [];
    if (diags.length) {
      // The files API's form (`wfc check --format json`): lines and columns.
      show(diags.map((d) => {
        const l = (d.labels || []).find((x) => x.primary) || (d.labels || [])[0] || { line: 1, column: 1 };
        const message = d.help ? `${d.message} (help: ${d.help})` : d.message;
        return {
          code: d.code, severity: d.severity === 'warning' ? 'warning' : 'error', message,
          from: offsetOf(l.line, l.column), to: offsetOf(l.end_line || l.line, l.end_column || l.column),
          line: l.line, column: l.column,
        };
      }));
    }
  }
  function offsetOf(line, column) {
    const doc = view.state.doc;
    if (!line || line > doc.lines) return 0;
    const l = doc.line(line);
    return Math.min(l.from + Math.max((column || 1) - 1, 0), l.to);
  }
  saveButton.addEventListener('click', save);

  // Versions: listed newest first; one loaded into the editor is restored
  // by saving it.
  const select = document.getElementById('versions');
  const form = document.getElementById('versions-form');
  function versions(all) {
    select.replaceChildren(...all.map((v) => {
      const o = el('option', null, `${v.version} · ${v.saved} · ${v.bytes} bytes`);
      o.value = v.version;
      return o;
    }));
    form.hidden = all.length === 0;
    document.getElementById('versions-none').hidden = all.length !== 0;
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = new URLSearchParams({ path: data.path, version: select.value });
    const r = await ask(`/editor/version?${q}`);
    if (r.status !== 200) { problem(r); return; }
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: r.json.text } });
    saved.className = '';
    saved.textContent = `Version ${r.json.version} loaded: save to restore it.`;
  });

  const view = window.WfcEditor.create(root, data.text, {
    complete, hover, changed, save, label: `Text of ${data.path}`,
  });
  window.wfcEditor = { view };
  // The first analysis, of the text as loaded (nothing typed yet).
  changed();
  dirty = false;
})();
