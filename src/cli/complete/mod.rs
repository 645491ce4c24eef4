//! Completions that know the domain: `.wf` files, the workflows and
//! `--param` names of the file on the line, run ids, the steps and gates
//! of the run on the line, templates. clap_complete's dynamic engine does
//! the shell's side: the script `wfc completions SHELL` prints calls `wfc`
//! back with `WFC_COMPLETE=SHELL` and the words typed, and the completers
//! in [`names`] answer from the files and the run store.
//!
//! A completer sees only the word it completes; the rest of the line (the
//! file whose params to offer, the run whose steps) is read from the words
//! typed ([`Line`]), parsed against the same clap definition.

pub mod names;

use clap::CommandFactory;
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};
use std::ffi::OsString;

/// The variable that turns a call of `wfc` into a completion request.
const VAR: &str = "WFC_COMPLETE";

/// Answers a completion request and exits, when this call is one.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(super::Cli::command)
        .var(VAR)
        .complete();
}

/// The script that registers wfc's completions with `shell`: it calls
/// this binary back (by its absolute path, so a `cargo run` build or one
/// off `PATH` completes as well).
pub fn registration(shell: &str) -> std::io::Result<Vec<u8>> {
    let completer: &dyn EnvCompleter = match shell {
        "bash" => &Bash,
        "zsh" => &Zsh,
        _ => &Fish,
    };
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "wfc".into());
    let mut out = Vec::new();
    completer.write_registration(VAR, "wfc", "wfc", &exe, &mut out)?;
    if shell == "bash" {
        out = bash_joins_equals(&String::from_utf8_lossy(&out)).into_bytes();
    }
    Ok(out)
}

/// clap's bash function, mended for words bash splits at `=` and `:`:
/// bash's `COMP_WORDBREAKS` holds both, so `--param env=st` reaches it as
/// `env`, `=`, `st` (a value `eu:west` as `eu`, `:`, `west`), and wfc was
/// asked to complete `st` as a word of its own (nothing came back). The pieces are joined again before wfc is asked,
/// and what bash keeps of the joined word (`env=`) is taken off the
/// answers, since bash replaces the last piece only.
fn bash_joins_equals(script: &str) -> String {
    const WORDS: &str = r#"    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
"#;
    const JOINED: &str = r#"    local words=() _wfc_i _wfc_w _wfc_n
    for (( _wfc_i = 0; _wfc_i <= COMP_CWORD && _wfc_i < ${#COMP_WORDS[@]}; _wfc_i++ )); do
        _wfc_w="${COMP_WORDS[_wfc_i]}"
        # The word up to the cursor; right after `=` bash gives "" for it.
        if (( _wfc_i == COMP_CWORD )) && [[ "${BASH_VERSINFO[0]}" -ge 4 && "$_wfc_w" != [=:] ]]; then
            _wfc_w="$2"
        fi
        _wfc_n=${#words[@]}
        if (( _wfc_n > 0 )) && [[ "$_wfc_w" == [=:] || "${words[_wfc_n-1]}" == *[=:] ]]; then
            words[_wfc_n-1]+="$_wfc_w"
        else
            words+=("$_wfc_w")
        fi
    done
    local _wfc_lead="${words[${#words[@]}-1]}"
    _wfc_lead="${_wfc_lead%"$2"}"
    _CLAP_COMPLETE_INDEX=$(( ${#words[@]} - 1 ))
"#;
    const REPLY_END: &str = "    if [[ $? != 0 ]]; then
        unset COMPREPLY
";
    const STRIPPED: &str = r#"    local _wfc_status=$?
    if [[ -n "$_wfc_lead" ]]; then
        COMPREPLY=("${COMPREPLY[@]#"$_wfc_lead"}")
    fi
    if [[ $_wfc_status != 0 ]]; then
        unset COMPREPLY
"#;
    if !script.contains(WORDS) || !script.contains(REPLY_END) {
        // Another clap_complete's script: left as it is (a unit test
        // fails first).
        return script.to_owned();
    }
    script
        .replacen(WORDS, JOINED, 1)
        .replacen(REPLY_END, STRIPPED, 1)
}

/// The command line being completed, as typed: the words after `wfc`,
/// without the word under completion.
pub struct Line {
    words: Vec<String>,
}

impl Line {
    /// The line of this completion request (`wfc -- wfc WORDS…`).
    pub fn current() -> Line {
        let args: Vec<OsString> = std::env::args_os().collect();
        let start = args
            .iter()
            .position(|a| a == "--")
            .map_or(args.len(), |i| i + 2);
        let mut words: Vec<String> = args
            .iter()
            .skip(start)
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        // The word being completed (the shell says which: the cursor may
        // be mid-line; else the last) and what follows it are left out.
        let index = std::env::var("_CLAP_COMPLETE_INDEX")
            .ok()
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i >= 1)
            .map_or(words.len().saturating_sub(1), |i| i - 1);
        words.truncate(index);
        Line { words }
    }

    #[cfg(test)]
    fn of(words: &[&str]) -> Line {
        Line {
            words: words.iter().map(|w| w.to_string()).collect(),
        }
    }

    /// The positional values typed after the (sub)command, in order, and
    /// the value of each option given (`--state-dir DIR`, `--state-dir=DIR`).
    fn parse(&self) -> (Vec<String>, Vec<(String, String)>) {
        let root = super::Cli::command();
        let mut cmd = &root;
        let mut positionals = Vec::new();
        let mut options = Vec::new();
        let mut words = self.words.iter().peekable();
        while let Some(w) = words.next() {
            if positionals.is_empty() {
                if let Some(sub) = cmd.find_subcommand(w) {
                    cmd = sub;
                    continue;
                }
            }
            if let Some(long) = w.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let takes = cmd
                    .get_arguments()
                    .find(|a| a.get_long() == Some(name))
                    .is_some_and(|a| a.get_action().takes_values());
                let value = match value {
                    Some(v) => Some(v),
                    None if takes => words.next().cloned(),
                    None => None,
                };
                if let Some(v) = value {
                    options.push((name.to_string(), v));
                }
            } else if let Some(short) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
                let c = short.chars().next().unwrap_or(' ');
                let arg = cmd.get_arguments().find(|a| a.get_short() == Some(c));
                if let Some(a) = arg.filter(|a| a.get_action().takes_values()) {
                    let name = a.get_long().unwrap_or_default().to_string();
                    let value = if short.len() > 1 {
                        Some(short[1..].trim_start_matches('=').to_string())
                    } else {
                        words.next().cloned()
                    };
                    if let Some(v) = value {
                        options.push((name, v));
                    }
                }
            } else {
                positionals.push(w.clone());
            }
        }
        (positionals, options)
    }

    /// The `n`th positional value (0: the first after the subcommand).
    pub fn positional(&self, n: usize) -> Option<String> {
        self.parse().0.into_iter().nth(n)
    }

    /// The last value of `--long`.
    pub fn option(&self, long: &str) -> Option<String> {
        self.parse()
            .1
            .into_iter()
            .rev()
            .find(|(n, _)| n == long)
            .map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::Line;

    #[test]
    fn bash_script_is_mended() {
        let script = String::from_utf8(super::registration("bash").unwrap()).unwrap();
        assert!(script.contains("_wfc_lead"), "{script}");
    }

    #[test]
    fn positionals_skip_options_and_their_values() {
        let l = Line::of(&[
            "run",
            "-p",
            "a=1",
            "--state-dir",
            "/s",
            "deploy.wf",
            "--plain",
        ]);
        assert_eq!(l.positional(0).as_deref(), Some("deploy.wf"));
        assert_eq!(l.option("state-dir").as_deref(), Some("/s"));
        let l = Line::of(&["logs", "--state-dir=/t", "last"]);
        assert_eq!(l.positional(0).as_deref(), Some("last"));
        assert_eq!(l.option("state-dir").as_deref(), Some("/t"));
        let l = Line::of(&["runs", "delete", "r1"]);
        assert_eq!(l.positional(0).as_deref(), Some("r1"));
    }
}
