//! A `.wf` expression computed while the exported workflow runs, by `jq`.
//!
//! Neither GitHub's expressions nor Argo's templates can compute
//! `json(x.stdout).primary`, `len(train.outputs.accuracy)` or a `json`
//! body over outputs. Both targets can run `jq` (GitHub's runners have it;
//! Argo gets a pinned image), so the export writes such an expression as a
//! jq program, built here from the checked expression, never from a value:
//! every value only the run knows (an output, a status, a param as the run
//! gives it) is an environment variable the program reads (`$ENV.WF_IN_N`),
//! and every value known at export a JSON literal. jq's numbers are
//! doubles, so an int beyond 2^53 loses digits, and `lower`/`upper` change
//! ASCII letters only; everything else is computed as `wfc run` does,
//! errors included (`index 3 is out of range`, `division by zero`).

use wfc_language::diag::Diagnostic;
use wfc_language::ir::{BinaryOp, Expr, ExprKind, Func, InterpPart, Type, UnaryOp};
use wfc_plan::Value;

/// The definitions every program starts with.
const PRELUDE: &str = r#"def wfc_sorted: walk(if type == "object" then to_entries | sort_by(.key) | from_entries else . end);
def wfc_text($float): if . == null then error("an interpolated value has no value") elif type == "string" then . elif type == "number" then (if $float and . == floor and fabs < 1e15 then "\(.).0" else tostring end) elif type == "boolean" then tostring else wfc_sorted | tojson end;
def wfc_at($i; $lenient): if type == "array" then (if ($i|type) != "number" or $i < 0 or $i >= length then error("index \($i) is out of range (the list has \(length) elements)") else .[$i] end) elif type == "object" then (if has($i) or $lenient then .[$i] else error("the map has no key \($i|tojson)") end) elif . == null then null else error("cannot index a \(type)") end;
def wfc_div($a; $b): if $b == 0 then error("division by zero") else $a / $b | if . < 0 then ceil else floor end end;
def wfc_fdiv($a; $b): if $b == 0 then error("division by zero") else $a / $b end;
def wfc_unique: reduce .[] as $x ([]; if any(.[]; . == $x) then . else . + [$x] end);
def wfc_trim: sub("\\A\\s+"; "") | sub("\\s+\\z"; "");
def wfc_bool: if type == "boolean" then . else error("expected a bool, found \(type)") end;
def wfc_order: if (.[0] | type) == (.[1] | type) and ((.[0] | type) == "number" or (.[0] | type) == "string") then . else error("cannot order \(.[0] | type) and \(.[1] | type)") end;
def wfc_nums: if (.[0] | type) == "number" and (.[1] | type) == "number" then . else error("cannot compute with \(.[0] | type) and \(.[1] | type)") end;
def wfc_add: if (.[0] | type) == (.[1] | type) and ((.[0] | type) == "string" or (.[0] | type) == "array") then . else wfc_nums end;
def wfc_typed($what; $ty): . as $t | def fail($why): error("\($what): \($why), given \($t | tojson)"); def one($k): if $k == "int" then (if test("\\A[+-]?[0-9]+\\z") then sub("\\A\\+"; "") | sub("\\A(?<s>-?)0+(?<d>[0-9])"; "\(.s)\(.d)") else fail("not a whole number") end) elif $k == "float" then (if test("\\A[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?\\z") then tonumber | wfc_text(true) else fail("not a number") end) elif $k == "bool" then (if . == "true" or . == "false" then . else fail("not `true` or `false`") end) else . end; def item($k): if $k == "string" then (if type == "string" then . else fail("an item is not a string") end) elif $k == "int" then (if type == "number" and . == floor then . else fail("an item is not a whole number") end) elif $k == "float" then (if type == "number" then . else fail("an item is not a number") end) elif $k == "bool" then (if type == "boolean" then . else fail("an item is not a bool") end) else . end; wfc_trim as $s | if ($ty | type) != "array" then ($s | one($ty)) elif $s == "" then "[]" elif ($s | startswith("[")) then ([try ($s | fromjson) catch null][0] | if type == "array" then map(item($ty[0])) | wfc_text(false) else fail("not a JSON list") end) else $s | split(",") | map(wfc_trim | if $ty[0] == "string" or $ty[0] == "any" then . else one($ty[0]) | fromjson end) | wfc_text(false) end;
"#;

/// A part of an expression as the target gives it.
pub enum Leaf {
    /// Known at export: a JSON literal in the program.
    Known(Value),
    /// The target's text of a value only the run knows
    /// (`${{ needs.x.outputs.y }}`, `{{tasks.x.outputs.parameters.y}}`).
    Input(String),
    /// One leaf per instance: a loop's step read from outside.
    Inputs(Vec<Leaf>),
    /// Such a text in the target's own words, and the jq filter turning it
    /// into wfc's value (Argo's `Succeeded` as `"succeeded"`).
    Mapped(String, &'static str),
    /// A variable the program itself binds (`$wfc_changed`).
    Var(&'static str),
}

/// What a target tells the translation.
pub trait Leaves {
    /// `e` as a leaf, or `None` to compute it from its parts.
    fn leaf(&self, e: &Expr) -> Option<Result<Leaf, Diagnostic>>;
    /// The target's error for a part jq is not given.
    fn refuse(&self, e: &Expr, what: &str) -> Diagnostic;
}

/// One program being built, and the environment it reads.
#[derive(Default)]
pub struct Jq {
    /// `(variable, target text)`, in first-read order.
    pub inputs: Vec<(String, String)>,
    /// Inside `default(…)`'s first argument: a missing key is `null`.
    lenient: bool,
}

impl Jq {
    /// A filter giving `e` as JSON text, keys sorted as `wfc run` sends a
    /// `json` body.
    pub fn json(&mut self, l: &dyn Leaves, e: &Expr) -> Result<String, Diagnostic> {
        Ok(format!("({} | wfc_sorted | tojson)", self.value(l, e)?))
    }

    /// The input variable holding `text` (one per distinct text).
    fn input(&mut self, text: String, ty: &Type) -> String {
        let var = match self.inputs.iter().find(|(_, t)| *t == text) {
            Some((v, _)) => v.clone(),
            None => {
                let v = format!("WF_IN_{}", self.inputs.len() + 1);
                self.inputs.push((v.clone(), text));
                v
            }
        };
        // Text stays text; anything else travels as its JSON (absent: "").
        match ty {
            Type::String | Type::Duration | Type::Time => format!("$ENV.{var}"),
            _ => format!("($ENV.{var} | if . == \"\" then null else fromjson end)"),
        }
    }

    /// A leaf of type `ty` as a filter.
    fn leaf(&mut self, leaf: Leaf, ty: &Type) -> String {
        match leaf {
            Leaf::Known(v) => literal(&v),
            Leaf::Input(t) => self.input(t, ty),
            Leaf::Mapped(t, filter) => format!("({} | {filter})", self.input(t, &Type::String)),
            Leaf::Var(v) => v.to_string(),
            Leaf::Inputs(items) => {
                let item = match ty {
                    Type::List(t) => (**t).clone(),
                    _ => Type::Json,
                };
                let xs: Vec<String> = items.into_iter().map(|x| self.leaf(x, &item)).collect();
                format!("[{}]", xs.join(", "))
            }
        }
    }

    /// A filter (over no input) giving `e`'s value.
    pub fn value(&mut self, l: &dyn Leaves, e: &Expr) -> Result<String, Diagnostic> {
        if let Some(leaf) = l.leaf(e) {
            return Ok(self.leaf(leaf?, &e.ty));
        }
        // Only the member `default(…)` reads is lenient: a missing one
        // before it is an error, as in wfc (`eval::missing_key`).
        let lenient = std::mem::replace(&mut self.lenient, false);
        let mut v = |x: &Expr| self.value(l, x);
        Ok(match &e.kind {
            ExprKind::Str(s) => json_str(s),
            ExprKind::Int(n) => n.to_string(),
            ExprKind::Float(f) => format!("{f:?}"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::List(xs) => {
                let items = xs.iter().map(v).collect::<Result<Vec<_>, _>>()?;
                format!("[{}]", items.join(", "))
            }
            ExprKind::Map(m) => {
                let mut items = Vec::new();
                for (k, x) in m {
                    items.push(format!("{}: ({})", json_str(k), self.value(l, x)?));
                }
                format!("{{{}}}", items.join(", "))
            }
            ExprKind::Interp(parts) => {
                let mut out = Vec::new();
                for p in parts {
                    out.push(match p {
                        InterpPart::Text(t) => json_str(t),
                        InterpPart::Expr(x) => self.text(l, x)?,
                    });
                }
                if out.is_empty() {
                    "\"\"".into()
                } else {
                    format!("({})", out.join(" + "))
                }
            }
            ExprKind::Cond(c, a, b) => {
                let c = bool_of(v(c)?, &c.ty);
                format!("(if {c} then {} else {} end)", v(a)?, v(b)?)
            }
            ExprKind::Unary(UnaryOp::Not, x) => format!("({} | not)", bool_of(v(x)?, &x.ty)),
            ExprKind::Unary(UnaryOp::Neg, x) if numeric(&x.ty) => format!("(0 - {})", v(x)?),
            ExprKind::Binary(op, a, b) => self.binary(l, e, *op, a, b)?,
            ExprKind::Index(b, i) => {
                format!("({} | wfc_at({}; {lenient}))", v(b)?, v(i)?)
            }
            ExprKind::Field(b, name) => {
                format!("({} | wfc_at({}; {lenient}))", v(b)?, json_str(name))
            }
            ExprKind::Call(f, args) => self.call(l, e, *f, args)?,
            ExprKind::Comprehension(c) if matches!(c.source.ty, Type::List(_)) => {
                let var = format!("$wfc_c{}", c.var.id);
                let filter = match &c.filter {
                    Some(f) => format!(" | select({})", v(f)?),
                    None => String::new(),
                };
                format!("[{}[] as {var}{filter} | {}]", v(&c.source)?, v(&c.elem)?)
            }
            ExprKind::CompVar(var) => format!("$wfc_c{}", var.id),
            _ => return Err(l.refuse(e, "this value")),
        })
    }

    /// A filter giving `e`'s text, as `${e}` puts it into a string.
    pub fn text(&mut self, l: &dyn Leaves, e: &Expr) -> Result<String, Diagnostic> {
        let float = matches!(e.ty, Type::Float);
        Ok(format!("({} | wfc_text({float}))", self.value(l, e)?))
    }

    fn binary(
        &mut self,
        l: &dyn Leaves,
        e: &Expr,
        op: BinaryOp,
        a: &Expr,
        b: &Expr,
    ) -> Result<String, Diagnostic> {
        use BinaryOp::*;
        // Durations and times are text to jq: no arithmetic or order.
        let timed = |x: &Expr| matches!(x.ty, Type::Duration | Type::Time);
        if !matches!(op, Eq | Ne | And | Or | In) && (timed(a) || timed(b)) {
            return Err(l.refuse(e, "arithmetic or order over durations or times"));
        }
        let (x, y) = (self.value(l, a)?, self.value(l, b)?);
        let ints = matches!(a.ty, Type::Int) && matches!(b.ty, Type::Int);
        // A `json` value's type is known only at run time: where `wfc run`
        // fails on another type, so does the program (jq would order any
        // two values, add `null`, take any value as a truth).
        let dynamic = dynamic(&a.ty) || dynamic(&b.ty);
        let (x, y) = match op {
            And | Or => (bool_of(x, &a.ty), bool_of(y, &b.ty)),
            _ => (x, y),
        };
        let check = |f: &str| format!("([{x}, {y}] | {f} | .[0] {} .[1])", op.symbol());
        Ok(match op {
            And => format!("({x} and {y})"),
            Or => format!("({x} or {y})"),
            Lt | Le | Gt | Ge if dynamic => check("wfc_order"),
            Add if dynamic => check("wfc_add"),
            Sub | Mul if dynamic => check("wfc_nums"),
            Eq | Ne | Lt | Le | Gt | Ge | Add | Sub | Mul => format!("({x} {} {y})", op.symbol()),
            Div if ints => format!("wfc_div({x}; {y})"),
            Div if dynamic => format!("([{x}, {y}] | wfc_nums | wfc_fdiv(.[0]; .[1]))"),
            Div => format!("wfc_fdiv({x}; {y})"),
            Rem if ints => format!("(({y}) as $wfc_d | if $wfc_d == 0 then error(\"division by zero\") else ({x}) % $wfc_d end)"),
            Rem => return Err(l.refuse(e, "`%` over floats")),
            In => match &b.ty {
                Type::List(_) => format!("(({x}) as $wfc_x | any({y}[]; . == $wfc_x))"),
                Type::Map(_) => format!("({y} | has({x}))"),
                Type::String => format!("({y} | contains({x}))"),
                _ => return Err(l.refuse(e, "`in` over this value")),
            },
            Is => return Err(l.refuse(e, "`error is CLASS` (a failed attempt's class)")),
        })
    }

    fn call(
        &mut self,
        l: &dyn Leaves,
        e: &Expr,
        f: Func,
        args: &[Expr],
    ) -> Result<String, Diagnostic> {
        if f == Func::Default {
            let [x, y] = args else {
                return Err(l.refuse(e, "this call"));
            };
            let lenient = std::mem::replace(&mut self.lenient, true);
            let x = self.value(l, x);
            self.lenient = lenient;
            return Ok(format!(
                "({} as $wfc_d | if $wfc_d == null then {} else $wfc_d end)",
                x?,
                self.value(l, y)?
            ));
        }
        let mut vs = Vec::with_capacity(args.len());
        for a in args {
            vs.push(self.value(l, a)?);
        }
        let arg = |i: usize| vs.get(i).cloned().unwrap_or_else(|| "null".into());
        let text = |i: usize| format!("({} | wfc_text(false))", arg(i));
        let first = args.first().map(|a| &a.ty);
        Ok(match f {
            Func::Len => format!("({} | length)", arg(0)),
            Func::Contains if matches!(first, Some(Type::List(_))) => {
                format!("(({}) as $wfc_x | any({}[]; . == $wfc_x))", arg(1), arg(0))
            }
            Func::Contains => format!("({} | contains({}))", text(0), text(1)),
            Func::Lower => format!("({} | ascii_downcase)", text(0)),
            Func::Upper => format!("({} | ascii_upcase)", text(0)),
            Func::Trim => format!("({} | wfc_trim)", text(0)),
            Func::Json => format!("({} | fromjson)", text(0)),
            Func::Join => format!(
                "({} as $wfc_s | [{}[] | wfc_text(false)] | join($wfc_s))",
                text(1),
                arg(0)
            ),
            Func::StartsWith => format!("({} | startswith({}))", text(0), text(1)),
            Func::EndsWith => format!("({} | endswith({}))", text(0), text(1)),
            Func::Split => format!(
                "({} as $wfc_p | {} | if $wfc_p == \"\" then error(\"split(): the separator is empty\") elif . == \"\" then [\"\"] else split($wfc_p) end)",
                text(1),
                text(0)
            ),
            Func::Replace => format!(
                "({} as $wfc_a | {} as $wfc_b | {} | if $wfc_a == \"\" then error(\"replace(): the text to replace is empty\") else split($wfc_a) | join($wfc_b) end)",
                text(1),
                text(2),
                text(0)
            ),
            Func::Slice => format!("({} | .[{}:{}])", arg(0), arg(1), arg(2)),
            Func::Range => format!("[range({}; {})]", arg(0), arg(1)),
            Func::Keys => format!("({} | keys_unsorted)", arg(0)),
            Func::Values => format!("[{}[]]", arg(0)),
            Func::Coalesce => format!("([{}] | map(select(. != null)) | .[0])", vs.join(", ")),
            Func::String => format!(
                "({} | if . == null then error(\"string(): the value does not exist\") else wfc_text({}) end)",
                arg(0),
                matches!(first, Some(Type::Float))
            ),
            Func::Int => format!(
                "({} | if type == \"string\" then (try (wfc_trim | tonumber) catch error(\"int(): the text is not a whole number\")) | if . != floor then error(\"int(): the text is not a whole number\") else . end elif . < 0 then ceil else floor end)",
                arg(0)
            ),
            Func::Float => format!(
                "({} | if type == \"string\" then (try tonumber catch error(\"float(): the text is not a number\")) else . end)",
                arg(0)
            ),
            Func::Matches => format!("({} | test({}))", text(0), text(1)),
            Func::Flatten => format!("({} | flatten(1))", arg(0)),
            Func::Any => format!("({} | any)", arg(0)),
            Func::All => format!("({} | all)", arg(0)),
            Func::Sum => format!("({} | add // 0)", arg(0)),
            Func::Min | Func::Max => {
                let name = if f == Func::Min { "min" } else { "max" };
                format!("({} | if length == 0 then error(\"{name}() of an empty list\") else {name} end)", arg(0))
            }
            Func::Sort => format!("({} | sort)", arg(0)),
            Func::Unique => format!("({} | wfc_unique)", arg(0)),
            Func::Count => format!(
                "(({}) as $wfc_x | [{}[] | select(. == $wfc_x)] | length)",
                arg(1),
                arg(0)
            ),
            _ => {
                return Err(l.refuse(
                    e,
                    &format!(
                        "`{}(…)`, which the export does not compute",
                        wfc_language::check::functions::function_info(f).name
                    ),
                ))
            }
        })
    }
}

/// The definitions of [`PRELUDE`] `body` uses (a definition may use the
/// ones before it), then `body`.
fn with_prelude(body: &str) -> String {
    let defs: Vec<&str> = PRELUDE.lines().collect();
    let mut used = vec![false; defs.len()];
    let mut reads = body.to_string();
    for (i, def) in defs.iter().enumerate().rev() {
        let name = def["def ".len()..]
            .split([':', '('])
            .next()
            .unwrap_or_default();
        if reads.contains(name) {
            used[i] = true;
            reads.push_str(def);
        }
    }
    let mut out = String::new();
    for (def, _) in defs.iter().zip(&used).filter(|(_, u)| **u) {
        out.push_str(def);
        out.push('\n');
    }
    out.push_str(body);
    out
}

/// `ty` as `wfc_typed`'s `$ty` — the text of a param or a declared
/// output read as binding reads a `--param` (`wfc_plan::params::parse_text`:
/// a list's JSON or comma-separated items, a whole number, `true`/`false`)
/// and a list written back as wfc writes it, or `$what` fails the run —,
/// for the types it checks (None: text, and types read as JSON).
pub fn typed_kind(ty: &Type) -> Option<String> {
    let kind = |t: &Type| match t {
        Type::String => Some("string"),
        Type::Int => Some("int"),
        Type::Float => Some("float"),
        Type::Bool => Some("bool"),
        _ => None,
    };
    match ty {
        Type::List(item) => Some(format!("[\"{}\"]", kind(item).unwrap_or("any"))),
        Type::String => None,
        t => kind(t).map(|k| format!("\"{k}\"")),
    }
}

/// The program printing one filter's text (`jq -nj`).
pub fn single(filter: &str) -> String {
    with_prelude(filter)
}

/// The program printing each filter's text as `vN<<$d`, the text, then
/// `$d` (GitHub's form of a step output; `$d` a random `--arg`).
pub fn outputs(filters: &[String]) -> String {
    with_prelude(&format!(
        "[{}] | to_entries[] | \"v\\(.key + 1)<<\\($d)\\n\\(.value)\\n\\($d)\\n\"",
        filters.join(", ")
    ))
}

/// Whether values of `ty` may be of any type at run time (`json`).
fn dynamic(ty: &Type) -> bool {
    matches!(ty, Type::Json | Type::Optional(_))
}

/// `filter` checked to give a bool when its type is only known at run time.
fn bool_of(filter: String, ty: &Type) -> String {
    if dynamic(ty) {
        format!("({filter} | wfc_bool)")
    } else {
        filter
    }
}

fn numeric(ty: &Type) -> bool {
    matches!(ty, Type::Int | Type::Float)
}

/// A string as a jq literal: JSON's, which never holds `\(` (a backslash
/// is always `\\`), so no interpolation.
pub(crate) fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// A value known at export as a jq literal.
fn literal(v: &Value) -> String {
    v.to_json().to_string()
}

#[cfg(test)]
mod tests;
