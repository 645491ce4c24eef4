//! What made an attempt fail, as `error is CLASS` tests it in a retry's
//! `when` (`retry 3 when error is timeout || error is connection`).
//!
//! The text of `error` is for people and changes with versions and
//! locales; a class is what a retry policy means (AWS Step Functions'
//! `States.Timeout`, Temporal's non-retryable error types, Tenacity's
//! `retry_if_exception_type`).

use super::StepKind;

/// The attempt's value `error is CLASS` reads: its class's name.
pub const ERROR_CLASS: &str = "error_class";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Stopped by the step's `timeout`.
    Timeout,
    /// The process exited with a failing status.
    ExitCode,
    /// The process was killed by a signal it did not get from wfc.
    Signal,
    /// The server answered with a status the step does not expect.
    HttpStatus,
    /// No answer: the connection was refused or reset, the name did not
    /// resolve, TLS failed, the body was cut.
    Connection,
    /// Anything else: it could not start, its outputs were wrong, …
    Other,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 6] = [
        ErrorClass::Timeout,
        ErrorClass::ExitCode,
        ErrorClass::Signal,
        ErrorClass::HttpStatus,
        ErrorClass::Connection,
        ErrorClass::Other,
    ];

    /// The word `error is …` takes.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "timeout",
            ErrorClass::ExitCode => "exit_code",
            ErrorClass::Signal => "signal",
            ErrorClass::HttpStatus => "http_status",
            ErrorClass::Connection => "connection",
            ErrorClass::Other => "other",
        }
    }

    pub fn parse(word: &str) -> Option<ErrorClass> {
        ErrorClass::ALL.into_iter().find(|c| c.name() == word)
    }

    /// One line on what the class means (hover, completion, errors).
    pub fn meaning(self) -> &'static str {
        match self {
            ErrorClass::Timeout => "the attempt was stopped by the step's `timeout`",
            ErrorClass::ExitCode => "its process exited with a failing status",
            ErrorClass::Signal => "its process was killed by a signal (not by wfc)",
            ErrorClass::HttpStatus => "the server answered with a status the step does not expect",
            ErrorClass::Connection => {
                "no answer: connection refused or reset, name not resolved, TLS failed"
            }
            ErrorClass::Other => "any other failure (it could not start, bad outputs, …)",
        }
    }

    /// The classes an attempt of a step of `kind` can fail with.
    pub fn of_kind(kind: StepKind) -> &'static [ErrorClass] {
        use ErrorClass as C;
        use StepKind as K;
        match kind {
            K::Shell | K::Docker | K::Python | K::Node => {
                &[C::Timeout, C::ExitCode, C::Signal, C::Other]
            }
            K::Http | K::Webhook => &[C::Timeout, C::HttpStatus, C::Connection, C::Other],
            _ => &[C::Timeout, C::Other],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_reads_back_from_its_name() {
        for c in ErrorClass::ALL {
            assert_eq!(ErrorClass::parse(c.name()), Some(c));
        }
        assert_eq!(ErrorClass::parse("timed_out"), None);
    }
}
