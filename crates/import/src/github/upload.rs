//! `actions/upload-artifact` as the `artifacts` of the step before it:
//! each `path` line a glob (a folder's files at any depth), its `${{ }}`
//! values interpolated as in any value, relative to the step's `workdir`
//! as a `.wf` step's globs are (GitHub's, to the repository); the
//! artifact's `name` a `.wf` name, without its expressions: a loop's
//! iterations keep their files apart by themselves (`test[linux]`), where
//! GitHub needs `junit-${{ matrix.os }}`.

use super::text::{self, Scope};
use super::Ctx;
use crate::literal::{self, Piece, Text};
use crate::model::Step;
use crate::names;
use marked_yaml::Node;

/// The upload `name`/`path` (as written) after `last`; `node`: the upload step.
pub(super) fn upload(
    ctx: &mut Ctx,
    scope: &Scope,
    last: &mut Step,
    (name, path, optional): (String, String, bool),
    node: &Node,
) {
    let plain = text::without_expressions(&name);
    let base = match names::ident(&plain).as_str() {
        "unnamed" => "artifact".to_string(),
        n => n.to_string(),
    };
    if plain != name {
        ctx.warn.node("W0906", node, format!("the artifact `{name}` is `{base}`: a `.wf` artifact's name is a name, not a value; each step (each iteration of a loop) keeps its own"));
    }
    let mut globs = Vec::new();
    for line in path.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let outside = line.starts_with(['/', '~']) || line.split('/').any(|p| p == "..");
        if line.starts_with('!') || outside {
            let why = match outside {
                true => "is outside the step's folder, where a `.wf` step keeps files",
                false => "excludes files: they are kept too",
            };
            ctx.warn.node(
                "W0900",
                node,
                format!("the upload's path `{line}` {why}; it is left out"),
            );
            continue;
        }
        let glob = text::value(ctx, scope, &glob_of(line), node);
        match &last.workdir {
            None => globs.push(glob),
            Some(dir) => match under(&glob, dir) {
                Some(rel) => globs.push(rel),
                None => ctx.warn.node("W0900", node, format!("the upload's path `{line}` is outside the step's `workdir` {}, where a `.wf` step keeps files; it is left out", literal::quoted(dir))),
            },
        }
    }
    for (i, glob) in globs.into_iter().enumerate() {
        let wanted = match i {
            0 => base.clone(),
            n => format!("{base}-{}", n + 1),
        };
        // Unique among the step's artifacts (two uploads of one name).
        let mut key = wanted.clone();
        let mut n = 2;
        while last.artifacts.iter().any(|(k, _, _)| *k == key) {
            key = format!("{wanted}-{n}");
            n += 1;
        }
        last.artifacts.push((key, glob, optional));
    }
}

/// An uploaded path as a glob: a folder's files at any depth; a path that
/// may be a file or a folder (no extension), either.
fn glob_of(path: &str) -> String {
    let folder = path.ends_with('/');
    let p = path.trim_start_matches("./").trim_end_matches('/');
    let (head, last) = match p.rsplit_once('/') {
        Some((h, l)) => (format!("{h}/"), l),
        None => (String::new(), p),
    };
    if p.is_empty() || p == "." {
        "**/*".into()
    } else if folder {
        format!("{p}/**/*")
    } else if bare(p).contains(['*', '?', '[', '{']) || bare(last).contains('.') {
        // A glob, or a file's path, as it is.
        p.to_string()
    } else {
        format!("{head}{{{last},{last}/**/*}}")
    }
}

/// `glob` relative to the folder `dir` it is under (both relative to the
/// repository), if it is.
fn under(glob: &Text, dir: &Text) -> Option<Text> {
    let dir: Vec<Piece> = match dir.0.as_slice() {
        [rest @ .., Piece::Text(t)] => {
            let t = t.trim_start_matches("./").trim_end_matches('/');
            let mut d = rest.to_vec();
            d.extend((!t.is_empty()).then(|| Piece::Text(format!("{t}/"))));
            d
        }
        d => {
            let mut d = d.to_vec();
            d.push(Piece::Text("/".into()));
            d
        }
    };
    let mut pieces = glob.0.clone();
    if let Some(Piece::Text(t)) = pieces.first_mut() {
        *t = t.trim_start_matches("./").to_string();
    }
    let mut rest = pieces.into_iter();
    let mut out = Text::default();
    for (i, d) in dir.iter().enumerate() {
        let p = rest.next()?;
        match (d, p) {
            (Piece::Text(d), Piece::Text(p)) if i + 1 == dir.len() => {
                out.push_text(p.strip_prefix(d.as_str())?)
            }
            (d, p) if *d == p => {}
            _ => return None,
        }
    }
    for p in rest {
        match p {
            Piece::Text(t) => out.push_text(&t),
            Piece::Expr(e) => out.push_expr(e),
        }
    }
    Some(out)
}

fn bare(s: &str) -> String {
    text::without_expressions(s)
}

/// An artifact of wfc's export: its glob as the export wrote it.
pub(super) fn kept(last: &mut Step, name: &str, glob: String, optional: bool) {
    last.artifacts
        .push((names::ident(name), Text::plain(&glob), optional));
}

#[cfg(test)]
mod tests {
    use super::glob_of;

    #[test]
    fn paths_as_globs() {
        assert_eq!(glob_of("dist/"), "dist/**/*");
        assert_eq!(glob_of("./junit.xml"), "junit.xml");
        assert_eq!(
            glob_of("target/release/app"),
            "target/release/{app,app/**/*}"
        );
        assert_eq!(glob_of("out/*.tgz"), "out/*.tgz");
        assert_eq!(glob_of("."), "**/*");
        assert_eq!(
            glob_of("out/${{ matrix.os }}/app"),
            "out/${{ matrix.os }}/{app,app/**/*}"
        );
    }
}
