//! GitHub Actions expressions (`${{ … }}` and `if:`): a small parser, and
//! their translation into `.wf` expressions where one means the same.

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Ex {
    Path(Vec<String>),
    Str(String),
    Num(String),
    Bool(bool),
    Not(Box<Ex>),
    Bin(&'static str, Box<Ex>, Box<Ex>),
    Call(String, Vec<Ex>),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    Op(&'static str),
}

const OPS: [&str; 13] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", ",", ".",
];

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                let rest = s.get(j..).ok_or("unterminated string")?;
                let ch = rest.chars().next().ok_or("unterminated string")?;
                if ch == '\'' {
                    if rest[1..].starts_with('\'') {
                        text.push('\'');
                        j += 2;
                        continue;
                    }
                    j += 1;
                    break;
                }
                text.push(ch);
                j += ch.len_utf8();
            }
            out.push(Tok::Str(text));
            i = j;
        } else if c.is_ascii_digit() || (c == '-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let j = (i + 1..b.len())
                .find(|&j| !(b[j].is_ascii_digit() || b[j] == b'.'))
                .unwrap_or(b.len());
            out.push(Tok::Num(s[i..j].to_string()));
            i = j;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let j = (i + 1..b.len())
                .find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-'))
                .unwrap_or(b.len());
            out.push(Tok::Word(s[i..j].to_string()));
            i = j;
        } else if let Some(op) = OPS.iter().find(|op| s[i..].starts_with(**op)) {
            out.push(Tok::Op(op));
            i += op.len();
        } else {
            return Err(format!("`{c}` is not read here"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.toks.get(self.at), Some(Tok::Op(o)) if *o == op)
    }

    fn eat(&mut self, op: &str) -> bool {
        let yes = self.peek_op(op);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn binary(&mut self, level: usize) -> Result<Ex, String> {
        const LEVELS: [&[&str]; 4] = [&["||"], &["&&"], &["==", "!="], &["<", "<=", ">", ">="]];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = LEVELS[level].iter().find(|op| self.peek_op(op)) {
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = Ex::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Ex, String> {
        if self.eat("!") {
            return Ok(Ex::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.binary(0)?;
            return if self.eat(")") {
                Ok(e)
            } else {
                Err("`)` expected".into())
            };
        }
        let tok = self
            .toks
            .get(self.at)
            .cloned()
            .ok_or("an operand expected")?;
        self.at += 1;
        match tok {
            Tok::Str(s) => Ok(Ex::Str(s)),
            Tok::Num(n) => Ok(Ex::Num(n)),
            Tok::Word(w) if w == "true" || w == "false" => Ok(Ex::Bool(w == "true")),
            Tok::Word(w) if self.peek_op("(") => {
                self.at += 1;
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.binary(0)?);
                        if self.eat(")") {
                            break;
                        }
                        if !self.eat(",") {
                            return Err("`,` or `)` expected".into());
                        }
                    }
                }
                Ok(Ex::Call(w.to_ascii_lowercase(), args))
            }
            Tok::Word(w) => {
                let mut path = vec![w];
                while self.eat(".") {
                    match self.toks.get(self.at) {
                        Some(Tok::Word(w)) => path.push(w.clone()),
                        _ => return Err("a name expected after `.`".into()),
                    }
                    self.at += 1;
                }
                Ok(Ex::Path(path))
            }
            Tok::Op(o) => Err(format!("`{o}` is not read here")),
        }
    }
}

/// Parses an expression (without its `${{ }}`).
pub fn parse(s: &str) -> Result<Ex, String> {
    let mut p = Parser {
        toks: lex(s)?,
        at: 0,
    };
    let e = p.binary(0)?;
    if p.at != p.toks.len() {
        return Err("unexpected text after the expression".into());
    }
    Ok(e)
}

/// The text inside `${{ }}` if `s` is wholly one, else `s`.
pub fn unwrap(s: &str) -> &str {
    let t = s.trim();
    match t.strip_prefix("${{").and_then(|r| r.strip_suffix("}}")) {
        Some(inner) if !inner.contains("}}") => inner.trim(),
        _ => t,
    }
}

/// How a job or step ran, from the status functions of its `if:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `success()`, or none: after what it needs succeeded.
    Success,
    /// `always()`, `!cancelled()`: after what it needs ended, however.
    Always,
    /// `failure()`: when something it needs failed.
    Failure,
}

/// Splits the status functions off the top-level `&&` of a condition: the
/// status and what remains (`None`: nothing).
pub fn split_status(e: Ex) -> Result<(Status, Option<Ex>), String> {
    let mut parts = Vec::new();
    flatten_and(e, &mut parts);
    let mut status = Status::Success;
    let mut rest: Option<Ex> = None;
    for p in parts {
        let this = match &p {
            Ex::Call(f, a) if a.is_empty() && f == "success" => Some(Status::Success),
            Ex::Call(f, a) if a.is_empty() && f == "always" => Some(Status::Always),
            Ex::Call(f, a) if a.is_empty() && f == "failure" => Some(Status::Failure),
            Ex::Not(inner) if matches!(&**inner, Ex::Call(f, a) if a.is_empty() && f == "cancelled") => {
                Some(Status::Always)
            }
            _ => None,
        };
        match this {
            Some(s) if status == Status::Success => status = s,
            Some(Status::Success) => {}
            Some(_) => return Err("two status functions".into()),
            None => {
                if contains_call(&p, &["success", "always", "failure", "cancelled"]) {
                    return Err("a status function inside another expression".into());
                }
                rest = Some(match rest {
                    None => p,
                    Some(r) => Ex::Bin("&&", Box::new(r), Box::new(p)),
                })
            }
        }
    }
    Ok((status, rest))
}

fn flatten_and(e: Ex, out: &mut Vec<Ex>) {
    match e {
        Ex::Bin("&&", a, b) => {
            flatten_and(*a, out);
            flatten_and(*b, out);
        }
        e => out.push(e),
    }
}

fn contains_call(e: &Ex, names: &[&str]) -> bool {
    match e {
        Ex::Call(f, args) => {
            names.contains(&f.as_str()) || args.iter().any(|a| contains_call(a, names))
        }
        Ex::Not(a) => contains_call(a, names),
        Ex::Bin(_, a, b) => contains_call(a, names) || contains_call(b, names),
        _ => false,
    }
}

/// `e` as a `.wf` expression; `path` translates a context path (or says why not).
pub fn to_wf(
    e: &Ex,
    path: &mut dyn FnMut(&[String]) -> Result<String, String>,
) -> Result<String, String> {
    Ok(match e {
        Ex::Path(p) => path(p)?,
        Ex::Str(s) => crate::literal::string(s),
        Ex::Num(n) if n.parse::<f64>().is_ok() => n.clone(),
        Ex::Num(n) => return Err(format!("the number `{n}`")),
        Ex::Bool(b) => b.to_string(),
        Ex::Not(a) => format!("!({})", to_wf(a, path)?),
        Ex::Bin(op, a, b) => format!("({} {op} {})", to_wf(a, path)?, to_wf(b, path)?),
        Ex::Call(f, args) => {
            let wf = match (f.as_str(), args.len()) {
                ("startswith", 2) => "starts_with",
                ("endswith", 2) => "ends_with",
                ("contains", 2) => "contains",
                _ => return Err(format!("the function `{f}` with {} arguments", args.len())),
            };
            let args: Result<Vec<_>, _> = args.iter().map(|a| to_wf(a, path)).collect();
            format!("{wf}({})", args?.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wf(s: &str) -> Result<String, String> {
        let e = parse(unwrap(s))?;
        to_wf(&e, &mut |p| match p {
            [a, b] if a == "github" && b == "ref" => Ok("env(\"GITHUB_REF\")".into()),
            [a, b] if a == "matrix" => Ok(b.clone()),
            _ => Err(format!("`{}`", p.join("."))),
        })
    }

    #[test]
    fn conditions() {
        assert_eq!(
            wf("github.ref == 'refs/heads/main'").unwrap(),
            "(env(\"GITHUB_REF\") == \"refs/heads/main\")"
        );
        assert_eq!(
            wf("${{ startsWith(github.ref, 'refs/tags/') && matrix.target == 'x' }}").unwrap(),
            "(starts_with(env(\"GITHUB_REF\"), \"refs/tags/\") && (target == \"x\"))"
        );
        assert_eq!(
            wf("'it''s ${x}' == matrix.a").unwrap(),
            "(\"it's \\${x}\" == a)"
        );
        assert!(wf("steps.x.outputs.y == 'a'").is_err());
        assert!(wf("hashFiles('**/x')").is_err());
        let (s, rest) = split_status(parse("always() && github.ref == 'x'").unwrap()).unwrap();
        assert_eq!(s, Status::Always);
        assert!(rest.is_some());
        let (s, rest) = split_status(parse("failure()").unwrap()).unwrap();
        assert_eq!((s, rest), (Status::Failure, None));
        assert!(split_status(parse("failure() || always()").unwrap()).is_err());
    }
}
