//! Completion: what may be typed at the cursor, by [`context`].
//!
//! Keywords where an item may start, step kinds after `step x:`, the fields
//! of the step's kind (and one snippet with all its required fields), names
//! in expressions and `${…}`, step and block names after `depends on`,
//! outputs after `step.` and `step.outputs.`, functions, and types.

use super::calls;
use super::context::{self, Context, Cursor};
use super::sql_params;
use super::{CompletionItem, CompletionKind as K, Doc};
use crate::check::functions::FUNCTIONS;
use crate::check::kinds::{self, FieldInfo, FieldType, KindInfo, COMMON_FIELDS, KINDS};

/// Completions at byte `offset`.
pub fn complete(doc: &Doc, offset: usize) -> Vec<CompletionItem> {
    if let Some(replace) = calls::import_path_at(doc.text(), offset) {
        let mut items = calls::std_modules();
        let typed = &doc.text()[replace.clone()];
        items.retain(|i| i.label.starts_with(typed));
        for item in &mut items {
            item.replace = Some(replace.clone());
        }
        return items;
    }
    let cursor = context::at(doc.text(), doc.lexed(), offset);
    let mut items = match &cursor.context {
        Context::Nothing => Vec::new(),
        Context::FileStart => vec![snippet(
            "workflow",
            K::Keyword,
            "workflow ${1:name} {\n\t$0\n}",
            "A workflow: settings, params and steps.",
        )],
        Context::ItemStart { in_workflow } => item_keywords(*in_workflow),
        Context::StepKind => step_kinds(&cursor),
        Context::StepField => {
            let mut items = step_fields(&cursor);
            if cursor.step.as_ref().is_some_and(|(_, k)| k == "call") {
                items.extend(calls::params(doc, &cursor, offset));
            }
            items
        }
        Context::CallTarget { module } => calls::targets(doc, module.as_deref(), offset),
        Context::DefaultsField => kinds::DEFAULTS_FIELDS
            .iter()
            .filter_map(|name| COMMON_FIELDS.iter().find(|f| f.name == *name))
            .map(|f| field_item(f, "0"))
            .collect(),
        Context::DependsOn { listed, any } => {
            let mut items = depends_on(doc, &cursor, listed);
            if *any {
                items.push(snippet(
                    "any(…)",
                    K::Keyword,
                    "any(${1:a}, ${2:b})",
                    ANY_DOC,
                ));
            }
            items
        }
        Context::Type => types(),
        Context::Member { base } => members(doc, &cursor, base),
        Context::DeclaredOutputs { step } => declared_outputs(doc, offset, step),
        Context::Artifacts { step } => super::artifacts::names(doc, offset, step),
        Context::Value(values) => values
            .iter()
            .map(|v| CompletionItem::new(*v, K::Value))
            .collect(),
        Context::BusyMode => crate::ir::LockBusy::ALL
            .into_iter()
            .map(|b| {
                let mut item = CompletionItem::new(b.name(), K::Value);
                item.detail = Some(format!("on busy {}", b.name()));
                item.documentation = Some(b.doc().to_string());
                item
            })
            .collect(),
        Context::ErrorClass => crate::ir::ErrorClass::ALL
            .into_iter()
            .map(|c| {
                let mut item = CompletionItem::new(c.name(), K::Value);
                item.detail = Some(format!("error is {}", c.name()));
                item.documentation = Some(c.meaning().to_string());
                item
            })
            .collect(),
        Context::Expr => expression(doc, &cursor),
        Context::SqlParam => sql_params::items(doc, offset),
        Context::AlertBody => super::alerts::body(),
        Context::ChannelField { kind } => super::alerts::fields(kind, &cursor.present),
    };
    // Keep the items that could match the word typed so far (the editor
    // filters too; this keeps long lists short).
    let typed = doc.text()[cursor.replace.clone()].to_ascii_lowercase();
    items.retain(|i| fuzzy_match(&typed, &i.label));
    for item in &mut items {
        item.replace = Some(cursor.replace.clone());
    }
    items
}

/// Whether the characters of `typed` appear in order in `label` (ignoring case).
fn fuzzy_match(typed: &str, label: &str) -> bool {
    let mut chars = label.chars().map(|c| c.to_ascii_lowercase());
    typed.chars().all(|t| chars.any(|c| c == t))
}

/// What `any(…)` in a `depends on` means (completion and hover).
pub(crate) const ANY_DOC: &str = "`any(b, c)` in `depends on`: waits for every name in it to end, then runs if at least one succeeded (else the step does not run: `not_run`). Their outputs may not exist here (`T?`): read them with `default(…)`.";

fn snippet(label: &str, kind: K, body: &str, doc: &str) -> CompletionItem {
    CompletionItem {
        insert_text: Some(body.to_string()),
        snippet: true,
        documentation: (!doc.is_empty()).then(|| doc.to_string()),
        ..CompletionItem::new(label, kind)
    }
}

fn item_keywords(in_workflow: bool) -> Vec<CompletionItem> {
    let mut items = vec![
        snippet(
            "step",
            K::Keyword,
            "step ${1:name}: ",
            "A step: `step NAME: KIND { FIELD VALUE … }`.",
        ),
        snippet(
            "if",
            K::Keyword,
            "if ${1:condition} {\n\t$0\n}",
            "Steps that run only when a condition holds.",
        ),
        snippet(
            "for each",
            K::Keyword,
            "for each ${1:item} in ${2:list} {\n\t$0\n}",
            "Steps repeated for every element of a list.",
        ),
        snippet(
            "parallel",
            K::Keyword,
            "parallel ${1:name} wait ${2|all,any|} {\n\t$0\n}",
            "Steps that run concurrently; `wait any` succeeds with the first success.",
        ),
        snippet(
            "sequence",
            K::Keyword,
            "sequence ${1:name} {\n\t$0\n}",
            "Steps or blocks that run one after another, in the order written; a failure stops the rest.",
        ),
    ];
    // At the top of any block too: its members inherit them.
    let whose = if in_workflow {
        "every step"
    } else {
        "every step in the block"
    };
    items.extend([
        snippet(
            "env",
            K::Keyword,
            "env {\n\t${1:KEY} = $0\n}",
            &format!("Environment variables for {whose}."),
        ),
        snippet(
            "defaults",
            K::Keyword,
            "defaults {\n\t$0\n}",
            &format!("`timeout`, `retry` and `estimate` for {whose} that does not set them."),
        ),
    ]);
    if in_workflow {
        items.extend([
            snippet(
                "param",
                K::Keyword,
                "param ${1:name}: ${2:string}",
                "A parameter given with `--param NAME=VALUE`.",
            ),
            snippet(
                "secret",
                K::Keyword,
                "secret ${1:name}: string = env(\"${2:VAR}\")",
                "A parameter whose value is masked everywhere.",
            ),
            snippet(
                "on failure",
                K::Keyword,
                "on failure {\n\t$0\n}",
                "Steps that run when the workflow fails (`failed.step`, `failed.error` in scope).",
            ),
            snippet(
                "on success",
                K::Keyword,
                "on success {\n\t$0\n}",
                "Steps that run when the workflow succeeds.",
            ),
            snippet(
                "finally",
                K::Keyword,
                "finally {\n\t$0\n}",
                "Steps that run at the end, whatever happened.",
            ),
            snippet(
                "outputs",
                K::Keyword,
                "outputs {\n\t${1:name}: ${2:string} = $0\n}",
                "What a run of the workflow yields: `NAME: TYPE = EXPR`, printed at the end, in the report and the store.",
            ),
        ]);
        items.extend(super::triggers::snippets());
        items.push(super::alerts::snippet());
        for s in kinds::SETTINGS {
            let mut n = 1;
            let mut item = snippet(s.name, K::Keyword, &field_snippet(s, &mut n), s.doc);
            item.detail = Some(s.ty.describe());
            items.push(item);
        }
    } else {
        items.push(snippet(
            "depends on",
            K::Keyword,
            "depends on $0",
            "What everything in this block waits for (first line of the block).",
        ));
    }
    items
}

fn kind_named(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.name == name)
}

/// The required fields of a kind (the first of a one-of group).
fn required_fields(kind: &KindInfo) -> Vec<&'static FieldInfo> {
    let mut out: Vec<&FieldInfo> = kind.fields.iter().filter(|f| f.required).collect();
    if let Some(first) = kind.one_of.first().and_then(|n| kind.field(n)) {
        out.insert(0, first);
    }
    out
}

fn step_kinds(cursor: &Cursor) -> Vec<CompletionItem> {
    KINDS
        .iter()
        .map(|k| {
            let mut item = if cursor.brace_follows {
                CompletionItem::new(k.name, K::StepKind)
            } else if k.kind == crate::ir::StepKind::Call {
                // Its fields are the callee's params: completed once the target is typed.
                snippet(k.name, K::StepKind, "call ${1:target} {\n\t$0\n}", "")
            } else {
                let mut n = 1;
                let body: Vec<String> = required_fields(k)
                    .iter()
                    .map(|f| format!("\t{}", field_snippet(f, &mut n)))
                    .collect();
                let body = if body.is_empty() {
                    "\t$0".to_string()
                } else {
                    body.join("\n")
                };
                snippet(
                    k.name,
                    K::StepKind,
                    &format!("{} {{\n{body}\n}}", k.name),
                    "",
                )
            };
            item.detail = Some(format!("step kind — {}", k.doc));
            item.documentation = Some(super::hover::kind_markdown(k));
            item
        })
        .collect()
}

fn step_fields(cursor: &Cursor) -> Vec<CompletionItem> {
    let kind = cursor.step.as_ref().and_then(|(_, k)| kind_named(k));
    let present = |f: &FieldInfo| !f.repeatable && cursor.present.iter().any(|p| p == f.name);
    let mut items = Vec::new();
    if let Some(kind) = kind {
        let missing: Vec<&FieldInfo> = required_fields(kind)
            .into_iter()
            .filter(|f| !present(f))
            .filter(|f| {
                // A one-of group is satisfied by any member.
                !(kind.one_of.contains(&f.name)
                    && kind
                        .one_of
                        .iter()
                        .any(|m| cursor.present.iter().any(|p| p == m)))
            })
            .collect();
        if !missing.is_empty() {
            let mut n = 1;
            let lines: Vec<String> = missing.iter().map(|f| field_snippet(f, &mut n)).collect();
            let names: Vec<&str> = missing.iter().map(|f| f.name).collect();
            let mut item = snippet(
                &format!("required fields: {}", names.join(", ")),
                K::Snippet,
                &lines.join("\n"),
                &format!("Adds the fields a `{}` step needs.", kind.name),
            );
            item.sort_key = Some("!".into());
            items.push(item);
        }
        for f in kind.fields.iter().filter(|f| !present(f)) {
            items.push(field_item(f, if f.required { "0" } else { "1" }));
        }
    }
    let gate = kind.is_some_and(|k| k.name == "gate");
    for f in COMMON_FIELDS.iter().filter(|f| !present(f)) {
        let mut item = field_item(f, "2");
        // `on fail continue` is a gate's alone (E0389).
        if matches!(f.ty, FieldType::OnFail) && !gate {
            item.insert_text = Some("on fail ${1|abort,pause|}".into());
        }
        items.push(item);
    }
    items
}

pub(super) fn field_item(f: &FieldInfo, rank: &str) -> CompletionItem {
    let mut n = 1;
    let mut item = snippet(f.name, K::Field, &field_snippet(f, &mut n), f.doc);
    let req = if f.required { " (required)" } else { "" };
    item.detail = Some(format!("{}{req}", f.ty.describe()));
    item.sort_key = Some(format!("{rank}{}", f.name));
    item
}

/// A snippet for one field; `n` numbers the placeholders.
pub fn field_snippet(f: &FieldInfo, n: &mut usize) -> String {
    let mut next = || {
        let k = *n;
        *n += 1;
        k
    };
    let name = f.name;
    match f.ty {
        FieldType::Str | FieldType::StrOrList => format!("{name} \"${}\"", next()),
        FieldType::Int => format!("{name} ${{{}:1}}", next()),
        FieldType::Duration => format!("{name} ${{{}:30s}}", next()),
        FieldType::Bool if name == "check" => format!("{name} ${{{}:condition}}", next()),
        // A switch whose default is `false`.
        FieldType::Bool if name == "detach" => format!("{name} ${{{}:true}}", next()),
        // The others are switches whose default is `true`.
        FieldType::Bool => format!("{name} ${{{}:false}}", next()),
        FieldType::Json => format!("{name} ${}", next()),
        FieldType::Map => format!("{name} {{\n\t${{{}:KEY}} = ${}\n}}", next(), next()),
        FieldType::StatusCodes => format!("{name} ${{{}:200}}", next()),
        FieldType::Keyword(words) => format!("{name} ${{{}|{}|}}", next(), words.join(",")),
        FieldType::Mount => format!("mount \"${{{}:.}}\" at \"${{{}:/src}}\"", next(), next()),
        FieldType::Flag => name.to_string(),
        FieldType::DependsOn => format!("depends on ${}", next()),
        FieldType::After => format!("after ${}", next()),
        FieldType::Retry => format!("retry ${{{}:3}} backoff ${{{}:1s}}", next(), next()),
        FieldType::Outputs => format!("outputs {{ ${{{}:name}}: ${{{}:string}} }}", next(), next()),
        FieldType::Inputs => format!(
            "inputs {{ ${{{}:notes}}: ${{{}:string}} = \"\" }}",
            next(),
            next()
        ),
        FieldType::Rollback => format!("on failure rollback {{\n\t${}\n}}", next()),
        FieldType::OnFail => format!("on fail ${{{}|abort,pause,continue|}}", next()),
        FieldType::Executor => format!("executor ${{{}|local,slurm|}}", next()),
        FieldType::Resources => format!("resources {{ cpus ${{{}:1}} }}", next()),
        FieldType::Until => format!(
            "until ${{{}:condition}} every ${{{}:5s}} within ${{{}:5m}}",
            next(),
            next(),
            next()
        ),
    }
}

fn depends_on(doc: &Doc, cursor: &Cursor, listed: &[String]) -> Vec<CompletionItem> {
    let names = doc.names_at(cursor.replace.start);
    let me = cursor.step.as_ref().map(|(n, _)| n.as_str());
    let here = cursor.replace.start;
    let mut items = Vec::new();
    for s in &names.steps {
        // Steps of handlers and rollbacks cannot be waited for from the main graph.
        let other_region = s.in_region && !cursor.in_region;
        if Some(s.name.as_str()) == me || listed.contains(&s.name) || other_region {
            continue;
        }
        let mut item = CompletionItem::new(&s.name, K::Step);
        item.detail = Some(format!("{} step", s.kind));
        // The nearest steps above come first: the likeliest dependencies.
        item.sort_key = Some(if s.at < here {
            format!("0{:010}", here - s.at)
        } else {
            format!("1{:010}", s.at)
        });
        items.push(item);
    }
    for b in names.blocks.iter().filter(|b| !listed.contains(b)) {
        let mut item = CompletionItem::new(b, K::Block);
        item.detail = Some("parallel block".into());
        item.sort_key = Some(format!("1{b}"));
        items.push(item);
    }
    items
}

fn types() -> Vec<CompletionItem> {
    let mut items: Vec<CompletionItem> =
        ["string", "int", "float", "bool", "duration", "time", "json"]
            .iter()
            .map(|t| CompletionItem::new(*t, K::Type))
            .collect();
    items.push(snippet(
        "list<…>",
        K::Type,
        "list<${1:string}>",
        "A list of values of one type.",
    ));
    items.push(snippet(
        "map<…>",
        K::Type,
        "map<${1:string}>",
        "A map from names to values of one type.",
    ));
    items
}

fn members(doc: &Doc, cursor: &Cursor, base: &str) -> Vec<CompletionItem> {
    if base == "failed" && cursor.in_failure_handler {
        return [
            ("step", "The name of the step that failed."),
            ("error", "Its error message."),
        ]
        .iter()
        .map(|(n, d)| {
            let mut item = CompletionItem::new(*n, K::Output);
            item.detail = Some("string".into());
            item.documentation = Some(d.to_string());
            item
        })
        .collect();
    }
    if base == "run" {
        return run_fields(cursor);
    }
    let names = doc.names_at(cursor.replace.start);
    let Some(step) = names.step(base) else {
        return Vec::new();
    };
    let Some(kind) = kind_named(&step.kind) else {
        return Vec::new();
    };
    let mut items: Vec<CompletionItem> = kind
        .outputs
        .iter()
        .map(|o| {
            let mut item = CompletionItem::new(o.name, K::Output);
            item.detail = Some(o.ty.ty().to_string());
            item.documentation = Some(o.doc.to_string());
            item
        })
        .collect();
    let mut status = CompletionItem::new("status", K::Output);
    status.detail = Some("string".into());
    status.documentation = Some(
        "How the step ended: succeeded, failed, cancelled, skipped (its branch not taken) or not_run (it did not start because of another, or the run stopped). Reading it runs the reader after the step, however it ended."
            .into(),
    );
    items.push(status);
    if kind.declares_outputs {
        let mut item = CompletionItem::new("outputs", K::Output);
        let declared: Vec<&str> = step.outputs.iter().map(|(n, _)| n.as_str()).collect();
        item.detail = Some(format!("declared outputs: {}", declared.join(", ")));
        item.documentation =
            Some("The values the step declared in `outputs { … }`: `step.outputs.NAME`.".into());
        items.push(item);
    } else if !step.outputs.is_empty() {
        // An approval gate's `inputs { … }`, given by whoever approves.
        let mut item = CompletionItem::new("outputs", K::Output);
        let declared: Vec<&str> = step.outputs.iter().map(|(n, _)| n.as_str()).collect();
        item.detail = Some(format!("approval inputs: {}", declared.join(", ")));
        item.documentation = Some(
            "What the approver gave for the gate's `inputs { … }` (else each default): `gate.outputs.NAME`."
                .into(),
        );
        items.push(item);
    }
    items.extend(super::artifacts::member(kind));
    items
}

fn declared_outputs(doc: &Doc, offset: usize, step: &str) -> Vec<CompletionItem> {
    let names = doc.names_at(offset);
    let Some(step) = names.step(step) else {
        return Vec::new();
    };
    let gate = step.kind == "gate";
    step.outputs
        .iter()
        .map(|(name, ty)| {
            let mut item = CompletionItem::new(name, K::Output);
            item.detail = Some(ty.clone());
            if gate {
                item.documentation = Some(format!(
                    "An input of approval gate `{}`: what the approver gave (`wfc approve RUN {} --input {name}=…`), else its default.",
                    step.name, step.name
                ));
            }
            item
        })
        .collect()
}

fn expression(doc: &Doc, cursor: &Cursor) -> Vec<CompletionItem> {
    let here = cursor.replace.start;
    let names = doc.names_at(here);
    let mut items = Vec::new();
    for v in &cursor.loop_vars {
        let mut item = CompletionItem::new(v, K::LoopVar);
        item.detail = Some("loop variable".into());
        item.sort_key = Some(format!("0{v}"));
        items.push(item);
    }
    for p in &names.params {
        let mut item = CompletionItem::new(&p.name, K::Param);
        let what = if p.secret { "secret" } else { "param" };
        item.detail = Some(format!("{what}: {}", p.ty));
        item.documentation = doc
            .ir_at(here)
            .and_then(|w| w.params.iter().find(|x| x.name == p.name))
            .and_then(|x| x.doc.clone());
        item.sort_key = Some(format!("1{}", p.name));
        items.push(item);
    }
    if let Some(w) = doc.ir_at(here) {
        for l in &w.lets {
            let mut item = CompletionItem::new(&l.name, K::Param);
            item.detail = Some(format!("let: {}", l.value.ty));
            item.documentation = l.doc.clone();
            item.sort_key = Some(format!("1{}", l.name));
            items.push(item);
        }
    }
    let mut run = CompletionItem::new("run", K::Keyword);
    run.detail = Some("the run itself: run.id, run.workflow, run.trigger, run.started, …".into());
    items.push(run);
    if cursor.in_failure_handler {
        let mut item = CompletionItem::new("failed", K::Keyword);
        item.detail = Some("the failure: failed.step, failed.error".into());
        items.push(item);
    }
    let me = cursor.step.as_ref().map(|(n, _)| n.as_str());
    for s in names.steps.iter().filter(|s| Some(s.name.as_str()) != me) {
        let mut item = CompletionItem::new(&s.name, K::Step);
        item.detail = Some(format!("{} step", s.kind));
        item.sort_key = Some(format!("2{}", s.name));
        items.push(item);
    }
    for f in FUNCTIONS {
        let body = format!("{}($1)", f.name);
        let mut item = snippet(f.name, K::Function, &body, f.doc);
        item.detail = Some(f.signature.to_string());
        item.sort_key = Some(format!("3{}", f.name));
        items.push(item);
    }
    for b in ["true", "false"] {
        let mut item = CompletionItem::new(b, K::Keyword);
        item.sort_key = Some(format!("4{b}"));
        items.push(item);
    }
    items
}

/// `run.` → the run context's fields (the handler-only ones in handlers).
fn run_fields(cursor: &Cursor) -> Vec<CompletionItem> {
    crate::ir::RunField::ALL
        .into_iter()
        .filter(|f| !f.handler_only() || cursor.in_region)
        .map(|f| {
            let mut item = CompletionItem::new(f.name(), K::Output);
            item.detail = Some(crate::check::run_field_type(f).to_string());
            item.documentation = Some(f.doc().to_string());
            item
        })
        .collect()
}
