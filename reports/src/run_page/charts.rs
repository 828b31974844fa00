//! Throughput and latency over simulated time, per simulated second, with
//! the fault bands behind them so a dip lines up with its cause. Throughput
//! counts sends by outcome (acknowledged, unknown, failed) at completion;
//! latency is invocation to acknowledgement of `ok` sends, median and p99.
use super::faults::Band;
use super::load::RunData;
use super::timeline::{time_scale, LABEL_W, WIDTH};
use crate::svg::{ticks, Scale, Svg};
use logjam_checker::history::{MicroOp, OpType};

pub(super) const H: f64 = 170.0;
pub(super) const TOP: f64 = 12.0;
pub(super) const BOTTOM: f64 = 24.0;

#[derive(Default, Clone)]
struct Second {
    ok: u64,
    info: u64,
    fail: u64,
    latencies_ms: Vec<f64>,
}

/// However long a history says it ran (a `time` near 2^63 ns is valid
/// input), the charts draw at most this many buckets (issue 14 §6).
const MAX_BUCKETS: u64 = 2_000;

/// The bucket width: a simulated second, or a twentieth of a run shorter
/// than five seconds (rates are still per second), widened so a run is at
/// most `MAX_BUCKETS` buckets.
pub(super) fn bucket_ns(data: &RunData) -> u64 {
    let width = if data.end_ns >= 5_000_000_000 {
        1_000_000_000
    } else {
        (data.end_ns / 20).max(1_000_000)
    };
    width.max(data.end_ns / MAX_BUCKETS + 1)
}

fn seconds(data: &RunData) -> Vec<Second> {
    let bucket = bucket_ns(data);
    let n = (data.end_ns / bucket + 1) as usize;
    let mut out = vec![Second::default(); n];
    for pair in &data.pairs {
        let done = data.outcome_op(pair);
        if done.f != "send" || done.process.is_nemesis() {
            continue;
        }
        let sends = done
            .value
            .micro_ops()
            .iter()
            .filter(|m| matches!(m, MicroOp::Send { .. }))
            .count() as u64;
        let t1 = data.times[pair.last()];
        let s = &mut out[((t1 / bucket) as usize).min(n - 1)];
        match data.outcome(pair) {
            OpType::Ok => {
                s.ok += sends;
                if let Some(inv) = pair.invoke {
                    s.latencies_ms
                        .push(t1.saturating_sub(data.times[inv]) as f64 / 1e6);
                }
            }
            OpType::Fail => s.fail += sends,
            _ => s.info += sends,
        }
    }
    out
}

pub(super) fn frame(
    data: &RunData,
    bands: &[Band],
    label: &str,
    y_max: f64,
    unit: &str,
) -> (Svg, Scale, Scale) {
    let x = time_scale(data);
    let y = Scale::new(0.0, y_max, H - BOTTOM, TOP);
    let mut svg = Svg::new(WIDTH, H, "chart", label);
    for b in bands {
        let (x0, x1) = (x.at(b.start_ns as f64), x.at(b.end_ns as f64));
        svg.rect(
            x0,
            TOP,
            (x1 - x0).max(2.0),
            H - BOTTOM - TOP,
            &format!("band {}", b.class),
            Some(&b.label),
        );
    }
    // A plot with its own (log) axis passes 0 and draws its ticks itself.
    for v in ticks(y_max, 4).into_iter().filter(|_| y_max > 0.0) {
        let py = y.at(v);
        svg.line(LABEL_W, py, WIDTH - 12.0, py, "grid");
        svg.text(
            LABEL_W - 6.0,
            py + 4.0,
            "tick",
            "end",
            &format!("{v} {unit}"),
        );
    }
    for t in ticks(data.end_ns as f64 / 1e9, 12) {
        let px = x.at(t * 1e9);
        svg.text(px, H - 8.0, "tick", "middle", &format!("{t}s"));
    }
    svg.text(4.0, TOP + 10.0, "lane-head", "start", label);
    (svg, x, y)
}

/// (throughput chart, latency chart).
pub fn render(data: &RunData, bands: &[Band]) -> (String, String) {
    let secs = seconds(data);
    let bucket = bucket_ns(data) as f64;
    let per_s = 1e9 / bucket;
    let right = WIDTH - 12.0;
    let peak = (secs
        .iter()
        .map(|s| s.ok + s.info + s.fail)
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * per_s)
        .ceil();
    let (mut svg, x, y) = frame(data, bands, "sends per second", peak, "");
    for (i, s) in secs.iter().enumerate() {
        let t0 = i as f64 * bucket;
        let (x0, x1) = (x.at(t0), x.at(t0 + bucket).min(right));
        let w = (x1 - x0 - 1.0).max(1.0);
        let mut base = 0.0;
        for (n, class) in [(s.ok, "bar ok"), (s.info, "bar info"), (s.fail, "bar fail")] {
            if n == 0 {
                continue;
            }
            let rate = n as f64 * per_s;
            let (top, bottom) = (y.at(base + rate), y.at(base));
            let title = format!(
                "{}–{}: {n} {} sends",
                secs_at(t0),
                secs_at(t0 + bucket),
                &class[4..]
            );
            svg.rect(x0, top, w, bottom - top, class, Some(&title));
            base += rate;
        }
    }
    let throughput = svg.finish();

    let mut medians = Vec::new();
    let mut p99s = Vec::new();
    let mut lat_max: f64 = 1.0;
    for (i, s) in secs.iter().enumerate() {
        if s.latencies_ms.is_empty() {
            continue;
        }
        let mut l = s.latencies_ms.clone();
        l.sort_by(f64::total_cmp);
        let q = |p: f64| l[(((l.len() - 1) as f64) * p).round() as usize];
        medians.push((i, q(0.5)));
        p99s.push((i, q(0.99)));
        lat_max = lat_max.max(q(0.99));
    }
    let (mut svg, x, y) = frame(data, bands, "send latency", lat_max, "ms");
    for (series, class) in [(&p99s, "line p99"), (&medians, "line median")] {
        let pts: Vec<(f64, f64)> = series
            .iter()
            .map(|(i, v)| (x.at((*i as f64 + 0.5) * bucket).min(right), y.at(*v)))
            .collect();
        svg.polyline(&pts, class);
        for ((i, v), (px, py)) in series.iter().zip(&pts) {
            let t0 = *i as f64 * bucket;
            let title = format!(
                "{}–{}: {} {v:.1} ms",
                secs_at(t0),
                secs_at(t0 + bucket),
                &class[5..]
            );
            svg.circle(*px, *py, 2.0, class, Some(&title));
        }
    }
    (throughput, svg.finish())
}

fn secs_at(ns: f64) -> String {
    crate::html::secs(ns as u64)
}
