//! Anomalies grouped into incidents: one story told once. Two anomalies of
//! one kind (one mechanism) belong to the same incident when they concern the
//! same partition, their offsets are adjacent (at most [`ADJACENT_OFFSETS`]
//! apart) and the writes were made in the same fault window. A leader that
//! truncates 300 acknowledged records is one incident of 300 lost writes, not
//! 300 cards.
use super::faults::Band;
use super::load::RunData;
use logjam_checker::Anomaly;

/// Offsets at most this far apart are adjacent: a truncation removes a
/// contiguous stretch of the log, in which other writers' records (not
/// anomalous) sit between the ones that are.
pub const ADJACENT_OFFSETS: i64 = 8;

pub struct Incident<'a> {
    /// In the order found (offset order within a partition).
    pub anomalies: Vec<&'a Anomaly>,
    /// Proof ops' time span over the whole incident, in simulated ns.
    pub from_ns: u64,
    pub to_ns: u64,
    /// The smallest and largest of the anomalies' own offsets (each one's
    /// first: a lost write also names the offset the read reached).
    pub offsets: Option<(i64, i64)>,
    /// The fault band the first write was made in (or the next one after it).
    pub band: Option<usize>,
}

impl Incident<'_> {
    pub fn key(&self) -> &str {
        &self.anomalies[0].key
    }
}

/// The time span of an anomaly's proof ops, `None` when none is in the history.
pub fn span(data: &RunData, a: &Anomaly) -> Option<(u64, u64)> {
    let (mut from_ns, mut to_ns) = (u64::MAX, 0);
    for pos in a.ops.iter().filter_map(|i| data.pos_of(*i)) {
        let pair = &data.pairs[data.pair_of[pos]];
        from_ns = from_ns.min(data.times[pair.first()]);
        to_ns = to_ns.max(data.times[pair.last()]);
    }
    (from_ns <= to_ns).then_some((from_ns, to_ns))
}

/// The fault window a write made at `at_ns` belongs to: the band it was made
/// in, else the nearest one in time. A write just before a partition is
/// lost when the partition cuts its leader off; one just after a heal, when
/// the old leader rejoins and truncates: either way the nearest fault.
fn window(bands: &[Band], at_ns: u64) -> Option<usize> {
    let distance = |b: &Band| {
        if at_ns < b.start_ns {
            b.start_ns - at_ns
        } else {
            at_ns.saturating_sub(b.end_ns)
        }
    };
    (0..bands.len()).min_by_key(|&i| (distance(&bands[i]), i))
}

/// Group `list` (one kind's anomalies) into incidents, ordered by when they
/// began.
pub fn group<'a>(data: &RunData, bands: &[Band], list: &'a [Anomaly]) -> Vec<Incident<'a>> {
    struct Item<'a> {
        a: &'a Anomaly,
        from_ns: u64,
        to_ns: u64,
        offset: Option<i64>,
        band: Option<usize>,
    }
    let mut items: Vec<Item<'a>> = list
        .iter()
        .map(|a| {
            let (from_ns, to_ns) = span(data, a).unwrap_or((0, 0));
            Item {
                a,
                from_ns,
                to_ns,
                offset: a.offsets.first().copied(),
                band: window(bands, from_ns),
            }
        })
        .collect();
    // Partition, then fault window, then offset (anomalies without one by time).
    items.sort_by(|x, y| {
        (
            x.a.key.as_str(),
            x.band,
            x.offset.is_none(),
            x.offset,
            x.from_ns,
        )
            .cmp(&(
                y.a.key.as_str(),
                y.band,
                y.offset.is_none(),
                y.offset,
                y.from_ns,
            ))
    });
    let mut out: Vec<Incident<'a>> = Vec::new();
    for it in items {
        let joins = out.last().is_some_and(|inc: &Incident<'a>| {
            inc.key() == it.a.key
                && inc.band == it.band
                && match (inc.offsets, it.offset) {
                    (Some((_, hi)), Some(o)) => o - hi <= ADJACENT_OFFSETS,
                    (None, None) => true,
                    _ => false,
                }
        });
        let offsets = it.offset.map(|o| (o, o));
        if joins {
            let inc = out.last_mut().expect("joins an incident");
            inc.anomalies.push(it.a);
            inc.from_ns = inc.from_ns.min(it.from_ns);
            inc.to_ns = inc.to_ns.max(it.to_ns);
            if let (Some((lo, hi)), Some((a, b))) = (inc.offsets, offsets) {
                inc.offsets = Some((lo.min(a), hi.max(b)));
            }
        } else {
            out.push(Incident {
                anomalies: vec![it.a],
                from_ns: it.from_ns,
                to_ns: it.to_ns,
                offsets,
                band: it.band,
            });
        }
    }
    out.sort_by_key(|inc| (inc.from_ns, inc.key().to_string()));
    out
}
