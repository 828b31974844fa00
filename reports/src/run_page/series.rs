//! Jepsen's informational plots from `result.json`'s `series`: values sent
//! but not yet read over time, and realtime lag per key (how far behind the
//! log's end each poll was, at least), with the fault bands behind them.
//! They judge nothing; a rising unseen line that never comes down is loss or
//! a stuck consumer, a lag spike lines up with its fault.
use super::charts::frame;
use super::faults::Band;
use super::load::RunData;
use super::timeline::WIDTH;
use logjam_checker::SeriesPoint;

/// Keys drawn on the lag chart: the ones with the worst lag.
const LAG_KEYS: usize = 6;

fn line(
    svg: &mut crate::svg::Svg,
    x: crate::svg::Scale,
    y: crate::svg::Scale,
    points: &[SeriesPoint],
    class: &str,
    title: impl Fn(&SeriesPoint) -> String,
) {
    let right = WIDTH - 12.0;
    let pts: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (x.at(p.time_ns as f64).min(right), y.at(p.value as f64)))
        .collect();
    svg.polyline(&pts, &format!("line {class}"));
    for (p, (px, py)) in points.iter().zip(&pts) {
        svg.circle(*px, *py, 1.5, class, Some(&title(p)));
    }
}

/// (unseen chart, lag chart, a note naming keys left off the lag chart);
/// empty charts when the history had no times.
pub fn render(data: &RunData, bands: &[Band]) -> (String, String, Option<String>) {
    let series = &data.result.series;
    let unseen = if series.unseen.is_empty() {
        String::new()
    } else {
        let peak = series
            .unseen
            .iter()
            .map(|p| p.value)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let (mut svg, x, y) = frame(data, bands, "unseen values", peak, "");
        line(&mut svg, x, y, &series.unseen, "unseen", |p| {
            format!("{}: {} sent, not yet read", secs(p.time_ns), p.value)
        });
        svg.finish()
    };
    let mut keys: Vec<(&String, &logjam_checker::KeyLag)> = series.realtime_lag.iter().collect();
    keys.sort_by(|a, b| b.1.worst_lag_ns.cmp(&a.1.worst_lag_ns).then(a.0.cmp(b.0)));
    let left_off = keys.len().saturating_sub(LAG_KEYS);
    keys.truncate(LAG_KEYS);
    let lag = if keys.is_empty() {
        String::new()
    } else {
        let peak_ms = keys
            .iter()
            .map(|(_, l)| l.worst_lag_ns as f64 / 1e6)
            .fold(1.0, f64::max)
            .ceil();
        let (mut svg, x, y) = frame(data, bands, "realtime lag", peak_ms, "ms");
        let in_ms: Vec<Vec<SeriesPoint>> = keys
            .iter()
            .map(|(_, l)| {
                l.series
                    .iter()
                    .map(|p| SeriesPoint {
                        time_ns: p.time_ns,
                        value: p.value / 1_000_000,
                    })
                    .collect()
            })
            .collect();
        for (i, ((key, _), points)) in keys.iter().zip(&in_ms).enumerate() {
            line(&mut svg, x, y, points, &format!("lag k{i}"), |p| {
                format!(
                    "{key} at {}: at least {} ms behind",
                    secs(p.time_ns),
                    p.value
                )
            });
        }
        svg.finish()
    };
    let note = (left_off > 0).then(|| {
        format!("{left_off} more keys with smaller lag are in result.json (series.realtime_lag).")
    });
    (unseen, lag, note)
}

fn secs(ns: u64) -> String {
    crate::html::secs(ns)
}
