//! The plots people read instead of tables: lost and unseen writes per
//! second at their send time, over the fault bands (when the data that was
//! lost was written); and every operation's latency as a dot on a log axis
//! coloured by outcome (Jepsen's latency-raw), so timeouts under faults
//! show. Dots are drawn to scale, nothing left out: one path per outcome,
//! one square per pixel hit, so a 100,000-operation run stays small.
use super::charts::{frame, BOTTOM, H, TOP};
use super::faults::Band;
use super::load::RunData;
use super::losses::LostSend;
use super::timeline::WIDTH;
use crate::html::{secs, thousands};
use crate::svg::Scale;
use logjam_checker::history::OpType;
use logjam_checker::AnomalyKind;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Lost and unseen writes per simulated second (by send time); `None` when
/// nothing was lost.
pub fn loss_rate(data: &RunData, bands: &[Band], lost: &[LostSend]) -> Option<String> {
    if lost.is_empty() {
        return None;
    }
    // The throughput chart's buckets: bounded in number whatever the times.
    let bucket = super::charts::bucket_ns(data);
    let n = (data.end_ns / bucket + 1) as usize;
    let mut counts = vec![(0u64, 0u64); n];
    for l in lost {
        let c = &mut counts[((l.at_ns / bucket) as usize).min(n - 1)];
        match l.kind {
            AnomalyKind::LostWrite => c.0 += 1,
            _ => c.1 += 1,
        }
    }
    let per_s = 1e9 / bucket as f64;
    let peak = (counts.iter().map(|(a, b)| a + b).max().unwrap_or(1).max(1) as f64 * per_s).ceil();
    let (mut svg, x, y) = frame(
        data,
        bands,
        "lost writes per second, by send time",
        peak,
        "",
    );
    let right = WIDTH - 12.0;
    for (i, (lw, un)) in counts.iter().enumerate() {
        let t0 = i as u64 * bucket;
        let (x0, x1) = (x.at(t0 as f64), x.at((t0 + bucket) as f64).min(right));
        let w = (x1 - x0 - 1.0).max(1.0);
        let mut base = 0.0;
        for (count, class, what) in [
            (*lw, "bar lost-write", "lost"),
            (*un, "bar unseen", "unseen"),
        ] {
            if count == 0 {
                continue;
            }
            let rate = count as f64 * per_s;
            let (top, bottom) = (y.at(base + rate), y.at(base));
            let title = format!(
                "{}–{}: {count} {what} writes sent",
                secs(t0),
                secs(t0 + bucket)
            );
            svg.rect(x0, top, w, bottom - top, class, Some(&title));
            base += rate;
        }
    }
    Some(svg.finish())
}

/// Every client operation's latency (invocation to completion; an operation
/// that never completed is drawn at the end of the run as `info`), by
/// invocation time, log scale.
pub fn latency_raw(data: &RunData, bands: &[Band]) -> String {
    let mut dots: Vec<(u64, f64, OpType)> = Vec::new();
    for pair in &data.pairs {
        let op = data.outcome_op(pair);
        if op.process.is_nemesis() {
            continue;
        }
        let Some(inv) = pair.invoke else { continue };
        let t0 = data.times[inv];
        let t1 = match pair.completion {
            Some(c) => data.times[c],
            None => data.end_ns,
        };
        dots.push((
            t0,
            (t1.saturating_sub(t0) as f64 / 1e6).max(0.01),
            data.outcome(pair),
        ));
    }
    let max_ms = dots.iter().map(|d| d.1).fold(1.0f64, f64::max);
    // Decades from 0.1 ms to the slowest operation.
    let top_decade = max_ms.log10().ceil().max(0.0);
    let (mut svg, x, _) = frame(data, bands, "latency of every operation", 0.0, "");
    let y = Scale::new(-1.0, top_decade, H - BOTTOM, TOP);
    let mut d = -1i32;
    while d as f64 <= top_decade {
        let py = y.at(d as f64);
        svg.line(super::timeline::LABEL_W, py, WIDTH - 12.0, py, "grid");
        let ms = 10f64.powi(d);
        svg.text(
            super::timeline::LABEL_W - 6.0,
            py + 4.0,
            "tick",
            "end",
            &format!("{ms} ms"),
        );
        d += 1;
    }
    let mut paths = [String::new(), String::new(), String::new()];
    let mut hit: BTreeSet<(u8, i32, i32)> = BTreeSet::new();
    let mut counts = [0u64; 3];
    for (t0, ms, outcome) in &dots {
        let which = match outcome {
            OpType::Ok => 0,
            OpType::Fail => 1,
            _ => 2,
        };
        counts[which] += 1;
        let px = x.at(*t0 as f64).round() as i32;
        let py = y.at(ms.log10().max(-1.0)).round() as i32;
        if hit.insert((which as u8, px, py)) {
            let _ = write!(paths[which], "M{px} {py}h2v2h-2z");
        }
    }
    for (i, class) in ["dot ok", "dot fail", "dot info"].iter().enumerate() {
        let title = format!("{} {} operations", thousands(counts[i]), &class[4..]);
        svg.path(&paths[i], class, Some(&title));
    }
    svg.finish()
}

/// For group runs: each partition's committed offset over time (every
/// acknowledged commit, at its completion), one line per partition, with the
/// group's rebalances from the cluster's event log marked and labelled with
/// their generation. `None` when the history has no acknowledged commit.
pub fn committed_offsets(data: &RunData, bands: &[Band]) -> Option<String> {
    use logjam_checker::history::OpValue;
    use logjam_models::events::ClusterEvent;
    use std::collections::BTreeMap;
    let mut series: BTreeMap<&str, Vec<(u64, i64)>> = BTreeMap::new();
    for pair in &data.pairs {
        let (Some(inv), Some(done)) = (pair.invoke, pair.completion) else {
            continue;
        };
        let op = data.op(inv);
        if op.f != "commit" || data.outcome(pair) != OpType::Ok {
            continue;
        }
        if let OpValue::Offsets(offsets) = &op.value {
            for (key, o) in offsets {
                series
                    .entry(key.as_str())
                    .or_default()
                    .push((data.times[done], *o));
            }
        }
    }
    if series.is_empty() {
        return None;
    }
    let max = series
        .values()
        .flatten()
        .map(|(_, o)| *o)
        .max()
        .unwrap_or(1)
        .max(1);
    let (mut svg, x, y) = frame(
        data,
        bands,
        "committed offset per partition",
        max as f64,
        "",
    );
    for e in &data.events {
        if let ClusterEvent::GroupRebalanced {
            generation,
            group,
            members,
            ..
        } = &e.event
        {
            let px = x.at(e.at_ms.saturating_mul(1_000_000) as f64);
            let title = format!(
                "{}: group {group} rebalanced, generation {generation}, {} members",
                crate::html::ms_secs(e.at_ms),
                members.len()
            );
            svg.rect(
                px - 0.75,
                TOP,
                1.5,
                H - BOTTOM - TOP,
                "rebalance",
                Some(&title),
            );
            svg.text(
                px + 2.0,
                TOP + 9.0,
                "gen",
                "start",
                &format!("g{generation}"),
            );
        }
    }
    for (i, (key, points)) in series.iter().enumerate() {
        // A step line: an offset holds until the next commit moves it.
        let mut pts: Vec<(f64, f64)> = Vec::with_capacity(points.len() * 2);
        for (t, o) in points {
            if let Some(&(_, py)) = pts.last() {
                pts.push((x.at(*t as f64), py));
            }
            pts.push((x.at(*t as f64), y.at(*o as f64)));
        }
        let class = format!("line part-{}", i % 6);
        svg.polyline(&pts, &class);
        if let Some(&(px, py)) = pts.last() {
            svg.text(px + 3.0, py + 3.0, "tick", "start", key);
        }
    }
    Some(svg.finish())
}
