//! Constructors for call steps: the target, the params passed and call
//! cycles (codes `E0210`–`E0219`); `call file(EXPR)` (`E0225`, `E0227`).

use super::super::Diagnostic;
use super::{list, suggest};
use crate::span::Span;

/// E0210: a call target that is neither a workflow of this file nor an imported module.
pub fn unknown_call_target(
    span: Span,
    target: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error(
        "E0210",
        format!("`{target}` is neither a workflow of this file nor an imported module"),
    )
    .primary(span, "unknown call target");
    let fallback = if known.is_empty() {
        "add the workflow to this file, or `import \"PATH\"` the file that has it".to_string()
    } else {
        format!("callable here: {}", list(known))
    };
    suggest(d, span, suggestion, fallback)
}

/// E0211: `call M.W` where module `M` has no workflow `W`.
pub fn unknown_module_workflow(
    span: Span,
    module: &str,
    workflow: &str,
    suggestion: Option<&str>,
    known: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error(
        "E0211",
        format!("module `{module}` has no workflow `{workflow}`"),
    )
    .primary(span, format!("not a workflow of `{module}`"));
    suggest(
        d,
        span,
        suggestion,
        format!("`{module}` has {}", list(known)),
    )
}

/// E0212: a call passes a param the callee does not declare.
pub fn unknown_call_param(
    span: Span,
    param: &str,
    callee: &str,
    suggestion: Option<&str>,
    params: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error(
        "E0212",
        format!("workflow `{callee}` has no param `{param}`"),
    )
    .primary(span, format!("not a param of `{callee}`"));
    let fallback = if params.is_empty() {
        format!("`{callee}` takes no params")
    } else {
        format!("`{callee}` takes {}", list(params))
    };
    suggest(d, span, suggestion, fallback)
}

/// E0213: a call leaves out params the callee requires (no default).
pub fn missing_call_params(span: Span, callee: &str, missing: &[(&str, String)]) -> Diagnostic {
    let names: Vec<&str> = missing.iter().map(|(n, _)| *n).collect();
    let plural = if missing.len() == 1 { "" } else { "s" };
    let adds: Vec<String> = missing
        .iter()
        .map(|(n, ty)| format!("`{n} …` ({ty})"))
        .collect();
    Diagnostic::error(
        "E0213",
        format!(
            "the call of `{callee}` is missing required param{plural} {}",
            list(&names)
        ),
    )
    .primary(span, format!("`{callee}` needs {}", list(&names)))
    .help(format!("add {}", adds.join(", ")))
}

/// E0214: a param's value does not fit the callee's declared type.
pub fn call_param_type(span: Span, param: &str, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0214",
        format!("param `{param}` is declared `{expected}`, but this is {found}"),
    )
    .primary(span, format!("this is {found}"))
    .help(format!("pass a `{expected}` value to `{param}`"))
}

/// E0215: a constant value outside the callee param's `in …` constraint.
pub fn call_param_constraint(span: Span, param: &str, value: &str, allowed: &str) -> Diagnostic {
    Diagnostic::error(
        "E0215",
        format!("{value} is not allowed for param `{param}`"),
    )
    .primary(span, format!("`{param}` must be in {allowed}"))
    .help(format!("pass a value in {allowed}"))
}

/// E0216: a secret (or a value computed from one) passed into a param that is not `secret`.
pub fn secret_into_plain_param(span: Span, param: &str, callee: &str) -> Diagnostic {
    Diagnostic::error(
        "E0216",
        format!("a secret value is passed into `{param}`, which is not a secret param"),
    )
    .primary(span, "this value comes from a secret")
    .help(format!(
        "declare it `secret {param}: …` in `{callee}`, so wfc masks it wherever it goes"
    ))
}

/// E0217: workflows that call each other (each edge labelled).
pub fn call_cycle(span: Span, workflow: &str, edges: &[(Span, String)]) -> Diagnostic {
    let mut d = Diagnostic::error(
        "E0217",
        format!("workflow `{workflow}` calls itself through a cycle of calls"),
    );
    for (i, (s, label)) in edges.iter().enumerate() {
        d = if i == 0 {
            d.primary(*s, label.clone())
        } else {
            d.secondary(*s, label.clone())
        };
    }
    if edges.is_empty() {
        d = d.primary(span, "in a call cycle");
    }
    d.help("a call runs the callee's steps inside the caller's graph; break the cycle")
}

/// E0218: `outputs { … }` on a call step: the callee declares them.
pub fn call_outputs_declared(span: Span, callee: &str) -> Diagnostic {
    Diagnostic::error("E0218", "a call step's outputs are its callee's")
        .primary(span, "not allowed on a call")
        .help(format!(
            "declare `outputs {{ NAME: TYPE = EXPR }}` in workflow `{callee}`, then read `STEP.outputs.NAME`"
        ))
}

/// E0219: a param given as a block or a bare flag, not a value.
pub fn call_param_shape(span: Span, param: &str) -> Diagnostic {
    Diagnostic::error("E0219", format!("param `{param}` needs a value"))
        .primary(span, "not an expression")
        .help(format!(
            "write `{param} EXPR`, e.g. `{param} \"…\"` or `{param} {{ key: \"…\" }}`"
        ))
}

/// E0225: `call file(EXPR)` whose EXPR is not a string.
pub fn file_call_path_type(span: Span, found: &str) -> Diagnostic {
    Diagnostic::error(
        "E0225",
        format!("`call file(…)` takes the path of a `.wf` file, a `string`; this is `{found}`"),
    )
    .primary(span, format!("`{found}`, not a path"))
    .help(
        "pass a path, e.g. `call file(gen.outputs.pipeline)` where `gen` declares \
         `outputs { pipeline: string }` (or `default(x, \"\")` for a `string?`)",
    )
}

/// E0227: `call file(EXPR)` where its steps could not join the run.
pub fn file_call_placement(span: Span, place: &str) -> Diagnostic {
    Diagnostic::error("E0227", format!("`call file(…)` cannot stand in {place}"))
        .primary(span, "a file call here")
        .help(
            "a file call adds the file's steps to the run's graph when it starts, once: put it \
         among the workflow's own steps (an `if`, `parallel` or `sequence` may hold it); \
         for one file per item, generate one file that loops",
        )
}
