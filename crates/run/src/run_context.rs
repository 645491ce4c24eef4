//! What `run.id`, `run.workflow`, `run.trigger`, `run.started`,
//! `run.scheduled` and, in
//! handlers, `run.status`, `run.duration` and `run.failures` evaluate to;
//! `run.dir`, the run's own folder.

use std::time::{Duration, SystemTime};
use wfc_language::ir::RunField;
use wfc_plan::Value;

/// The run context of one run.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// The store's id of the run (a resumed run keeps its id).
    pub id: String,
    pub workflow: String,
    /// `"manual"` for `wfc run` and `wfc resume`.
    pub trigger: String,
    /// When the run first started (a resumed run keeps its first start).
    pub started: SystemTime,
    /// The slot a schedule's or a backfill's run is for; `None`: `started`.
    pub scheduled: Option<SystemTime>,
    /// Set when the main graph has ended, for the handlers.
    pub ended: Option<MainEnded>,
    /// The run's folder (`run.dir`, `$WFC_RUN_DIR`); empty when it has none.
    pub dir: String,
}

/// How the main graph ended, as the handlers see it.
#[derive(Clone, Debug)]
pub struct MainEnded {
    /// `"succeeded"`, `"failed"` or `"cancelled"`.
    pub status: &'static str,
    /// The run's time so far (this session's, when resumed).
    pub duration: Duration,
    /// Every step of the main graph that failed, with its error (masked).
    pub failures: Vec<(String, String)>,
}

impl RunContext {
    /// The value of `run.FIELD`; `null` for a handler's field before the
    /// main graph ended (the checker allows them only in handlers).
    pub fn value(&self, f: RunField) -> Value {
        let text = |s: &str| Value::Str(s.to_owned());
        match f {
            RunField::Id => text(&self.id),
            RunField::Workflow => text(&self.workflow),
            RunField::Trigger => text(&self.trigger),
            // To the millisecond: `now() - run.started >= 1s` holds after
            // a second, not up to one early (issue 73).
            RunField::Started => Value::Time(wfc_language::time_value::from_system(self.started)),
            RunField::Scheduled => Value::Time(wfc_language::time_value::from_system(
                self.scheduled.unwrap_or(self.started),
            )),
            RunField::Dir => text(&self.dir),
            RunField::Status => self.ended.as_ref().map_or(Value::Null, |e| text(e.status)),
            RunField::Duration => self.ended.as_ref().map_or(Value::Null, |e| {
                Value::Duration(u64::try_from(e.duration.as_millis()).unwrap_or(u64::MAX))
            }),
            RunField::Failures => self.ended.as_ref().map_or(Value::Null, |e| {
                Value::List(
                    e.failures
                        .iter()
                        .map(|(step, error)| {
                            Value::Map(vec![
                                ("step".into(), text(step)),
                                ("error".into(), text(error)),
                            ])
                        })
                        .collect(),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_values_and_handler_fields_wait_for_the_end() {
        let mut c = RunContext {
            id: "r1".into(),
            workflow: "ci".into(),
            trigger: "manual".into(),
            started: SystemTime::UNIX_EPOCH + Duration::from_millis(1_000_123),
            scheduled: None,
            ended: None,
            dir: "/tmp/wfc-run-r1".into(),
        };
        assert_eq!(c.value(RunField::Dir), Value::Str("/tmp/wfc-run-r1".into()));
        assert_eq!(c.value(RunField::Id), Value::Str("r1".into()));
        assert_eq!(
            c.value(RunField::Started).to_text(),
            "1970-01-01T00:16:40.123Z"
        );
        assert_eq!(c.value(RunField::Status), Value::Null);
        c.ended = Some(MainEnded {
            status: "failed",
            duration: Duration::from_millis(1500),
            failures: vec![("build".into(), "exit code 2".into())],
        });
        assert_eq!(c.value(RunField::Status), Value::Str("failed".into()));
        assert_eq!(c.value(RunField::Duration), Value::Duration(1500));
        assert_eq!(
            c.value(RunField::Failures).to_text(),
            r#"[{"error":"exit code 2","step":"build"}]"#
        );
    }
}
