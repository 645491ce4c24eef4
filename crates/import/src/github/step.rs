//! One step of a job: its `run` (with what wfc's export wrote around the
//! command folded back: the artifact or list read as `"$@"`), `uses`,
//! `if`, `env` and settings, as a `.wf` step.

use super::expr;
use super::helpers::{self, Helper};
use super::jobs::{flag, path, shape, stand_in, timeout, with_lines, JobDefaults};
use super::order::Member;
use super::text::{self, Scope};
use super::when::{self, Guard, On};
use super::{Ctx, Env};
use crate::literal::Text;
use crate::model::{Item, Step};
use crate::names;
use crate::yaml::{entry, str_of, Map};
use crate::ImportError;
use marked_yaml::Node;

fn step(ctx: &mut Ctx, name: String, map: &Map, defaults: &JobDefaults, scope: &Scope) -> Member {
    let mut st = Step {
        name,
        env: defaults.env.clone(),
        workdir: defaults.workdir.clone(),
        timeout: defaults.timeout.clone(),
        optional: defaults.optional,
        ..Step::default()
    };
    let mut shell = None;
    // (What its `if` gives: a condition, comments.)
    let mut guard = Guard::default();
    let mut own_env: Env = Vec::new();
    let mut script_env: Env = Vec::new();
    let mut words_read = false;
    // wfc's export of a check gate: the gate again, when its check reads
    // back as a `.wf` condition.
    let gate = helpers::gate(map)
        .filter(|_| ctx.wfc)
        .and_then(|(check, on_fail)| {
            let at = entry(map, "if").map(|(_, v)| v)?;
            let parsed = expr::parse(check).ok()?;
            let cond = expr::to_wf(&parsed, &mut |p| path(ctx, scope, at, p)).ok()?;
            Some((cond, on_fail.to_string()))
        });
    let is_gate = gate.is_some();
    st.check = gate;
    for (k, v) in map.iter() {
        match k.as_str() {
            "run" | "if" | "shell" if is_gate => {}
            "id" | "with" => {}
            "name" => st.doc.extend(str_of(v).map(str::to_string)),
            "run" => {
                let src = str_of(v).unwrap_or_default();
                let src = if ctx.wfc {
                    helpers::unwrap_script(src)
                } else {
                    src
                };
                // A kept artifact's files as the command's `"$@"`: the
                // producer's `${STEP.artifacts.NAME}` again.
                let words = helpers::artifact_words(src).filter(|_| ctx.wfc);
                let marker = "\u{1}wfc-artifact\u{1}";
                let owned;
                let src = match &words {
                    Some((without, _, _)) => {
                        owned = without.replacen("\"$@\"", marker, 1);
                        owned.as_str()
                    }
                    None => src,
                };
                // A list as the command's `"$@"`: `${LIST}` again.
                let list_marker = "\u{1}wfc-list\u{1}";
                let list = helpers::list_words(src)
                    .filter(|_| ctx.wfc)
                    .and_then(|without| Some((without, env_expr(ctx, scope, map, "WF_WORDS")?)));
                let owned_list;
                let src = match &list {
                    Some((without, _)) => {
                        owned_list = without.replacen("\"$@\"", list_marker, 1);
                        owned_list.as_str()
                    }
                    None => src,
                };
                let mut script = text::script(ctx, scope, src, v);
                if let Some((_, job, name)) = words {
                    let read = format!("{}.artifacts.{}", names::ident(&job), names::ident(&name));
                    script.text = split_marker(script.text, marker, &read);
                }
                if let Some((_, read)) = &list {
                    script.text = split_marker(script.text, list_marker, read);
                    words_read = true;
                }
                st.run = Some(script.text);
                script_env = script.env;
            }
            "uses" => {
                let target = str_of(v).unwrap_or("?");
                ctx.warn.node("W0901", v, format!("the action `{target}` is a stand-in step that fails: replace it with the commands it stands for"));
                st.comments
                    .push(format!("wfc import: stand-in for `uses: {target}`"));
                if let Some((_, with)) = entry(map, "with") {
                    st.comments.extend(with_lines(with));
                }
                st.run = Some(stand_in(&format!("the action {target}")));
            }
            "if" => guard = when::guard(ctx, scope, v, On::Step),
            "env" => own_env = text::env_map(ctx, v, Some(scope)),
            "shell" => shell = str_of(v).map(str::to_string),
            "working-directory" => {
                let w = str_of(v).map(|w| super::rebase(w, ctx.base.as_deref()));
                st.workdir = w.map(|w| text::value(ctx, scope, &w, v))
            }
            "timeout-minutes" => st.timeout = timeout(ctx, v),
            "continue-on-error" => st.optional = flag(ctx, v),
            other => ctx.warn.key(
                "W0900",
                k,
                format!("the step's `{other}` has no `.wf` equivalent; it is left out"),
            ),
        }
    }
    for (k, v) in own_env.into_iter().chain(script_env) {
        // The step's name for `failed.step` (the export's capture), a
        // list the command reads as words (folded back above).
        if ctx.wfc && (k == "WF_STEP_NAME" || (words_read && k == "WF_WORDS")) {
            continue;
        }
        st.env.retain(|(x, _)| *x != k);
        st.env.push((k, v));
    }
    let explicit = shell.or_else(|| defaults.shell.clone());
    // `PROGRAM [OPTIONS] {0}`: the program, strict when its options stop
    // at a failing command (`-e`, `-eo pipefail`) as `.wf`'s shells do.
    let explicit = match explicit.as_deref().and_then(command_line) {
        Some((program, strict)) => {
            st.strict = Some(strict);
            Some(program)
        }
        None => explicit,
    };
    st.shell = Some(match explicit {
        Some(s)
            if s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./-".contains(c)) =>
        {
            s
        }
        Some(s) => {
            let at = entry(map, "shell").map(|(k, _)| k);
            if let Some(k) = at {
                ctx.warn.key(
                    "W0900",
                    k,
                    format!("the shell `{s}` is not a program name; the step runs with bash"),
                );
            }
            "bash".into()
        }
        None => "bash".into(),
    });
    if st.run.is_none() && !is_gate {
        st.run = Some(stand_in("a step with neither `run` nor `uses`"));
    }
    Member {
        optional: st.optional,
        item: Item::Step(Box::new(st)),
        guard,
    }
}

/// A custom shell's `PROGRAM [OPTIONS] {0}`: the program, and whether an
/// option makes it stop at a failing command (`-e`, `-eo pipefail`);
/// `--noprofile` and `--norc` are what `.wf` runs anyway.
fn command_line(line: &str) -> Option<(String, bool)> {
    let mut words = line.strip_suffix("{0}")?.split_whitespace();
    let program = words.next()?.to_string();
    let mut strict = false;
    for w in words {
        match w {
            "--noprofile" | "--norc" | "pipefail" | "-o" => {}
            w if w.starts_with('-') && !w.starts_with("--") && w.contains('e') => strict = true,
            _ => return None,
        }
    }
    Some((program, strict))
}

/// `text` with each `marker` in its literal pieces replaced by the
/// expression `read`.
fn split_marker(text: Text, marker: &str, read: &str) -> Text {
    let mut out = Text::default();
    for piece in text.0 {
        match piece {
            crate::literal::Piece::Text(t) => {
                let mut parts = t.split(marker);
                out.push_text(parts.next().unwrap_or_default());
                for rest in parts {
                    out.push_expr(read.to_string());
                    out.push_text(rest);
                }
            }
            crate::literal::Piece::Expr(e) => out.push_expr(e),
        }
    }
    out
}

/// The `.wf` expression the step's `env` value `var` reads whole
/// (`${{ needs.wfc-params.outputs.files }}`: `files`), if it does.
fn env_expr(ctx: &mut Ctx, scope: &Scope, step: &Map, var: &str) -> Option<String> {
    let (_, v) = entry(step, "env")
        .and_then(|(_, e)| e.as_mapping())
        .and_then(|e| entry(e, var))?;
    let t = text::value(ctx, scope, str_of(v)?, v);
    match t.0.as_slice() {
        [crate::literal::Piece::Expr(e)] => Some(e.clone()),
        _ => None,
    }
}

/// A job's `steps`: each a [`Member`] (a helper step folded into the one
/// before it, wfc's export of a race a block).
pub(super) fn steps(
    ctx: &mut Ctx,
    job: &str,
    node: &Node,
    defaults: &JobDefaults,
    scope: &Scope,
) -> Result<Vec<Member>, ImportError> {
    let Some(list) = node.as_sequence() else {
        return Err(shape(ctx, node, "`steps` must be a list"));
    };
    let mut maps = Vec::new();
    for s in list.iter() {
        match s.as_mapping() {
            Some(m) => maps.push((s, m)),
            None => return Err(shape(ctx, s, "a step must be a mapping")),
        }
    }
    let single = maps
        .iter()
        .filter(|(_, m)| helpers::helper(m, ctx.wfc).is_none())
        .count()
        == 1;
    let mut items: Vec<Member> = Vec::new();
    for (i, (node, map)) in maps.into_iter().enumerate() {
        if let Some(h) = helpers::helper(map, ctx.wfc) {
            let last = items.last_mut().and_then(|m| m.item.first_step());
            match (h, last) {
                (Helper::Quiet, _) => {}
                (Helper::Dropped(why), _) => ctx.warn.node("W0908", node, why),
                (Helper::Outputs(names), Some(last)) => last.outputs = names,
                (Helper::Typed(types), Some(last)) => {
                    for (name, ty) in types {
                        for o in last.outputs.iter_mut() {
                            if o.split(':').next() == Some(name.as_str()) {
                                *o = format!("{name}:{ty}");
                            }
                        }
                    }
                }
                (Helper::Typed(_), None) => {}
                (Helper::Artifact(name, glob, optional), Some(last)) => {
                    super::upload::kept(last, &name, glob, optional)
                }
                (Helper::Upload(name, path, optional), Some(last)) => {
                    // Kept when the step succeeds, whatever the upload's `if:`.
                    if let Some((_, cond)) = entry(map, "if") {
                        ctx.warn.node("W0908", cond, "the upload's `if:` is left out: the step's artifacts are kept when it succeeds, and only then");
                    }
                    super::upload::upload(ctx, scope, last, (name, path, optional), node)
                }
                (Helper::Outputs(_) | Helper::Artifact(..) | Helper::Upload(..), None) => {
                    ctx.warn.node(
                        "W0900",
                        node,
                        "an artifact upload before any step of its job is left out",
                    )
                }
            }
            continue;
        }
        // wfc's export of a `wait any`: the block again ([`super::race`]).
        if let Some((block, members)) = super::race::read(map).filter(|_| ctx.wfc) {
            let name = if single {
                job.to_string()
            } else {
                ctx.names.give(&block).name
            };
            let members = members.into_iter().map(|(n, m)| {
                let n = ctx.names.give(&n).name;
                step(ctx, n, &m, defaults, scope).item
            });
            let inner: Vec<Item> = members.collect();
            items.push(Member {
                item: Item::WaitAny {
                    name,
                    deps: Vec::new(),
                    items: inner,
                },
                guard: Guard::default(),
                optional: false,
            });
            continue;
        }
        let id = entry(map, "id").and_then(|(_, v)| str_of(v));
        // A name's `${{ matrix.os }}` is no part of it: the loop names
        // each iteration's step.
        let raw = id
            .map(str::to_string)
            .or_else(|| {
                entry(map, "name")
                    .and_then(|(_, v)| str_of(v))
                    .map(text::without_expressions)
            })
            .filter(|n| n.chars().any(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| (i + 1).to_string());
        // wfc's export names each step of a job by its id (`run`, a call's
        // `wfc-join`: the job's).
        let own = id.filter(|id| {
            ctx.wfc && !matches!(*id, "run" | "wfc-join") && helpers::mark(id).is_none()
        });
        let name = match own {
            Some(id) => ctx.names.give(id).name,
            None if single => job.to_string(),
            None => ctx.names.give(&format!("{job}-{raw}")).name,
        };
        items.push(step(ctx, name, map, defaults, scope));
    }
    Ok(items)
}
