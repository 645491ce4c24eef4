//! Small SVG plots as geometry: `metrics.html` draws them (numbers only,
//! autoescaped like every value), scaled by their `viewBox`.

use serde::Serialize;

/// The drawing area, in `viewBox` units.
pub const WIDTH: f64 = 300.0;
pub const HEIGHT: f64 = 60.0;

/// A plot of one series (or two lines) over the window's days.
#[derive(Serialize)]
pub struct Plot {
    /// The element id (its `<title>` is `{id}-t`).
    pub id: String,
    /// What it shows, for screen readers and hover.
    pub title: String,
    pub bars: Vec<Bar>,
    pub lines: Vec<Line>,
    /// The top of the scale, as text (`5 runs`, `100%`, `2.5s`).
    pub top: String,
}

#[derive(Serialize)]
pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
}

#[derive(Serialize)]
pub struct Line {
    /// A CSS class (`p50`, `p95`, `rate`).
    pub class: &'static str,
    /// `x,y x,y …` for a `<polyline>`.
    pub points: String,
    /// Each point, for its dot (a lone day has no line).
    pub dots: Vec<(String, String)>,
}

fn n(v: f64) -> String {
    format!("{v:.1}")
}

/// One bar per day, scaled to the highest.
pub fn bars(id: String, title: String, values: &[f64], unit: &str) -> Plot {
    let top = values.iter().copied().fold(0.0, f64::max);
    let slot = WIDTH / values.len().max(1) as f64;
    let bars = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| {
            let h = v / top * HEIGHT;
            Bar {
                x: n(i as f64 * slot + slot * 0.1),
                y: n(HEIGHT - h),
                width: n(slot * 0.8),
                height: n(h),
            }
        })
        .collect();
    Plot {
        id,
        title,
        bars,
        lines: Vec::new(),
        top: format!("{top} {unit}"),
    }
}

/// Lines through the days that have a value, on one scale from 0 to
/// `top` (the highest value when `None`); `show` writes the top.
pub fn lines(
    id: String,
    title: String,
    series: &[(&'static str, Vec<Option<f64>>)],
    top: Option<f64>,
    show: impl Fn(f64) -> String,
) -> Plot {
    let high = top.unwrap_or_else(|| {
        series
            .iter()
            .flat_map(|(_, vs)| vs.iter().flatten())
            .copied()
            .fold(0.0, f64::max)
    });
    let lines = series
        .iter()
        .map(|(class, values)| {
            let slot = WIDTH / values.len().max(1) as f64;
            let dots: Vec<(String, String)> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let v = (*v)?;
                    let y = if high > 0.0 { v / high * HEIGHT } else { 0.0 };
                    Some((n(i as f64 * slot + slot / 2.0), n(HEIGHT - y)))
                })
                .collect();
            let points = dots
                .iter()
                .map(|(x, y)| format!("{x},{y}"))
                .collect::<Vec<_>>()
                .join(" ");
            Line {
                class,
                points,
                dots,
            }
        })
        .collect();
    Plot {
        id,
        title,
        bars: Vec::new(),
        lines,
        top: show(high),
    }
}
