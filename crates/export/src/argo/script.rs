//! `python` and `node` steps as Argo container templates. The script is
//! rendered by [`wfc_plan::script::render`] as `wfc run` renders it: a
//! value the plan folded (a param, a loop item) is a literal of the
//! language; a step's output or the loop item of a `withItems` task comes
//! in through an input parameter and a secret through a `secretKeyRef`,
//! each into an env var the script reads as its type, in code only. The
//! source itself travels in `$WFC_SCRIPT` (data: Argo substitutes no
//! `{{…}}` in it, which is refused), written to a file and run by the
//! interpreter (after `pip` / `npm` installed its `requirements` /
//! `packages` under `/tmp`); with `outputs {}`, the outputs wrapper
//! ([`super::outputs::WRAPPER`]) runs it and a converter in the same
//! language copies the keys of `$WF_RESULT` to `$WF_OUTPUTS` first, so
//! outputs are checked against their types as a shell step's are.

use super::runtime::RunTime;
use super::step::{env_entries, field, field_of, set_env};
use super::{diag, outputs, text, Options};
use crate::script_template::{self, Part};
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, Workflow};
use wfc_plan::script::{is_command_word, EnvType, ScriptLang};
use wfc_plan::{PlannedStep, Value};

/// Copies each key of the JSON object in `$WF_RESULT` to a `name=value`
/// line of `$WF_OUTPUTS` (text as it is, other values as JSON); a value
/// with a line break fails, as a line could not hold it.
const PYTHON_CONVERT: &str = r#"import json, os, sys
p = os.environ["WF_RESULT"]
if os.path.exists(p) and os.path.getsize(p) > 0:
    with open(p) as f:
        d = json.load(f)
    with open(os.environ["WF_OUTPUTS"], "a") as out:
        for k, v in (d.items() if isinstance(d, dict) else []):
            t = v if isinstance(v, str) else json.dumps(v)
            if "\n" in t or "\r" in t:
                sys.exit("wfc: output `%s` holds a line break" % k)
            out.write("%s=%s\n" % (k, t))
"#;

const NODE_CONVERT: &str = r#"const fs = require("fs");
const p = process.env.WF_RESULT;
if (fs.existsSync(p) && fs.statSync(p).size > 0) {
  const d = JSON.parse(fs.readFileSync(p, "utf8"));
  const entries = d && typeof d === "object" && !Array.isArray(d) ? Object.entries(d) : [];
  for (const [k, v] of entries) {
    const t = typeof v === "string" ? v : JSON.stringify(v);
    if (/[\r\n]/.test(t)) { console.error(`wfc: output \`${k}\` holds a line break`); process.exit(1); }
    fs.appendFileSync(process.env.WF_OUTPUTS, `${k}=${t}\n`);
  }
}
"#;

/// The image of Python steps (and of the export's own Python tasks).
pub const PYTHON_IMAGE: &str = "python:3-slim";

/// The image a script step runs in (it names none).
pub fn image(lang: ScriptLang) -> &'static str {
    match lang {
        ScriptLang::Python => PYTHON_IMAGE,
        ScriptLang::Node => "node:lts-slim",
    }
}

/// `s`'s container template.
pub fn template(
    wf: &Workflow,
    wf_env: &[(String, Expr)],
    s: &PlannedStep,
    options: &Options,
    rt: &mut RunTime,
    lang: ScriptLang,
) -> Result<(&'static str, Json), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    for (name, help) in [
        ("file", "inline the script (`script \"\"\"…\"\"\"`), or run the file from a docker step whose image holds it"),
        ("args", "read the values in the script through `${…}` instead"),
    ] {
        if let Some(f) = field_of(s, name) {
            errors.push(diag::cannot_express(f.span, &format!("a script's `{name}`"), help));
        }
    }
    let interpreter = match field(s, "interpreter") {
        None => Some(lang.default_interpreter().to_owned()),
        Some(e) => match text::plain(wf, &s.name, e) {
            Ok(t) if is_command_word(&t) => Some(t),
            Ok(_) => {
                errors.push(diag::cannot_express(
                    e.span,
                    "an interpreter that is not one word of a path",
                    "name a command (`python3.12`) or an absolute path",
                ));
                None
            }
            Err(d) => {
                errors.push(d);
                None
            }
        },
    };
    let mut c = Map::new();
    c.insert("image".into(), json!(image(lang)));
    let mut secrets = Vec::new();
    if let Some(e) = field(s, "script") {
        match source(wf, s, e, lang, options, rt) {
            Ok((source, refs)) => {
                rt.env.push(("WFC_SCRIPT".into(), source));
                secrets = refs;
            }
            Err(d) => errors.push(d),
        }
    }
    // The env first: its entries add to the prelude the script starts with.
    let entries = env_entries(wf, wf_env, s, options, rt, &mut errors);
    let with_outputs = !s.outputs.is_empty();
    if let Some(interp) = &interpreter {
        let install = match install(wf, s, lang, interp) {
            Ok(text) => text,
            Err(d) => {
                errors.push(d);
                String::new()
            }
        };
        let mut run = format!(
            "{install}printf '%s' \"$WFC_SCRIPT\" > /tmp/wfc-script && export WF_RESULT=/tmp/wfc-result.json WF_OUTPUTS=\"${{WF_OUTPUTS:-/tmp/wfc-outputs.env}}\" && rm -f \"$WF_RESULT\" && {interp} /tmp/wfc-script"
        );
        if with_outputs {
            let (flag, convert) = match lang {
                ScriptLang::Python => ("-c", PYTHON_CONVERT),
                ScriptLang::Node => ("-e", NODE_CONVERT),
            };
            rt.env.push(("WFC_CONVERT".into(), convert.into()));
            run.push_str(&format!(" && {interp} {flag} \"$WFC_CONVERT\""));
        }
        // Its `result` read by another step: an output parameter.
        if rt.file_outputs.contains(&"wfc-result") {
            let (flag, copy) = super::answer::result_copier(lang == ScriptLang::Node);
            rt.env.push(("WFC_RESULT_COPY".into(), copy.into()));
            run.push_str(&format!(
                " && {interp} {flag} \"$WFC_RESULT_COPY\" /tmp/wf-outputs/wfc-result"
            ));
        }
        if rt.keeps_stdout {
            run = super::stdout::keep(&run);
        }
        if !rt.kept.is_empty() {
            let mut env = Vec::new();
            run = super::files::pack(&run, &rt.kept, &mut env);
            rt.env.extend(env);
        }
        if !rt.artifacts_in.is_empty() {
            rt.prelude.insert(0, super::files::unpack());
        }
        if rt.race_member {
            // Its own folder: the race's members share the pod's `/tmp`.
            run = run.replace("/tmp/", &format!("{}/", rt.tmp()));
        }
        let run = rt.with_prelude(run);
        if with_outputs {
            c.insert(
                "command".into(),
                json!(outputs::wrapped("sh", &run, &s.outputs)),
            );
        } else {
            c.insert("command".into(), json!(["sh", "-c", run]));
        }
    }
    if let Some(w) = field(s, "workdir") {
        match text::workdir(wf, &s.name, w) {
            Ok(Some(w)) => drop(c.insert("workingDir".into(), json!(w))),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    set_env(&mut c, entries, rt, options);
    if let Some(Json::Array(vars)) = c.get_mut("env") {
        vars.extend(secrets);
    }
    if errors.is_empty() {
        Ok(("container", Json::Object(c)))
    } else {
        Err(errors)
    }
}

/// The rendered source, and the `secretKeyRef` env entries its secret
/// reads need; run-time values are added to `rt.env`.
fn source(
    wf: &Workflow,
    s: &PlannedStep,
    e: &Expr,
    lang: ScriptLang,
    options: &Options,
    rt: &mut RunTime,
) -> Result<(String, Vec<Json>), Diagnostic> {
    let mut secrets = Vec::new();
    let parts = script_template::parts(e, |x| {
        if let Some(secret) = text::whole_secret(wf, x) {
            let name = format!("WFC_SECRET_{}", secrets.len());
            secrets.push(json!({
                "name": name,
                "valueFrom": { "secretKeyRef": { "name": options.secret_name, "key": secret } },
            }));
            Ok(Part::Env(name, EnvType::String))
        } else if RunTime::reads(x) {
            let ty = EnvType::of(&x.ty).ok_or_else(|| {
                diag::run_time_value(x.span, &s.name, "a list, map or duration from another step")
            })?;
            let name = format!("WF_VALUE_{}", rt.env.len() + 1);
            let value = rt.env_value(wf, &s.name, &name, x)?;
            rt.env.push((name.clone(), value));
            Ok(Part::Env(name, ty))
        } else {
            text::plain(wf, &s.name, x)?;
            Value::of_literal(x)
                .map(Part::Known)
                .ok_or_else(|| diag::run_time_value(x.span, &s.name, "this value"))
        }
    })?;
    let source = script_template::render(lang, &parts)
        .map_err(|why| diag::cannot_express(e.span, "this script's values", &why))?;
    Ok((text::no_braces(&s.name, e.span, source)?, secrets))
}

/// The command that installs the step's `requirements` (pip, into
/// `/tmp/wfc-packages` on `PYTHONPATH`) or `packages` (npm, into
/// `/tmp/wfc-node` on `NODE_PATH`) when the container starts, then `&&`;
/// empty without any. The list is the plan's, each name a quoted word.
fn install(
    wf: &Workflow,
    s: &PlannedStep,
    lang: ScriptLang,
    interp: &str,
) -> Result<String, Diagnostic> {
    let name = match lang {
        ScriptLang::Python => "requirements",
        ScriptLang::Node => "packages",
    };
    let Some(e) = field(s, name) else {
        return Ok(String::new());
    };
    text::plain(wf, &s.name, e)?;
    let Some(Value::List(items)) = Value::of_literal(e) else {
        return Err(diag::run_time_value(e.span, &s.name, "this package list"));
    };
    if items.is_empty() {
        return Ok(String::new());
    }
    let words = script_template::sh_words(&items);
    let text = match lang {
        ScriptLang::Python => format!(
            "{interp} -m pip install --quiet --disable-pip-version-check --no-cache-dir --target /tmp/wfc-packages {words} && export PYTHONPATH=\"/tmp/wfc-packages${{PYTHONPATH:+:$PYTHONPATH}}\" && "
        ),
        ScriptLang::Node => format!(
            "npm install --no-save --silent --prefix /tmp/wfc-node {words} && export NODE_PATH=\"/tmp/wfc-node/node_modules${{NODE_PATH:+:$NODE_PATH}}\" && "
        ),
    };
    text::no_braces(&s.name, e.span, text)
}
