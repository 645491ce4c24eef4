// The CodeMirror 6 pieces the dashboard's editor uses, and the `.wf`
// highlighting mode, bundled by scripts/dashboard/build-editor.sh into
// crates/serve/assets/vendor/codemirror.min.js as `window.WfcEditor`.
// The page's own logic (talking to the server) is editor.js, not here:
// changing it needs no rebuild of the bundle.
import { EditorState } from '@codemirror/state';
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, hoverTooltip,
} from '@codemirror/view';
import {
  StreamLanguage, syntaxHighlighting, indentOnInput, bracketMatching, indentUnit,
} from '@codemirror/language';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  autocompletion, completionKeymap, closeBrackets, closeBracketsKeymap, snippet,
} from '@codemirror/autocomplete';
import { lintGutter, setDiagnostics, lintKeymap } from '@codemirror/lint';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';
import { tags, tagHighlighter } from '@lezer/highlight';

// Words of the language (grammar/wf.pest, editors/vscode's grammar) and
// the step kinds (crates/language/src/check/kinds.rs).
const KEYWORDS = new Set(('workflow import as step param secret let env defaults settings on depends after ' +
  'parallel sequence for each in if else when retry backoff timeout outputs inputs lock alert rollback ' +
  'finally catch up call file optional wait fail fast busy every at within until to batch max mount ' +
  'executor resources artifacts notify schedule webhook change success failure failures abort pause ' +
  'continue queue skip cancel exponential linear fixed description version tags is').split(' '));
const KINDS = new Set('shell http docker python node sql slack email gate sleep'.split(' '));
const TYPES = new Set('string int float bool duration time json list map date size'.split(' '));
const ATOMS = new Set(['true', 'false', 'null']);

// A string's text up to its end, an interpolation or the line's end.
function stringBody(stream, state) {
  while (!stream.eol()) {
    if (stream.match('${', false)) {
      if (stream.current()) return 'string';
      stream.match('${');
      state.depth.push(state.quote);
      state.quote = null;
      return 'interp';
    }
    if (state.quote === '"""' && stream.match('"""')) { state.quote = null; return 'string'; }
    const ch = stream.next();
    if (ch === '\\') { stream.next(); continue; }
    if (ch === '"' && state.quote === '"') { state.quote = null; return 'string'; }
  }
  // A one-line string ends with its line.
  if (state.quote === '"') state.quote = null;
  return 'string';
}

const wf = StreamLanguage.define({
  name: 'wf',
  startState: () => ({ quote: null, depth: [], braces: [] }),
  copyState: (s) => ({ quote: s.quote, depth: s.depth.slice(), braces: s.braces.slice() }),
  token(stream, state) {
    if (state.quote) return stringBody(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match('#')) { stream.skipToEnd(); return 'comment'; }
    if (stream.match('"""')) { state.quote = '"""'; return stringBody(stream, state); }
    if (stream.match('"')) { state.quote = '"'; return stringBody(stream, state); }
    // Inside `${…}`: a brace closes the interpolation or one opened in it.
    if (state.depth.length) {
      if (stream.match('{')) { state.braces.push(state.depth.length); return 'bracket'; }
      if (stream.match('}')) {
        if (state.braces.length && state.braces[state.braces.length - 1] === state.depth.length) {
          state.braces.pop();
          return 'bracket';
        }
        state.quote = state.depth.pop();
        return 'interp';
      }
    }
    if (stream.match(/^\d+(\.\d+)?(ms|s|m|h|d)\b/)) return 'duration';
    if (stream.match(/^\d+(\.\d+)?([kKMG]i?B|B)\b/)) return 'duration';
    if (stream.match(/^\d+(\.\d+)?/)) return 'number';
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_-]*/)) {
      const w = stream.current();
      if (KEYWORDS.has(w)) return 'keyword';
      if (KINDS.has(w)) return 'kind';
      if (TYPES.has(w)) return 'typeName';
      if (ATOMS.has(w)) return 'atom';
      return stream.match(/^\s*\(/, false) ? 'function' : 'variableName';
    }
    if (stream.match(/^(==|!=|<=|>=|&&|\|\||\.\.|[-+*/%<>!=?:.,])/)) return 'operator';
    stream.next();
    return 'bracket';
  },
  languageData: { commentTokens: { line: '#' }, closeBrackets: { brackets: ['(', '[', '{', '"'] } },
  tokenTable: {
    duration: tags.unit,
    interp: tags.special(tags.string),
    kind: tags.className,
    function: tags.function(tags.variableName),
  },
});

// Classes, not colours: dashboard.css colours them for light and dark.
const highlighter = tagHighlighter([
  { tag: tags.keyword, class: 'wf-keyword' },
  { tag: tags.string, class: 'wf-string' },
  { tag: tags.special(tags.string), class: 'wf-interp' },
  { tag: tags.comment, class: 'wf-comment' },
  { tag: [tags.number, tags.unit], class: 'wf-number' },
  { tag: [tags.typeName, tags.className], class: 'wf-type' },
  { tag: tags.atom, class: 'wf-atom' },
  { tag: tags.function(tags.variableName), class: 'wf-function' },
]);

// An editor in `parent` holding `doc`; `options` are the page's hooks:
// `complete(context)` (a completion source), `hover(view, pos, side)` (a
// hover source), `changed(view)` after each change of the text, `save()`
// on Ctrl/Cmd-S, `label` (the text area's accessible name).
function create(parent, doc, options) {
  const extensions = [
    lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(),
    indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
    highlightSelectionMatches(), lintGutter(), indentUnit.of('  '),
    // Long lines wrap: at a phone's width no box scrolls sideways (a
    // scrolling box would need a tab stop of its own).
    EditorView.lineWrapping,
    wf, syntaxHighlighting(highlighter),
    autocompletion({ override: [options.complete], activateOnTypingDelay: 60 }),
    hoverTooltip(options.hover, { hoverTime: 250 }),
    keymap.of([
      { key: 'Mod-s', preventDefault: true, run: () => { options.save(); return true; } },
      ...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap,
      ...completionKeymap, ...lintKeymap, indentWithTab,
    ]),
    EditorView.updateListener.of((u) => { if (u.docChanged) options.changed(u.view); }),
    EditorView.contentAttributes.of({ 'aria-label': options.label || 'Workflow text' }),
  ];
  return new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
}

window.WfcEditor = { create, setDiagnostics, snippet };
