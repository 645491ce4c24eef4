//! Picking one workflow of a file: `wfc run|plan FILE [WORKFLOW]` and
//! `wfc resume` (the run's recorded workflow). The default is the file's
//! first workflow.

use wfc_language::check::Module;
use wfc_language::diag;

/// The index in `module` of the workflow `name` (the first when `None`), or
/// the message for a name the file does not have: its workflows, and the
/// closest one when it looks like a typo.
pub fn workflow_index(module: &Module, name: Option<&str>, file: &str) -> Result<usize, String> {
    let Some(name) = name else {
        return Ok(0);
    };
    let names = module.names();
    if let Some(i) = names.iter().position(|n| *n == name) {
        return Ok(i);
    }
    let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let hint = match diag::did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    Err(format!(
        "error: {file} has no workflow `{name}`{hint}\n  its workflows: {}",
        listed.join(", ")
    ))
}
