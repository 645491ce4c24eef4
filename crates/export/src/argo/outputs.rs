//! Step outputs as Argo output parameters. The step's command writes
//! `k=v` lines to `$WF_OUTPUTS`, as under `wfc run`; a fixed wrapper runs
//! it, then copies each declared output's last value to
//! `/tmp/wf-outputs/NAME`, which the template declares as
//! `outputs.parameters[].valueFrom.path`. The wrapper fails the step when
//! an output is missing or is not of its declared type (`int`, `float`,
//! `bool`): a value an Argo `when` compares is then a plain number or
//! `true`/`false`, never text that changes the expression.

use serde_json::{json, Value as Json};
use wfc_language::ir::OutputDecl;

/// The wrapper, run as `sh -c WRAPPER wfc-outputs SHELL RUN NAME:TYPE…`:
/// the command and the declarations are arguments, never part of the script.
pub const WRAPPER: &str = r#"out=/tmp/wf-outputs
mkdir -p "$out" && : > "$out.env" || exit 1
WF_OUTPUTS="$out.env" "$1" -c "$2"
rc=$?
[ "$rc" -eq 0 ] || exit "$rc"
shift 2
for decl in "$@"; do
  name=${decl%%:*}
  type=${decl#*:}
  line=$(grep "^$name=" "$out.env" | tail -n 1)
  if [ -z "$line" ]; then
    echo "wfc: output \`$name\` was not written to \$WF_OUTPUTS" >&2
    exit 1
  fi
  value=${line#*=}
  case $type in
    int) pattern='^-?[0-9]+$' ;;
    float) pattern='^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$' ;;
    bool) pattern='^(true|false)$' ;;
    *) pattern='' ;;
  esac
  # As `wfc run` reads a typed value: surrounding blanks ignored.
  [ -n "$pattern" ] && value=$(printf '%s' "$value" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
  if [ -n "$pattern" ] && ! printf '%s\n' "$value" | grep -Eq "$pattern"; then
    echo "wfc: output \`$name\` is not a $type" >&2
    exit 1
  fi
  printf '%s' "$value" > "$out/$name"
done"#;

/// `sh -c WRAPPER …` running `run` in `shell`, for the container's command.
pub fn wrapped(shell: &str, run: &str, outputs: &[OutputDecl]) -> Vec<String> {
    let mut argv = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        WRAPPER.to_owned(),
        "wfc-outputs".to_owned(),
        shell.to_owned(),
        run.to_owned(),
    ];
    argv.extend(
        outputs
            .iter()
            .map(|o| format!("{}:{}", o.name, crate::output_kind(&o.ty))),
    );
    argv
}

/// The template's `outputs`.
pub fn parameters(outputs: &[OutputDecl]) -> Json {
    let ps: Vec<Json> = outputs
        .iter()
        .map(|o| json!({ "name": o.name, "valueFrom": { "path": format!("/tmp/wf-outputs/{}", o.name) } }))
        .collect();
    json!({ "parameters": ps })
}
