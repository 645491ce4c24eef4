//! `artifacts { NAME = "GLOB" [optional] }` as `actions/upload-artifact`
//! and `download-artifact` (pinned by commit SHA). In wfc every later step
//! finds a step's files where it left them; a job starts on an empty
//! runner. So the producing step's job packs what each glob matches into
//! a tarball (paths kept, relative to the step's folder) and uploads it;
//! every job after it, directly or not, downloads and unpacks them in the
//! workspace after its checkout (which would clean them away). The glob
//! reaches bash only through `env:` (`globstar`: `**` crosses folders); a
//! glob matching nothing fails the step unless the artifact is optional.

use super::values::Values;
use serde_json::{json, Map, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{artifacts, Step};

/// `actions/upload-artifact` v4.6.2 and `download-artifact` v4.3.0.
const UPLOAD: &str = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02";
const DOWNLOAD: &str = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093";

/// The steps after `step`'s script that pack and upload its artifacts;
/// `id` names them (the job's id, a matrix job's item index added).
pub fn upload(
    values: &Values,
    step: &Step,
    id: &str,
    matrix: bool,
) -> Result<Vec<Json>, Diagnostic> {
    let mut out = Vec::new();
    // Paths are kept relative to the workspace: the step's folder first.
    let dir = super::folder::of(values, step)?.map_or_else(|| ".".into(), |(d, _)| d);
    for d in artifacts::decls(&step.fields) {
        let glob = values.text(d.glob)?;
        let suffix = if matrix {
            "${{ strategy.job-index }}"
        } else {
            "0"
        };
        let name = format!("wfc-{id}--{}--{suffix}", d.name);
        let empty = if d.optional {
            "[ ${#wfc_files[@]} -gt 0 ] || exit 0\n"
        } else {
            "[ ${#wfc_files[@]} -gt 0 ] || { echo \"wfc: artifact $WF_ARTIFACT matched no file\" >&2; exit 1; }\n"
        };
        let missing = if d.optional { "ignore" } else { "error" };
        // `IFS=`: the glob is expanded, never split into words.
        let pack = format!(
            r#"shopt -s globstar nullglob
wfc_root=$PWD
cd "$WF_DIR"
wfc_files=()
IFS=
for f in $WF_GLOB; do [ -f "$f" ] && wfc_files+=("$WF_DIR/$f"); done
unset IFS
cd "$wfc_root"
{empty}mkdir -p "$RUNNER_TEMP/wfc-pack"
tar czf "$RUNNER_TEMP/wfc-pack/$WF_ARTIFACT.tgz" -- "${{wfc_files[@]}}"
"#
        );
        out.push(json!({
            "env": { "WF_GLOB": glob, "WF_ARTIFACT": name, "WF_DIR": dir },
            "run": pack,
            "shell": "bash",
        }));
        out.push(json!({
            "uses": UPLOAD,
            "with": {
                "name": name,
                "path": format!("${{{{ runner.temp }}}}/wfc-pack/{name}.tgz"),
                "if-no-files-found": missing,
            },
        }));
    }
    Ok(out)
}

/// The line that makes the files of the tarballs `pattern` (under
/// `$RUNNER_TEMP/wfc-unpack`, unpacked in the workspace; in the producer's
/// own job, folded, `$RUNNER_TEMP/wfc-pack`) the positional
/// parameters of the command after it, as `wfc run` gives
/// `STEP.artifacts.NAME`: absolute paths, sorted. The pattern is a job id
/// and a name, both checked characters.
pub fn words(pattern: &str) -> String {
    format!(
        "set --; wfc_l=$(for wfc_t in \"$RUNNER_TEMP\"/wfc-unpack/{pattern} \"$RUNNER_TEMP\"/wfc-pack/{pattern}; do [ -e \"$wfc_t\" ] && tar tzf \"$wfc_t\"; done | sed 's|^\\./||' | LC_ALL=C sort -u); wfc_ifs=$IFS; IFS='\n'; set -f; for wfc_f in $wfc_l; do set -- \"$@\" \"$GITHUB_WORKSPACE/$wfc_f\"; done; set +f; IFS=$wfc_ifs"
    )
}

/// Downloads into every job the artifacts of the jobs it waits for.
pub fn download(jobs: &mut Map<String, Json>) {
    let uploads: Vec<(String, Vec<String>)> = jobs
        .iter()
        .map(|(id, job)| (id.clone(), patterns(job)))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let ids: Vec<String> = jobs.keys().cloned().collect();
    for id in ids {
        let before = super::group::ancestors(jobs, &id);
        let wanted: Vec<&String> = uploads
            .iter()
            .filter(|(j, _)| before.contains(j))
            .flat_map(|(_, p)| p)
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let mut steps: Vec<Json> = wanted
            .iter()
            .map(|p| {
                json!({
                    "uses": DOWNLOAD,
                    "with": { "pattern": p, "merge-multiple": true, "path": "${{ runner.temp }}/wfc-unpack" },
                })
            })
            .collect();
        steps.push(json!({
            "run": "for f in \"$RUNNER_TEMP\"/wfc-unpack/*.tgz; do [ -e \"$f\" ] && tar xzf \"$f\"; done; true",
            "shell": "bash",
        }));
        if let Some(Json::Array(job_steps)) = jobs.get_mut(&id).and_then(|j| j.get_mut("steps")) {
            job_steps.splice(0..0, steps);
        }
    }
}

/// The download patterns of the artifacts `job` uploads.
fn patterns(job: &Json) -> Vec<String> {
    let steps = job.get("steps").and_then(Json::as_array);
    steps
        .into_iter()
        .flatten()
        .filter(|s| s.get("uses").and_then(Json::as_str) == Some(UPLOAD))
        .filter_map(|s| s["with"]["name"].as_str())
        .filter_map(|n| n.rsplit_once("--").map(|(base, _)| format!("{base}--*")))
        .collect()
}
