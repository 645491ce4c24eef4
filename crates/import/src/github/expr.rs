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
    /// A `.wf` expression already: a context path translated, or what a
    /// status function stands for.
    Wf(String),
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

/// GitHub's functions of how earlier steps or jobs ended.
pub const STATUS_FNS: [&str; 4] = ["success", "always", "failure", "cancelled"];

/// The terms of the top-level `&&` of `e`.
pub fn flatten_and(e: Ex, out: &mut Vec<Ex>) {
    match e {
        Ex::Bin("&&", a, b) => {
            flatten_and(*a, out);
            flatten_and(*b, out);
        }
        e => out.push(e),
    }
}

/// Whether `e` calls a status function.
pub fn has_status(e: &Ex) -> bool {
    contains_call(e, &STATUS_FNS)
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

/// A context path as a `.wf` expression, `Ok(None)` to keep it for
/// [`resolve`], or why not.
pub type Binder<'a> = dyn FnMut(&[String]) -> Result<Option<String>, String> + 'a;

/// `e` with its context paths translated by `path`.
pub fn bind(e: &Ex, path: &mut Binder) -> Result<Ex, String> {
    Ok(match e {
        Ex::Path(p) => match path(p)? {
            Some(wf) => Ex::Wf(wf),
            None => e.clone(),
        },
        Ex::Not(a) => Ex::Not(Box::new(bind(a, path)?)),
        Ex::Bin(op, a, b) => Ex::Bin(op, Box::new(bind(a, path)?), Box::new(bind(b, path)?)),
        Ex::Call(f, args) => Ex::Call(
            f.clone(),
            args.iter()
                .map(|a| bind(a, path))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

/// What a condition reads of how earlier steps ended, as `.wf`: the
/// status functions, and the result of a job it needs.
pub trait Ended {
    /// `success()`, `failure()` or `always()`.
    fn status(&mut self, f: &str) -> Result<Ex, String>;
    /// `needs.JOB.result == RESULT` (`real`: the step's own outcome, the
    /// export's `needs.JOB.outputs.wfc-result || …`, not its job's).
    fn result(&mut self, job: &str, result: &str, real: bool) -> Result<Ex, String>;
}

/// `e` with what it reads of how steps ended resolved by `ended`, folded
/// where a status function gave `true` or `false`. `!cancelled()` is
/// `true`: a run that is cancelled starts no new step (but an `after` one:
/// docs/import.md says so); `cancelled()` has no `.wf` equivalent.
pub fn resolve(e: &Ex, ended: &mut dyn Ended) -> Result<Ex, String> {
    let out = match e {
        Ex::Call(f, a) if a.is_empty() && f == "cancelled" => {
            return Err("`cancelled()`: a `.wf` step cannot tell that the run was cancelled".into())
        }
        Ex::Not(inner) if matches!(&**inner, Ex::Call(f, a) if a.is_empty() && f == "cancelled") => {
            Ex::Bool(true)
        }
        Ex::Call(f, a) if a.is_empty() && STATUS_FNS.contains(&f.as_str()) => ended.status(f)?,
        Ex::Bin(op @ ("==" | "!="), a, b)
            if result_read(a).is_some() || result_read(b).is_some() =>
        {
            let (read, lit) = match (result_read(a), &**b, result_read(b), &**a) {
                (Some(r), Ex::Str(lit), _, _) | (_, _, Some(r), Ex::Str(lit)) => (r, lit),
                _ => {
                    return Err(
                        "a job's `result` compared with something else than a string".into(),
                    )
                }
            };
            let is = ended.result(read.0, &lit.to_ascii_lowercase(), read.1)?;
            match *op {
                "==" => is,
                _ => not(is),
            }
        }
        // The export's `contains(fromJSON('["success","skipped"]'), RESULT)`.
        Ex::Call(f, args) if f == "contains" && args.len() == 2 => match result_read(&args[1]) {
            Some((job, real)) => {
                let list = match &args[0] {
                    Ex::Call(j, x) if j == "fromjson" && x.len() == 1 => match &x[0] {
                        Ex::Str(json) => serde_json::from_str::<Vec<String>>(json).ok(),
                        _ => None,
                    },
                    _ => None,
                };
                let list = list.ok_or("`contains` over a job's `result` and no list of results")?;
                let mut any = Ex::Bool(false);
                for r in list {
                    any = or(any, ended.result(job, &r.to_ascii_lowercase(), real)?);
                }
                any
            }
            None => Ex::Call(
                f.clone(),
                args.iter()
                    .map(|a| resolve(a, ended))
                    .collect::<Result<_, _>>()?,
            ),
        },
        Ex::Path(p) if p.first().is_some_and(|x| x == "needs") => {
            return Err(format!(
                "`{}` read otherwise than compared with a result",
                p.join(".")
            ))
        }
        Ex::Not(a) => not(resolve(a, ended)?),
        Ex::Bin("&&", a, b) => and(resolve(a, ended)?, resolve(b, ended)?),
        Ex::Bin("||", a, b) => or(resolve(a, ended)?, resolve(b, ended)?),
        Ex::Bin(op, a, b) => Ex::Bin(
            op,
            Box::new(resolve(a, ended)?),
            Box::new(resolve(b, ended)?),
        ),
        Ex::Call(f, args) => Ex::Call(
            f.clone(),
            args.iter()
                .map(|a| resolve(a, ended))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    };
    Ok(out)
}

/// The job whose result `e` reads (`needs.J.result`), and whether it is
/// the step's own outcome (`needs.J.outputs.wfc-result || needs.J.result`,
/// wfc's export of an `optional` step's).
fn result_read(e: &Ex) -> Option<(&str, bool)> {
    fn job<'e>(p: &'e Ex, tail: &[&str]) -> Option<&'e str> {
        match p {
            Ex::Path(p) if p.len() == 2 + tail.len() && p[0] == "needs" && p[2..] == *tail => {
                Some(p[1].as_str())
            }
            _ => None,
        }
    }
    match e {
        Ex::Bin("||", a, b) => {
            let j = job(a, &["outputs", "wfc-result"])?;
            (job(b, &["result"]) == Some(j)).then_some((j, true))
        }
        e => job(e, &["result"]).map(|j| (j, false)),
    }
}

fn not(e: Ex) -> Ex {
    match e {
        Ex::Bool(b) => Ex::Bool(!b),
        e => Ex::Not(Box::new(e)),
    }
}

/// `a && b`, folded.
pub fn and(a: Ex, b: Ex) -> Ex {
    match (a, b) {
        (Ex::Bool(true), x) | (x, Ex::Bool(true)) => x,
        (Ex::Bool(false), _) | (_, Ex::Bool(false)) => Ex::Bool(false),
        (a, b) => Ex::Bin("&&", Box::new(a), Box::new(b)),
    }
}

fn or(a: Ex, b: Ex) -> Ex {
    match (a, b) {
        (Ex::Bool(false), x) | (x, Ex::Bool(false)) => x,
        (Ex::Bool(true), _) | (_, Ex::Bool(true)) => Ex::Bool(true),
        (a, b) => Ex::Bin("||", Box::new(a), Box::new(b)),
    }
}

/// In a comparison of `fromJSON(TEXT)` with a number: TEXT, the number,
/// and whether the number is on the left.
fn number_of_text<'e>(a: &'e Ex, b: &'e Ex) -> Option<(&'e Ex, &'e Ex, bool)> {
    let text = |e: &'e Ex| match e {
        Ex::Call(f, args) if f == "fromjson" && args.len() == 1 => Some(&args[0]),
        _ => None,
    };
    match (text(a), b, text(b), a) {
        (Some(t), Ex::Num(_), _, _) => Some((t, b, false)),
        (_, _, Some(t), Ex::Num(_)) => Some((t, a, true)),
        _ => None,
    }
}

/// `e` as a `.wf` expression; `path` translates a context path (or says why not).
pub fn to_wf(
    e: &Ex,
    path: &mut dyn FnMut(&[String]) -> Result<String, String>,
) -> Result<String, String> {
    Ok(match e {
        Ex::Path(p) => path(p)?,
        Ex::Wf(wf) => wf.clone(),
        Ex::Str(s) => crate::literal::string(s),
        Ex::Num(n) if n.parse::<f64>().is_ok() => n.clone(),
        Ex::Num(n) => return Err(format!("the number `{n}`")),
        Ex::Bool(b) => b.to_string(),
        Ex::Not(a) => format!("!({})", to_wf(a, path)?),
        // `fromJSON(x) >= 80`: the text `x` read as a number.
        Ex::Bin(op @ ("==" | "!=" | "<" | "<=" | ">" | ">="), a, b)
            if number_of_text(a, b).is_some() =>
        {
            let (text, n, flipped) = number_of_text(a, b).unwrap_or((a, b, false));
            let x = format!("float({})", to_wf(text, path)?);
            let n = to_wf(n, path)?;
            match flipped {
                false => format!("({x} {op} {n})"),
                true => format!("({n} {op} {x})"),
            }
        }
        Ex::Bin(op, a, b) => format!("({} {op} {})", to_wf(a, path)?, to_wf(b, path)?),
        Ex::Call(f, args) => {
            let wf = match (f.as_str(), args.len()) {
                ("startswith", 2) => "starts_with",
                ("endswith", 2) => "ends_with",
                ("contains", 2) => "contains",
                // `fromJSON(needs.decide.outputs.go)`: the text read as JSON
                // (what `wfc export` writes for a `bool` output's condition).
                ("fromjson", 1) => "json",
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
        // What `wfc export` writes for a `bool` output's condition.
        assert_eq!(wf("${{ fromJSON(matrix.go) }}").unwrap(), "json(go)");
        assert!(wf("steps.x.outputs.y == 'a'").is_err());
        assert!(wf("hashFiles('**/x')").is_err());
        // (`^` is not read: the term is refused, the rest kept.)
        assert!(parse("a ^ b").is_err());
    }

    /// Status functions over two steps before, `a` and a loop's `b`.
    struct Two;
    impl Ended for Two {
        fn status(&mut self, f: &str) -> Result<Ex, String> {
            Ok(match f {
                "failure" => Ex::Wf("F".into()),
                "success" => Ex::Wf("S".into()),
                _ => Ex::Bool(true),
            })
        }
        fn result(&mut self, job: &str, result: &str, real: bool) -> Result<Ex, String> {
            Ok(Ex::Wf(format!("{job}:{result}:{real}")))
        }
    }

    fn resolved(s: &str) -> Result<String, String> {
        let e = resolve(&parse(unwrap(s))?, &mut Two)?;
        to_wf(&e, &mut |p| Ok(p.join(".")))
    }

    #[test]
    fn status_functions_resolve_and_fold() {
        assert_eq!(resolved("failure()").unwrap(), "F");
        assert_eq!(resolved("always() && x == 'a'").unwrap(), "(x == \"a\")");
        assert_eq!(resolved("always() || x == 'a'").unwrap(), "true");
        assert_eq!(resolved("!cancelled()").unwrap(), "true");
        assert_eq!(resolved("failure() || success()").unwrap(), "(F || S)");
        assert!(resolved("cancelled()").is_err());
        assert!(resolved("failure() && cancelled()").is_err());
        assert_eq!(
            resolved("needs.a.result != 'Failure'").unwrap(),
            "!(a:failure:false)"
        );
        assert_eq!(
            resolved(
                "contains(fromJSON('[\"success\",\"skipped\"]'), (needs.a.outputs.wfc-result || needs.a.result))"
            )
            .unwrap(),
            "(a:success:true || a:skipped:true)"
        );
        assert!(resolved("needs.a.result").is_err());
        assert_eq!(
            resolved("fromJSON(t.outputs.n) >= 80").unwrap(),
            "(float(t.outputs.n) >= 80)"
        );
    }
}
