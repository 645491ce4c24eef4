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
    /// `uuid()`: a random UUID, the same for a step's every attempt and
    /// after a resume (derived from the run's id).
    Uuid,
    /// `random_int(a, b)`: a random int in `a..=b`, as `uuid()`.
    RandomInt,
    /// `require_env(NAME)`: `env(NAME)`, and a run refuses to start without it.
    RequireEnv,
}

impl Func {
    /// Whether its value is known only while the run runs, never at plan
    /// time: the time, and the random values a run derives from its id.
    pub fn run_value(self) -> bool {
        matches!(self, Func::Now | Func::Uuid | Func::RandomInt)
    }
}
