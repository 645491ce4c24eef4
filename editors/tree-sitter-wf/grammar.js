/**
 * @file Tree-sitter grammar of the `.wf` workflow language (wfc).
 *
 * It follows grammar/wf.pest, the parser wfc itself uses, and the language
 * of docs/language.md. One rule needs more than a context-free grammar: a
 * field's value starts on the same line as the field's name (so a bare flag
 * such as `optional` never takes the next line's field as its value). The
 * external scanner (src/scanner.c) provides `_inline`, a zero-width token
 * that exists only where the next thing on the line is not a line end, a
 * comment or a `}`.
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const PREC = {
  ternary: 0,
  or: 1,
  and: 2,
  equal: 3,
  compare: 4,
  add: 5,
  multiply: 6,
  unary: 7,
  postfix: 8,
};

const IDENT = /[A-Za-z_]([A-Za-z0-9_]|-[A-Za-z0-9_])*/;

/** One or more of `rule`, separated by commas, with an optional trailing one. */
function commaSep1(rule) {
  return seq(rule, repeat(seq(',', rule)), optional(','));
}

function commaSep(rule) {
  return optional(commaSep1(rule));
}

module.exports = grammar({
  name: 'wf',

  externals: $ => [$._inline, $._error_sentinel],

  extras: $ => [/\s/, $.comment],

  word: $ => $.identifier,

  conflicts: $ => [[$.map_block, $.map]],

  rules: {
    source_file: $ => seq(repeat($.import), repeat($.workflow)),

    // `import "PATH" [as NAME]`
    import: $ => seq('import', field('path', $.string), optional(seq('as', field('alias', $.identifier)))),

    workflow: $ => seq('workflow', field('name', $.identifier), '{', repeat($._workflow_item), '}'),

    _workflow_item: $ => choice(
      $.param,
      $.outputs,
      $.env,
      $.defaults,
      $.handler,
      $.trigger,
      $.lock,
      $.alert,
      $.executor,
      $.setting,
      $._block_item,
    ),

    _block_item: $ => choice($.let, $.step, $.if, $.for_each, $.parallel, $.sequence),

    // `description "…"`, `concurrency 4`, `timeout 1h`.
    setting: $ => seq(field('name', $.identifier), $._inline, field('value', $._expression)),

    // `param NAME: TYPE [in CONSTRAINT] [= DEFAULT]`; `secret` the same.
    param: $ => seq(
      choice('param', 'secret'),
      field('name', $.identifier),
      ':',
      field('type', $.type),
      optional(seq('in', field('constraint', choice($.range, $.list)))),
      optional(seq('=', field('default', $._expression))),
    ),

    type: $ => seq(
      $.identifier,
      optional(seq('<', commaSep1($.type), '>')),
      optional('?'),
    ),

    range: $ => seq($._range_bound, '..', $._range_bound),
    _range_bound: $ => choice(
      $.duration, $.float, $.integer, $.identifier,
      $.unary_expression,
    ),

    let: $ => seq('let', field('name', $.identifier), '=', field('value', $._expression)),

    // `outputs { NAME: TYPE [= EXPR] … }`: a step's declared outputs, or the
    // workflow's own (with their values).
    outputs: $ => seq('outputs', '{', repeat(seq($.output, optional(','))), '}'),
    output: $ => seq(
      field('name', $.identifier), ':', field('type', $.type),
      optional(seq('=', field('value', $._expression))),
    ),

    env: $ => seq('env', $.map_block),
    map_block: $ => seq('{', repeat(seq($.assignment, optional(','))), '}'),
    assignment: $ => seq(field('key', choice($.identifier, $.string)), '=', field('value', $._expression)),

    defaults: $ => seq('defaults', '{', repeat($._field), '}'),

    // `on failure { … }`, `on success { … }`, `finally { … }`
    handler: $ => seq(choice(seq('on', choice('failure', 'success')), 'finally'), $.block),

    // `on schedule "0 2 * * *" { … }`, `on webhook "/deploy" { … }`,
    // `on change "incoming/*.csv" { … }` (for `wfc serve`).
    trigger: $ => seq(
      'on', field('kind', choice('schedule', 'webhook', 'change')),
      field('spec', choice($.string, $.call)),
      optional(seq('{', repeat(choice($.catch_up, $._field)), '}')),
    ),
    catch_up: $ => seq('catch', 'up', field('value', $._expression)),

    // `lock "deploy-${env}" { on busy queue|skip|cancel }`.
    lock: $ => seq(
      'lock', field('key', $._expression),
      optional(seq('{', optional($.on_busy), '}')),
    ),
    on_busy: $ => seq('on', 'busy', field('mode', $.identifier)),

    // `alert NAME { when CONDITION  notify KIND { FIELD … }  cooldown D }`: a
    // rule over the workflow's recent runs.
    alert: $ => seq(
      'alert', field('name', $.identifier),
      '{', repeat(choice($.alert_when, $.notify, $.field)), '}',
    ),
    // `when failure_rate(last 10) > 0.3`, `when slower_than p95 * 1.5`: on one
    // line (the scanner's `_inline` stops at a line's end).
    alert_when: $ => seq(
      'when', field('metric', $.identifier),
      optional(seq('(', 'last', field('window', $._expression), ')')),
      optional(choice(
        seq(field('operator', choice('>=', '>', '<=', '<', '==', '!=')), field('value', $._expression)),
        seq($._inline, field('value', $._expression)),
      )),
    ),
    // `notify slack|webhook|email { FIELD … }`
    notify: $ => seq('notify', field('kind', $.identifier), optional(seq('{', repeat($.field), '}'))),

    // ------------------------------------------------------------ steps ---

    // `step NAME: KIND { FIELD VALUE … }`, or `step NAME: call TARGET { … }`
    // (TARGET: `W`, `M.W`, or `file(EXPR)`, a file known at run time)
    step: $ => seq(
      'step', field('name', $.identifier), ':',
      choice(field('kind', $.identifier), $.call_target),
      '{', repeat($._field), '}',
    ),

    call_target: $ => seq(
      'call',
      choice(
        seq('file', '(', field('path', $._expression), ')'),
        seq(
          optional(seq(field('module', $.identifier), token.immediate('.'))),
          field('workflow', $.identifier),
        ),
      ),
    ),

    _field: $ => choice(
      $.depends_on,
      $.after,
      $.retry,
      $.until,
      $.up_to_date_when,
      $.outputs,
      $.rollback,
      $.on_fail,
      $.mount,
      $.executor,
      $.resources,
      $.artifacts,
      $.inputs,
      $.field,
    ),

    // `executor NAME [{ FIELD VALUE … }]` (workflow, `defaults`, step) and
    // `resources { FIELD VALUE … }` (step, `defaults`): where and with what a
    // step runs.
    executor: $ => seq('executor', field('name', $.identifier), optional($._sub_fields)),
    resources: $ => seq('resources', $._sub_fields),
    _sub_fields: $ => seq('{', repeat($.field), '}'),

    // A plain field: `run "…"`, `headers { … }`, or a flag (`optional`).
    field: $ => seq(
      field('name', $.identifier),
      optional(seq($._inline, field('value', choice($._expression, $.map_block)))),
    ),

    // `depends on a, b` / `after a, b`: names, a line break allowed after a comma.
    depends_on: $ => seq('depends', 'on', $._depends_name, repeat(seq(',', $._depends_name))),
    _depends_name: $ => choice($.any_deps, $.identifier),
    // `any(b, c)`: of these, all end and one succeeds.
    any_deps: $ => seq('any', '(', $._names, ')'),
    after: $ => seq('after', $._names),
    _names: $ => seq($.identifier, repeat(seq(',', $.identifier))),

    // `retry N [backoff D [STRATEGY]] [max D] [within D] [when EXPR]`, on one line.
    retry: $ => seq(
      'retry', field('count', $._expression),
      repeat(seq($._inline, choice($.backoff, $.retry_max, $.retry_within, $.strategy))),
      optional(seq($._inline, $.retry_when)),
    ),
    backoff: $ => seq('backoff', $._expression),
    retry_max: $ => seq('max', $._expression),
    retry_within: $ => seq('within', $._expression),
    retry_when: $ => seq('when', field('condition', $._expression)),
    // `exponential`, `linear`, or a rate: `x1.5`.
    strategy: $ => choice($.identifier, $.backoff_rate),
    backoff_rate: _ => token(prec(1, /x[0-9]+(\.[0-9]+)?/)),

    // `until EXPR every D within D`
    until: $ => seq(
      'until', field('condition', $._expression),
      'every', field('every', $._expression),
      'within', field('within', $._expression),
    ),

    // `up to date when shell "CMD"` / `up to date when sql "QUERY"`
    up_to_date_when: $ => seq(
      'up', 'to', 'date', 'when', field('how', choice('shell', 'sql')),
      field('check', $._expression),
    ),

    rollback: $ => seq('on', 'failure', 'rollback', $.block),
    on_fail: $ => seq('on', 'fail', field('mode', $.identifier)),
    mount: $ => seq('mount', field('source', $._expression), 'at', field('target', $._expression)),
    // `artifacts { NAME = "GLOB" [optional] … }`: files a step hands on.
    artifacts: $ => seq('artifacts', '{', repeat(seq($.artifact, optional(','))), '}'),
    artifact: $ => seq(
      field('name', $.identifier), '=', field('glob', $._expression),
      optional(field('optional', 'optional')),
    ),

    // `inputs { NAME: TYPE [in …] [= DEFAULT] … }`: what an approval gate's
    // approver gives, typed like params.
    inputs: $ => seq('inputs', '{', repeat(seq($.input, optional(','))), '}'),
    input: $ => seq(
      field('name', $.identifier),
      ':',
      field('type', $.type),
      optional(seq('in', field('constraint', choice($.range, $.list)))),
      optional(seq('=', field('default', $._expression))),
    ),

    // ----------------------------------------------------------- blocks ---

    block: $ => seq('{', repeat(choice($.depends_on, $.env, $.defaults, $._block_item)), '}'),

    if: $ => seq(
      'if', field('condition', $._expression), field('then', $.block),
      repeat($.else_if),
      optional($.else),
    ),
    else_if: $ => seq('else', 'if', field('condition', $._expression), $.block),
    else: $ => seq('else', $.block),

    // `for each NAME in LIST [parallel [N] | batch N] [fail fast] [max failures N|P%] { … }`
    for_each: $ => seq(
      'for', 'each', field('variable', $.identifier), 'in', field('list', $._expression),
      optional(seq(
        choice(
          seq('parallel', optional(field('limit', choice($.integer, $.identifier)))),
          seq('batch', field('batch', choice($.integer, $.identifier))),
        ),
        optional($.fail_fast),
      )),
      optional(seq('max', 'failures', field('max_failures', choice($.percent, $.integer, $.identifier)))),
      $.block,
    ),

    // `max failures 25%`
    percent: _ => token(seq(/[0-9]+/, '%')),

    // `parallel [NAME] [wait all|any] [fail fast] { … }`
    parallel: $ => seq(
      'parallel', optional(field('name', $.identifier)),
      optional(seq('wait', field('mode', $.identifier))),
      optional($.fail_fast),
      $.block,
    ),

    // `fail fast` on a parallel block or loop (at workflow level it reads
    // as the setting `fail` with the value `fast`).
    fail_fast: $ => seq('fail', 'fast'),

    // `sequence [NAME] { … }`
    sequence: $ => seq('sequence', optional(field('name', $.identifier)), $.block),

    // ------------------------------------------------------ expressions ---

    _expression: $ => choice(
      $.ternary_expression,
      $.binary_expression,
      $.unary_expression,
      $._postfix,
    ),

    ternary_expression: $ => prec.right(PREC.ternary, seq(
      field('condition', $._expression), '?',
      field('consequence', $._expression), ':',
      field('alternative', $._expression),
    )),

    binary_expression: $ => {
      const table = [
        [PREC.or, '||'],
        [PREC.and, '&&'],
        [PREC.equal, choice('==', '!=')],
        [PREC.compare, choice('<', '<=', '>', '>=', 'in', 'is')],
        [PREC.add, choice('+', '-')],
        [PREC.multiply, choice('*', '/', '%')],
      ];
      return choice(...table.map(([p, op]) => prec.left(p, seq(
        field('left', $._expression), field('operator', op), field('right', $._expression),
      ))));
    },

    unary_expression: $ => prec(PREC.unary, seq(field('operator', choice('!', '-')), field('operand', $._expression))),

    _postfix: $ => choice($.member_expression, $.index_expression, $._primary),

    member_expression: $ => prec(PREC.postfix, seq(field('object', $._postfix), '.', field('member', $.identifier))),
    index_expression: $ => prec(PREC.postfix, seq(field('object', $._postfix), '[', field('index', $._expression), ']')),

    _primary: $ => choice(
      $.triple_string,
      $.string,
      $.size,
      $.duration,
      $.float,
      $.integer,
      $.boolean,
      $.list,
      $.list_comprehension,
      $.map,
      $.call,
      $.identifier,
      $.parenthesized_expression,
    ),

    parenthesized_expression: $ => seq('(', $._expression, ')'),
    call: $ => seq(field('function', $.identifier), '(', commaSep($._expression), ')'),
    list: $ => seq('[', commaSep($._expression), ']'),
    // `[ELEM for NAME in LIST if COND]`
    list_comprehension: $ => seq(
      '[', field('element', $._expression),
      'for', field('variable', $.identifier), 'in', field('list', $._expression),
      optional(seq('if', field('condition', $._expression))),
      ']',
    ),
    map: $ => seq('{', commaSep($.map_entry), '}'),
    map_entry: $ => seq(field('key', choice($.identifier, $.string)), ':', field('value', $._expression)),

    boolean: _ => choice('true', 'false'),
    // A size in bytes, 1024-based: `512MB`, `16GB`.
    size: _ => /[0-9]+(KB|MB|GB|TB)/,
    duration: _ => /([0-9]+(ms|s|m|h|d))+/,
    float: _ => /[0-9]+\.[0-9]+/,
    integer: _ => /[0-9]+/,

    // "…" on one line, with escapes and `${expr}`.
    string: $ => seq(
      '"',
      repeat(choice($.string_content, $.escape_sequence, $.interpolation, alias('$', $.string_content))),
      token.immediate('"'),
    ),
    // (Precedence over comments: a `#` inside a string is text.)
    string_content: _ => token.immediate(prec(1, /[^"\\$\n]+/)),
    escape_sequence: _ => token.immediate(/\\(u\{[0-9A-Fa-f]+\}|.)/),

    // """…""" over many lines: only `\$` is an escape; `${expr}` interpolates.
    triple_string: $ => seq(
      '"""',
      repeat(choice(
        alias($._triple_content, $.string_content),
        alias($._triple_quotes, $.string_content),
        alias(token.immediate('$'), $.string_content),
        alias(token.immediate('\\$'), $.escape_sequence),
        $.interpolation,
      )),
      // (Above the content's precedence: `"""` ends the string, not two quotes of text.)
      token.immediate(prec(2, '"""')),
    ),
    // (Text above comments; quotes and a lone `$` below `"""` and `${`.)
    _triple_content: _ => token.immediate(prec(1, /([^"\\$]|\\[^$]|\$[^{"])+/)),
    _triple_quotes: _ => token.immediate(/"{1,2}/),

    interpolation: $ => seq(token.immediate('${'), $._expression, '}'),

    identifier: _ => IDENT,

    comment: _ => token(seq('#', /.*/)),
  },
});
