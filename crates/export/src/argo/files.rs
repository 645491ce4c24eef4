//! `artifacts { NAME = "GLOB" [optional] }` as Argo output and input
//! artifacts. In wfc every later step finds a step's files where it left
//! them; an Argo pod starts with none. So once the producer's script
//! succeeded, it packs the files each glob matches (paths relative to the
//! step's folder, regular files only) into `/tmp/wfc-artifacts/NAME.tgz`,
//! an output artifact (`archive: none`: it is a tarball already); every
//! `shell`, `python` or `node` task after it, directly or not, gets it as an
//! optional input artifact (`from: {{tasks.P.outputs.artifacts.NAME}}`)
//! and unpacks it in its folder before its command. The glob reaches the
//! script as an extended regular expression in an env var (`WF_GLOB_N`,
//! [`regex`]: `*` and `?` stay within a folder, `**` crosses folders,
//! `[…]` and `{a,b}` as in `wfc run`), never as script text. A glob
//! matching nothing fails the step unless the artifact is `optional`.
//! Argo keeps artifacts in the artifact repository the cluster configures
//! (an S3 bucket, GCS, …): without one such a workflow fails at its first
//! artifact.

use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{artifacts, StepKind, Workflow};
use wfc_plan::PlannedStep;

/// Where a producer packs, and a reader finds, the tarballs.
const OUT: &str = "/tmp/wfc-artifacts";
const IN: &str = "/tmp/wfc-artifacts-in";

/// One artifact a step keeps: (name, the glob's regular expression, optional).
pub type Kept = (String, String, bool);

/// `script` followed, once it succeeded, by the packing of `kept`; the
/// regular expressions are added to `env` as `WF_GLOB_N`.
pub fn pack(script: &str, kept: &[Kept], env: &mut Vec<(String, String)>) -> String {
    let mut out = format!(
        r#"wfc_run() (
{}
)
wfc_run || exit $?
mkdir -p {OUT} || exit 1
wfc_pack() {{
  find . -type f | sed 's|^\./||' | grep -E -- "$2" > "{OUT}/$1.list"
  if [ ! -s "{OUT}/$1.list" ]; then
    [ "$3" = optional ] && return 0
    echo "wfc: artifact $1 matched no file" >&2
    return 1
  fi
  tar czf "{OUT}/$1.tgz" -T "{OUT}/$1.list"
}}
"#,
        script.trim_end()
    );
    for (name, re, optional) in kept {
        let var = format!("WF_GLOB_{}", env.len() + 1);
        env.push((var.clone(), re.clone()));
        let how = if *optional { "optional" } else { "required" };
        out.push_str(&format!("wfc_pack {name} \"${var}\" {how} || exit 1\n"));
    }
    out
}

/// The line that unpacks a step's input artifacts before its command.
pub fn unpack() -> String {
    format!("for wfc_f in {IN}/*.tgz; do [ -e \"$wfc_f\" ] && {{ tar xzf \"$wfc_f\" || exit 1; }}; done")
}

/// The line that makes input artifact `input`'s files (as `wfc run` gives
/// `STEP.artifacts.NAME`: absolute paths, sorted) the positional
/// parameters of the command, which reads them as `"$@"`: the tarball's
/// listing, each under the folder it was unpacked in. A missing (optional)
/// artifact gives none.
pub fn words(input: &str) -> String {
    format!(
        "set --; if [ -e \"{IN}/{input}.tgz\" ]; then wfc_l=$(tar tzf \"{IN}/{input}.tgz\" | LC_ALL=C sort) || exit 1; wfc_ifs=$IFS; IFS='\n'; set -f; for wfc_f in $wfc_l; do set -- \"$@\" \"$PWD/$wfc_f\"; done; set +f; IFS=$wfc_ifs; fi"
    )
}

/// The artifacts `s` keeps, each glob (known at export) as a regular
/// expression, or why Argo cannot carry them (E0761).
pub fn of_step(wf: &Workflow, s: &PlannedStep) -> Result<Vec<Kept>, Diagnostic> {
    let decls = artifacts::decls(&s.fields);
    if decls.is_empty() {
        return Ok(Vec::new());
    }
    let field = s.fields.iter().find(|f| f.name == artifacts::FIELD);
    let at = field.map_or(s.span, |f| f.span);
    let refuse = |why: &str| {
        Diagnostic::error(
            "E0761",
            format!("Argo cannot carry the artifacts of step `{}`", s.name),
        )
        .primary(at, "files kept for the steps after it")
        .help(why.to_owned())
    };
    let packs = matches!(s.kind, StepKind::Shell | StepKind::Python | StepKind::Node)
        || (s.kind == StepKind::Docker && !s.fields.iter().any(|f| f.name == "entrypoint"));
    if !packs {
        return Err(refuse(
            "the export packs them with `sh` after the step's command: drop the docker step's `entrypoint` (the image's own runs `sh -c RUN`)",
        ));
    }
    decls
        .into_iter()
        .map(|d| {
            let glob = super::text::plain(wf, &s.name, d.glob)?;
            let re = regex(&glob).map_err(|why| refuse(&format!("{why}: write the glob with `*`, `?`, `**` as a whole folder name, `[…]` and `{{a,b}}`")))?;
            Ok((d.name.to_owned(), re, d.optional))
        })
        .collect()
}

/// The template's output artifacts for `kept`.
pub fn outputs(kept: &[Kept]) -> Vec<Json> {
    kept.iter()
        .map(|(name, _, optional)| {
            json!({ "name": name, "path": format!("{OUT}/{name}.tgz"), "archive": { "none": {} }, "optional": optional })
        })
        .collect()
}

/// A reader's input artifact of `producer`'s `name`: (template input, task argument).
pub fn input(producer: &str, name: &str) -> (Json, Json) {
    let input = format!("{producer}--{name}");
    (
        json!({ "name": input, "path": format!("{IN}/{input}.tgz"), "optional": true }),
        json!({ "name": input, "from": format!("{{{{tasks.{producer}.outputs.artifacts.{name}}}}}") }),
    )
}

/// `glob` (wfc's: `*` and `?` within a folder, `**` across, `[…]`,
/// `{a,b}`) as an anchored POSIX extended regular expression over paths
/// relative to the step's folder.
pub fn regex(glob: &str) -> Result<String, String> {
    let mut out = String::from("^");
    convert(glob, &mut out)?;
    out.push('$');
    Ok(out)
}

fn convert(glob: &str, out: &mut String) -> Result<(), String> {
    let chars: Vec<char> = glob.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                let at_start = i == 0 || chars[i - 1] == '/';
                let slash_after = chars.get(i + 2) == Some(&'/');
                if at_start && slash_after {
                    out.push_str("(.*/)?");
                    i += 3;
                } else if at_start && i + 2 == chars.len() {
                    out.push_str(".*");
                    i += 2;
                } else {
                    return Err(format!("`**` in `{glob}` is not a whole folder name"));
                }
                continue;
            }
            '*' => out.push_str("[^/]*"),
            '?' => out.push_str("[^/]"),
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == ']')
                    .map(|p| i + 1 + p)
                    .ok_or_else(|| format!("an unclosed `[` in `{glob}`"))?;
                let mut class: String = chars[i + 1..end].iter().collect();
                if let Some(rest) = class.strip_prefix('!') {
                    class = format!("^{rest}");
                }
                if class.contains(['[', '\\']) {
                    return Err(format!("a class `[{class}]` the export cannot carry"));
                }
                out.push('[');
                out.push_str(&class);
                out.push(']');
                i = end + 1;
                continue;
            }
            '{' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&x| x == '}')
                    .map(|p| i + 1 + p)
                    .ok_or_else(|| format!("an unclosed `{{` in `{glob}`"))?;
                let inner: String = chars[i + 1..end].iter().collect();
                out.push('(');
                for (k, alt) in inner.split(',').enumerate() {
                    if k > 0 {
                        out.push('|');
                    }
                    convert(alt, out)?;
                }
                out.push(')');
                i = end + 1;
                continue;
            }
            c if "\\.^$+()|".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::regex;

    #[test]
    fn globs_become_anchored_regular_expressions() {
        assert_eq!(regex("dist/*.tgz").unwrap(), r"^dist/[^/]*\.tgz$");
        assert_eq!(regex("**/*.whl").unwrap(), r"^(.*/)?[^/]*\.whl$");
        assert_eq!(regex("out/**").unwrap(), r"^out/.*$");
        assert_eq!(regex("a?[!x].{py,rs}").unwrap(), r"^a[^/][^x]\.(py|rs)$");
        assert!(regex("a**b").is_err());
    }
}
