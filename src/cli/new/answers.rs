//! What `wfc new` asks about a template's params, how an answer is checked
//! (by the param's type and constraint, exactly as `--param` is), and how
//! answers become the defaults of the written file: each changed default's
//! source text is replaced by a literal, by its span, and the result is
//! checked again.

use wfc_language::analysis;
use wfc_language::ir::{Constraint, Param, Type, Workflow};
use wfc_plan::eval::{self, Eval, Scope};
use wfc_plan::{bind, ParamInput, Value};

/// How one param is asked about.
pub enum Question {
    /// A `bool`: yes or no.
    Confirm(bool),
    /// A param with `in [...]`: one of `options`, starting at `default`.
    Choose { options: Vec<Value>, default: usize },
    /// Anything else: text read as `--param` reads it, starting at this.
    Text(String),
}

/// A param to ask about: its id in the workflow, and the question.
pub struct Ask {
    pub param: usize,
    pub question: Question,
}

/// The questions for `wf`'s params, in declaration order. Secrets (they come
/// from the environment) and params whose default cannot be shown as a
/// `--param` value are not asked about.
pub fn questions(wf: &Workflow) -> Vec<Ask> {
    let Ok(bound) = bind(wf, &ParamInput::default()) else {
        return Vec::new();
    };
    bound
        .iter()
        .filter(|b| !b.secret)
        .filter_map(|b| {
            let p = &wf.params[b.id];
            let question = match (&p.ty, &p.constraint) {
                (Type::Bool, _) => match b.value {
                    Value::Bool(v) => Question::Confirm(v),
                    _ => return None,
                },
                (_, Some(Constraint::OneOf(xs))) => {
                    let options: Vec<Value> = xs.iter().filter_map(constant).collect();
                    let default = options.iter().position(|o| eval::equal(o, &b.value))?;
                    Question::Choose { options, default }
                }
                _ => {
                    let text = as_param_text(&b.value);
                    // Offer only what reads back as the same value.
                    let same = validate(wf, b.id, &text).is_ok_and(|v| eval::equal(&v, &b.value));
                    if !same {
                        return None;
                    }
                    Question::Text(text)
                }
            };
            Some(Ask {
                param: b.id,
                question,
            })
        })
        .collect()
}

/// A constant expression's value (a constraint's options are literals).
pub(in crate::cli) fn constant(e: &wfc_language::ir::Expr) -> Option<Value> {
    let none = |_| false;
    let scope = Scope {
        params: &[],
        loops: &[],
        pruned: &none,
    };
    match eval::eval(e, &scope) {
        Eval::Known(v) => Some(v),
        _ => None,
    }
}

/// A value as one would type it after `--param NAME=`: strings bare,
/// everything else as its literal (`3`, `30s`, `["a", "b"]`).
pub fn as_param_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.literal(),
    }
}

/// Reads `text` as a value of param `id`, by its type and constraint, as
/// `--param` would; the error says why not.
pub fn validate(wf: &Workflow, id: usize, text: &str) -> Result<Value, String> {
    let p = &wf.params[id];
    let input = ParamInput {
        cli: vec![(p.name.clone(), text.to_string())],
        ..ParamInput::default()
    };
    match bind(wf, &input) {
        Ok(bound) => bound
            .into_iter()
            .find(|b| b.id == id)
            .map(|b| b.value)
            .ok_or_else(|| format!("`{}` has no value", p.name)),
        // The messages are `--param`'s: say them without the flag.
        Err(diags) => Err(diags
            .iter()
            .map(|d| {
                let message = d.message.replace(" (given with --param)", "");
                match &d.help {
                    Some(help) if d.code == "E0404" => {
                        format!("{message}: {help}")
                    }
                    _ => message,
                }
            })
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// `v` written as `.wf` source: strings quoted with every escape the
/// language needs (`\"`, `\\`, `\$`, control characters), lists and maps
/// of those.
pub fn source_literal(v: &Value) -> String {
    match v {
        Value::Str(s) => string_literal(s),
        Value::List(xs) => {
            let items: Vec<String> = xs.iter().map(source_literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(m) if !m.is_empty() => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", string_literal(k), source_literal(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.literal(),
    }
}

fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // `${` would interpolate: an answer is text, never code.
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` with the defaults of the params in `answers` replaced by the
/// answers' literals, checked again: the result must check clean and give
/// every param its answer.
pub fn apply(name: &str, text: &str, answers: &[(usize, Value)]) -> Result<String, String> {
    let analysis = analysis::analyze_lean(name, text);
    let wf = analysis
        .module
        .map(|m| m.into_first().ir)
        .ok_or_else(|| format!("{name} does not check"))?;
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (id, value) in answers {
        let p: &Param = &wf.params[*id];
        let default = p
            .default
            .as_ref()
            .ok_or_else(|| format!("param `{}` has no default to change", p.name))?;
        let span = default.span.start as usize..default.span.end as usize;
        edits.push((span, source_literal(value)));
    }
    // From the end, so earlier spans stay where they were.
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = text.to_string();
    for (span, literal) in edits {
        out.replace_range(span, &literal);
    }
    recheck(name, &out, answers)?;
    Ok(out)
}

/// The edited file checks clean and binds every answer as its default.
fn recheck(name: &str, text: &str, answers: &[(usize, Value)]) -> Result<(), String> {
    let analysis = analysis::analyze_lean(name, text);
    if let Some(d) = analysis.diagnostics().first() {
        return Err(format!("the edited template does not check: {}", d.message));
    }
    let wf = analysis
        .module
        .map(|m| m.into_first().ir)
        .ok_or("no workflow")?;
    let bound = bind(&wf, &ParamInput::default()).map_err(|d| {
        let first = d.first().map(|d| d.message.clone()).unwrap_or_default();
        format!("the edited template's params do not bind: {first}")
    })?;
    for (id, value) in answers {
        let b = bound
            .iter()
            .find(|b| b.id == *id)
            .ok_or("a param vanished")?;
        if !eval::equal(&b.value, value) {
            return Err(format!(
                "the default of `{}` reads back as {}, not {}",
                b.name,
                b.value.literal(),
                value.literal()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = "workflow w {\n  description \"d\"\n  param env: string in [\"staging\", \"prod\"] = \"staging\"\n  param replicas: int in 1..20 = 3\n  param tags: list<string> = [\"a\"]\n  param canary: bool = false\n  param who: string = \"world\"\n  secret token: string = env(\"TOKEN\")\n\n  step s: shell {\n    run \"echo ${env} ${replicas} ${join(tags, \",\")} ${canary} ${who}\"\n    env { T = token }\n  }\n}\n";

    fn ir(text: &str) -> Workflow {
        analysis::analyze_lean("w.wf", text)
            .module
            .unwrap()
            .into_first()
            .ir
    }

    #[test]
    fn questions_follow_types_and_skip_secrets() {
        let wf = ir(WF);
        let qs = questions(&wf);
        assert_eq!(qs.len(), 5);
        assert!(
            matches!(&qs[0].question, Question::Choose { options, default: 0 } if options.len() == 2)
        );
        assert!(matches!(&qs[1].question, Question::Text(t) if t == "3"));
        assert!(matches!(&qs[2].question, Question::Text(t) if t == "[\"a\"]"));
        assert!(matches!(qs[3].question, Question::Confirm(false)));
        assert!(matches!(&qs[4].question, Question::Text(t) if t == "world"));
    }

    #[test]
    fn answers_are_checked_by_type_and_constraint() {
        let wf = ir(WF);
        assert!(matches!(validate(&wf, 1, "7"), Ok(Value::Int(7))));
        assert!(validate(&wf, 1, "seven")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(validate(&wf, 1, "25").unwrap_err().contains("1..20"));
    }

    #[test]
    fn answers_become_defaults_and_text_stays_text() {
        let answers = vec![
            (0, Value::Str("prod".into())),
            (1, Value::Int(7)),
            (4, Value::Str("a \"b\" ${raw(x)} \\".into())),
        ];
        let out = apply("w.wf", WF, &answers).unwrap();
        assert!(out.contains("in [\"staging\", \"prod\"] = \"prod\""));
        assert!(out.contains("in 1..20 = 7\n"));
        assert!(out.contains(r#"param who: string = "a \"b\" \${raw(x)} \\""#));
        // Untouched params keep their text.
        assert!(out.contains("param tags: list<string> = [\"a\"]"));
    }
}
