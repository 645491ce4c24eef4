//! Strict shells: what a `shell` step's shell is started with so that a
//! failing command fails the step, as GitHub Actions runs `bash` (`-e -o
//! pipefail`) and `sh` (`-e`). `strict false` on the step or the workflow
//! starts the shell bare.

/// The options that make `shell` stop at the first failing command (and,
/// where it has them, fail a pipeline when any of its commands failed):
/// `-e -o pipefail` for bash, zsh and the Korn shells, `-e` for the POSIX
/// `sh` family (dash has no `pipefail` before 0.5.11), none for a shell
/// wfc does not know (its options may mean something else).
pub fn strict_flags(shell: &str) -> &'static [&'static str] {
    match shell.rsplit('/').next().unwrap_or(shell) {
        "bash" | "zsh" | "ksh" | "ksh93" | "mksh" => &["-e", "-o", "pipefail"],
        "sh" | "dash" | "ash" | "yash" | "posh" => &["-e"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::strict_flags;

    #[test]
    fn bash_gets_pipefail_sh_gets_errexit_others_nothing() {
        assert_eq!(strict_flags("bash"), ["-e", "-o", "pipefail"]);
        assert_eq!(strict_flags("/usr/bin/zsh"), ["-e", "-o", "pipefail"]);
        assert_eq!(strict_flags("sh"), ["-e"]);
        assert_eq!(strict_flags("/bin/dash"), ["-e"]);
        assert!(strict_flags("fish").is_empty());
        assert!(strict_flags("/opt/bashful").is_empty());
    }
}
