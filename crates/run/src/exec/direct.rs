//! Running a simple command without the shell in between, as GNU make does.
//!
//! A `shell` step whose command is one program and plain words
//! (`sleep 0.05`, `cargo build --release`) is started directly: `sh -c`
//! would only split the words, search `PATH` and fork the program, and that
//! costs a process start (~1.4 ms of wall per step on the development VM:
//! the shell's own start, its fork, and the relay of the exit status).
//!
//! The shortcut is taken only where the result is the same as the shell's:
//! - the step's shell is `sh`, and wfc's environment holds no exported bash
//!   function (`BASH_FUNC_…`, which a `sh` that is bash would define);
//! - the command holds nothing but words of letters, digits and
//!   `-_./,:+@%=` separated by spaces or tabs (so no quoting, expansion,
//!   redirection, globbing, comment, or a second command);
//! - the first word is neither an assignment nor one of the shell's keywords
//!   or built-in commands (`echo`, `cd`, `test`, …: the shell's own version
//!   would run, not the program of that name);
//! - the program is found as the shell finds it: a word with a `/` is a path,
//!   else the first executable regular file in the step's `PATH` (an empty
//!   entry is the working directory); with no `PATH`, or no such file, the
//!   shell runs and reports it (`not found`, exit code 127).
//!
//! The program gets the word as typed as its `argv[0]`, and the environment
//! the shell would export: the step's, with `PWD` set as `sh` sets it.
//! Should the start itself fail (a script without `#!`, which the shell would
//! run itself), the step runs under the shell after all.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The words of a command made only of plain words, the first of which
/// names a program (not an assignment, keyword or built-in).
pub(crate) fn simple_words(command: &str) -> Option<Vec<&str>> {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,:+@%=".contains(c);
    if !command.chars().all(|c| plain(c) || c == ' ' || c == '\t') {
        return None;
    }
    let words: Vec<&str> = command
        .split([' ', '\t'])
        .filter(|w| !w.is_empty())
        .collect();
    let first = *words.first()?;
    if first.contains('=') || SHELL_WORDS.contains(&first) {
        return None;
    }
    Some(words)
}

/// Keywords and built-in commands of dash (Debian's `sh`), POSIX's special
/// built-ins, and bash's, so that a `sh` linked to bash is covered too:
/// words that need no file on `PATH`.
pub const SHELL_WORDS: &[&str] = &[
    // keywords
    "!",
    "case",
    "do",
    "done",
    "elif",
    "else",
    "esac",
    "fi",
    "for",
    "function",
    "if",
    "in",
    "select",
    "then",
    "time",
    "until",
    "while",
    "coproc",
    // built-ins
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "chdir",
    "command",
    "compgen",
    "complete",
    "compopt",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
];

/// Where `sh` finds `name`: a name with a `/` as a path; otherwise the first
/// executable regular file in `path`, where an empty or relative entry is
/// taken from `cwd`.
pub(crate) fn find_program(name: &str, path: &OsStr, cwd: &Path) -> Option<PathBuf> {
    if name.contains('/') {
        let p = cwd.join(name);
        return executable(&p).then_some(p);
    }
    std::env::split_paths(path)
        .map(|dir| cwd.join(dir).join(name))
        .find(|p| executable(p))
}

fn executable(p: &Path) -> bool {
    p.is_file() && rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok()
}

/// The `PWD` that `sh` exports: the inherited one if it names the directory
/// the step starts in, else that directory's physical path.
pub(crate) fn shell_pwd(inherited: Option<&OsStr>, cwd: &Path) -> Option<OsString> {
    use std::os::unix::fs::MetadataExt;
    let here = std::fs::metadata(cwd).ok()?;
    if let Some(pwd) = inherited.filter(|p| Path::new(p).is_absolute()) {
        if let Ok(there) = std::fs::metadata(pwd) {
            if there.dev() == here.dev() && there.ino() == here.ino() {
                return Some(pwd.to_owned());
            }
        }
    }
    std::fs::canonicalize(cwd).ok().map(PathBuf::into_os_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_are_split() {
        assert_eq!(simple_words("  sleep\t0.05 "), Some(vec!["sleep", "0.05"]));
        assert_eq!(
            simple_words("cargo build --release -p a_b,c:d+e@f%g=h"),
            Some(vec!["cargo", "build", "--release", "-p", "a_b,c:d+e@f%g=h"])
        );
    }

    #[test]
    fn anything_the_shell_would_interpret_keeps_the_shell() {
        for cmd in [
            "",
            "   ",
            ": > out/a",
            "echo hi",
            "test -f x",
            "cd /tmp",
            "true",
            "A=1 env",
            "sleep 1; ls",
            "sleep 1 && ls",
            "ls | wc",
            "ls *.rs",
            "ls ~",
            "echo $HOME",
            "ls 'a b'",
            "ls \"a\"",
            "ls a\\ b",
            "ls # comment",
            "ls\nls",
            "ls {a,b}",
            "ls a[1]",
            "ls !x",
            "sleep 1 &",
            "ls $(pwd)",
            "ls `pwd`",
            "ls (a)",
            "ls ä",
        ] {
            assert_eq!(simple_words(cmd), None, "{cmd:?}");
        }
    }

    #[test]
    fn programs_are_found_as_the_shell_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let tool = bin.join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        let data = bin.join("data");
        std::fs::write(&data, "").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = OsString::from(format!("/nonexistent:{}", bin.display()));
        assert_eq!(find_program("tool", &path, dir.path()), Some(tool.clone()));
        // Not executable, a directory, absent: the shell reports it.
        assert_eq!(find_program("data", &path, dir.path()), None);
        assert_eq!(find_program("bin", OsStr::new("."), dir.path()), None);
        assert_eq!(find_program("nope", &path, dir.path()), None);
        // A relative PATH entry and a path are taken from the working directory.
        assert_eq!(
            find_program("tool", OsStr::new("bin"), dir.path()),
            Some(tool.clone())
        );
        assert_eq!(
            find_program("bin/tool", OsStr::new(""), dir.path()),
            Some(tool)
        );
    }

    #[test]
    fn pwd_is_kept_when_it_names_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(dir.path()).unwrap();
        let link = real.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(
            shell_pwd(Some(link.as_os_str()), &real),
            Some(link.clone().into_os_string())
        );
        assert_eq!(
            shell_pwd(Some(OsStr::new("/")), &link),
            Some(real.clone().into_os_string())
        );
        assert_eq!(shell_pwd(None, &real), Some(real.into_os_string()));
    }
}
