//! What a step hands on from files when another step reads it: an `http`
//! (or `webhook`) step's answer (`x.status_code`, `x.body`, `x.json`) and
//! a `python` / `node` step's `result`. Argo's `http` template gives only
//! the body (`outputs.result`), so such a request is sent by the curl
//! container ([`super::notify::request`]), which keeps the status code and
//! the body in `/tmp/wf-outputs`; a script's result is copied there after
//! the script, checked to be JSON (`null` when it wrote none, as `wfc run`
//! reads it). Each file is an output parameter of the task
//! (`wfc-status-code`, `wfc-body`, `wfc-result`); a reader gets it as an
//! input parameter, never as text of its script. `x.json` and `x.result`
//! are JSON text, parsed by the reader's jq task ([`super::computed`]).

use wfc_language::ir::{Expr, ExprKind, StepKind};
use wfc_plan::{Plan, PlannedStep};

/// The output parameter holding field `field` of a step (the field names
/// are unique to their kinds: `status_code`, `body` and `json` are an
/// http or webhook step's, `result` a script's).
pub fn parameter(field: &str) -> Option<&'static str> {
    match field {
        "status_code" => Some("wfc-status-code"),
        "body" | "json" => Some("wfc-body"),
        "result" => Some("wfc-result"),
        _ => None,
    }
}

/// Whether `x` reads such a field that is JSON text to be parsed (`x.json`,
/// `x.result`): as a whole value it is computed ([`super::computed`]).
pub fn parsed(x: &Expr) -> bool {
    matches!(&x.kind, ExprKind::StepOutput { field, output: None, .. }
        if matches!(field.as_str(), "json" | "result"))
}

/// The output parameters of `s` that other steps of the plan read.
pub fn kept(plan: &Plan, s: &PlannedStep) -> Vec<&'static str> {
    let fields: &[&'static str] = match s.kind {
        StepKind::Http | StepKind::Webhook => &["status_code", "body", "json"],
        StepKind::Python | StepKind::Node => &["result"],
        _ => return Vec::new(),
    };
    let mut out: Vec<&'static str> = crate::sql::read_fields(plan, s.step, fields)
        .into_iter()
        .filter_map(parameter)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The request script ([`crate::curl::request`]) keeping the status code
/// (digits only: a `when` compares it as a number) and the body, once the
/// request got an answer and before its status is checked. Argo drops one
/// final line break of a parameter's file: the body's gets one more.
pub fn keep(request: &str) -> String {
    request.replacen(
        "|| exit 1\n",
        "|| exit 1\nmkdir -p /tmp/wf-outputs || exit 1\ncase \"$wfc_code\" in ''|*[!0-9]*) echo \"wfc: no status code: $wfc_code\" >&2; exit 1 ;; esac\nprintf '%s' \"$wfc_code\" > /tmp/wf-outputs/wfc-status-code\n{ cat /tmp/wfc-body; echo; } > /tmp/wf-outputs/wfc-body\n",
        1,
    )
}

/// Copies `$WF_RESULT` to the file named by its argument as JSON (`null`
/// for no or a blank file), failing on a file that is not JSON.
const PYTHON_RESULT: &str = r#"import json, os, sys
p = os.environ["WF_RESULT"]
text = open(p).read() if os.path.exists(p) else ""
value = json.loads(text) if text.strip() else None
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with open(sys.argv[1], "w") as out:
    out.write(json.dumps(value) + "\n")
"#;

const NODE_RESULT: &str = r#"const fs = require("fs"), path = require("path");
const p = process.env.WF_RESULT;
const text = fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
const value = text.trim() ? JSON.parse(text) : null;
fs.mkdirSync(path.dirname(process.argv[1]), { recursive: true });
fs.writeFileSync(process.argv[1], JSON.stringify(value) + "\n");
"#;

/// The copier of a script's result in its language (`node`: true), run as
/// `INTERPRETER FLAG "$WFC_RESULT_COPY" FILE`: (flag, source).
pub fn result_copier(node: bool) -> (&'static str, &'static str) {
    if node {
        ("-e", NODE_RESULT)
    } else {
        ("-c", PYTHON_RESULT)
    }
}
