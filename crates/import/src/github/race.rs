//! The step of wfc's export that races the members of a `parallel … wait
//! any` (its env holds `WF_RACE`, the block's name): read back as the
//! block, each member a step of its own, from the driver's here-documents
//! (script, folder, shell) and its env (`WF_M<N>_NAME` is member N's
//! `NAME`, `WF_RACE_<N>` its name).

use crate::yaml::{entry, str_of, Map, Scalar};
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::Node;

/// The block's name and each member's (name, step as a job's step would
/// be), if `step` is a race.
pub fn read(step: &Map) -> Option<(String, Vec<(String, Map)>)> {
    let (_, env) = entry(step, "env")?;
    let env = env.as_mapping()?;
    let block = entry(env, "WF_RACE")
        .and_then(|(_, v)| str_of(v))?
        .to_string();
    let (run_key, run) = entry(step, "run")?;
    let text = str_of(run)?;
    let mut members = Vec::new();
    for n in 1.. {
        let Some(name) = entry(env, &format!("WF_RACE_{n}")).and_then(|(_, v)| str_of(v)) else {
            break;
        };
        let script = here_doc(text, &format!("cat > \"$wfc_race/{n}.script\" <<'"))?;
        let start = here_doc(text, &format!("cat > \"$wfc_race/{n}.start\" <<'"))?;
        let mut map = Map::new_empty(*step.span());
        let key = |k: &str| MarkedScalarNode::new(*run_key.span(), k.to_string());
        let mut vars = Map::new_empty(*env.span());
        let prefix = format!("WF_M{n}_");
        for (k, v) in env.iter() {
            if let Some(own) = k.as_str().strip_prefix(&prefix) {
                vars.insert(Scalar::new(*k.span(), own.to_string()), v.clone());
            }
        }
        map.insert(key("env"), Node::Mapping(vars));
        map.insert(
            key("run"),
            Node::Scalar(MarkedScalarNode::new(*run.span(), script)),
        );
        for line in start.lines() {
            if let Some(dir) = line
                .strip_prefix("cd ")
                .and_then(|l| l.strip_suffix(" || exit 1"))
            {
                let dir = dir.trim_matches('\'').replace(r"'\''", "'");
                map.insert(key("working-directory"), Node::from(dir));
            }
            let command = line
                .strip_prefix("{ { ")
                .and_then(|l| l.split_once(" \"$wfc_race/"))
                .map(|(c, _)| c);
            let shell = match command {
                Some("bash --noprofile --norc -eo pipefail") => Some("bash"),
                Some("sh -e") => Some("sh"),
                Some("python") => Some("python"),
                _ => None,
            };
            if let Some(sh) = shell {
                map.insert(key("shell"), Node::from(sh.to_string()));
            }
        }
        members.push((name.to_string(), map));
    }
    (!members.is_empty()).then_some((block, members))
}

/// The body of the here-document whose opening line starts with `head`
/// (its delimiter follows, quoted).
fn here_doc(text: &str, head: &str) -> Option<String> {
    let mut lines = text.lines();
    let open = lines.by_ref().find(|l| l.starts_with(head))?;
    let delim = open.strip_prefix(head)?.strip_suffix('\'')?;
    let body: Vec<&str> = lines.take_while(|l| *l != delim).collect();
    Some(body.join("\n"))
}
