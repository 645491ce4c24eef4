//! Words from other languages, and what a `.wf` file writes instead.
//!
//! "Did you mean" by edit distance ([`super::did_you_mean`]) is for typos.
//! A habit is no typo: `str` is one edit from `sort` and means `string`;
//! `True` is a boolean, not a name to declare as a param. These tables are
//! consulted before edit distance, so a word from Python, YAML, SQL or
//! JavaScript gets its `.wf` form, or what to do where there is none.

/// A word from another language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Foreign {
    /// What to write instead, where one word replaces it.
    pub write: Option<&'static str>,
    /// Why, or what to do instead: the help line.
    pub help: &'static str,
}

const fn is(write: &'static str, help: &'static str) -> Foreign {
    Foreign {
        write: Some(write),
        help,
    }
}

const fn none(help: &'static str) -> Foreign {
    Foreign { write: None, help }
}

const TRUE: Foreign = is(
    "true",
    "write `true`: booleans are lower case (`true`, `false`)",
);
const FALSE: Foreign = is(
    "false",
    "write `false`: booleans are lower case (`true`, `false`)",
);
const NULL: Foreign = none(
    "there is no null: a param typed `T?` (`param note: string?`) with no default is absent \
     when not given, and `default(x, fallback)` reads it",
);
const AND: Foreign = is("&&", "write `&&`: `if a && b { … }`");
const OR: Foreign = is("||", "write `||`: `if a || b { … }`");
const NOT: Foreign = is("!", "write `!`: `if !ready { … }`");

/// A name read in an expression: `True`, `None`, `and`.
pub fn value(word: &str) -> Option<Foreign> {
    Some(match word {
        "True" | "TRUE" => TRUE,
        "False" | "FALSE" => FALSE,
        "None" | "null" | "NULL" | "Null" | "nil" | "undefined" | "NONE" => NULL,
        _ => return operator(word),
    })
}

/// An operator written as a word: `and`, `or`, `not` (Python, SQL, Lua).
pub fn operator(word: &str) -> Option<Foreign> {
    Some(match word {
        "and" | "AND" => AND,
        "or" | "OR" => OR,
        "not" | "NOT" => NOT,
        _ => return None,
    })
}

const STRING: Foreign = is("string", "write `string`, the type of text");
const INT: Foreign = is("int", "write `int`, a 64-bit whole number");
const FLOAT: Foreign = is("float", "write `float`, a 64-bit number with a fraction");
const BOOL: Foreign = is("bool", "write `bool`: `true` or `false`");
const MAP: Foreign = is(
    "map",
    "write `map<T>`: its keys are strings, its values `T` (`map<string>`)",
);
const LIST: Foreign = is("list", "write `list<T>`: `list<string>`");
const JSON: Foreign = is(
    "json",
    "write `json`, a value of any shape checked when used",
);
const DURATION: Foreign = is(
    "duration",
    "write `duration`, a length of time (`30s`, `1h30m`)",
);
const TIME: Foreign = is("time", "write `time`, an instant");
const OPTIONAL: Foreign = none("an optional type is written with `?`: `string?`");

/// A type name: `str`, `dict`, `integer`.
pub fn type_name(word: &str) -> Option<Foreign> {
    Some(match word {
        "str" | "Str" | "String" | "text" | "Text" | "char" | "varchar" => STRING,
        "integer" | "Integer" | "Int" | "long" | "Long" | "short" | "i32" | "i64" | "int32"
        | "int64" | "u32" | "u64" | "usize" | "isize" => INT,
        "number" | "Number" | "double" | "Double" | "Float" | "f32" | "f64" | "float32"
        | "float64" | "decimal" | "real" => FLOAT,
        "boolean" | "Boolean" | "Bool" => BOOL,
        "dict" | "Dict" | "object" | "Object" | "HashMap" | "Map" | "hash" | "Hash" | "record"
        | "Record" | "mapping" | "Mapping" => MAP,
        "array" | "Array" | "List" | "Vec" | "tuple" | "Tuple" | "set" | "Set" | "Sequence"
        | "seq" => LIST,
        "any" | "Any" | "JSON" | "Json" | "Value" | "unknown" | "dynamic" => JSON,
        "timedelta" | "Duration" | "TimeSpan" | "interval" => DURATION,
        "datetime" | "DateTime" | "timestamp" | "Timestamp" | "instant" | "Instant" | "date"
        | "Date" => TIME,
        "Optional" | "Option" => OPTIONAL,
        _ => return None,
    })
}

/// A function: `str(x)`, `length(xs)`, `startswith(s, p)`.
pub fn function(word: &str) -> Option<Foreign> {
    Some(match word {
        "str" | "String" | "to_string" | "toString" | "tostring" | "repr" | "toJSON" | "tojson"
        | "dumps" => is("string", "write `string(x)`: a value as text"),
        "length" | "size" | "strlen" | "sizeof" | "count_of" => is(
            "len",
            "write `len(x)`: the characters of a string, the entries of a list or map",
        ),
        "lowercase" | "toLowerCase" | "tolower" | "downcase" | "casefold" => {
            is("lower", "write `lower(s)`")
        }
        "uppercase" | "toUpperCase" | "toupper" | "upcase" => is("upper", "write `upper(s)`"),
        "strip" | "chomp" | "trimSpace" => {
            is("trim", "write `trim(s)`: without blanks at either end")
        }
        "startswith" | "startsWith" | "hasPrefix" => is("starts_with", "write `starts_with(s, p)`"),
        "endswith" | "endsWith" | "hasSuffix" => is("ends_with", "write `ends_with(s, p)`"),
        "sorted" => is("sort", "write `sort(xs)`"),
        "uniq" | "distinct" | "set" => is("unique", "write `unique(xs)`: without repeats"),
        "includes" => is("contains", "write `contains(xs, x)`"),
        "getenv" => is("env", "write `env(\"NAME\")`: wfc's environment"),
        "parseInt" | "atoi" | "integer" => is("int", "write `int(s)`: text as a whole number"),
        "parseFloat" | "atof" => is("float", "write `float(s)`: text as a number"),
        "fromJSON" | "fromJson" | "loads" | "parse_json" => {
            is("json", "write `json(s)`: JSON text as a value")
        }
        "not" | "NOT" => NOT,
        "format" | "printf" | "sprintf" | "concat" => none(
            "a string substitutes values itself: `\"v${version}-${len(xs)}\"`; `+` joins \
             strings and lists",
        ),
        _ => return None,
    })
}

/// A field that names what a step waits for, in another tool: `needs`
/// (GitHub Actions, GitLab CI), `depends_on` (Compose), `dependsOn`.
pub fn depends_field(word: &str) -> bool {
    matches!(
        word,
        "needs" | "depends_on" | "dependsOn" | "depends-on" | "depends" | "requires"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each table beats the nearest name: what issue 69 was shown.
    #[test]
    fn habits_are_not_typos() {
        assert_eq!(value("True").and_then(|f| f.write), Some("true"));
        assert_eq!(value("None").and_then(|f| f.write), None);
        assert_eq!(value("and").and_then(|f| f.write), Some("&&"));
        assert_eq!(type_name("str").and_then(|f| f.write), Some("string"));
        assert_eq!(type_name("dict").and_then(|f| f.write), Some("map"));
        assert_eq!(function("str").and_then(|f| f.write), Some("string"));
        assert!(depends_field("needs"));
        assert_eq!(value("build"), None);
    }
}
