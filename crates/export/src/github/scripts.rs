//! `python` and `node` steps as GitHub Actions steps. The script runs as
//! the step's `run:` under `shell: python3 {0}` (or `node {0}`, or the
//! step's `interpreter`), rendered by [`wfc_plan::script::render`] as `wfc
//! run` renders it: a value known at export (a loop item, a constant) is a
//! literal of the language; a value only the run knows (a param's input, a
//! step's output, a secret) reaches the script in `env:` and is read there
//! as its type (`int(os.environ["WF_VALUE_1"])`), in code only — inside a
//! string it is refused. `requirements` / `packages` install in a step
//! before (a venv put first on `PATH`; an npm prefix in `NODE_PATH`); a
//! step after hands the script's `result` keys (or `$WF_OUTPUTS` lines) to
//! `$GITHUB_OUTPUT`.

use super::values::{unsupported, Values};
use crate::script_template::{self, Part};
use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Expr, FieldValue, OutputDecl, Step};
use wfc_plan::script::{is_command_word, EnvType, ScriptLang};
use wfc_plan::Value;

/// A script step's parts of its job.
pub struct Mapped {
    /// `shell:`: the interpreter and `{0}`.
    pub shell: String,
    pub run: String,
    /// The step that installs the packages, run before the script.
    pub install: Option<Json>,
}

/// Where the script writes its JSON result and its `name=value` outputs.
pub const RESULT_FILE: &str = "${{ runner.temp }}/wfc-result.json";
pub const OUTPUTS_FILE: &str = "${{ runner.temp }}/wfc-outputs";

/// Maps `step` (a `python` or `node` step); runtime values go into `env`.
pub fn map(
    values: &Values,
    step: &Step,
    lang: ScriptLang,
    env: &mut Vec<(String, String)>,
) -> Result<Mapped, Vec<Diagnostic>> {
    let field = |name: &str| step.fields.iter().find(|f| f.name == name);
    let expr = |name: &str| match field(name).map(|f| &f.value) {
        Some(FieldValue::Expr(e)) => Some(e),
        _ => None,
    };
    let mut errors = Vec::new();
    for (name, help) in [
        (
            "file",
            "inline the script (`script \"\"\"…\"\"\"`), or run the file from a shell step",
        ),
        (
            "args",
            "read the values in the script through `${…}` instead",
        ),
    ] {
        if let Some(f) = field(name) {
            errors.push(
                Diagnostic::error(
                    "E0738",
                    format!("GitHub Actions export has no mapping for a script's `{name}`"),
                )
                .primary(f.span, "not exportable")
                .help(help),
            );
        }
    }
    let interpreter = match expr("interpreter") {
        None => lang.default_interpreter().to_owned(),
        Some(e) => match values.text(e) {
            Ok(t) if is_command_word(&t) => t,
            Ok(_) => {
                errors.push(unsupported(
                    e,
                    "an interpreter that is not one word of a path",
                ));
                String::new()
            }
            Err(d) => {
                errors.push(d);
                String::new()
            }
        },
    };
    let run = match expr("script") {
        Some(e) => script(values, e, lang, env)
            .map_err(|d| errors.push(d))
            .ok(),
        None => None,
    };
    let packages = match expr("requirements").or_else(|| expr("packages")) {
        None => None,
        Some(e) => install(values, e, lang, &interpreter)
            .map_err(|d| errors.push(d))
            .ok(),
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    env.push(("WF_RESULT".into(), RESULT_FILE.into()));
    env.push(("WF_OUTPUTS".into(), OUTPUTS_FILE.into()));
    Ok(Mapped {
        shell: format!("{interpreter} {{0}}"),
        run: run.unwrap_or_default(),
        install: packages,
    })
}

/// The script's source: values known at export as literals, the others as
/// typed reads of `WF_VALUE_N` (added to `env`).
fn script(
    values: &Values,
    e: &Expr,
    lang: ScriptLang,
    env: &mut Vec<(String, String)>,
) -> Result<String, Diagnostic> {
    let parts = script_template::parts(e, |x| {
        if let Some(v) = values.known(x) {
            return Ok(Part::Known(v));
        }
        let ty = EnvType::of(&x.ty).ok_or_else(|| {
            unsupported(
                x,
                "a duration or time known only at run time inside a script",
            )
        })?;
        let taken = env
            .iter()
            .filter(|(k, _)| k.starts_with("WF_VALUE_"))
            .count();
        let name = format!("WF_VALUE_{}", taken + 1);
        env.push((name.clone(), values.runtime(x)?));
        Ok(Part::Env(name, ty))
    })?;
    let source = script_template::render(lang, &parts).map_err(|why| {
        Diagnostic::error("E0733", "GitHub Actions cannot be given this script")
            .primary(e.span, why)
            .help("bind the value to a variable in code (`name = ${…}`) and use the variable")
    })?;
    if source.contains("${{") {
        return Err(
            Diagnostic::error("E0733", "`${{` would start a GitHub Actions expression")
                .primary(e.span, "this script holds `${{`")
                .help("write it some other way (`\"$\" + \"{{\"`) so GitHub does not evaluate it"),
        );
    }
    Ok(source)
}

/// A script run by `sh` instead (for the retry loop): the text that writes
/// `run` to a file (a here-document whose quoted delimiter no line of it
/// is, so nothing in it is expanded) and the command of one attempt, which
/// clears the last attempt's result first.
pub fn as_file(run: &str, shell: &str) -> (String, String) {
    let mut delim = "WFC_SCRIPT".to_string();
    while run.lines().any(|l| l == delim) {
        delim.push('_');
    }
    let interpreter = shell.trim_end_matches("{0}").trim_end();
    let write = format!(
        "cat > \"$RUNNER_TEMP/wfc-script\" <<'{delim}'\n{}\n{delim}\n",
        run.trim_end_matches('\n')
    );
    let attempt = format!("rm -f \"$WF_RESULT\"\n{interpreter} \"$RUNNER_TEMP/wfc-script\"");
    (write, attempt)
}

/// The step installing `packages` (a list known at export): each one a
/// single-quoted `sh` word.
fn install(
    values: &Values,
    e: &Expr,
    lang: ScriptLang,
    interpreter: &str,
) -> Result<Json, Diagnostic> {
    let Some(Value::List(items)) = values.known(e) else {
        return Err(unsupported(e, "packages known only at run time"));
    };
    let words = script_template::sh_words(&items);
    let run = match lang {
        ScriptLang::Python => format!(
            "{interpreter} -m venv \"$RUNNER_TEMP/wfc-venv\"\n\"$RUNNER_TEMP/wfc-venv/bin/pip\" install {words}\necho \"$RUNNER_TEMP/wfc-venv/bin\" >> \"$GITHUB_PATH\""
        ),
        ScriptLang::Node => format!(
            "npm install --no-save --prefix \"$RUNNER_TEMP/wfc-node\" {words}\necho \"NODE_PATH=$RUNNER_TEMP/wfc-node/node_modules\" >> \"$GITHUB_ENV\""
        ),
    };
    if run.contains("${{") {
        return Err(unsupported(e, "a package name holding `${{`"));
    }
    Ok(json!({ "name": "install packages", "shell": "sh", "run": run }))
}

/// The step after the script: each declared output from the keys of the
/// JSON in `$WF_RESULT` (text as it is, other values as JSON), else from
/// the `name=value` / `name<<DELIM` lines of `$WF_OUTPUTS`, to
/// `$GITHUB_OUTPUT` with a random delimiter. An `int`, `float` or `bool`
/// output that is not one fails the step, naming it, as under `wfc run`.
pub fn outputs_step(declared: &[OutputDecl]) -> Json {
    let run = r#"import json, os, re, secrets, sys
temp = os.environ["RUNNER_TEMP"]
found = {}
lines = open(os.path.join(temp, "wfc-outputs")).read().splitlines() if os.path.exists(os.path.join(temp, "wfc-outputs")) else []
i = 0
while i < len(lines):
    line = lines[i]
    i += 1
    if "<<" in line.split("=", 1)[0]:
        name, delim = line.split("<<", 1)
        body = []
        while i < len(lines) and lines[i] != delim:
            body.append(lines[i])
            i += 1
        i += 1
        found[name] = "\n".join(body)
    elif "=" in line:
        name, value = line.split("=", 1)
        found[name] = value
result = os.path.join(temp, "wfc-result.json")
if os.path.exists(result) and os.path.getsize(result) > 0:
    with open(result) as f:
        data = json.load(f)
    if isinstance(data, dict):
        for name, value in data.items():
            found[name] = value if isinstance(value, str) else json.dumps(value)
patterns = {"int": r"-?[0-9]+", "float": r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", "bool": r"true|false"}
declared = [d.split(":", 1) for d in os.environ["WF_DECLARED"].split()]
for name, kind in declared:
    if name in found and kind in patterns:
        found[name] = found[name].strip()
        if not re.fullmatch(patterns[kind], found[name]):
            sys.exit(f"wfc: output `{name}` is not a {kind}")
with open(os.environ["GITHUB_OUTPUT"], "a") as out:
    for name, _ in declared:
        if name in found:
            delim = "wfc_" + secrets.token_hex(16)
            out.write(f"{name}<<{delim}\n{found[name]}\n{delim}\n")
"#;
    json!({
        "id": "outputs",
        "shell": "python3 {0}",
        "env": { "WF_DECLARED": declared.iter().map(|o| format!("{}:{}", o.name, crate::output_kind(&o.ty))).collect::<Vec<_>>().join(" ") },
        "run": run,
    })
}
