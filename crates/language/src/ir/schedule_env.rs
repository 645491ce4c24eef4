//! `on schedule env("P") { timezone env("Z") }`: a schedule whose pattern or
//! zone the server's environment gives. The checker cannot know them; the
//! server reads them when it loads the file ([`Schedule::resolve_env`]) and
//! refuses the file, with a diagnostic naming the variable and its value,
//! when one is not set or not valid. `wfc plan` resolves them the same way
//! to show what the server would run.

use super::triggers::{parse_cron, Schedule};
use crate::diag::{check as dc, Diagnostic};

impl Schedule {
    /// Reads the variables of [`Schedule::from_env`] through `lookup` into
    /// `cron` and `timezone`; every problem found, each naming its
    /// variable and value.
    pub fn resolve_env(
        &mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        if let Some(var) = &self.from_env.cron {
            let value = lookup(var).map(|v| v.trim().to_owned());
            match value.as_deref() {
                None | Some("") => diags.push(dc::env_schedule(self.span, var, None, "")),
                Some(v) => match parse_cron(v) {
                    Err(why) => diags.push(dc::env_schedule(
                        self.span,
                        var,
                        Some(v),
                        &format!("is not a cron pattern: {why}"),
                    )),
                    Ok(cron) => {
                        let from = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
                        if cron.find_next_occurrence(&from, false).is_err() {
                            diags.push(dc::env_schedule(self.span, var, Some(v), "never fires"));
                        } else {
                            self.cron = v.to_owned();
                        }
                    }
                },
            }
        }
        if let Some(var) = &self.from_env.timezone {
            let value = lookup(var).map(|v| v.trim().to_owned());
            match value.as_deref().map(|v| (v, v.parse::<chrono_tz::Tz>())) {
                Some((_, Ok(tz))) => self.timezone = tz,
                Some((v, Err(_))) if !v.is_empty() => {
                    diags.push(dc::env_timezone(self.span, var, Some(v)));
                }
                _ => diags.push(dc::env_timezone(self.span, var, None)),
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(diags)
        }
    }

    /// Where the pattern and the zone come from, when the environment gives
    /// either: `pattern from $P, zone from $Z`.
    pub fn env_sources(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("pattern", &self.from_env.cron),
            ("zone", &self.from_env.timezone),
        ]
        .into_iter()
        .filter_map(|(what, var)| Some(format!("{what} from ${}", var.as_ref()?)))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Resolves the env-given schedules of every workflow in `workflows` from
/// the process's environment; every problem found.
pub fn resolve_schedules<'a>(
    workflows: impl IntoIterator<Item = &'a mut super::Workflow>,
) -> Result<(), Vec<Diagnostic>> {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut diags = Vec::new();
    for wf in workflows {
        for t in &mut wf.triggers {
            if let super::Trigger::Schedule(s) = t {
                if let Err(d) = s.resolve_env(&lookup) {
                    diags.extend(d);
                }
            }
        }
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Overlap, ScheduleEnv};
    use crate::span::Span;

    fn from_env() -> Schedule {
        Schedule {
            cron: String::new(),
            timezone: chrono_tz::UTC,
            overlap: Overlap::Skip,
            catch_up: 0,
            when: None,
            from_env: ScheduleEnv {
                cron: Some("P".into()),
                timezone: Some("Z".into()),
            },
            span: Span::point(0),
        }
    }

    #[test]
    fn the_environment_gives_the_pattern_and_the_zone() {
        let mut s = from_env();
        let env = |n: &str| {
            Some(
                if n == "P" {
                    "0 3 * * *"
                } else {
                    "Europe/Berlin"
                }
                .into(),
            )
        };
        s.resolve_env(&env).unwrap();
        assert_eq!(s.cron, "0 3 * * *");
        assert_eq!(s.timezone, chrono_tz::Europe::Berlin);
        assert_eq!(s.env_sources().unwrap(), "pattern from $P, zone from $Z");
    }

    #[test]
    fn a_bad_or_missing_value_names_the_variable_and_the_value() {
        let mut s = from_env();
        let env = |n: &str| (n == "P").then(|| "0 0 31 2 *".to_owned());
        let diags = s.resolve_env(&env).unwrap_err();
        let codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0322", "E0323"]);
        assert!(
            diags[0].message.contains("`P` = `0 0 31 2 *`"),
            "{}",
            diags[0].message
        );
        assert!(
            diags[1].message.contains("`Z`, which is not set"),
            "{}",
            diags[1].message
        );
    }
}
