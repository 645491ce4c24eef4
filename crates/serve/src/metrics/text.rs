//! The Prometheus text exposition format (version 0.0.4), written by hand:
//! it is a few lines of rules, and no Prometheus crate is in the tree.
//! Label values are user text (a workflow's name, a step's, a schedule's
//! pattern), escaped as the format says: `\` → `\\`, `"` → `\"`, a newline
//! → `\n`; HELP text escapes `\` and newlines.

use std::fmt::Write;

/// The media type of the format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A family's type.
#[derive(Clone, Copy)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// An exposition being written, family by family.
#[derive(Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// Starts a family: its HELP and TYPE lines.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One sample of the family last started.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape(v));
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {}", number(value));
    }

    /// A histogram's samples for `values` (seconds) over `bounds`:
    /// cumulative buckets, `+Inf`, sum and count.
    /// A histogram's samples from its counts: `cumulative[i]` values at
    /// most `bounds[i]`, `count` in all, summing to `sum`.
    pub fn histogram(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        bounds: &[f64],
        cumulative: &[u64],
        (count, sum): (u64, f64),
    ) {
        let bucket = format!("{name}_bucket");
        for (bound, n) in bounds.iter().zip(cumulative) {
            let le = number(*bound);
            let mut with_le = labels.to_vec();
            with_le.push(("le", &le));
            self.sample(&bucket, &with_le, *n as f64);
        }
        let mut with_le = labels.to_vec();
        with_le.push(("le", "+Inf"));
        self.sample(&bucket, &with_le, count as f64);
        self.sample(&format!("{name}_sum"), labels, sum);
        self.sample(&format!("{name}_count"), labels, count as f64);
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A label value as the format writes it between its quotes.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: finite numbers as Rust's `Display` writes them (plain
/// decimals, `1`, `0.25`, which the format reads); infinities and NaN as
/// the format spells them.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_cannot_end_their_quotes() {
        let mut e = Exposition::default();
        e.family("wfc_x", Kind::Gauge, "a \\ help\nline");
        e.sample("wfc_x", &[("workflow", "a\"b\\c\nd} 1")], 2.0);
        assert_eq!(
            e.finish(),
            "# HELP wfc_x a \\\\ help\\nline\n# TYPE wfc_x gauge\nwfc_x{workflow=\"a\\\"b\\\\c\\nd} 1\"} 2\n"
        );
    }

    #[test]
    fn a_histogram_s_buckets_are_cumulative_and_end_at_inf() {
        let mut e = Exposition::default();
        e.histogram("h", &[("w", "x")], &[1.0, 10.0], &[1, 2], (3, 22.5));
        let text = e.finish();
        assert!(text.contains("h_bucket{w=\"x\",le=\"1\"} 1\n"), "{text}");
        assert!(text.contains("h_bucket{w=\"x\",le=\"10\"} 2\n"), "{text}");
        assert!(text.contains("h_bucket{w=\"x\",le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("h_sum{w=\"x\"} 22.5\n"), "{text}");
        assert!(text.contains("h_count{w=\"x\"} 3\n"), "{text}");
    }
}
