//! The `sbatch` options of one step: where it goes (`--partition`,
//! `--account`) and what it asks for (`--cpus-per-task`, `--mem`,
//! `--gres=gpu:N`, `--time`).
//!
//! Precedence: the file's `executor slurm { partition … account … }` (the
//! step's, else its `defaults`', else the workflow's) wins over
//! `--slurm-partition` / `--slurm-account`, which are defaults for steps
//! whose file says nothing. Each value is one argument to `sbatch` (never
//! shell text).

use super::SlurmOptions;
use wfc_plan::settings::Placement;

/// The options for a step placed as `p` (`None`: nothing in the file).
pub fn sbatch_options(opts: &SlurmOptions, p: Option<&Placement>) -> Vec<String> {
    let mut out = Vec::new();
    let file = p.cloned().unwrap_or_default();
    if let Some(part) = file.partition.as_ref().or(opts.partition.as_ref()) {
        out.push(format!("--partition={part}"));
    }
    if let Some(account) = file.account.as_ref().or(opts.account.as_ref()) {
        out.push(format!("--account={account}"));
    }
    if let Some(n) = file.cpus {
        out.push(format!("--cpus-per-task={n}"));
    }
    if let Some(bytes) = file.memory {
        // Slurm's `--mem` is in megabytes; round up so a step gets at
        // least what it asked for.
        out.push(format!("--mem={}M", bytes.div_ceil(1 << 20)));
    }
    if let Some(n) = file.gpus {
        out.push(format!("--gres=gpu:{n}"));
    }
    if let Some(ms) = file.time_ms {
        out.push(format!("--time={}", slurm_time(ms)));
    }
    out
}

/// A time limit as Slurm reads it: whole minutes (rounded up), or
/// `D-HH:MM:SS` from a day on.
fn slurm_time(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    if secs < 86_400 {
        return secs.div_ceil(60).to_string();
    }
    let (d, rest) = (secs / 86_400, secs % 86_400);
    format!(
        "{d}-{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use wfc_language::ir::ExecutorKind;

    fn cli(partition: Option<&str>, account: Option<&str>) -> SlurmOptions {
        SlurmOptions {
            dir: PathBuf::from("/tmp"),
            partition: partition.map(Into::into),
            account: account.map(Into::into),
            by_default: true,
        }
    }

    #[test]
    fn resources_become_sbatch_options() {
        let p = Placement {
            executor: Some(ExecutorKind::Slurm),
            cpus: Some(4),
            memory: Some(16 << 30),
            gpus: Some(1),
            time_ms: Some(2 * 3_600_000),
            ..Placement::default()
        };
        assert_eq!(
            sbatch_options(&cli(None, None), Some(&p)),
            [
                "--cpus-per-task=4",
                "--mem=16384M",
                "--gres=gpu:1",
                "--time=120"
            ]
        );
    }

    #[test]
    fn memory_and_time_round_up() {
        let p = Placement {
            memory: Some(100 * 1024), // 100KB: less than a megabyte
            time_ms: Some(61_000),
            ..Placement::default()
        };
        assert_eq!(
            sbatch_options(&cli(None, None), Some(&p)),
            ["--mem=1M", "--time=2"]
        );
    }

    #[test]
    fn a_day_or_more_is_written_with_days() {
        assert_eq!(slurm_time(86_400_000), "1-00:00:00");
        assert_eq!(slurm_time((2 * 86_400 + 3_723) * 1000), "2-01:02:03");
        assert_eq!(slurm_time(86_399_000), "1440");
    }

    #[test]
    fn the_file_wins_over_the_command_line() {
        let p = Placement {
            partition: Some("gpu".into()),
            ..Placement::default()
        };
        let opts = cli(Some("cpu"), Some("ml"));
        assert_eq!(
            sbatch_options(&opts, Some(&p)),
            ["--partition=gpu", "--account=ml"]
        );
        assert_eq!(
            sbatch_options(&opts, None),
            ["--partition=cpu", "--account=ml"]
        );
    }
}
