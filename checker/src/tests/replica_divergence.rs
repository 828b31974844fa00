use crate::history::Val;
use crate::replica_divergence::find;
use crate::replicas::{read_replicas, write_replicas, ReplicaLog, ReplicaRecord};

fn replica(broker: u32, high_watermark: i64, records: &[(i64, i64, i32)]) -> ReplicaLog {
    ReplicaLog {
        broker,
        partition: "orders/0".into(),
        high_watermark,
        log_end_offset: records.last().map_or(0, |r| r.0 + 1),
        records: records
            .iter()
            .map(|&(offset, value, leader_epoch)| ReplicaRecord {
                offset,
                value: Val::Int(value),
                producer_id: 7,
                leader_epoch,
            })
            .collect(),
    }
}

#[test]
fn replicas_agreeing_below_their_high_watermarks_do_not_diverge() {
    // Broker 2 lags (HW 2) and broker 3 has an uncommitted tail of its own
    // past the HW: neither is divergence.
    let dump = [
        replica(1, 3, &[(0, 10, 0), (1, 11, 0), (2, 12, 1)]),
        replica(2, 2, &[(0, 10, 0), (1, 11, 0)]),
        replica(3, 3, &[(0, 10, 0), (1, 11, 0), (2, 12, 1), (3, 99, 2)]),
    ];
    assert!(find(&dump).is_empty(), "{:?}", find(&dump));
}

#[test]
fn different_records_below_both_high_watermarks_diverge() {
    let dump = [
        replica(1, 3, &[(0, 10, 0), (1, 11, 0), (2, 12, 1)]),
        replica(2, 3, &[(0, 10, 0), (1, 21, 2), (2, 22, 2)]),
    ];
    let found = find(&dump);
    assert_eq!(found.len(), 1, "one anomaly per pair, at the first offset");
    assert_eq!(found[0].key, "orders/0");
    assert_eq!(found[0].offsets, vec![1]);
    assert_eq!(found[0].values, vec![Val::Int(11), Val::Int(21)]);
    assert_eq!(
        found[0].explanation,
        "at the end of the run, replicas of orders/0 disagree at offset 1, below both high watermarks (3 and 3): broker 1 holds 11 (leader epoch 0), broker 2 holds 21 (leader epoch 2)"
    );
}

#[test]
fn a_committed_record_one_replica_lacks_is_divergence() {
    // Broker 2's log lost offset 1 (power loss) but its checkpointed HW
    // still covers it.
    let dump = [
        replica(1, 2, &[(0, 10, 0), (1, 11, 0)]),
        replica(2, 2, &[(0, 10, 0)]),
    ];
    let found = find(&dump);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].explanation.ends_with("broker 2 holds nothing"),
        "{}",
        found[0].explanation
    );
}

#[test]
fn the_same_value_appended_by_another_leader_is_divergence() {
    let dump = [replica(1, 1, &[(0, 10, 0)]), replica(2, 1, &[(0, 10, 1)])];
    assert_eq!(find(&dump).len(), 1);
}

#[test]
fn the_dump_round_trips_and_names_a_bad_line() {
    let dump = vec![replica(1, 1, &[(0, 10, 0)]), replica(2, 0, &[])];
    let mut bytes = Vec::new();
    write_replicas(&dump, &mut bytes).unwrap();
    assert_eq!(read_replicas(&bytes[..]).unwrap(), dump);
    let err = read_replicas(&b"{\"broker\":1}\nnot json\n"[..]).unwrap_err();
    assert!(err.starts_with("line 1: missing field"), "{err}");
}
