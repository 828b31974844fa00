//! Value ids (`facts`): every send and every record read resolves to its
//! own key and value, whatever the offsets (negative, huge, two values at
//! one offset, a value at two offsets) and whether values are integers or
//! strings (`1` and `"1"` are different values); ids number the values in
//! the order the gathering pass first meets them. The pass recognises a
//! record by the value first seen at its offset, so these are what that
//! shortcut must never get wrong.
use crate::facts::Facts;
use crate::history::{parse_history, MicroOp, OpType};
use proptest::prelude::*;

/// A value as JSON: an integer or a string, from a small range so values
/// repeat and collide.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..4).prop_map(|v| v.to_string()),
        (0i64..4).prop_map(|v| format!("\"{v}\"")),
    ]
}

fn offset() -> impl Strategy<Value = i64> {
    prop_oneof![8 => -2i64..6, 1 => Just(1i64 << 40), 1 => Just(i64::MAX)]
}

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b"])
}

/// One operation: its invocation's and its completion's `type`, `f` and
/// `value`.
fn operation() -> impl Strategy<Value = (String, String)> {
    let op_type = prop::sample::select(vec!["ok", "fail", "info"]);
    let send = (key(), value(), prop::option::of(offset())).prop_map(|(k, v, o)| {
        let invoked = format!("\"f\":\"send\",\"value\":[[\"send\",\"{k}\",{v}]]");
        let done = match o {
            Some(o) => format!("\"f\":\"send\",\"value\":[[\"send\",\"{k}\",[{o},{v}]]]"),
            None => invoked.clone(),
        };
        (invoked, done)
    });
    let records = prop::collection::vec((offset(), value()), 0..4).prop_map(|rs| {
        let rs: Vec<String> = rs.iter().map(|(o, v)| format!("[{o},{v}]")).collect();
        rs.join(",")
    });
    let poll = (key(), records, records_b(), any::<bool>()).prop_map(|(k, rs, b, last)| {
        let last = if last { ",\"final\":true" } else { "" };
        (
            "\"f\":\"poll\",\"value\":[[\"poll\"]]".to_string(),
            format!("\"f\":\"poll\",\"value\":[[\"poll\",{{\"{k}\":[{rs}]{b}}}]]{last}"),
        )
    });
    (op_type, prop_oneof![send, poll]).prop_map(|(t, (invoked, done))| {
        (
            format!("\"type\":\"invoke\",{invoked}"),
            format!("\"type\":\"{t}\",{done}"),
        )
    })
}

/// Sometimes a second key in the same poll (`c`, never drawn by `key`).
fn records_b() -> impl Strategy<Value = String> {
    prop::option::of(prop::collection::vec((offset(), value()), 1..3)).prop_map(|rs| match rs {
        Some(rs) => {
            let rs: Vec<String> = rs.iter().map(|(o, v)| format!("[{o},{v}]")).collect();
            format!(",\"c\":[{}]", rs.join(","))
        }
        None => String::new(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_send_and_read_resolves_to_its_own_value(
        ops in prop::collection::vec((0u64..3, operation()), 0..30)
    ) {
        let lines = ops.iter().flat_map(|(p, (invoked, done))| {
            [invoked, done].map(move |body| (p, body))
        });
        let text: String = lines
            .enumerate()
            .map(|(i, (p, body))| format!("{{\"index\":{i},\"process\":{p},{body}}}\n"))
            .collect();
        let history = parse_history(&text).expect("the generated history parses");
        let facts = Facts::gather((&history).into());
        for w in &facts.writes {
            prop_assert_eq!(facts.value(w.value_id), Some(w.value));
            prop_assert_eq!(facts.values.get(w.value_id).map(|&(k, _)| k), Some(w.key));
        }
        for (i, poll) in facts.polls.iter().enumerate() {
            // This poll is the n-th (key, records) of its op's poll results.
            let n = facts.polls[..i].iter().filter(|p| p.op == poll.op).count();
            let op = &history.ops[poll.op];
            let (key, records) = op
                .value
                .micro_ops()
                .iter()
                .filter_map(|m| match m {
                    MicroOp::Poll { reads: Some(reads) } => Some(reads),
                    _ => None,
                })
                .flatten()
                .nth(n)
                .expect("each poll of the facts is one key of the op's results");
            prop_assert_eq!(facts.key(poll.key), &**key);
            let reads: Vec<_> = facts.reads(poll).collect();
            prop_assert_eq!(reads.len(), records.len());
            for (read, (offset, value)) in reads.iter().zip(records.iter()) {
                prop_assert_eq!(read.offset, *offset);
                prop_assert_eq!(facts.value(read.value_id), Some(value));
                prop_assert_eq!(facts.values.get(read.value_id).map(|&(k, _)| k), Some(poll.key));
            }
        }
        // Ids in the order first met: each op's sends, then its reads.
        let mut next = 0;
        let mut met = |id: usize| {
            assert!(id <= next, "value id {id} before id {next}");
            next += usize::from(id == next);
        };
        let (mut w, mut p) = (0, 0);
        for (at, pair) in facts.pairs.iter().enumerate() {
            while facts.writes.get(w).is_some_and(|x| x.pair as usize == at) {
                met(facts.writes[w].value_id);
                w += 1;
            }
            while facts.polls.get(p).is_some_and(|x| Some(x.op) == pair.completion) {
                facts.reads(&facts.polls[p]).for_each(|r| met(r.value_id));
                p += 1;
            }
        }
        prop_assert_eq!((w, p), (facts.writes.len(), facts.polls.len()));
        prop_assert_eq!(next, facts.values.len());
        // What is known of each value's reads, counted again read by read in
        // the order gathered.
        let mut expected = vec![(0u64, 0u64, None, None); facts.values.len()];
        for poll in facts.polls.iter().filter(|p| p.outcome != OpType::Fail) {
            let final_read = history.ops[poll.op].final_read;
            for r in facts.reads(poll) {
                let (ok_reads, final_reads, first, first_ok) = &mut expected[r.value_id];
                *final_reads += u64::from(final_read);
                first.get_or_insert((r.offset, poll.op));
                if poll.outcome == OpType::Ok {
                    *ok_reads += 1;
                    first_ok.get_or_insert((r.offset, poll.op));
                }
            }
        }
        for (id, expected) in expected.into_iter().enumerate() {
            let got = facts.value_facts(id).expect("every value has facts");
            let got = (got.ok_read_count(), got.final_read_count(), got.first_read(), got.first_ok_read());
            prop_assert_eq!(got, expected, "value {}", id);
        }
    }
}
