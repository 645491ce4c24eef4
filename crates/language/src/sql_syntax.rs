//! The SQL of `sql` steps, read just enough to bind values safely.
//!
//! A query refers to the step's `params { … }` as `:name`. [`scan`] walks the
//! text once, the way PostgreSQL and SQLite read it, so that a `:name` inside
//! a string, a quoted identifier, a comment or a dollar-quoted body is never
//! taken for a parameter, and a `;` there never ends a statement:
//!
//! - `'…'` strings (`''` is a quote), `E'…'` strings (backslash escapes too),
//!   `"…"` identifiers (`""` is a quote), and SQLite's `[…]` identifiers:
//!   a `[` that does not follow an operand right away (`select [a:b]`,
//!   `from t [x:y]`; a subscript `a[i]` does);
//! - `-- …` line comments and `/* … */` block comments (nested, as
//!   PostgreSQL reads them);
//! - dollar-quoted bodies `$$…$$` and `$tag$…$tag$` (`$1` is not one);
//! - casts: `x::int` is not the parameter `:int`.
//!
//! The checker uses it to report unknown and unused params at check time;
//! the interpreter to split the text into statements, and to rewrite
//! `:name` into PostgreSQL's `$N`. An array slice `a[lo:hi]` reads as the
//! parameter `:hi`: write `a[lo : hi]`. (SQLite's alias `a[x:y]`, with no
//! blank or `as` before the bracket, reads as a slice too: write `a [x:y]`.)
//!
//! It also finds the placeholders of other syntaxes ([`Foreign`]), which
//! wfc never binds: SQLite would bind them NULL, PostgreSQL fail on them (or,
//! for a `$N`, bind it to one of the `:name`s wfc numbered). They are the
//! same for both databases, because the checker often cannot tell which one
//! a step uses (a secret URL):
//!
//! - `$1`, `$name` (a `$` not opening a dollar quote, not inside a name);
//! - `@name`, except right after `<` or `@` (PostgreSQL's `<@`, `@@`);
//! - `:1` outside `[…]` (inside, it is an array slice `a[1:2]`);
//! - `?`, `?1` and `#name` where an operand is expected: at the start, after
//!   `(`, `,`, an operator or a keyword such as `where`, `and`, `select`.
//!   After an operand (a name, a number, a string, `)`, `]`) a `?` is
//!   PostgreSQL's jsonb operator (`doc ? 'k'`, `?|`, `?&`, `@?`) and `#` its
//!   XOR, not a parameter; SQLite would refuse a parameter there anyway.

/// One `:name` in the query: its name and the byte range of `:name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlParam {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// A placeholder wfc does not bind (see the module docs): its text as
/// written (`$1`, `?`, `@v`) and its byte range in the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Foreign {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Foreign {
    /// What to write instead, for messages: `:v` for a named one (`@v`,
    /// `$v`, `#v`), else `:name`.
    pub fn instead(&self) -> String {
        let name = &self.text[1..];
        if name.bytes().next().is_some_and(ident_start) {
            format!(":{name}")
        } else {
            ":name".to_owned()
        }
    }
}

/// One statement: its text (trimmed, without the `;`), where that text
/// starts in the query, and its parameters (offsets within the query).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    pub start: usize,
    pub params: Vec<SqlParam>,
    /// Its first word, lowercase (`select`, `with`, `insert`; empty when
    /// none): what an export reads to tell whether it returns rows.
    pub lead: String,
    /// Whether a word `returning` stands outside its strings and comments.
    pub returning: bool,
    /// Whether a word `insert`, `update`, `delete` or `merge` does.
    pub modifies: bool,
}

impl Statement {
    /// The names it uses, each once, in order of first use.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for p in &self.params {
            if !out.contains(&p.name.as_str()) {
                out.push(&p.name);
            }
        }
        out
    }

    /// The text with each `:name` replaced by `$N` (PostgreSQL's
    /// placeholders), and the name of each `N` in order (a name used
    /// twice gets one number: its place in [`Statement::names`]).
    pub fn numbered(&self) -> (String, Vec<&str>) {
        let names = self.names();
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for p in &self.params {
            let (s, e) = (p.start - self.start, p.end - self.start);
            out.push_str(&self.text[at..s]);
            let n = names.iter().position(|x| *x == p.name).map_or(0, |i| i + 1);
            out.push_str(&format!("${n}"));
            at = e;
        }
        out.push_str(&self.text[at..]);
        (out, names)
    }
}

/// What [`scan`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// The statements, empty ones (only blanks and comments) left out.
    pub statements: Vec<Statement>,
    /// A string, identifier, comment or dollar quote left open: what it is
    /// and the byte offset where it starts.
    pub unterminated: Option<(&'static str, usize)>,
    /// Placeholders of other syntaxes, in order (outside strings, comments
    /// and dollar quotes, as `:name`s are found).
    pub foreign: Vec<Foreign>,
    /// Text outside strings and comments that a client such as `psql`
    /// reads otherwise than this scan: its offset and what it is (a
    /// backslash, a meta-command to psql; `:'x'`, `:"x"`, `:{?x}`, psql
    /// variables; SQLite's `[…]` and backquoted identifiers, plain text to
    /// psql, so a `:name` in them would be its variable).
    pub client: Vec<(usize, &'static str)>,
}

impl Scan {
    /// Every parameter of every statement, in order.
    pub fn params(&self) -> impl Iterator<Item = &SqlParam> {
        self.statements.iter().flat_map(|s| s.params.iter())
    }
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn ident_char(c: u8) -> bool {
    ident_start(c) || c.is_ascii_digit()
}

/// Words after which an operand is expected: a `?` or `#` there is a
/// placeholder, not PostgreSQL's operator.
const OPERAND_NEXT: &[&str] = &[
    "all",
    "and",
    "any",
    "between",
    "both",
    "by",
    "case",
    "distinct",
    "else",
    "escape",
    "exists",
    "first",
    "for",
    "from",
    "glob",
    "having",
    "ilike",
    "in",
    "is",
    "leading",
    "like",
    "limit",
    "match",
    "next",
    "not",
    "offset",
    "on",
    "or",
    "placing",
    "regexp",
    "return",
    "returning",
    "select",
    "set",
    "some",
    "then",
    "to",
    "trailing",
    "values",
    "when",
    "where",
    "zone",
];

/// The end of the run of `pred` bytes from `i`.
fn run_of(b: &[u8], mut i: usize, pred: fn(u8) -> bool) -> usize {
    while i < b.len() && pred(b[i]) {
        i += 1;
    }
    i
}

/// Reads `sql` into statements and parameters (see the module docs).
pub fn scan(sql: &str) -> Scan {
    let b = sql.as_bytes();
    let mut scan = Scan::default();
    let mut params = Vec::new();
    // Whether the current statement has anything but blanks and comments.
    let mut content = false;
    let mut stmt_start = 0;
    // Whether the last token ends an operand (so a `?` here is an
    // operator), and how deep in `[…]` the scan is.
    let mut operand = false;
    let mut brackets = 0usize;
    // The current statement's first word and keywords (see [`Statement`]).
    let mut words = Words::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let open = i;
        let next = b.get(i + 1).copied();
        let was_operand = operand;
        if !c.is_ascii_whitespace() {
            operand = true;
        }
        match c {
            b'\'' => {
                let escapes =
                    i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !ident_char(b[i - 2]));
                match quoted(b, i + 1, b'\'', escapes) {
                    Some(end) => i = end,
                    None => return open_at(scan, "string", open),
                }
            }
            b'"' => match quoted(b, i + 1, b'"', false) {
                Some(end) => i = end,
                None => return open_at(scan, "quoted identifier", open),
            },
            // SQLite's (and MySQL's) other quoted identifier; PostgreSQL
            // has no reading of a backquote.
            b'`' => match quoted(b, i + 1, b'`', false) {
                Some(end) => {
                    scan.client.push((open, "a backquoted identifier"));
                    i = end
                }
                None => return open_at(scan, "quoted identifier", open),
            },
            b'-' if next == Some(b'-') => {
                operand = was_operand;
                i = sql[i..].find('\n').map_or(b.len(), |n| i + n + 1);
                continue;
            }
            b'/' if next == Some(b'*') => match block_comment(b, i) {
                Some(end) => {
                    operand = was_operand;
                    i = end;
                    continue;
                }
                None => return open_at(scan, "comment", open),
            },
            b'$' if dollar_tag(b, i).is_some() => {
                let tag = dollar_tag(b, i).unwrap_or_default();
                let delim = &sql[i..i + tag];
                match sql[i + tag..].find(delim) {
                    Some(n) => i = i + tag + n + tag,
                    None => return open_at(scan, "dollar-quoted string", open),
                }
            }
            b'$' if next.is_some_and(ident_char) && (i == 0 || !ident_char(b[i - 1])) => {
                i = foreign(&mut scan, sql, i, run_of(b, i + 1, ident_char));
            }
            b'@' if next.is_some_and(ident_start)
                && (i == 0 || !matches!(b[i - 1], b'<' | b'@')) =>
            {
                i = foreign(&mut scan, sql, i, run_of(b, i + 1, ident_char));
            }
            b'?' if !was_operand && (i == 0 || b[i - 1] != b'@') => {
                i = foreign(&mut scan, sql, i, run_of(b, i + 1, |c| c.is_ascii_digit()));
            }
            b'#' if !was_operand && next.is_some_and(ident_start) => {
                i = foreign(&mut scan, sql, i, run_of(b, i + 1, ident_char));
            }
            b':' if next == Some(b':') => {
                operand = false;
                i += 2;
            }
            b':' if next.is_some_and(ident_start) && (i == 0 || b[i - 1] != b':') => {
                let end = run_of(b, i + 1, ident_char);
                params.push(SqlParam {
                    name: sql[i + 1..end].to_owned(),
                    start: i,
                    end,
                });
                i = end;
            }
            b':' if brackets == 0 && next.is_some_and(|c| c.is_ascii_digit()) => {
                i = foreign(&mut scan, sql, i, run_of(b, i + 1, ident_char));
            }
            b';' => {
                operand = false;
                let w = std::mem::take(&mut words);
                push_statement(&mut scan, sql, stmt_start, i, content, &mut params, w);
                content = false;
                stmt_start = i + 1;
                i += 1;
                continue;
            }
            // Right after an operand, a subscript (`a[1]`, `a[lo:hi]`);
            // anywhere else SQLite's quoted identifier (`[a:b]`), which
            // PostgreSQL has no other reading of.
            b'[' if was_operand && i > 0 && !b[i - 1].is_ascii_whitespace() => {
                operand = false;
                brackets += 1;
                i += 1;
            }
            b'[' => match sql[i + 1..].find(']') {
                Some(n) => {
                    scan.client.push((open, "a `[…]` identifier"));
                    i += n + 2
                }
                None => return open_at(scan, "quoted identifier", open),
            },
            b']' => {
                brackets = brackets.saturating_sub(1);
                i += 1;
            }
            b')' => i += 1,
            _ if ident_char(c) => {
                // A word (`a$b` is one name in PostgreSQL) or a number.
                let end = run_of(b, i, |c| ident_char(c) || c == b'$');
                let word = &sql[i..end];
                words.add(word);
                operand = !OPERAND_NEXT.iter().any(|k| word.eq_ignore_ascii_case(k));
                i = end;
            }
            b'\\' => {
                scan.client
                    .push((i, "a backslash (a meta-command to psql)"));
                i += 1;
            }
            b':' if matches!(next, Some(b'\'' | b'"' | b'{')) => {
                scan.client
                    .push((i, "a psql variable (`:'x'`, `:\"x\"`, `:{?x}`)"));
                i += 1;
            }
            _ => {
                // Blanks keep what came before; `(`, `,` and operators
                // expect an operand.
                operand = was_operand && c.is_ascii_whitespace();
                i += 1;
            }
        }
        if !c.is_ascii_whitespace() {
            content = true;
        }
    }
    push_statement(
        &mut scan,
        sql,
        stmt_start,
        b.len(),
        content,
        &mut params,
        words,
    );
    scan
}

/// What [`Statement`] says of its words.
#[derive(Default)]
struct Words {
    lead: Option<String>,
    returning: bool,
    modifies: bool,
}

impl Words {
    fn add(&mut self, word: &str) {
        let w = word.to_ascii_lowercase();
        self.returning |= w == "returning";
        self.modifies |= matches!(w.as_str(), "insert" | "update" | "delete" | "merge");
        self.lead.get_or_insert(w);
    }
}

/// Records the foreign placeholder `start..end`; returns `end`.
fn foreign(scan: &mut Scan, sql: &str, start: usize, end: usize) -> usize {
    scan.foreign.push(Foreign {
        text: sql[start..end].to_owned(),
        start,
        end,
    });
    end
}

fn open_at(mut scan: Scan, what: &'static str, at: usize) -> Scan {
    scan.unterminated = Some((what, at));
    scan
}

fn push_statement(
    scan: &mut Scan,
    sql: &str,
    start: usize,
    end: usize,
    content: bool,
    params: &mut Vec<SqlParam>,
    words: Words,
) {
    let params = std::mem::take(params);
    if !content {
        return;
    }
    let raw = &sql[start..end];
    let lead = raw.len() - raw.trim_start().len();
    scan.statements.push(Statement {
        text: raw.trim().to_owned(),
        start: start + lead,
        params,
        lead: words.lead.unwrap_or_default(),
        returning: words.returning,
        modifies: words.modifies,
    });
}

/// The end (past the closing quote) of a quoted run starting at `i`.
fn quoted(b: &[u8], mut i: usize, q: u8, backslash: bool) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' if backslash => i += 2,
            c if c == q && b.get(i + 1) == Some(&q) => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The end of a (nested) block comment starting at `i`.
fn block_comment(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The length of the dollar-quote delimiter (`$$`, `$tag$`) at `i`, if one
/// starts there. `$1` and a `$` inside an identifier (`a$b`) are not.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    if i > 0 && ident_char(b[i - 1]) {
        return None;
    }
    let mut j = i + 1;
    if b.get(j).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while j < b.len() && ident_char(b[j]) && b[j] != b'$' {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1 - i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        scan(sql).params().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn a_quote_inside_a_quoted_identifier_opens_nothing() {
        let sql = "update t set [it's] = 1, `x'y` = :a, `a``:b` = :c -- '";
        assert_eq!(names(sql), ["a", "c"]);
        assert!(scan(sql).unterminated.is_none());
        assert!(scan("select `a").unterminated.is_some());
    }

    #[test]
    fn finds_params_outside_quotes_comments_and_casts() {
        let sql = "select :a, ':b', E'\\':c', \"x:d\", $$ :e $$, $t$ :f $t$, :g::int, x::text \
                   -- :h\n/* :i /* :j */ :k */ from t where y = :l and z = $1";
        assert_eq!(names(sql), ["a", "g", "l"]);
    }

    #[test]
    fn doubled_quotes_stay_inside_the_string() {
        assert_eq!(names("select 'it''s :x', :y"), ["y"]);
        assert_eq!(names("select \"a\"\":x\", :y"), ["y"]);
        // Not an E string: the backslash is a plain character.
        assert_eq!(names("select 'a\\', :y"), ["y"]);
    }

    #[test]
    fn splits_on_semicolons_outside_quotes() {
        let s = scan("insert into t values (':;'); -- ;\n; update t set a = $$;$$ ;  ");
        let texts: Vec<&str> = s.statements.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["insert into t values (':;')", "update t set a = $$;$$"]
        );
        assert_eq!(s.statements[1].start, 36);
    }

    #[test]
    fn numbers_params_per_statement() {
        let s = scan("select :a; select :b, :a, :b");
        assert_eq!(s.statements[0].numbered(), ("select $1".into(), vec!["a"]));
        assert_eq!(
            s.statements[1].numbered(),
            ("select $1, $2, $1".into(), vec!["b", "a"])
        );
    }

    #[test]
    fn reports_what_is_left_open() {
        assert_eq!(scan("select 'abc").unterminated, Some(("string", 7)));
        assert_eq!(
            scan("select $x$ abc").unterminated,
            Some(("dollar-quoted string", 7))
        );
        assert_eq!(scan("/* /* */").unterminated, Some(("comment", 0)));
        assert_eq!(
            scan("select \"a").unterminated,
            Some(("quoted identifier", 7))
        );
    }

    #[test]
    fn unicode_and_edge_positions() {
        assert_eq!(names(":a"), ["a"]);
        assert_eq!(names("select 'é' || :nom_é"), ["nom_é"]);
        assert_eq!(names("select 1:"), Vec::<String>::new());
    }

    fn foreign(sql: &str) -> Vec<String> {
        scan(sql).foreign.into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn finds_placeholders_of_other_syntaxes() {
        assert_eq!(foreign("update t set v = $1"), ["$1"]);
        assert_eq!(foreign("update t set v = ?"), ["?"]);
        assert_eq!(foreign("select ?1, ?2 where a=?"), ["?1", "?2", "?"]);
        assert_eq!(
            foreign("insert into t values (@v, $w, #x, :1)"),
            ["@v", "$w", "#x", ":1"]
        );
        assert_eq!(
            foreign("select * from t where a in (?) limit ? offset ?"),
            ["?", "?", "?"]
        );
        assert_eq!(
            foreign("select case when ? then ? else ? end"),
            ["?", "?", "?"]
        );
        assert_eq!(foreign("select :a; select ?"), ["?"]);
        let s = scan("select 1 where a = $12");
        assert_eq!((s.foreign[0].start, s.foreign[0].end), (19, 22));
    }

    #[test]
    fn leaves_what_is_not_a_placeholder() {
        let sql = "select '$1 ? @v', \"?\", $$ $1 ? $$, $t$ ? $t$, x::int, a$b -- ?\n\
                   /* $1 @v ? */ from t where doc ? 'k' and doc ?| array['a'] \
                   and doc ?& b and (doc) ? 'x' and doc->'a' ? 'y' and p @? '$.a' \
                   and a <@ b and a <@array[1] and ts @@ q and ts @@to_tsquery('x') \
                   and a # b and a[1:2] = a[lo:hi] and data #> '{a}' is null \
                   and f(a := 1) and E'\\'?' = x and \"t\"? 'k' and 1 ? 'k'";
        assert_eq!(foreign(sql), Vec::<String>::new());
        assert_eq!(names(sql), ["hi"]);
    }

    /// SQLite's `[…]` identifiers hide a `:` as `"…"` does; a subscript
    /// right after an operand is still read.
    #[test]
    fn bracket_identifiers_are_not_slices() {
        let sql = "select [a:b], t.[c:d], x as [e:f], y [g:h] from [i:j] \
                   join [k:1] on 1 where [m:n] = :p and a[1:2] = b[lo:hi] and (c)[1]";
        assert_eq!(names(sql), ["p", "hi"]);
        assert_eq!(foreign(sql), Vec::<String>::new());
        assert_eq!(
            scan("select [a:b").unterminated,
            Some(("quoted identifier", 7))
        );
        // Still a subscript: after a name, a `)`, a `]`, a param, an `array`.
        assert_eq!(
            names("select a[:x], (b)[:y], c[1][:z], :d[:w], array[:v]"),
            ["x", "y", "z", "d", "w", "v"]
        );
    }

    #[test]
    fn says_what_to_write_instead() {
        let of = |sql: &str| scan(sql).foreign[0].instead();
        assert_eq!(of("select @v"), ":v");
        assert_eq!(of("select $v"), ":v");
        assert_eq!(of("select $1"), ":name");
        assert_eq!(of("select ?"), ":name");
    }

    /// What psql would read as its own: found outside strings and
    /// comments only, with their offsets.
    #[test]
    fn finds_text_psql_reads_as_its_own() {
        let sql = "select '\\x', $$ \\y $$, \"\\z\" -- \\q\n, 1 \\gexec\n\\! id\n\
                   , :'v', :\"w\", :{?x}, [a:b], `c:d`, x::int, E'\\'\\\\'";
        let found: Vec<&str> = scan(sql).client.iter().map(|(_, what)| *what).collect();
        assert_eq!(found.len(), 7, "{found:?}");
        let s = scan("select :'v'");
        assert_eq!(s.client[0].0, 7);
        assert!(scan("select 'a:''b', \"c\\d\" /* \\ :'x' */")
            .client
            .is_empty());
    }

    #[test]
    fn tells_the_lead_word_and_keywords() {
        let s = scan(
            "with x as (select 1) select * from x; insert into t values (1) returning id; \
                      /* c */ update t set a = 'returning'; (select 1)",
        );
        let got: Vec<(&str, bool, bool)> = s
            .statements
            .iter()
            .map(|s| (s.lead.as_str(), s.returning, s.modifies))
            .collect();
        assert_eq!(
            got,
            [
                ("with", false, false),
                ("insert", true, true),
                ("update", false, true),
                ("select", false, false)
            ]
        );
    }
}
