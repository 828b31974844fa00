//! Issue 12 on the run page: transactions drawn as spans from begin to
//! commit, abort or unknown end, told apart by outcome in shape and words as
//! well as colour; the transaction-anomaly cards name their transactions as
//! links to those spans and read as plain sentences.
mod common;
use common::{dead_op_links, fresh_dir};
use logjam_checker::history::parse_history;
use logjam_reports::{render_run_page, testkit};
use serde_json::json;

fn transactional_page(name: &str) -> String {
    let dir = fresh_dir(name);
    testkit::write_transactional_folder(&dir).unwrap();
    render_run_page(&dir).unwrap()
}

/// The text of the card with `id` (from its opening tag to the next card).
fn card<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("<div class=\"card\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("no card {id}"));
    let rest = &page[start..];
    let end = rest[1..]
        .find("<div class=\"card\"")
        .map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[test]
fn each_transaction_is_a_span_from_begin_to_end_told_apart_by_outcome() {
    let page = transactional_page("txn-spans");
    // Committed, aborted (cited by the G1a card: outlined) and unknown.
    assert!(
        page.contains("class=\"op txn committed\""),
        "committed span"
    );
    assert!(
        page.contains("class=\"op txn aborted proof\""),
        "aborted span"
    );
    assert!(page.contains("class=\"op txn unknown\""), "unknown span");
    // Aborted spans are hatched: the pattern is on the page once.
    assert_eq!(page.matches("<pattern id=\"txn-hatch\"").count(), 1);
    // The tooltip (its accessible text) gives who, outcome, times,
    // partitions and values written.
    assert!(
        page.contains(
            "<title>transaction op 0–1 of process 0 on producer-1, committed; began 0.010 s, committed 0.030 s; \
             partitions orders/0, orders/1; orders/0 ← 1 @0; orders/1 ← 2 @0</title>"
        ),
        "committed span's title"
    );
    assert!(page.contains(
        "<title>transaction op 2–5 of process 1 on producer-1, aborted; began 0.040 s, aborted 0.060 s; \
         partitions orders/0, orders/1; orders/0 ← 3 @1; orders/1 ← 4</title>"
    ));
    assert!(page.contains(
        "<title>transaction op 6–7 of process 3 on producer-2, unknown; began 0.065 s, outcome unknown from 0.080 s; \
         partitions orders/1; orders/1 ← 5</title>"
    ));
    // The span is its transaction's link, and the legend says the shapes.
    assert!(page.contains("<a href=\"#op-2\"><rect"));
    for words in [
        "transaction committed (solid)",
        "transaction aborted (hatched)",
        "transaction outcome unknown (dashed)",
    ] {
        assert!(page.contains(words), "legend: {words}");
    }
    assert!(
        dead_op_links(&page).is_empty(),
        "{:?}",
        dead_op_links(&page)
    );
}

#[test]
fn a_history_without_transactions_has_no_spans_and_no_legend_for_them() {
    let dir = fresh_dir("txn-none");
    testkit::write_lost_write_folder(&dir).unwrap();
    let page = render_run_page(&dir).unwrap();
    assert!(!page.contains("op txn"));
    assert!(!page.contains("<pattern id=\"txn-hatch\""));
    assert!(!page.contains("transaction committed (solid)"));
}

#[test]
fn a_g1a_card_names_the_aborted_transaction_and_reads_as_sentences() {
    let page = transactional_page("txn-g1a-card");
    let c = card(&page, "a-G1a-1");
    // The transaction, as a link to its span.
    assert!(
        c.contains(
            "transaction: <a class=\"proof txn aborted\" href=\"#op-2\">op 2–5 of process 1, aborted</a>"
        ),
        "{c}"
    );
    // The story: the write inside its transaction, how that ended, the read.
    assert!(
        c.contains(
            "process 1 on producer-1 sent 3 to orders/0 in transaction op 2–5 (with 1 more send), begun at 0.040 s; \
             it aborted at 0.060 s; process 2 on consumer-1 read orders/0 at 0.045 s: 2 records, offsets 0–1, \
             including 3 at offset 1"
        ),
        "{c}"
    );
    // The checker's sentence, as the issue words it.
    assert!(
        c.contains(
            "transaction op 5 of process 1 aborted at 0.060 s; process 2, reading read_uncommitted, returned its \
             value 3 from orders/0 at offset 1 (op 4)"
        ),
        "{c}"
    );
}

/// A run folder of `history` under a transactional configuration with
/// read_committed consumers.
fn read_committed_page(name: &str, history: &str) -> String {
    let dir = fresh_dir(name);
    let sc = testkit::scenario(
        "txn-cards",
        "transactional",
        2,
        json!({"acks": "all", "transactional.id": "tx"}),
        json!({"min.insync.replicas": 2}),
    );
    let h = parse_history(history).unwrap();
    testkit::write_folder(&dir, &sc, 0, &h, &[]).unwrap();
    render_run_page(&dir).unwrap()
}

#[test]
fn torn_transaction_and_stuck_lso_cards_read_as_sentences() {
    // Process 2's transaction writes 20 to k0 (offset 0) and 21 to k1
    // (offset 1), commits at 0.030 s; process 5 reads 20 and reads k1 past
    // offset 1 without 21. Process 3's transaction commits 30 at k1 offset 5
    // (offsets 4 and below: a transaction nobody closed), which the
    // read_committed final read never reaches.
    let page = read_committed_page(
        "txn-torn-card",
        r#"{"logjam_history":1,"isolation_level":"read_committed"}
{"index":0,"time":1000000,"process":1,"type":"invoke","f":"send","value":[["send","k1",10]],"node":"producer-1"}
{"index":1,"time":2000000,"process":1,"type":"ok","f":"send","value":[["send","k1",[0,10]]],"node":"producer-1"}
{"index":2,"time":10000000,"process":2,"type":"invoke","f":"txn","value":[["send","k0",20],["send","k1",21]],"node":"producer-2"}
{"index":3,"time":30000000,"process":2,"type":"ok","f":"txn","value":[["send","k0",[0,20]],["send","k1",[1,21]]],"node":"producer-2"}
{"index":4,"time":31000000,"process":1,"type":"invoke","f":"send","value":[["send","k1",11]],"node":"producer-1"}
{"index":5,"time":32000000,"process":1,"type":"ok","f":"send","value":[["send","k1",[3,11]]],"node":"producer-1"}
{"index":6,"time":40000000,"process":5,"type":"invoke","f":"poll","value":[["poll"]],"node":"consumer-1"}
{"index":7,"time":41000000,"process":5,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10],[3,11]]}]],"node":"consumer-1"}
{"index":8,"time":50000000,"process":3,"type":"invoke","f":"txn","value":[["send","k1",30]],"node":"producer-2"}
{"index":9,"time":60000000,"process":3,"type":"ok","f":"txn","value":[["send","k1",[5,30]]],"node":"producer-2"}
{"index":10,"time":90000000,"process":9,"type":"invoke","f":"poll","value":[["poll"]],"node":"final-reader","final":true}
{"index":11,"time":95000000,"process":9,"type":"ok","f":"poll","value":[["poll",{"k0":[[0,20]],"k1":[[0,10],[3,11]]}]],"final":true,"node":"final-reader"}
"#,
    );
    let torn = card(&page, "a-torn-transaction-1");
    assert!(
        torn.contains(
            "transaction: <a class=\"proof txn committed\" href=\"#op-2\">op 2–3 of process 2, committed</a>"
        ),
        "{torn}"
    );
    assert!(
        torn.contains(
            "process 2 on producer-2 sent 21 to k1 in transaction op 2–3 (with 1 more send), begun at 0.010 s; \
             it committed at 0.030 s, 21 at offset 1"
        ),
        "{torn}"
    );
    assert!(
        torn.contains(
            "transaction op 3 of process 2 committed at 0.030 s, writing 20 to k0 and 21 to k1 at offset 1; \
             process 5, reading read_committed, returned 20 from k0 at offset 0 (op 7) but read k1 from offset 0 \
             (op 7) to offset 3 (op 7) without 21"
        ),
        "{torn}"
    );
    let stuck = card(&page, "a-stuck-lso-1");
    assert!(
        stuck.contains(
            "transaction: <a class=\"proof txn committed\" href=\"#op-8\">op 8–9 of process 3, committed</a>"
        ),
        "{stuck}"
    );
    assert!(
        stuck.contains(
            "the read_committed final read of k1 (op 11) stopped at offset 3, below committed data: process 3 sent \
             30 to k1 in transaction op 9 (committed), at offset 5; the partition&#39;s last stable offset never passed it"
        ) || stuck.contains(
            "the read_committed final read of k1 (op 11) stopped at offset 3, below committed data: process 3 sent \
             30 to k1 in transaction op 9 (committed), at offset 5; the partition&#x27;s last stable offset never passed it"
        ),
        "{stuck}"
    );
}

#[test]
fn a_precommitted_read_card_reads_as_a_sentence() {
    let page = read_committed_page(
        "txn-precommitted-card",
        r#"{"logjam_history":1,"isolation_level":"read_committed"}
{"index":0,"time":1000000,"process":3,"type":"invoke","f":"txn","value":[["send","k0",41],["poll"]],"node":"producer-1"}
{"index":1,"time":9000000,"process":3,"type":"ok","f":"txn","value":[["send","k0",[17,41]],["poll",{"k0":[[17,41]]}]],"node":"producer-1"}
"#,
    );
    let c = card(&page, "a-precommitted-read-1");
    assert!(
        c.contains(
            "transaction: <a class=\"proof txn committed\" href=\"#op-0\">op 0–1 of process 3, committed</a>"
        ),
        "{c}"
    );
    assert!(
        c.contains(
            "transaction op 1 of process 3 read 41 from k0 at offset 17, its own write, before it had committed"
        ),
        "{c}"
    );
    assert!(
        c.contains(
            "process 3 on producer-1 sent 41 to k0 in transaction op 0–1, begun at 0.001 s; it committed at \
             0.009 s, 41 at offset 17"
        ),
        "{c}"
    );
}
