//! `wfc serve --print-unit [--user]`: a hardened systemd service unit that
//! runs this `wfc serve` (this binary's absolute path, the same folders and
//! flags, every path absolute) as a service, for `systemctl enable --now`.
//!
//! Hardening: the file system is read-only (`ProtectSystem=strict`, home
//! folders too) but for the state folder and the working folder, where
//! runs' steps write; its own `/tmp`; no privilege gain. `KillMode=mixed`
//! sends SIGTERM to the server alone, which drains its runs within
//! `--grace`; systemd waits that long and a little more before SIGKILL.

use super::ServeArgs;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The unit's text, or why it cannot be written.
pub fn unit(args: &ServeArgs, user: bool) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find wfc's own path: {e}"))?;
    let abs = |p: &Path| std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()));
    let state = abs(&args.store.dir())?;
    let workdir = std::env::current_dir().map_err(|e| format!("the working folder: {e}"))?;
    let mut argv: Vec<String> = vec![path_word(&exe)?, "serve".into()];
    let mut flag = |name: &str, value: String| {
        argv.push(format!("--{name}"));
        argv.push(value);
    };
    flag("listen", args.listen.clone());
    flag("state-dir", path_word(&state)?);
    flag("max-runs", args.max_runs.to_string());
    if let Some(k) = &args.keys_file {
        flag("keys-file", path_word(&abs(k)?)?);
    }
    flag("grace", args.grace.to_string());
    flag("max-body", args.max_body.to_string());
    flag("rate-limit", args.rate_limit.to_string());
    flag("rate-burst", args.rate_burst.to_string());
    flag("resume-within", args.resume_within.to_string());
    flag("keep-runs", args.keep_runs.to_string());
    flag("keep-days", args.keep_days.to_string());
    if args.executor == super::super::run::ExecutorKind::Slurm {
        flag("executor", "slurm".into());
    }
    if let Some(p) = &args.slurm_partition {
        flag("slurm-partition", p.clone());
    }
    if let Some(a) = &args.slurm_account {
        flag("slurm-account", a.clone());
    }
    if args.poll_changes {
        argv.push("--poll-changes".into());
    }
    if args.metrics_auth {
        argv.push("--metrics-auth".into());
    }
    argv.push("--".into());
    let served: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &served {
        argv.push(path_word(&abs(p)?)?);
    }
    let exec: Vec<String> = argv
        .iter()
        .map(|w| quote(w, In::Command))
        .collect::<Result<_, _>>()?;
    let mut u = String::new();
    let _ = writeln!(
        u,
        "# Written by `wfc serve --print-unit{}`.",
        if user { " --user" } else { "" }
    );
    let _ = writeln!(
        u,
        "# Steps may write only to the state and working folders: add the folders your"
    );
    let _ = writeln!(
        u,
        "# runs write to ReadWritePaths= (or `systemctl edit` it)."
    );
    u.push_str("[Unit]\nDescription=wfc serve: workflows over a REST API\n");
    if !user {
        u.push_str("Wants=network-online.target\nAfter=network-online.target\n");
    }
    u.push_str("\n[Service]\nType=exec\n");
    let _ = writeln!(u, "ExecStart={}", exec.join(" "));
    let _ = writeln!(
        u,
        "WorkingDirectory={}",
        quote(&path_word(&workdir)?, In::Line)?
    );
    if !user {
        if let Some(name) = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
        {
            let _ = writeln!(u, "User={}", quote(&name.name, In::Line)?);
        }
    }
    u.push_str("Restart=on-failure\nRestartSec=5\nKillMode=mixed\n");
    let _ = writeln!(u, "TimeoutStopSec={}", args.grace.ceil() as u64 + 30);
    u.push_str(
        "NoNewPrivileges=yes\nProtectSystem=strict\nProtectHome=read-only\nPrivateTmp=yes\n",
    );
    let _ = writeln!(
        u,
        "ReadWritePaths={} {}",
        quote(&path_word(&state)?, In::List)?,
        quote(&path_word(&workdir)?, In::List)?
    );
    u.push_str("ProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectControlGroups=yes\n");
    u.push_str("RestrictSUIDSGID=yes\nRestrictRealtime=yes\nLockPersonality=yes\nUMask=0077\n");
    let _ = writeln!(
        u,
        "\n[Install]\nWantedBy={}",
        if user {
            "default.target"
        } else {
            "multi-user.target"
        }
    );
    Ok(u)
}

/// A path as one word of the unit: UTF-8, no line break.
fn path_word(p: &Path) -> Result<String, String> {
    p.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: a path in a systemd unit must be UTF-8", p.display()))
}

/// Where a word goes in a unit: each place reads it its own way.
#[derive(Clone, Copy, PartialEq)]
pub enum In {
    /// A word of `ExecStart=`: quotes and `\` escapes, `%` specifiers, `$` variables.
    Command,
    /// A word of a list such as `ReadWritePaths=`: quotes, `%` specifiers.
    List,
    /// A whole value (`WorkingDirectory=`, `User=`): `%` specifiers only.
    Line,
}

/// `word` written for its place: bare when it holds nothing the place
/// reads specially; else `%` doubled, and in a command or a list put in
/// double quotes (`\` and `"` escaped; `$` doubled in a command). A line
/// break, or a whole value's space at either end, cannot be written.
pub fn quote(word: &str, place: In) -> Result<String, String> {
    let edge = place == In::Line && word.trim() != word;
    if word.contains(['\n', '\r']) || word.is_empty() || edge {
        return Err(format!("{word:?} cannot be written in a systemd unit"));
    }
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._:,@+=-".contains(c);
    if word.chars().all(plain) {
        return Ok(word.to_owned());
    }
    if place == In::Line {
        return Ok(word.replace('%', "%%"));
    }
    let mut out = String::from("\"");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' if place == In::Command => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{quote, In};

    #[test]
    fn words_are_quoted_for_where_systemd_reads_them() {
        assert_eq!(quote("/srv/flows", In::Command).unwrap(), "/srv/flows");
        assert_eq!(
            quote("/srv/my flows", In::Command).unwrap(),
            "\"/srv/my flows\""
        );
        let odd = "a%b$c\"d\\";
        assert_eq!(quote(odd, In::Command).unwrap(), "\"a%%b$$c\\\"d\\\\\"");
        assert_eq!(quote(odd, In::List).unwrap(), "\"a%%b$c\\\"d\\\\\"");
        assert_eq!(quote(odd, In::Line).unwrap(), "a%%b$c\"d\\");
        assert!(quote("a\nb", In::Command).is_err());
        assert!(quote("/srv/x ", In::Line).is_err());
    }
}
