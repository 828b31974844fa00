//! Faults as the pages show them: each applied fault (`faults.jsonl`, or the
//! history's nemesis ops when that file is missing) becomes an event, and
//! events pair up into bands from the fault to what ended it (heal ends
//! partitions, restart ends crashes, resume ends pauses). Bands still open at
//! the end of the history run to its end. Fault names are read by the
//! checker's `fault_class`, from `f` strings rather than the harness's `Fault`
//! enum, so a page can still be drawn for a fault kind added later.
use crate::html::and_list;
use logjam_checker::fault_class::{classify, FaultClass, FaultUndo};
use logjam_checker::history::{History, OpType, OpValue};
use serde::Deserialize;
use serde_json::Value;

/// One line of `faults.jsonl`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FaultEvent {
    pub at_ms: u64,
    pub f: String,
    /// The fault as scheduled (its role target, e.g. `{"leader-of": "orders/0"}`).
    #[serde(default)]
    pub fault: Value,
    /// What it resolved to: the nodes hit, or `{"skipped": why}`.
    #[serde(default)]
    pub value: Value,
}

impl FaultEvent {
    /// From the history's nemesis ops, for folders without `faults.jsonl`.
    pub fn from_history(h: &History) -> Vec<Self> {
        h.ops
            .iter()
            .filter(|o| o.process.is_nemesis() && o.op_type != OpType::Invoke)
            .map(|o| FaultEvent {
                at_ms: o.time_ns.unwrap_or(0) / 1_000_000,
                f: o.f.to_string(),
                fault: Value::Null,
                value: match &o.value {
                    OpValue::Other(v) => v.clone(),
                    _ => Value::Null,
                },
            })
            .collect()
    }

    /// A fault that did nothing (no node matched its target).
    pub fn skipped(&self) -> Option<&str> {
        self.value.get("skipped").and_then(Value::as_str)
    }

    /// The nodes this fault touched, as host names ("broker-1", "group-consumer-2").
    pub fn nodes(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_nodes(&self.value, None, &mut out);
        out.sort();
        out.dedup();
        out
    }

    /// The role the fault's target named, e.g. "the leader of orders/0".
    fn role(&self) -> Option<String> {
        let target = self.fault.get("target")?;
        if let Some(s) = target.as_str() {
            return match s {
                "controller" => Some("the controller".into()),
                _ => None,
            };
        }
        let (k, v) = target.as_object()?.iter().next()?;
        let v = v
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string());
        match k.as_str() {
            "leader-of" => Some(format!("the leader of {v}")),
            "follower-of" => Some(format!("a follower of {v}")),
            "coordinator-of" => Some(format!("the coordinator of group {v}")),
            _ => None,
        }
    }

    /// One clause saying what happened: "broker 1 (the leader of orders/0) crashed".
    pub fn describe(&self) -> String {
        if let Some(why) = self.skipped() {
            return format!("{} was skipped ({why})", self.f);
        }
        let who = |key: &str| -> String {
            let name = self
                .value
                .get(key)
                .map(node_name)
                .unwrap_or_else(|| "a node".into());
            match self.role() {
                Some(role) => format!("{name} ({role})"),
                None => name,
            }
        };
        let list = |key: &str| -> String {
            let items: Vec<String> = self
                .value
                .get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().map(node_name).collect())
                .unwrap_or_default();
            if items.is_empty() {
                "nothing".into()
            } else {
                and_list(&items)
            }
        };
        let power = self.value.get("power_loss").and_then(Value::as_bool) == Some(true);
        match self.f.as_str() {
            "crash" if power => format!("{} lost power", who("broker")),
            "crash" => format!("{} crashed", who("broker")),
            "power-loss" => format!("{} lost power", who("broker")),
            "power-loss-all" => "every broker lost power".into(),
            "restart" => format!("{} restarted", list("brokers")),
            "isolate" => format!("{} was cut off from the other servers", who("node")),
            "isolate-completely" => format!(
                "{} was cut off from everything, clients included",
                who("node")
            ),
            "partition-random-halves" => format!("the network split into {}", halves(&self.value)),
            "bridge" => format!(
                "the network split into {} bridged by {}",
                halves(&self.value),
                self.value.get("bridge").map(node_name).unwrap_or_default()
            ),
            "one-way" => format!(
                "messages from {} to {} were dropped",
                self.value.get("from").map(node_name).unwrap_or_default(),
                self.value.get("to").map(node_name).unwrap_or_default()
            ),
            "partition-cut" => format!(
                "the link between {} and {} was cut",
                self.value.get("a").map(node_name).unwrap_or_default(),
                self.value.get("b").map(node_name).unwrap_or_default()
            ),
            "partition-client" => format!(
                "{} was cut off from {}",
                self.value.get("client").map(node_name).unwrap_or_default(),
                who("node")
            ),
            "heal" => "the network healed".into(),
            "pause" => format!("{} stopped answering", who("node")),
            "resume" => format!("{} answered again", list("nodes")),
            "kill-consumer" => format!("group member {} was killed", who("client")),
            "restart-consumers" => format!("new members started on {}", list("clients")),
            "pause-consumer" => format!("group member {} stalled", who("client")),
            "resume-consumers" => format!("{} carried on", list("clients")),
            "rebalance-churn" => {
                format!("{} left the group and a new member joined", who("client"))
            }
            other => format!(
                "{other} {}",
                crate::html::truncate(&self.value.to_string(), 80)
            ),
        }
    }
}

/// "broker-1" → "broker 1"; other names unchanged; numbers are broker ids.
pub fn node_name(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("broker {n}"),
        Value::String(s) => match s.strip_prefix("broker-") {
            Some(id) => format!("broker {id}"),
            None => s.clone(),
        },
        other => other.to_string(),
    }
}

fn halves(v: &Value) -> String {
    let halves: Vec<String> = v
        .get("halves")
        .and_then(Value::as_array)
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    let names: Vec<String> = h
                        .as_array()
                        .map(|a| a.iter().map(node_name).collect())
                        .unwrap_or_default();
                    format!("{{{}}}", names.join(", "))
                })
                .collect()
        })
        .unwrap_or_default();
    and_list(&halves)
}

/// Host names in a fault's value: numbers under broker keys, strings anywhere.
fn collect_nodes(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::Number(n) if matches!(key, Some("broker") | Some("brokers")) => {
            out.push(format!("broker-{n}"))
        }
        Value::String(s) if key != Some("skipped") => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_nodes(x, key, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| collect_nodes(x, Some(k), out)),
        _ => {}
    }
}

/// A fault from when it hit to when it was undone.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub start_ns: u64,
    pub end_ns: u64,
    /// CSS class: `f-part`, `f-crash`, `f-power`, `f-pause`, `f-client`, `f-other`.
    pub class: &'static str,
    pub label: String,
    pub nodes: Vec<String>,
    /// False when nothing undid it before the end of the history.
    pub ended: bool,
}

/// A band's CSS class and what undoes it (`None`: over at once, or a fault
/// no class covers), from the checker's reading of the fault name. `None`
/// for the undo ops themselves.
fn band_kind(ev: &FaultEvent) -> Option<(&'static str, Option<FaultUndo>)> {
    if FaultUndo::of_name(&ev.f).is_some() {
        return None;
    }
    Some(match classify(&ev.f, &ev.value) {
        Some(class) => (
            match class {
                FaultClass::Partition => "f-part",
                FaultClass::Crash => "f-crash",
                FaultClass::PowerLoss => "f-power",
                FaultClass::Pause | FaultClass::Delay => "f-pause",
                FaultClass::ClientCrash | FaultClass::ClientPause | FaultClass::Rebalance => {
                    "f-client"
                }
            },
            class.undone_by(),
        ),
        None => ("f-other", None),
    })
}

/// Pair faults with what undid them. An undo that names nodes (restart of
/// brokers [1]) ends only the bands on those nodes; one that names none ends
/// every band of its kind.
pub fn bands(events: &[FaultEvent], end_ns: u64) -> Vec<Band> {
    let mut out: Vec<Band> = Vec::new();
    let mut open: Vec<(usize, FaultUndo)> = Vec::new();
    for ev in events.iter().filter(|e| e.skipped().is_none()) {
        let at = ev.at_ms.saturating_mul(1_000_000);
        if let Some(undo) = FaultUndo::of_name(&ev.f) {
            let named = ev.nodes();
            open.retain(|(i, c)| {
                let band = &mut out[*i];
                let hit = *c == undo
                    && (named.is_empty()
                        || band.nodes.is_empty()
                        || band.nodes.iter().any(|n| named.contains(n)));
                if hit {
                    band.end_ns = at.max(band.start_ns);
                    band.ended = true;
                }
                !hit
            });
            continue;
        }
        let Some((class, undo)) = band_kind(ev) else {
            continue;
        };
        out.push(Band {
            start_ns: at,
            end_ns: if undo.is_none() { at } else { end_ns.max(at) },
            class,
            label: ev.describe(),
            nodes: ev.nodes(),
            ended: undo.is_none(),
        });
        if let Some(undo) = undo {
            open.push((out.len() - 1, undo));
        }
    }
    out
}

/// The faults that shaped `[from_ns, to_ns]`: those fired inside it, and
/// those fired before it that were still in effect at its start.
pub fn relevant<'a>(
    events: &'a [FaultEvent],
    bands: &[Band],
    from_ns: u64,
    to_ns: u64,
) -> Vec<&'a FaultEvent> {
    let active_before: Vec<u64> = bands
        .iter()
        .filter(|b| b.start_ns < from_ns && b.end_ns >= from_ns)
        .map(|b| b.start_ns)
        .collect();
    events
        .iter()
        .filter(|e| e.skipped().is_none())
        .filter(|e| {
            let at = e.at_ms.saturating_mul(1_000_000);
            (at >= from_ns && at <= to_ns)
                || (band_kind(e).is_some() && active_before.contains(&at))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(at_ms: u64, f: &str, value: Value) -> FaultEvent {
        FaultEvent {
            at_ms,
            f: f.into(),
            fault: Value::Null,
            value,
        }
    }

    #[test]
    fn restart_ends_only_the_named_broker() {
        let evs = vec![
            ev(10, "crash", json!({"broker": 1, "power_loss": false})),
            ev(20, "crash", json!({"broker": 2, "power_loss": true})),
            ev(30, "restart", json!({"brokers": [1]})),
            ev(40, "isolate", json!({"node": "broker-3"})),
            ev(50, "heal", json!({})),
        ];
        let b = bands(&evs, 100_000_000);
        assert_eq!(b.len(), 3);
        assert_eq!((b[0].end_ns, b[0].ended), (30_000_000, true));
        assert_eq!(
            (b[1].class, b[1].ended, b[1].end_ns),
            ("f-power", false, 100_000_000)
        );
        assert_eq!(b[2].end_ns, 50_000_000);
        assert_eq!(b[2].nodes, vec!["broker-3".to_string()]);
    }

    #[test]
    fn describes_roles() {
        let mut e = ev(10, "crash", json!({"broker": 1, "power_loss": false}));
        e.fault = json!({"kind": "crash", "target": {"leader-of": "orders/0"}});
        assert_eq!(e.describe(), "broker 1 (the leader of orders/0) crashed");
        let s = ev(10, "crash", json!({"skipped": "no node"}));
        assert!(s.describe().contains("skipped"));
        assert!(bands(&[s], 1).is_empty());
    }
}
