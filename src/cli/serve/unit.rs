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
    let mut argv: Vec<String> = vec!["serve".into()];
    let mut flag = |name: &str, value: String| {
        argv.push(format!("--{name}"));
        argv.push(value);
    };
    flag("listen", args.listen.clone());
    flag("state-dir", path_word(&state)?);
    // The database without its password: the service finds it as every
    // wfc does ($PGPASSWORD in an `Environment=`, the user's ~/.pgpass).
    if let Some(url) = args.store.database() {
        flag("store", url);
        // Several servers on one database judge each other by these.
        flag("heartbeat", args.heartbeat.to_string());
        flag("lease-ttl", args.lease_ttl.to_string());
        flag("queue-wait", args.queue_wait.to_string());
    }
    flag("max-runs", args.max_runs.to_string());
    flag("store-connections", args.store_connections.to_string());
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
    if args.shared_flows {
        argv.push("--shared-flows".into());
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
    let exec = exec_start(&path_word(&exe)?, &argv)?;
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
    let _ = writeln!(u, "ExecStart={exec}");
    let _ = writeln!(
        u,
        "WorkingDirectory={}",
        quote(&path_word(&workdir)?, In::Path)?
    );
    if !user {
        if let Some(name) = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
        {
            let _ = writeln!(u, "User={}", quote(&name.name, In::Text)?);
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
        quote(&path_word(&state)?, In::ListPath)?,
        quote(&path_word(&workdir)?, In::ListPath)?
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

/// `ExecStart=`'s value: `program` and its arguments, each written for
/// where it stands.
pub fn exec_start(program: &str, args: &[impl AsRef<str>]) -> Result<String, String> {
    let mut line = quote(program, In::Program)?;
    for a in args {
        line.push(' ');
        line.push_str(&quote(a.as_ref(), In::Arg)?);
    }
    Ok(line)
}

/// Where a value goes in a unit. systemd first joins a line that ends in
/// `\` to the next one (a comment's too), then each setting reads its
/// value its own way (systemd.syntax(7), systemd.service(5)).
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum In {
    /// `ExecStart=`'s program: an absolute path, unquoted and then `%`
    /// specifiers; no `$` variables. systemd refuses `\`, quotes, control
    /// characters and a trailing `/` in it.
    Program,
    /// A later word of `ExecStart=`: quotes and C escapes, `%` specifiers,
    /// `$` variables.
    Arg,
    /// An absolute path in a list such as `ReadWritePaths=`: quotes and
    /// `\` escapes, `%` specifiers.
    ListPath,
    /// A whole value that is an absolute path (`WorkingDirectory=`): as
    /// written but `%` specifiers, blanks at the ends dropped, then
    /// simplified (a trailing `/` dropped, `..` refused).
    Path,
    /// A whole value of text (`Description=`, `User=`): as written but `%`
    /// specifiers, blanks at the ends dropped.
    Text,
}

/// `value` written for its place so that systemd reads back exactly
/// `value`, or why it cannot be. A path whose line would end in `\` (or
/// a blank) gets a trailing `/`, which systemd drops again.
pub fn quote(value: &str, place: In) -> Result<String, String> {
    let refuse = |why: &str| {
        Err(format!(
            "{value:?} cannot be written in a systemd unit: {why}"
        ))
    };
    if value.contains('\0') {
        return refuse("it holds a NUL character");
    }
    if place == In::Arg {
        return Ok(arg(value));
    }
    if value.chars().any(char::is_control) {
        return refuse("a line break or control character can only be in a command's argument");
    }
    let path = place != In::Text;
    if path && !value.starts_with('/') {
        return refuse("it is not an absolute path");
    }
    if path && value.split('/').any(|part| part == "..") {
        return refuse("systemd refuses a path with a `..` component");
    }
    let specifiers = value.replace('%', "%%");
    let bare = |v: &str| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._:,@+=-".contains(c))
    };
    match place {
        In::Program if value.contains(['\\', '"', '\'']) || value.ends_with('/') => {
            refuse("systemd refuses `\\`, quotes and a trailing `/` in a program's path")
        }
        In::Program | In::ListPath if bare(value) => Ok(value.to_owned()),
        // Nothing to escape in a program (refused above) but `%`.
        In::Program => Ok(format!("\"{specifiers}\"")),
        In::ListPath => Ok(format!(
            "\"{}\"",
            specifiers.replace('\\', "\\\\").replace('"', "\\\"")
        )),
        In::Path if value.ends_with(|c: char| c == '\\' || c.is_whitespace()) => {
            Ok(format!("{specifiers}/"))
        }
        In::Path => Ok(specifiers),
        _ if value.trim() != value || value.is_empty() => {
            refuse("systemd drops the blanks at either end of a value")
        }
        _ if value.ends_with('\\') => refuse("a line ending in `\\` goes on in the next one"),
        _ => Ok(specifiers),
    }
}

/// A word of `ExecStart=` after the program: bare when systemd reads
/// nothing in it specially, else in double quotes with C escapes.
fn arg(value: &str) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || "/._:,@+=-".contains(c);
    if !value.is_empty() && value.chars().all(bare) {
        return value.to_owned();
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::{exec_start, quote, In};

    #[test]
    fn words_are_quoted_for_where_systemd_reads_them() {
        assert_eq!(quote("/srv/flows", In::Arg).unwrap(), "/srv/flows");
        assert_eq!(
            quote("/srv/my flows", In::Arg).unwrap(),
            "\"/srv/my flows\""
        );
        let odd = "/a%b$c\"d\\";
        assert_eq!(quote(odd, In::Arg).unwrap(), "\"/a%%b$$c\\\"d\\\\\"");
        assert_eq!(quote(odd, In::ListPath).unwrap(), "\"/a%%b$c\\\"d\\\\\"");
        assert_eq!(quote("", In::Arg).unwrap(), "\"\"");
        assert_eq!(quote("a\nb\t;", In::Arg).unwrap(), "\"a\\nb\\t;\"");
        assert_eq!(quote("/srv/x y", In::Text).unwrap(), "/srv/x y");
        assert_eq!(
            exec_start("/opt/my wfc$", &["run", "x y"]).unwrap(),
            "\"/opt/my wfc$\" run \"x y\""
        );
    }

    #[test]
    fn a_path_s_line_never_ends_in_a_backslash() {
        // A line ending in `\` goes on in the next one: the trailing `/`
        // ends it, and systemd drops the `/` when it simplifies the path.
        assert_eq!(quote("/srv/a\\", In::Path).unwrap(), "/srv/a\\/");
        assert_eq!(quote("/srv/a ", In::Path).unwrap(), "/srv/a /");
        assert_eq!(quote("/srv/50% $x", In::Path).unwrap(), "/srv/50%% $x");
        assert_eq!(quote("/srv/a\\", In::ListPath).unwrap(), "\"/srv/a\\\\\"");
        assert!(quote("a\\", In::Text).is_err());
    }

    #[test]
    fn what_systemd_cannot_hold_is_refused() {
        for (value, place) in [
            ("/srv/a\nb", In::Path),
            ("/srv/a\nb", In::ListPath),
            ("relative", In::Path),
            ("/srv/../x", In::Path),
            ("/srv/../x", In::ListPath),
            ("/opt/w\\fc", In::Program),
            ("/opt/w'fc", In::Program),
            ("/opt/wfc/", In::Program),
            (" x", In::Text),
            ("x\0", In::Arg),
        ] {
            assert!(quote(value, place).is_err(), "{value:?} in {place:?}");
        }
    }
}
