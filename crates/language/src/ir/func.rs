//! The built-in functions, by name in the IR.

/// A built-in function; [`crate::check::functions::FUNCTIONS`] has signatures and docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    Env,
    Len,
    Contains,
    Lower,
    Upper,
    Trim,
    Json,
    Default,
    Raw,
    Join,
    StartsWith,
    EndsWith,
    Replace,
    Split,
    Slice,
    Range,
    Keys,
    Values,
    Coalesce,
    String,
    Int,
    Float,
    Matches,
    // Collections (`check/collections.rs`).
    Flatten,
    Any,
    All,
    Sum,
    Min,
    Max,
    Sort,
    Unique,
    Count,
    // Time (`check/time.rs`).
    Now,
    FormatTime,
    ParseTime,
    /// `seconds(d)`: a duration as a number of seconds.
    Seconds,
    /// `duration(n)`: a number of seconds as a duration.
    Duration,
    /// `require_env(NAME)`: `env(NAME)`, and a run refuses to start without it.
    RequireEnv,
}
