//! The cluster's own account of a run (`events.jsonl`, docs/EVENTS.md) on the
//! run page: reading it, which timeline lane an event goes on, each event in
//! plain language, and the events that may explain a lost write. A run folder
//! without the file renders as before.
use crate::error::ReportError;
use crate::html::ms_secs;
use logjam_models::events::{
    ClusterEvent, ElectionReason, FenceReason, IsrCause, IsrChangeKind, TimedEvent,
    TruncationAction, TruncationReason,
};
use logjam_models::ids::{BrokerId, TopicPartition};
use std::fs;
use std::path::Path;

/// Events cited on one anomaly card.
const MAX_CITED: usize = 6;

/// The timeline lanes events are drawn on; other kinds are not drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventLane {
    Elections,
    Isr,
    Truncations,
}

impl EventLane {
    pub const ALL: [EventLane; 3] = [EventLane::Elections, EventLane::Isr, EventLane::Truncations];

    pub fn label(self) -> &'static str {
        match self {
            EventLane::Elections => "elections, fencing",
            EventLane::Isr => "ISR, HW freezes",
            EventLane::Truncations => "truncations, power loss",
        }
    }
}

/// `events.jsonl` if the folder has one, else no events.
pub fn read_events(dir: &Path) -> Result<Vec<TimedEvent>, ReportError> {
    let path = dir.join("events.jsonl");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = fs::read_to_string(&path).map_err(|e| ReportError::io(&path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let e: TimedEvent =
            serde_json::from_str(line).map_err(|e| ReportError::json(&path, Some(i + 1), &e))?;
        out.push(e);
    }
    Ok(out)
}

/// Where an event is drawn, and its class there.
pub fn lane_of(e: &ClusterEvent) -> Option<(EventLane, &'static str)> {
    Some(match e {
        ClusterEvent::Election { unclean: true, .. } => (EventLane::Elections, "ev ev-unclean"),
        ClusterEvent::Election { .. } => (EventLane::Elections, "ev ev-election"),
        ClusterEvent::PartitionOffline { .. } => (EventLane::Elections, "ev ev-unclean"),
        ClusterEvent::BrokerFenced { .. } | ClusterEvent::BrokerUnfenced { .. } => {
            (EventLane::Elections, "ev ev-fence")
        }
        ClusterEvent::IsrCommitted { .. } | ClusterEvent::ElrChanged { .. } => {
            (EventLane::Isr, "ev ev-isr")
        }
        ClusterEvent::IsrRejected { .. } => (EventLane::Isr, "ev ev-fence"),
        ClusterEvent::HwFrozen { .. } | ClusterEvent::HwUnfrozen { .. } => {
            (EventLane::Isr, "ev ev-freeze")
        }
        ClusterEvent::Truncation { .. } => (EventLane::Truncations, "ev ev-trunc"),
        ClusterEvent::PowerLoss { .. } => (EventLane::Truncations, "ev ev-unclean"),
        _ => return None,
    })
}

fn list(brokers: &[BrokerId]) -> String {
    let names: Vec<String> = brokers.iter().map(|b| b.to_string()).collect();
    format!("[{}]", names.join(", "))
}

/// One event in plain language (no time).
pub fn describe(e: &ClusterEvent) -> String {
    match e {
        ClusterEvent::Election {
            tp,
            leader,
            leader_epoch,
            unclean,
            reason,
            isr_before,
            isr,
            leader_log_end_offset,
            isr_before_log_end_offsets,
            from_elr,
            elr_before,
        } => {
            let why = match reason {
                ElectionReason::LeaderFenced => "its leader was fenced",
                ElectionReason::BrokerUnfenced => "a replica came back",
            };
            if *unclean {
                let had: Vec<String> = isr_before_log_end_offsets
                    .iter()
                    .map(|o| format!("broker {} had up to offset {}", o.broker, o.log_end_offset))
                    .collect();
                let lacked = match leader_log_end_offset {
                    Some(end) if !had.is_empty() => {
                        format!(": its log ended at offset {end}, while {}", had.join(", "))
                    }
                    Some(end) => format!(": its log ended at offset {end}"),
                    None => String::new(),
                };
                format!(
                    "broker {leader} was elected leader of {tp} uncleanly, from outside the ISR {} (leader epoch {leader_epoch}, after {why}){lacked}",
                    list(isr_before)
                )
            } else if *from_elr {
                format!(
                    "broker {leader} was elected leader of {tp} from the eligible leader replicas {} (KIP-966; the ISR was empty; leader epoch {leader_epoch}, after {why})",
                    list(elr_before)
                )
            } else {
                format!(
                    "broker {leader} was elected leader of {tp} (leader epoch {leader_epoch}, ISR {}, after {why})",
                    list(isr)
                )
            }
        }
        ClusterEvent::PartitionOffline { tp, isr, elr, .. } => {
            let eligible = if elr.is_empty() {
                String::new()
            } else {
                format!(", eligible leader replicas {}, none live", list(elr))
            };
            format!(
                "{tp} went offline: no replica may lead (ISR {}{eligible})",
                list(isr)
            )
        }
        ClusterEvent::IsrProposed {
            broker,
            tp,
            change,
            members,
            proposed_isr,
            ..
        } => {
            let verb = match change {
                IsrChangeKind::Expand => "add",
                IsrChangeKind::Shrink => "remove",
            };
            format!(
                "broker {broker}, leading {tp}, proposed to {verb} {} (ISR {})",
                list(members),
                list(proposed_isr)
            )
        }
        ClusterEvent::IsrCommitted {
            tp,
            old_isr,
            new_isr,
            partition_epoch,
            cause,
            ..
        } => {
            let by = match cause {
                IsrCause::AlterPartition => "the leader's AlterPartition",
                IsrCause::BrokerFenced => "fencing",
                IsrCause::Election => "an election from the ELR",
            };
            format!(
                "the controller changed the ISR of {tp} from {} to {} (partition epoch {partition_epoch}, by {by})",
                list(old_isr),
                list(new_isr)
            )
        }
        ClusterEvent::ElrChanged {
            tp,
            isr,
            old_elr,
            elr,
            last_known_elr,
            partition_epoch,
            ..
        } => format!(
            "the eligible leader replicas of {tp} went from {} to {} (ISR {}, last known ELR {}, partition epoch {partition_epoch})",
            list(old_elr),
            list(elr),
            list(isr),
            list(last_known_elr)
        ),
        ClusterEvent::IsrRejected {
            broker,
            tp,
            proposed_isr,
            error,
        } => format!(
            "the controller rejected broker {broker}'s ISR {} for {tp} ({error})",
            list(proposed_isr)
        ),
        ClusterEvent::IsrAcknowledged {
            broker, tp, isr, ..
        } => format!(
            "broker {broker} heard that the ISR of {tp} is {}",
            list(isr)
        ),
        ClusterEvent::AlterPartitionRetry {
            broker,
            tp,
            proposed_isr,
        } => format!(
            "broker {broker} resent its AlterPartition for {tp} (ISR {}): no answer",
            list(proposed_isr)
        ),
        ClusterEvent::BrokerFenced { broker, reason } => {
            let why = match reason {
                FenceReason::SessionExpired => "its session expired",
                FenceReason::Restarted => "it restarted",
                FenceReason::UncleanShutdown => {
                    "it restarted without a clean shutdown (it leaves every ISR and ELR)"
                }
            };
            format!("the controller fenced broker {broker}: {why}")
        }
        ClusterEvent::BrokerUnfenced { broker, .. } => {
            format!("the controller unfenced broker {broker}")
        }
        ClusterEvent::Truncation {
            broker,
            tp,
            from_offset,
            to_offset,
            reason,
        } => {
            let why = match reason {
                TruncationReason::LeaderEpoch => "where its log diverged by leader epoch",
                TruncationReason::LeaderLogEnd => "to the leader's log end (pre-KIP-101)",
                TruncationReason::HighWatermarkOnBecomingFollower => {
                    "to its high watermark on becoming follower (pre-KIP-101)"
                }
            };
            format!("broker {broker} truncated {tp} from offset {from_offset} to {to_offset}, {why}")
        }
        ClusterEvent::PowerLoss { broker, dropped } => {
            if dropped.is_empty() {
                format!("broker {broker} lost power with nothing unflushed")
            } else {
                let ranges: Vec<String> = dropped
                    .iter()
                    .map(|r| format!("{} offsets {}–{}", r.tp, r.from, r.to - 1))
                    .collect();
                format!(
                    "broker {broker} lost power, dropping its unflushed {}",
                    ranges.join(", ")
                )
            }
        }
        ClusterEvent::BrokerCrashed { broker, .. } => {
            format!("broker {broker} crashed (its page cache survives)")
        }
        ClusterEvent::BrokerRestarted { broker, .. } => format!("broker {broker} restarted"),
        ClusterEvent::HwFrozen {
            broker,
            tp,
            isr,
            min_insync_replicas,
            high_watermark,
        } => format!(
            "the HW of {tp} on its leader, broker {broker}, froze at {high_watermark}: ISR {} below min.insync.replicas={min_insync_replicas}",
            list(isr)
        ),
        ClusterEvent::HwUnfrozen {
            broker,
            tp,
            isr,
            high_watermark,
        } => format!(
            "the HW of {tp} on broker {broker} moves again from {high_watermark} (ISR {})",
            list(isr)
        ),
        ClusterEvent::CoordinatorLoaded { broker, tp, .. } => {
            format!("broker {broker} became group coordinator for {tp}")
        }
        ClusterEvent::CoordinatorUnloaded { broker, tp } => {
            format!("broker {broker} stopped coordinating groups for {tp}")
        }
        ClusterEvent::GroupLoaded {
            broker,
            group,
            generation,
            members,
        } => format!(
            "broker {broker} loaded group {group} at generation {generation} with {} members",
            members.len()
        ),
        ClusterEvent::GroupRebalanced {
            group,
            generation,
            members,
            ..
        } => format!(
            "group {group} completed generation {generation} with {} members",
            members.len()
        ),
        ClusterEvent::ConsumerTruncationDetected {
            client,
            tp,
            position,
            position_epoch,
            leader_epoch,
            end_offset,
            action,
            ..
        } => {
            let then = match action {
                TruncationAction::ResetToDivergence => {
                    format!("it went back to offset {end_offset}")
                }
                TruncationAction::ResetPerPolicy => {
                    "it reset as auto.offset.reset says".to_string()
                }
                TruncationAction::Raised => "its poll failed with LogTruncation".to_string(),
            };
            format!(
                "consumer {client} found its position {position} in {tp} (epoch {position_epoch}) truncated on the leader of epoch {leader_epoch}, whose log ends that epoch at {end_offset}: {then}"
            )
        }
        ClusterEvent::OffsetFetchUnstable {
            broker,
            group,
            partitions,
        } => {
            let parts: Vec<String> = partitions.iter().map(|p| p.to_string()).collect();
            format!(
                "group coordinator {broker} answered {group}'s stable offset fetch UNSTABLE_OFFSET_COMMIT for [{}]: a transactional offset commit is pending",
                parts.join(", ")
            )
        }
        ClusterEvent::ConsumerOffsetOutOfRange {
            client,
            tp,
            position,
        } => format!(
            "consumer {client}'s fetch of {tp} at {position} was out of range: it resets as auto.offset.reset says"
        ),
        ClusterEvent::TxnStateChanged {
            broker,
            transactional_id,
            producer_id,
            producer_epoch,
            state,
            partitions,
        } => {
            let parts: Vec<String> = partitions.iter().map(|p| p.to_string()).collect();
            format!(
                "transaction coordinator {broker} moved {transactional_id} (producer {producer_id}, epoch {producer_epoch}) to {state} [{}]",
                parts.join(", ")
            )
        }
        ClusterEvent::TxnLoaded {
            broker,
            transactional_id,
            producer_epoch,
            state,
        } => format!(
            "broker {broker} loaded {transactional_id} in state {state} (epoch {producer_epoch}) from its transaction log"
        ),
        ClusterEvent::TxnMarkerWritten {
            broker,
            tp,
            producer_id,
            producer_epoch,
            commit,
            offset,
        } => format!(
            "broker {broker} wrote a {} marker for producer {producer_id} (epoch {producer_epoch}) on {tp} at offset {offset}",
            if *commit { "COMMIT" } else { "ABORT" }
        ),
        ClusterEvent::ProducerFenced {
            broker,
            transactional_id,
            producer_epoch,
            current_epoch,
        } => format!(
            "transaction coordinator {broker} fenced {transactional_id}: epoch {producer_epoch} is older than {current_epoch}"
        ),
    }
}

/// Does this event cost or risk the records of `key` (a partition named as
/// `topic/partition`)? Elections, a partition going offline, truncations,
/// and power loss that dropped some of it.
fn may_explain_loss(e: &ClusterEvent, key: &str) -> bool {
    let is = |tp: &TopicPartition| tp.to_string() == key;
    match e {
        ClusterEvent::Election { tp, .. }
        | ClusterEvent::PartitionOffline { tp, .. }
        | ClusterEvent::Truncation { tp, .. } => is(tp),
        ClusterEvent::PowerLoss { dropped, .. } => dropped.iter().any(|r| is(&r.tp)),
        _ => false,
    }
}

/// For a lost write of `key` whose proof ops span `[from_ns, to_ns]`: the
/// cluster's events that may explain it, as one sentence, or "" for none.
pub fn cite_for_loss(events: &[TimedEvent], key: &str, from_ns: u64, to_ns: u64) -> String {
    let in_window = |e: &&TimedEvent| {
        let ns = e.at_ms.saturating_mul(1_000_000);
        ns >= from_ns && ns <= to_ns
    };
    let cited: Vec<&TimedEvent> = events
        .iter()
        .filter(in_window)
        .filter(|e| may_explain_loss(&e.event, key))
        .collect();
    if cited.is_empty() {
        return String::new();
    }
    let mut said: Vec<String> = cited
        .iter()
        .take(MAX_CITED)
        .map(|e| format!("at {} {}", ms_secs(e.at_ms), describe(&e.event)))
        .collect();
    if cited.len() > MAX_CITED {
        said.push(format!("{} more events", cited.len() - MAX_CITED));
    }
    format!("The cluster's log: {}.", said.join("; "))
}
