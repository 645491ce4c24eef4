//! A `python` or `node` step as a Slurm job: the shell job script
//! (`submit.rs`) runs `WF_RESULT=DIR/result exec INTERPRETER FILE ARGS…`,
//! every word a single-quoted shell word ([`crate::quote::quote`]), so no
//! value is shell code.
//!
//! The interpreter and the packages are resolved where wfc runs, and an
//! inline script is written (0600, no secret in it) under the job
//! directories' root, which every node sees at the same path; the cache
//! of installed packages must be shared the same way. Secret reads, like
//! every variable, reach the job through sbatch's environment, not a file.

use super::submit::{self, Request, ScriptEnv};
use super::SlurmExecutor;
use crate::exec::script::{self, ScriptSpec};
use crate::exec::{Outcome, StepContext};
use crate::quote::quote;

impl SlurmExecutor {
    pub(super) async fn run_script(&self, spec: &ScriptSpec, ctx: &StepContext) -> Outcome {
        if let Err(e) = std::fs::create_dir_all(&self.opts.dir) {
            let dir = self.opts.dir.display();
            return Outcome::failed(format!("cannot create the job directory `{dir}`: {e}"));
        }
        let prepared = match script::prepare(&self.local, spec, ctx, Some(&self.opts.dir)).await {
            Ok(p) => p,
            Err(outcome) => return outcome,
        };
        let mut extra: Vec<(String, String)> = spec.secret_env.0.clone();
        if let Some(p) = &prepared.node_path {
            extra.push(("NODE_PATH".into(), p.to_string_lossy().into_owned()));
        }
        let mut env: Vec<_> = spec.workflow_env.iter().chain(&spec.env).collect();
        env.extend(&extra);
        let names = submit::names(&env, ctx);
        let req = Request {
            script: submit::SCRIPT,
            workdir: spec.workdir.as_deref(),
            env,
            outputs_file: spec.outputs_file,
            placement: spec.placement.as_ref(),
            names,
        };
        let mut words = vec![
            prepared.interpreter.to_string_lossy().into_owned(),
            prepared.script.path().to_string_lossy().into_owned(),
        ];
        words.extend(spec.args.iter().cloned());
        let setup = |dir: &std::path::Path| -> Result<ScriptEnv, String> {
            let result = dir.join("result");
            std::fs::write(&result, "")
                .map_err(|e| format!("cannot create `{}`: {e}", result.display()))?;
            let mut command = format!("WF_RESULT={} exec", quote(&result.to_string_lossy()));
            for w in &words {
                command.push(' ');
                command.push_str(&quote(w));
            }
            Ok(vec![
                ("WFC_SLURM_SHELL", "sh".into()),
                ("WFC_SLURM_COMMAND", command.into()),
            ])
        };
        // `prepared` (an inline script's file) lives until the job ended.
        let outcome = self.run_job(req, ctx, None, setup).await;
        drop(prepared);
        outcome
    }
}
