//! `on change "GLOB"` on GitHub. Under `wfc serve` a file written into the
//! glob's folder (relative to the workflow's file) starts a run, with
//! `changed` = the batch's files relative to that folder, sorted. On
//! GitHub files arrive in the workflow's folder of the repository by a
//! push, so the trigger is `on: push` to any branch (`branches: ['**']`:
//! a tag's push, which GitHub does not filter by path, starts nothing)
//! with `paths: [HOME/GLOB]`, the glob in GitHub's filter syntax matching
//! exactly what wfc's matcher (globset, `*` within one folder) matches, or
//! refused (E0731) where it cannot: `?` (GitHub's means "the previous
//! character, or not"), a negated class or one of other than letters and
//! digits, `{a,b}` of more than names and `*` (those are one filter per
//! alternative). A push is one batch: `debounce` has nothing to wait
//! for.
//!
//! `changed` is computed per push by the `wfc-params` job
//! ([`super::trigger_params`]): it checks the repository out with its
//! history (with `--no-checkout` too: it needs the commits), lists the files the push added or modified ([`LIST`], `git
//! diff` between `github.event.before` and `github.sha`, both through
//! `env:`; a new branch from where it left the default branch), and its jq
//! program keeps those under the workflow's folder whose rest matches the
//! glob as a regex ([`Glob::regex`]) — the names only ever data, read from
//! a file by `--rawfile`. A push with no such file (only deletions, say)
//! starts nothing: every job runs only on the job's `wfc-go`.

use serde_json::{json, Value as Json};
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BlockKind, Change, ExprKind, Trigger, Workflow};
use wfc_plan::Plan;

/// The job's output saying whether the run goes on.
pub const GO: &str = "wfc-go";

/// The jq variable holding `changed`.
pub const CHANGED: &str = "$wfc_changed";

/// A glob as GitHub's path filters and as a regex.
#[derive(Debug, PartialEq)]
pub struct Glob {
    /// GitHub's `paths` patterns, from the repository's root: one per
    /// alternative of its `{…}`s.
    pub filters: Vec<String>,
    /// An Oniguruma regex (jq's `test`) over a path relative to the
    /// workflow's folder, anchored at both ends.
    pub regex: String,
}

/// One part of a glob between `/`s.
#[derive(Debug, PartialEq)]
enum Part {
    /// `**`: any number of folders.
    Deep,
    Name(Vec<Token>),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Lit(char),
    /// `*`: any text without `/`.
    Star,
    /// `[…]` of letters and digits: its ranges (`a-f`; `x` is `x-x`).
    Class(Vec<(char, char)>),
}

/// `glob` (as wfc's matcher reads it, relative to the workflow's folder
/// `home`, `.` at the repository's root), or why GitHub's filter cannot
/// match exactly the same paths.
pub fn translate(glob: &str, home: &str) -> Result<Glob, String> {
    let mut filters: Vec<String> = Vec::new();
    let mut regexes = Vec::new();
    for one in alternatives(glob)? {
        let (filter, regex) = translate_one(&one, home)?;
        if !filters.contains(&filter) {
            filters.push(filter);
            regexes.push(regex);
        }
    }
    let regex = match regexes.len() {
        1 => format!("\\A{}\\z", regexes[0]),
        _ => format!("\\A(?:{})\\z", regexes.join("|")),
    };
    Ok(Glob { filters, regex })
}

/// At most this many globs from one glob's `{…}`s.
const MAX_ALTERNATIVES: usize = 32;

/// `glob` with each `{a,b}` expanded (`x.{csv,tsv}`: `x.csv`, `x.tsv`),
/// exactly what globset's alternatives match when each alternative is
/// names and `*` within one folder (no `/`, `**`, `[`, or nesting).
fn alternatives(glob: &str) -> Result<Vec<String>, String> {
    let refuse = |why: &str| Err(format!("`{{…}}` alternatives {why}"));
    let mut out = vec![String::new()];
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().map(String::from).unwrap_or_default();
                out.iter_mut().for_each(|o| {
                    o.push('\\');
                    o.push_str(&next);
                });
            }
            '{' => {
                let mut options = vec![String::new()];
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(',') => options.push(String::new()),
                        Some('\\') => {
                            let next = chars.next().ok_or("a `\\` at the end".to_string())?;
                            let last = options.last_mut().unwrap();
                            last.push('\\');
                            last.push(next);
                        }
                        Some('{' | '/' | '[' | '?') | None => {
                            return refuse("holding `{`, `/`, `[` or `?`, or not closed: write each alternative's glob as names and `*`")
                        }
                        Some(c) => options.last_mut().unwrap().push(c),
                    }
                }
                if options.iter().any(|o| o.is_empty() || o.contains("**")) {
                    return refuse("with an empty one or `**`");
                }
                if out.len() * options.len() > MAX_ALTERNATIVES {
                    return refuse(&format!("making more than {MAX_ALTERNATIVES} patterns"));
                }
                out = out
                    .iter()
                    .flat_map(|o| options.iter().map(move |x| format!("{o}{x}")))
                    .collect();
            }
            '}' => return refuse("with a `}` that closes none"),
            c => out.iter_mut().for_each(|o| o.push(c)),
        }
    }
    // `*{*,x}` would be `**`, which globset reads as two `*` of one name.
    let stars = glob.matches("**").count();
    if out.iter().any(|o| o.matches("**").count() != stars) {
        return refuse("whose `*` meets a `*` outside them");
    }
    Ok(out)
}

/// One glob without `{…}`: its filter and its regex (unanchored).
fn translate_one(glob: &str, home: &str) -> Result<(String, String), String> {
    let parts = parse(glob)?;
    let mut filter = Vec::new();
    if home != "." {
        filter.push(home.chars().map(github_lit).collect::<String>());
    }
    let mut regex = String::new();
    let n = parts.len();
    // Whether the regex so far ends where a name may start.
    let mut open = true;
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Deep => {
                filter.push("**".into());
                regex.push_str(match (i == 0, i + 1 == n) {
                    (true, true) => "[\\s\\S]*",
                    (true, false) => "(?:[\\s\\S]*/)?",
                    (false, true) => "/[\\s\\S]*",
                    (false, false) => "/(?:[\\s\\S]*/)?",
                });
                open = true;
            }
            Part::Name(tokens) => {
                if !open {
                    regex.push('/');
                }
                open = false;
                let mut f = String::new();
                for t in tokens {
                    match t {
                        Token::Lit(c) => {
                            f.push_str(&github_lit(*c));
                            regex.push_str(&regex_lit(*c));
                        }
                        Token::Star => {
                            f.push('*');
                            regex.push_str("[^/]*");
                        }
                        Token::Class(ranges) => {
                            let mut class = String::from("[");
                            for &(a, b) in ranges {
                                class.push(a);
                                if a != b {
                                    class.push('-');
                                    class.push(b);
                                }
                            }
                            class.push(']');
                            f.push_str(&class);
                            regex.push_str(&class);
                        }
                    }
                }
                filter.push(f);
            }
        }
    }
    Ok((filter.join("/"), regex))
}

/// A literal character in GitHub's filter: its special ones escaped.
fn github_lit(c: char) -> String {
    if matches!(c, '*' | '?' | '+' | '[' | '\\' | '!') {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// A literal character in a regex: ASCII punctuation escaped.
fn regex_lit(c: char) -> String {
    if c.is_ascii() && !c.is_ascii_alphanumeric() {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// The glob's parts, as globset reads them with `*` kept within a folder
/// and `\` escaping, or why GitHub cannot match the same.
fn parse(glob: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    let mut chars = glob.chars();
    let end = |tokens: &mut Vec<Token>, parts: &mut Vec<Part>| -> Result<(), String> {
        let t = std::mem::take(tokens);
        let part = match t.as_slice() {
            [] => {
                return Err("an empty folder name (`//`, or `/` at an end) matches no file".into())
            }
            [Token::Star, Token::Star] => Part::Deep,
            [Token::Lit('.')] | [Token::Lit('.'), Token::Lit('.')] => {
                return Err("a `.` or `..` folder matches no file".into())
            }
            _ => {
                // `***`, `a**`: as many `*` as one, within the folder.
                let mut one: Vec<Token> = Vec::new();
                for x in t {
                    if !(x == Token::Star && one.last() == Some(&Token::Star)) {
                        one.push(x);
                    }
                }
                Part::Name(one)
            }
        };
        if part == Part::Deep && parts.last() == Some(&Part::Deep) {
            return Err("`**/**`: write `**` once".into());
        }
        parts.push(part);
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            '/' => end(&mut tokens, &mut parts)?,
            '*' => tokens.push(Token::Star),
            '\\' => match chars.next() {
                Some(c) if c != '/' && !c.is_control() => tokens.push(Token::Lit(c)),
                _ => return Err("a `\\` before `/`, a control character or the end".into()),
            },
            '?' => return Err("`?` (any one character): GitHub's `?` makes the character before it optional, and no filter matches any one character".into()),
            '{' | '}' => return Err("a `{` or `}` in an alternative".into()),
            '[' => tokens.push(class(&mut chars)?),
            c if c.is_control() => return Err("a control character".into()),
            c => tokens.push(Token::Lit(c)),
        }
    }
    end(&mut tokens, &mut parts)?;
    Ok(parts)
}

/// `[…]` after its `[`: letters and digits and ranges of them alone, as
/// GitHub's classes take; a class of one character is that character.
fn class(chars: &mut std::str::Chars) -> Result<Token, String> {
    let refuse = || {
        Err("a `[…]` other than of letters, digits and ranges of them (`[0-9a-f]`): GitHub's classes take no other".to_string())
    };
    let kind = |c: char| {
        if c.is_ascii_digit() {
            1
        } else if c.is_ascii_lowercase() {
            2
        } else if c.is_ascii_uppercase() {
            3
        } else {
            0
        }
    };
    let mut items: Vec<char> = Vec::new();
    loop {
        match chars.next() {
            Some(']') if !items.is_empty() => break,
            Some(c) if c == '-' || kind(c) != 0 => items.push(c),
            _ => return refuse(),
        }
    }
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < items.len() {
        match items.get(i..i + 3) {
            Some(&[a, '-', b]) if kind(a) != 0 && kind(a) == kind(b) && a <= b => {
                ranges.push((a, b));
                i += 3;
            }
            _ if items[i] != '-' => {
                ranges.push((items[i], items[i]));
                i += 1;
            }
            _ => return refuse(),
        }
    }
    Ok(match ranges[..] {
        [(a, b)] if a == b => Token::Lit(a),
        _ => Token::Class(ranges),
    })
}

/// The change trigger to export, if any; each one GitHub cannot carry is
/// refused in `errors` (E0731; its `when`: E0766, `super::configured`).
pub fn trigger<'p>(
    plan: &'p Plan,
    home: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<(&'p Change, Glob)> {
    let mut found = None;
    for t in &plan.triggers {
        let Trigger::Change(c) = &t.trigger else {
            continue;
        };
        let refuse = |what: String, label: &str| {
            Diagnostic::error("E0731", format!("GitHub Actions cannot carry this `on change`: {what}"))
                .primary(c.span, label.to_string())
                .help("a push to the repository is the change on GitHub: give the workflow one `on change` with a glob of names, `*`, `**`, `[0-9a-z]` classes and `{a,b}` of names, or run it with `wfc serve`")
        };
        if found.is_some() {
            errors.push(refuse(
                "a second one (a push starts one run, for every file)".into(),
                "another `on change`",
            ));
            continue;
        }
        // Refused as a trigger's condition (E0766, `super::configured`).
        if c.when.is_some() {
            continue;
        }
        match translate(&c.glob, home) {
            Ok(g) => found = Some((c, g)),
            Err(why) => errors.push(refuse(
                format!("its glob has {why}"),
                "a glob GitHub's `paths` cannot match exactly",
            )),
        }
    }
    found
}

/// E0744 at a loop's `parallel N` over a param a trigger sets (a push's
/// files, a webhook's body): GitHub's `max-parallel` is fixed in the file.
/// (An `if` or a loop's list over such a param is planned as the run's,
/// `wfc_plan::RunTime`: a job `if:`, a matrix of computed items.) With
/// `--approximate`, a warning: the bound is the exported value.
pub fn fixed(wf: &Workflow, approximate: bool, errors: &mut Vec<Diagnostic>) {
    let set = wfc_plan::trigger_params::set_by_triggers(wf);
    if set.is_empty() {
        return;
    }
    for b in &wf.blocks {
        let BlockKind::ForEach {
            parallel: Some(Some(count)),
            ..
        } = &b.kind
        else {
            continue;
        };
        let mut found = None;
        count.walk(&mut |x| match x.kind {
            ExprKind::Param(p) if set.contains(&p) => found = Some(p),
            _ => {}
        });
        let Some(p) = found else { continue };
        let name = &wf.params[p].name;
        let title = format!("`{name}`, which a trigger sets, bounds this loop's `parallel`, which GitHub fixes in the file");
        let d = if approximate {
            Diagnostic::warning("E0744", format!("{title} (approximated)"))
        } else {
            Diagnostic::error("E0744", title)
        };
        errors.push(
            d.primary(count.span, format!("read with `{name}` as exported"))
                .help("bound it with a value known at export (a literal, a param no trigger sets); --approximate exports it with the exported value"),
        );
    }
}

/// `on.push`: any branch, the glob's files.
pub fn on_push(glob: &Glob) -> Json {
    json!({ "branches": ["**"], "paths": glob.filters })
}

/// The checkout of a push's history, before [`LIST`].
pub fn checkout() -> Json {
    json!({
        "if": "github.event_name == 'push'",
        "uses": super::group::CHECKOUT,
        "with": { "fetch-depth": 0 },
    })
}

/// The `env:` [`LIST`] reads.
pub fn env() -> [(&'static str, &'static str); 4] {
    [
        ("WF_BEFORE", "${{ github.event.before }}"),
        ("WF_AFTER", "${{ github.sha }}"),
        ("WF_REF", "${{ github.ref }}"),
        (
            "WF_DEFAULT_BRANCH",
            "${{ github.event.repository.default_branch }}",
        ),
    ]
}

/// The files a push added or modified, `\0`-separated, into
/// `$RUNNER_TEMP/wfc-changed` (empty for another event, or a branch's
/// deletion). A new branch
/// (`before` all zeros) counts from where it left the default branch, and
/// a first push of the default branch from nothing. A force-push's
/// `before`, no longer on a branch, is fetched.
pub const LIST: &str = r#": > "$RUNNER_TEMP/wfc-changed"
# (A branch's deletion, `after` all zeros, brings no file.)
if [ "$WF_EVENT" = push ] && [ -n "${WF_AFTER//0/}" ]; then
  case "$WF_BEFORE:$WF_AFTER" in
    *[!0-9a-f:]* | :* | *:) echo "::error::the push's commits are not commit ids"; exit 1 ;;
  esac
  if [ -z "${WF_BEFORE//0/}" ]; then
    from=""
    if [ "$WF_REF" != "refs/heads/$WF_DEFAULT_BRANCH" ]; then
      from=$(git merge-base "refs/remotes/origin/$WF_DEFAULT_BRANCH" "$WF_AFTER" 2>/dev/null) || from=""
    fi
    [ -n "$from" ] || from=$(git hash-object -t tree /dev/null)
  else
    from=$WF_BEFORE
    git cat-file -e "$from^{commit}" 2>/dev/null || git fetch --quiet --no-tags origin "$from"
  fi
  git -c core.quotePath=false diff -z --name-only --no-renames --diff-filter=AM "$from" "$WF_AFTER" -- > "$RUNNER_TEMP/wfc-changed"
fi
"#;

/// The trigger as written in `.wf` (`WF_CHANGE`, for readers and `wfc
/// import`; never run), or None when it would hold `${{`.
pub fn shown(wf: &Workflow, c: &Change) -> Option<String> {
    let glob = c.glob.replace('\\', "\\\\").replace('"', "\\\"");
    let mut body = Vec::new();
    if c.debounce_ms != wfc_language::ir::DEFAULT_DEBOUNCE_MS {
        body.push(match c.debounce_ms % 1000 {
            0 => format!("debounce {}s", c.debounce_ms / 1000),
            _ => format!("debounce {}ms", c.debounce_ms),
        });
    }
    if !c.params.is_empty() {
        let params: Vec<String> = c
            .params
            .iter()
            .map(|p| {
                format!(
                    "{} = {}",
                    p.name,
                    wfc_plan::render::expr::show(wf, &p.value)
                )
            })
            .collect();
        body.push(format!("params {{ {} }}", params.join("  ")));
    }
    let text = match body.is_empty() {
        true => format!("on change \"{glob}\""),
        false => format!("on change \"{glob}\" {{ {} }}", body.join("  ")),
    };
    (!text.contains("${{") && !text.contains('\n')).then_some(text)
}

/// The jq binding of `changed` over `$files` (the list's text): the files
/// under `home` whose rest matches the glob, relative to `home`, sorted.
pub fn binding(glob: &Glob, home: &str) -> String {
    let under = if home == "." {
        String::new()
    } else {
        let h = crate::jq::json_str(&format!("{home}/"));
        format!(" | select(startswith({h})) | ltrimstr({h})")
    };
    format!(
        "($files | split(\"\\u0000\") | map(select(. != \"\"){under} | select(test({}))) | sort) as {CHANGED} | ",
        crate::jq::json_str(&glob.regex)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(glob: &str, home: &str) -> (String, String) {
        let g = translate(glob, home).unwrap();
        (g.filters.join(" "), g.regex)
    }

    #[test]
    fn globs_translate_to_a_filter_and_a_regex() {
        assert_eq!(
            t("incoming/*.csv", "examples"),
            (
                "examples/incoming/*.csv".into(),
                "\\Aincoming/[^/]*\\.csv\\z".into()
            )
        );
        assert_eq!(
            t("**/*.csv", "."),
            ("**/*.csv".into(), "\\A(?:[\\s\\S]*/)?[^/]*\\.csv\\z".into())
        );
        assert_eq!(t("in/**", ".").0, "in/**");
        assert_eq!(
            t("in/**/x[0-9a-f].c+", "a+b").0,
            "a\\+b/in/**/x[0-9a-f].c\\+"
        );
        assert_eq!(t("a**b/[x]\\*", ".").0, "a*b/x\\*");
        assert_eq!(
            t("in/{a,b*}.{csv,tsv}", "."),
            (
                "in/a.csv in/a.tsv in/b*.csv in/b*.tsv".into(),
                "\\A(?:in/a\\.csv|in/a\\.tsv|in/b[^/]*\\.csv|in/b[^/]*\\.tsv)\\z".into()
            )
        );
    }

    #[test]
    fn what_github_cannot_match_is_refused() {
        for glob in [
            "a?.csv",
            "{a,b/c}.csv",
            "{a,}.csv",
            "*{*,x}",
            "{a,{b}}",
            "[!a].csv",
            "[.].csv",
            "a//b",
            "**/**/x",
            "./a",
            "[a-Z]",
        ] {
            assert!(translate(glob, ".").is_err(), "{glob}");
        }
    }
}
