//! The per-partition offset grid: for each offset, the value(s) found there,
//! who wrote them (acknowledged sends with a known offset) and who read them
//! (polls). An offset holding two values is a conflict (a lost or divergent
//! write); a stretch no send or read ever named is a gap; offsets an anomaly
//! names are marked. A strip above each table shows the whole partition at a
//! glance; the table is capped per partition, with the rest counted.
use super::load::RunData;
use crate::html::thousands;
use crate::svg::{Scale, Svg};
use logjam_checker::history::{MicroOp, OpType, OpValue, Process, Val};
use std::collections::{BTreeMap, BTreeSet};

/// Reader names listed per value; more are counted.
const MAX_NAMES: usize = 3;
const STRIP_W: f64 = 1100.0;

#[derive(Default)]
struct Entry {
    writers: BTreeSet<Process>,
    readers: BTreeSet<Process>,
    final_read: bool,
    /// Group members that finished processing it (`process` ok).
    processors: BTreeSet<Process>,
}

type Cells = BTreeMap<i64, BTreeMap<Val, Entry>>;

pub struct PartitionGrid {
    /// The history has consumer-group commits: show processed-by / committed-at.
    pub group: bool,
    pub key: String,
    pub anchor: String,
    pub summary: String,
    /// Open the `<details>` when there is something to look at.
    pub open: bool,
    pub strip: String,
    pub rows: Vec<GridRow>,
    pub note: Option<String>,
}

pub struct GridRow {
    /// `{partition anchor}-o-{first offset}`: what a strip tick links to.
    pub id: String,
    /// The first offset of the row.
    pub first: i64,
    pub offset: String,
    /// `ok`, `unread`, `gap`, `conflict`; `anom` added when an anomaly names the offset.
    pub class: String,
    pub values: String,
    pub writers: String,
    pub readers: String,
    /// Consumer-group members that finished processing it ("" outside group runs).
    pub processors: String,
    /// When the group's committed offset first passed it ("" for never).
    pub committed_at: String,
    pub note: String,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Ok,
    Unread,
    Gap,
    Conflict,
}

impl Status {
    fn class(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Unread => "unread",
            Status::Gap => "gap",
            Status::Conflict => "conflict",
        }
    }
}

pub fn render(data: &RunData, cap: usize) -> Vec<PartitionGrid> {
    let mut keys: BTreeMap<String, Cells> = BTreeMap::new();
    // Per key, (time, next offset) of each commit that moved it forward.
    let mut commits: BTreeMap<String, Vec<(u64, i64)>> = BTreeMap::new();
    for (pos, op) in data.history.ops.iter().enumerate() {
        if op.op_type == OpType::Invoke || op.op_type == OpType::Fail {
            continue;
        }
        let _ = pos;
        for m in op.value.micro_ops() {
            match m {
                MicroOp::Send {
                    key,
                    value,
                    offset: Some(o),
                } => {
                    let e = cell(&mut keys, key, *o, value);
                    e.writers.insert(op.process.clone());
                }
                MicroOp::Poll { reads: Some(r) } => {
                    for (key, recs) in r {
                        for (o, v) in recs {
                            let e = cell(&mut keys, key, *o, v);
                            e.readers.insert(op.process.clone());
                            e.final_read |= op.final_read;
                        }
                    }
                }
                _ => {}
            }
        }
        if op.op_type == OpType::Ok && op.f == "process" {
            if let OpValue::Records(reads) = &op.value {
                for (key, recs) in reads {
                    for (o, v) in recs {
                        cell(&mut keys, key, *o, v)
                            .processors
                            .insert(op.process.clone());
                    }
                }
            }
        }
        if op.op_type == OpType::Ok && op.f == "commit" {
            if let (OpValue::Offsets(offsets), Some(t)) = (&op.value, op.time_ns) {
                for (key, next) in offsets {
                    let c = commits.entry(key.clone()).or_default();
                    // The first time a commit passed each offset: commits only
                    // count when they move the group's offset forward.
                    if c.last().is_none_or(|(_, o)| next > o) {
                        c.push((t, *next));
                    }
                }
            }
        }
    }
    let mut flagged: BTreeMap<&str, BTreeMap<i64, BTreeSet<&'static str>>> = BTreeMap::new();
    for (kind, list) in &data.result.anomalies {
        for a in list {
            for o in &a.offsets {
                flagged
                    .entry(a.key.as_str())
                    .or_default()
                    .entry(*o)
                    .or_default()
                    .insert(kind.as_str());
            }
        }
    }
    keys.iter()
        .map(|(key, cells)| {
            partition(
                key,
                cells,
                flagged.get(key.as_str()),
                commits.get(key).map(Vec::as_slice).unwrap_or(&[]),
                cap,
            )
        })
        .collect()
}

fn cell<'a>(keys: &'a mut BTreeMap<String, Cells>, key: &str, o: i64, v: &Val) -> &'a mut Entry {
    if !keys.contains_key(key) {
        keys.insert(key.to_string(), Cells::new());
    }
    let cells = keys.get_mut(key).expect("inserted above");
    cells.entry(o).or_default().entry(v.clone()).or_default()
}

fn names(set: &BTreeSet<Process>) -> String {
    let mut out: Vec<String> = set.iter().take(MAX_NAMES).map(|p| p.to_string()).collect();
    if set.len() > MAX_NAMES {
        out.push(format!("+{}", set.len() - MAX_NAMES));
    }
    out.join(", ")
}

fn partition(
    key: &str,
    cells: &Cells,
    flagged: Option<&BTreeMap<i64, BTreeSet<&'static str>>>,
    commits: &[(u64, i64)],
    cap: usize,
) -> PartitionGrid {
    let empty = BTreeMap::new();
    let flagged = flagged.unwrap_or(&empty);
    let max = cells.keys().next_back().copied().unwrap_or(0).max(0);
    // Rows in offset order, a gap collapsed into one row.
    let mut rows: Vec<(i64, i64, Status)> = Vec::new();
    let mut next = 0i64;
    for (&o, vals) in cells {
        if o > next {
            rows.push((next, o - 1, Status::Gap));
        }
        let status = if vals.len() > 1 {
            Status::Conflict
        } else if vals.values().all(|e| e.readers.is_empty()) {
            Status::Unread
        } else {
            Status::Ok
        };
        rows.push((o, o, status));
        next = next.max(o + 1);
    }
    let mut tally: BTreeMap<Status, u64> = BTreeMap::new();
    for (a, b, s) in &rows {
        *tally.entry(*s).or_insert(0) += (b - a + 1) as u64;
    }
    let anchor = format!("p-{}", crate::html::path_url(&[key.to_string()]));
    let mut shown = Vec::new();
    let mut hidden = 0u64;
    let extra_cap = cap / 4;
    let mut extra = 0usize;
    for &(a, b, s) in &rows {
        let marks: Vec<&str> = flagged
            .range(a..=b)
            .flat_map(|(_, k)| k.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let interesting = s == Status::Conflict || s == Status::Gap || !marks.is_empty();
        if shown.len() >= cap && !(interesting && extra < extra_cap) {
            hidden += (b - a + 1) as u64;
            continue;
        }
        if shown.len() >= cap {
            extra += 1;
        }
        shown.push(row(a, b, s, cells, &marks, &anchor, commits));
    }
    let listed: BTreeSet<i64> = shown.iter().map(|r: &GridRow| r.first).collect();
    let strip = strip(key, &rows, flagged, max, &anchor, &listed);
    let count = |s| tally.get(&s).copied().unwrap_or(0);
    let anomalous = flagged.len() as u64;
    let summary = format!(
        "offsets 0–{max}: {} read, {} written but never read, {} in gaps, {} conflicts, {} named by anomalies",
        thousands(count(Status::Ok)),
        thousands(count(Status::Unread)),
        thousands(count(Status::Gap)),
        thousands(count(Status::Conflict)),
        thousands(anomalous),
    );
    let note = (hidden > 0).then(|| {
        format!(
            "{} offsets not listed (the table shows the first {} rows, then only gaps, conflicts and offsets anomalies name); the strip above covers them all.",
            thousands(hidden),
            thousands(cap as u64)
        )
    });
    PartitionGrid {
        group: !commits.is_empty(),
        key: key.to_string(),
        anchor,
        summary,
        open: count(Status::Conflict) + anomalous > 0,
        strip,
        rows: shown,
        note,
    }
}

fn row(
    a: i64,
    b: i64,
    s: Status,
    cells: &Cells,
    marks: &[&str],
    anchor: &str,
    commits: &[(u64, i64)],
) -> GridRow {
    let id = format!("{anchor}-o-{a}");
    // Committed once a commit's next offset is past it.
    let committed_at = commits
        .iter()
        .find(|(_, next)| *next > a)
        .map(|(t, _)| crate::html::secs(*t))
        .unwrap_or_default();
    let mut class = s.class().to_string();
    if !marks.is_empty() {
        class.push_str(" anom");
    }
    let note = marks.join(", ");
    if s == Status::Gap {
        return GridRow {
            id,
            first: a,
            offset: if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            },
            class,
            values: String::new(),
            writers: String::new(),
            readers: String::new(),
            processors: String::new(),
            committed_at,
            note: if note.is_empty() {
                "no record seen".into()
            } else {
                format!("no record seen; {note}")
            },
        };
    }
    let vals = &cells[&a];
    let join = |f: &dyn Fn(&Entry) -> String| vals.values().map(f).collect::<Vec<_>>().join(" | ");
    GridRow {
        id,
        first: a,
        offset: a.to_string(),
        class,
        values: vals
            .keys()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        writers: join(&|e| names(&e.writers)),
        readers: join(&|e| {
            let n = names(&e.readers);
            if e.final_read {
                format!("{n} (final)")
            } else {
                n
            }
        }),
        processors: join(&|e| names(&e.processors)),
        committed_at,
        note,
    }
}

/// One row of pixels for the whole partition; where offsets share a pixel
/// the worst status wins, and anomaly offsets get a tick above.
fn strip(
    key: &str,
    rows: &[(i64, i64, Status)],
    flagged: &BTreeMap<i64, BTreeSet<&'static str>>,
    max: i64,
    anchor: &str,
    listed: &BTreeSet<i64>,
) -> String {
    let x = Scale::new(0.0, (max + 1) as f64, 0.0, STRIP_W);
    let mut svg = Svg::new(STRIP_W, 22.0, "strip", &format!("offsets of {key}"));
    let buckets = STRIP_W as usize;
    let mut worst: Vec<Option<Status>> = vec![None; buckets];
    for &(a, b, s) in rows {
        let (ba, bb) = (
            x.at(a as f64) as usize,
            (x.at((b + 1) as f64).ceil() as usize).max(x.at(a as f64) as usize + 1),
        );
        for w in worst
            .iter_mut()
            .take(bb.min(buckets))
            .skip(ba.min(buckets - 1))
        {
            *w = Some(w.map_or(s, |c| c.max(s)));
        }
    }
    let mut i = 0;
    while i < buckets {
        let Some(s) = worst[i] else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < buckets && worst[j] == Some(s) {
            j += 1;
        }
        svg.rect(
            i as f64,
            6.0,
            (j - i) as f64,
            16.0,
            &format!("cell {}", s.class()),
            None,
        );
        i = j;
    }
    for (o, kinds) in flagged {
        let title = format!(
            "offset {o}: {}",
            kinds.iter().copied().collect::<Vec<_>>().join(", ")
        );
        // The tick opens the row holding its offset (a gap row starts below it).
        let start = rows
            .partition_point(|(a, _, _)| *a <= *o)
            .checked_sub(1)
            .map(|i| rows[i].0)
            .filter(|a| listed.contains(a));
        let href = match start {
            Some(a) => format!("#{anchor}-o-{a}"),
            None => format!("#{anchor}"),
        };
        svg.begin_link(&href);
        svg.rect(
            x.at(*o as f64) - 1.5,
            0.0,
            4.0,
            22.0,
            "cell anom",
            Some(&title),
        );
        svg.end_link();
    }
    svg.finish()
}
