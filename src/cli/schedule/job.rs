//! What each slot of an installed schedule runs, whichever scheduler
//! starts it: `wfc run --state-dir STATE -- FILE WORKFLOW`, every path
//! absolute, in the folder the install ran in.

use std::path::{Path, PathBuf};

pub struct Job {
    pub exe: String,
    pub file: String,
    pub workflow: String,
    pub state: String,
    pub workdir: String,
}

impl Job {
    pub fn new(file: &Path, workflow: &str, state: &Path) -> Result<Job, String> {
        // A crontab line and a unit's setting end at a line break.
        let text = |p: PathBuf| match p.to_str() {
            Some(t) if !t.contains(['\n', '\r']) => Ok(t.to_owned()),
            _ => Err(format!(
                "{:?}: a path of a unit or crontab line is UTF-8 on one line",
                p
            )),
        };
        let abs = |p: &Path| std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()));
        let unit_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if !workflow.chars().all(unit_name) {
            return Err(format!(
                "the workflow name `{workflow}` cannot be part of a unit's name (ASCII letters, digits, `_` and `-` only)"
            ));
        }
        Ok(Job {
            exe: text(std::env::current_exe().map_err(|e| format!("wfc's own path: {e}"))?)?,
            file: text(abs(file)?)?,
            workflow: workflow.to_owned(),
            state: text(abs(state)?)?,
            workdir: text(
                std::env::current_dir().map_err(|e| format!("the working folder: {e}"))?,
            )?,
        })
    }

    /// `wfc-NAME`: the units' name, and the crontab block's.
    pub fn name(&self) -> String {
        format!("wfc-{}", self.workflow)
    }

    /// `wfc run --state-dir STATE -- FILE WORKFLOW`, as words.
    pub fn argv(&self) -> [&str; 7] {
        let (exe, state, file, wf) = (&self.exe, &self.state, &self.file, &self.workflow);
        [exe, "run", "--state-dir", state, "--", file, wf]
    }
}
