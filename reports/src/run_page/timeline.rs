//! The timeline: simulated time left to right; a lane for the nemesis, one
//! per broker (and any other server a fault named), and one per client
//! thread grouped under its node ([`super::threads`]: a process that replaced
//! a crashed one continues its thread's lane). Lost and unseen writes are
//! marked at their send time on their thread's lane, drawn or not. Operations are boxes from invocation to
//! completion coloured by outcome, each a link to its row (`#op-N`) with the
//! details in an SVG `<title>` tooltip; a transaction is a span from its
//! begin to its commit, abort or unknown end ([`super::transactions`]); faults are shaded bands behind
//! everything, and drawn again on the lanes of the nodes they hit. When the
//! run folder has the cluster's event log, its elections, ISR changes and
//! truncations get lanes of their own under the servers.
use super::cluster_events::{self, describe, EventLane};
use super::describe::value_summary;
use super::faults::Band;
use super::load::RunData;
use super::losses::LostSend;
use super::select::Selection;
use super::threads::Threads;
use super::transactions;
use crate::html::{ms_secs, secs};
use crate::svg::{ticks, Scale, Svg};
use logjam_checker::history::OpType;
use logjam_checker::AnomalyKind;
use std::collections::{BTreeMap, BTreeSet};

pub const WIDTH: f64 = 1320.0;
pub const LABEL_W: f64 = 170.0;
const LANE_H: f64 = 11.0;
const AXIS_H: f64 = 22.0;
/// Client lanes drawn at most; the rest are counted in the note.
const MAX_CLIENT_LANES: usize = 400;

/// Time axis shared by the timeline and the charts.
pub fn time_scale(data: &RunData) -> Scale {
    Scale::new(0.0, data.end_ns as f64, LABEL_W, WIDTH - 12.0)
}

enum Lane {
    Header(String),
    Nemesis,
    Server(String),
    Events(EventLane),
    /// A thread of [`Threads`].
    Client(usize),
}

/// The SVG, and a note when lanes had to be left out.
pub fn render(
    data: &RunData,
    bands: &[Band],
    sel: &Selection,
    proof: &BTreeSet<u64>,
    threads: &Threads,
    lost: &[LostSend],
) -> (String, Option<String>) {
    let x = time_scale(data);
    // Servers: every broker of the cluster, plus whatever else faults named
    // that no client op runs on (the controller, ...).
    let client_nodes: BTreeSet<&str> = data
        .history
        .ops
        .iter()
        .filter_map(|o| o.node.as_deref())
        .collect();
    let mut servers: BTreeSet<String> = (1..=data.meta.resolved_scenario.cluster.brokers)
        .map(|i| format!("broker-{i}"))
        .collect();
    for b in bands {
        for n in &b.nodes {
            if !client_nodes.contains(n.as_str()) {
                servers.insert(n.clone());
            }
        }
    }
    // Clients: the threads of the drawn ops, and of every lost write.
    let mut drawn: BTreeSet<usize> = BTreeSet::new();
    for &pi in sel.pairs.iter().chain(lost.iter().map(|l| &l.pair)) {
        let op = data.outcome_op(&data.pairs[pi]);
        if let Some(t) = threads.of.get(&op.process) {
            drawn.insert(*t);
        }
    }
    let mut lanes = vec![
        Lane::Header("faults".into()),
        Lane::Nemesis,
        Lane::Header("servers".into()),
    ];
    lanes.extend(servers.iter().cloned().map(Lane::Server));
    if !data.events.is_empty() {
        lanes.push(Lane::Header("cluster events".into()));
        lanes.extend(EventLane::ALL.into_iter().map(Lane::Events));
    }
    let mut lane_of: BTreeMap<usize, usize> = BTreeMap::new();
    let mut clients = 0usize;
    let mut dropped_lanes = 0usize;
    let mut node: Option<&str> = None;
    for t in drawn {
        if clients >= MAX_CLIENT_LANES {
            dropped_lanes += 1;
            continue;
        }
        let thread = &threads.threads[t];
        if node != Some(thread.node.as_str()) {
            node = Some(thread.node.as_str());
            lanes.push(Lane::Header(thread.node.clone()));
        }
        clients += 1;
        lane_of.insert(t, lanes.len());
        lanes.push(Lane::Client(t));
    }
    let lane_y = |i: usize| AXIS_H + i as f64 * LANE_H;
    let height = lane_y(lanes.len()) + 6.0;
    let mut svg = Svg::new(
        WIDTH,
        height,
        "timeline",
        "timeline of operations and faults",
    );
    if sel
        .pairs
        .iter()
        .any(|&pi| transactions::is_transaction(data, &data.pairs[pi]))
    {
        svg.constant(transactions::HATCH_DEFS);
    }
    // Lane labels first, outside the plot: zooming moves only the plot.
    for (i, lane) in lanes.iter().enumerate() {
        let y = lane_y(i);
        match lane {
            Lane::Header(name) => svg.text(4.0, y + 9.0, "lane-head", "start", name),
            Lane::Nemesis => svg.text(14.0, y + 9.0, "lane", "start", "nemesis"),
            Lane::Server(name) => svg.text(14.0, y + 9.0, "lane", "start", name),
            Lane::Events(which) => svg.text(14.0, y + 9.0, "lane", "start", which.label()),
            Lane::Client(t) => {
                svg.text(14.0, y + 9.0, "lane", "start", &threads.threads[*t].label())
            }
        }
    }
    // Axis (hidden while zoomed: the page names the zoomed span instead).
    let end_s = data.end_ns as f64 / 1e9;
    svg.begin_group("axis");
    for t in ticks(end_s, 12) {
        let px = x.at(t * 1e9);
        svg.text(px, AXIS_H - 8.0, "tick", "middle", &format!("{t}s"));
    }
    svg.end_group();
    svg.begin_clipped_group(
        "plot",
        "timeline-clip",
        (LABEL_W - 2.0, 0.0, WIDTH - LABEL_W + 2.0, height),
    );
    svg.begin_group("zoom");
    // Fault bands behind everything.
    for b in bands {
        let (x0, x1) = (x.at(b.start_ns as f64), x.at(b.end_ns as f64));
        let title = format!(
            "{} – {}: {}",
            secs(b.start_ns),
            if b.ended {
                secs(b.end_ns)
            } else {
                "end".into()
            },
            b.label
        );
        svg.rect(
            x0,
            AXIS_H,
            (x1 - x0).max(2.0),
            height - AXIS_H,
            &format!("band {}", b.class),
            Some(&title),
        );
    }
    for t in ticks(end_s, 12) {
        let px = x.at(t * 1e9);
        svg.line(px, AXIS_H - 4.0, px, height, "grid");
    }
    // Fault marks on server and nemesis lanes, cluster events on theirs.
    for (i, lane) in lanes.iter().enumerate() {
        let y = lane_y(i);
        match lane {
            Lane::Header(_) | Lane::Client(_) => {}
            Lane::Nemesis | Lane::Server(_) => {
                let server = match lane {
                    Lane::Server(name) => Some(name),
                    _ => None,
                };
                // The nemesis lane marks every fault; a server lane those that hit it.
                for b in bands
                    .iter()
                    .filter(|b| server.is_none_or(|n| b.nodes.contains(n)))
                {
                    let (x0, x1) = (x.at(b.start_ns as f64), x.at(b.end_ns as f64));
                    svg.rect(
                        x0,
                        y + 1.0,
                        (x1 - x0).max(3.0),
                        LANE_H - 2.0,
                        &format!("mark {}", b.class),
                        Some(&b.label),
                    );
                }
            }
            Lane::Events(which) => {
                for e in &data.events {
                    let Some((_, class)) =
                        cluster_events::lane_of(&e.event).filter(|(l, _)| l == which)
                    else {
                        continue;
                    };
                    let title = format!("{}: {}", ms_secs(e.at_ms), describe(&e.event));
                    svg.rect(
                        x.at(e.at_ms.saturating_mul(1_000_000) as f64) - 1.0,
                        y + 1.0,
                        3.0,
                        LANE_H - 2.0,
                        class,
                        Some(&title),
                    );
                }
            }
        }
    }
    // Operations.
    svg.begin_group("ops");
    let nemesis_lane = 1;
    for &pi in &sel.pairs {
        let pair = &data.pairs[pi];
        let op = data.outcome_op(pair);
        let lane = if op.process.is_nemesis() {
            nemesis_lane
        } else {
            match threads.of.get(&op.process).and_then(|t| lane_of.get(t)) {
                Some(l) => *l,
                None => continue,
            }
        };
        let (t0, t1) = (data.times[pair.first()], data.times[pair.last()]);
        let (x0, x1) = (x.at(t0 as f64), x.at(t1 as f64));
        let outcome = data.outcome(pair);
        let first = data.op(pair.first()).index;
        let cited = [pair.invoke, pair.completion]
            .into_iter()
            .flatten()
            .any(|p| proof.contains(&data.op(p).index));
        let (class, title) = if transactions::is_transaction(data, pair) {
            (
                transactions::span_class(outcome, cited),
                transactions::span_title(data, pair),
            )
        } else {
            let class = match (outcome, cited) {
                (OpType::Ok, false) => "op ok",
                (OpType::Fail, false) => "op fail",
                (_, false) => "op info",
                (OpType::Ok, true) => "op ok proof",
                (OpType::Fail, true) => "op fail proof",
                (_, true) => "op info proof",
            };
            let title = format!(
                "op {first}: {} {} {}, {}–{}; {}",
                op.process,
                op.f,
                outcome.as_str(),
                secs(t0),
                secs(t1),
                value_summary(op)
            );
            (class, title)
        };
        svg.begin_link(&format!("#op-{first}"));
        let y = lane_y(lane);
        if op.process.is_nemesis() {
            svg.circle(x0, y + LANE_H / 2.0, 3.0, class, Some(&title));
        } else {
            // A transaction's span fills its lane, so its outline (dashed
            // for an unknown end) shows beside single sends and polls.
            let inset = if class.starts_with("op txn") {
                0.5
            } else {
                1.5
            };
            svg.rect(
                x0,
                y + inset,
                (x1 - x0).max(2.0),
                LANE_H - 2.0 * inset,
                class,
                Some(&title),
            );
        }
        svg.end_link();
    }
    svg.end_group();
    // Lost and unseen writes at their send time, whether or not the send's
    // box is drawn: a tall tick through the thread's lane.
    svg.begin_group("losses");
    for l in lost {
        let op = data.outcome_op(&data.pairs[l.pair]);
        let Some(lane) = threads.of.get(&op.process).and_then(|t| lane_of.get(t)) else {
            continue;
        };
        let (class, what) = match l.kind {
            AnomalyKind::LostWrite => ("lost lost-write", "lost write"),
            _ => ("lost unseen", "unseen write"),
        };
        svg.begin_link(&format!("#op-{}", l.op));
        svg.rect(
            x.at(l.at_ns as f64) - 1.0,
            lane_y(*lane) - 1.0,
            2.5,
            LANE_H + 2.0,
            class,
            Some(&format!(
                "{what}: op {} to {}, sent at {}",
                l.op,
                l.key,
                secs(l.at_ns)
            )),
        );
        svg.end_link();
    }
    svg.end_group();
    svg.end_group();
    svg.end_group();
    let note = (dropped_lanes > 0).then(|| {
        format!("{dropped_lanes} client thread lanes not drawn (at most {MAX_CLIENT_LANES}); their operations are in the table below.")
    });
    (svg.finish(), note)
}
