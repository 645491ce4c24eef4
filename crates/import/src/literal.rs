//! `.wf` string literals for imported text: values are always literals
//! (escaped, never code), and `${…}` appears only where the importer puts
//! an expression of its own ([`Piece::Expr`]).

/// A piece of a string: text as it is, or a `.wf` expression to interpolate.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    Text(String),
    Expr(String),
}

/// Text with interpolations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Text(pub Vec<Piece>);

impl Text {
    pub fn plain(s: &str) -> Text {
        Text(vec![Piece::Text(s.to_string())])
    }

    pub fn push_text(&mut self, s: &str) {
        if let Some(Piece::Text(t)) = self.0.last_mut() {
            t.push_str(s);
        } else if !s.is_empty() {
            self.0.push(Piece::Text(s.to_string()));
        }
    }

    pub fn push_expr(&mut self, e: String) {
        self.0.push(Piece::Expr(e));
    }
}

/// `s` as a one-line `"…"` literal that reads back as exactly `s`.
pub fn string(s: &str) -> String {
    quoted(&Text::plain(s))
}

/// `text` as a literal: a `"""` block indented by `indent` when it spans
/// lines and reads back exactly so, else one `"…"` line with escapes.
pub fn literal(text: &Text, indent: &str) -> String {
    match block(text, indent) {
        Some(b) => b,
        None => quoted(text),
    }
}

/// `text` as one `"…"` line, escapes for line breaks.
pub fn quoted(text: &Text) -> String {
    let mut out = String::from("\"");
    for p in &text.0 {
        match p {
            Piece::Expr(e) => {
                out.push_str("${");
                out.push_str(e);
                out.push('}');
            }
            Piece::Text(t) => {
                let mut chars = t.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        // `${` would interpolate: the text is never code.
                        '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        '\0' => out.push_str("\\0"),
                        c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out.push('"');
    out
}

/// The `"""` form, when it reads back exactly: a `"""` block has only the
/// escape `\$` and removes the lines' common indentation, so text holding
/// `"""` or `\$`, or whose lines share an indentation, or ending without a
/// line break, keeps the one-line form.
fn block(text: &Text, indent: &str) -> Option<String> {
    let mut body = String::new();
    for p in &text.0 {
        match p {
            Piece::Text(t) => {
                if t.contains("\"\"\"") || t.contains("\\$") || t.contains('\r') {
                    return None;
                }
                body.push_str(&t.replace("${", "\\${"));
            }
            Piece::Expr(e) => {
                body.push_str("${");
                body.push_str(e);
                body.push('}');
            }
        }
    }
    let body = body.strip_suffix('\n')?;
    if !body.contains('\n') || body.ends_with('"') || body.ends_with('\\') {
        return None;
    }
    let lines: Vec<&str> = body.split('\n').collect();
    let shared = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    // A first or last blank line would be dropped; a shared indentation removed.
    if shared > 0
        || lines[0].trim().is_empty()
        || lines.iter().any(|l| l.trim().is_empty() && !l.is_empty())
    {
        return None;
    }
    let mut out = String::from("\"\"\"\n");
    for l in lines {
        if !l.is_empty() {
            out.push_str(indent);
            out.push_str(l);
        }
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str("\"\"\"");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the language's parser reads from `lit` as a `run` command.
    fn read_back(lit: &str) -> String {
        let src = format!("workflow w {{\n  step s: shell {{\n    run {lit}\n  }}\n}}\n");
        let parsed = wfc_language::syntax::parse(&src);
        let file = parsed.file.expect("parses");
        let checked = wfc_language::check::check(file.first());
        let ir = &checked.ir;
        let step = &ir.steps[0];
        let run = step.fields.iter().find(|f| f.name == "run").expect("run");
        match &run.value {
            wfc_language::ir::FieldValue::Expr(e) => e.as_str().expect("plain text").to_string(),
            _ => panic!("not an expression"),
        }
    }

    #[test]
    fn literals_read_back_as_the_text() {
        for s in [
            "echo hi",
            "echo \"$HOME\" ${HOME} \\$x 'a\\nb'",
            "set -e\ncargo build\nfor s in a b; do\n  echo \"${s}\"\ndone\n",
            "  indented\n  both\n",
            "a\n\nb\n",
            "x\\$y\nz\n",
            "tab\there\n\tand\n",
            "quotes \"\"\" inside\nline\n",
            "no newline at end\nsecond",
            "ends in quote\n\"\n",
        ] {
            let text = Text::plain(s);
            let lit = literal(&text, "    ");
            let want = s
                .strip_suffix('\n')
                .filter(|_| lit.starts_with("\"\"\""))
                .unwrap_or(s);
            assert_eq!(read_back(&lit), want, "literal: {lit}");
        }
    }
}
