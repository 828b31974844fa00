//! The run page on small fixed run folders: the parts it must have, the
//! order of the cards, caps on large histories, and escaping.
mod common;
use common::{dead_op_links, fresh_dir};
use logjam_reports::{
    render_run_page, render_run_page_with, testkit, write_run_report, Limits, ReportError,
};

#[test]
fn run_page_has_verdict_cards_timeline_grid_and_ops() {
    let dir = fresh_dir("run-page-basic");
    testkit::write_lost_write_folder(&dir).unwrap();
    let page = render_run_page(&dir).unwrap();
    // Header: scenario, preset, seed, settings, verdict, replay command.
    assert!(page.contains("fixture <span class=\"dim\">/ durable / seed 1"));
    assert!(page.contains("<th>min.insync.replicas</th><td>2</td>"));
    assert!(
        page.contains("class=\"verdict broken\""),
        "lost write under min.insync=2 breaks a promise"
    );
    assert!(page.contains("no-acked-loss"));
    assert!(page.contains("logjam replay "));
    // Cards: the broken lost-write first, the allowed poll-skip after.
    let broken = page
        .find("class=\"kind broken\" id=\"kind-lost-write\"")
        .expect("lost-write card");
    let allowed = page
        .find("class=\"kind allowed\"")
        .expect("an allowed kind");
    assert!(broken < allowed, "broken promises come first");
    assert!(page.contains("kind-poll-skip"));
    // The story names the send, the offset, the final read and the crash.
    assert!(page.contains(
        "process 0 on producer-1 sent 2 to orders/0 at 0.020 s and was acknowledged at offset 1"
    ));
    assert!(page.contains("without 2"));
    assert!(page.contains("broker 1 (the leader of orders/0) crashed"));
    // Every op is addressable and every proof link lands.
    for i in [0, 1, 2, 3, 4, 11, 20] {
        assert!(page.contains(&format!("id=\"op-{i}\"")), "op-{i}");
    }
    assert!(
        dead_op_links(&page).is_empty(),
        "dead links: {:?}",
        dead_op_links(&page)
    );
    // Timeline lanes, fault bands, charts, grid.
    assert!(page.contains("class=\"timeline\""));
    assert!(page.contains(">broker-1</text>") && page.contains(">nemesis</text>"));
    assert!(page.contains("band f-crash"));
    assert!(page.contains("sends per second") && page.contains("send latency"));
    assert!(
        page.contains(
            "<tr id=\"p-orders%2F0-o-1\" class=\"conflict anom\"><td>1</td><td>2 | 3</td>"
        ),
        "offset 1 holds two values"
    );
    assert!(page.contains("class=\"op fail\"") || page.contains("class=\"op fail proof\""));
    assert!(!page.contains("showing"), "a small history is not capped");
    // Issue 14: the banner leads with what was found and says what it broke;
    // the verdict table also lists what the configuration does not promise.
    assert!(
        page.contains("class=\"verdict broken\" id=\"verdict\">1 acknowledged write lost and 1 acknowledged write never read (breaks no-acked-loss)"),
        "{}",
        &page[page.find("id=\"verdict\"").unwrap()..][..300]
    );
    assert!(
        page.contains("<td class=\"status\">not promised</td>")
            || page.contains("no-lost-processing")
    );
    // Offset ticks link to their rows; clients drawn as thread lanes.
    assert!(
        page.contains("<a href=\"#p-orders%2F0-o-1\"><rect"),
        "tick links to its row"
    );
    assert!(page.contains(">thread 1: "), "thread lanes");
    assert!(page.contains("zoom to this proof"));
    assert!(page.contains("latency of every operation"));
}

#[test]
fn rendering_is_deterministic_and_written_in_place() {
    let dir = fresh_dir("run-page-determinism");
    testkit::write_lost_write_folder(&dir).unwrap();
    let a = render_run_page(&dir).unwrap();
    let b = render_run_page(&dir).unwrap();
    assert_eq!(a, b);
    let path = write_run_report(&dir).unwrap();
    assert_eq!(path, dir.join("report.html"));
    assert_eq!(std::fs::read_to_string(path).unwrap(), a);
}

#[test]
fn history_strings_are_escaped() {
    let dir = fresh_dir("run-page-hostile");
    testkit::write_hostile_folder(&dir).unwrap();
    let page = render_run_page(&dir).unwrap();
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!page.contains("<b>x</b>"));
    assert!(!page.contains("<i>n</i>"));
    assert!(!page.contains("<img"));
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || page.contains("&#34;&lt;script&gt;alert(1)")
    );
    assert!(page.contains("t&lt;b&gt;x&lt;/b&gt;/0"));
    // User strings are isolated, so a right-to-left override in one cannot
    // reverse the text around it.
    assert!(
        page.contains("<bdi>t&lt;b&gt;x&lt;/b&gt;/0</bdi>"),
        "card key"
    );
    assert!(
        page.contains("<td><bdi>&lt;i&gt;n&lt;/i&gt;</bdi></td>"),
        "node cell"
    );
}

#[test]
fn a_history_that_check_accepts_renders_however_late_its_times() {
    // One op at the last nanosecond a history may name (2^63 - 1): the
    // charts once allocated a bucket per second up to it.
    let text = testkit::hostile_history().to_jsonl().replace(
        "\"time\":9500000,",
        &format!("\"time\":{},", logjam_checker::history::MAX_TIME_NS),
    );
    let history = logjam_checker::history::parse_history(&text).expect("check accepts it");
    assert_eq!(
        history.ops[5].time_ns,
        Some(logjam_checker::history::MAX_TIME_NS)
    );
    let dir = fresh_dir("run-page-late-time");
    let sc = testkit::scenario(
        "late",
        "leader-ack",
        1,
        serde_json::json!({}),
        serde_json::json!({}),
    );
    testkit::write_folder(&dir, &sc, 1, &history, &[]).unwrap();
    let page = render_run_page(&dir).expect("renders");
    assert!(page.contains("sends per second"));
}

#[test]
fn large_histories_are_capped_with_a_note() {
    let dir = fresh_dir("run-page-capped");
    testkit::write_synthetic(&dir, 4_000).unwrap();
    let limits = Limits {
        ops: 300,
        offsets_per_partition: 50,
        cards_per_kind: 2,
    };
    let page = render_run_page_with(&dir, &limits).unwrap();
    assert!(page.contains("Timeline: showing"), "timeline cap note");
    assert!(page.contains("Operations: showing"), "ops table cap note");
    assert!(page.contains("offsets not listed"), "grid cap note");
    // Three adjacent lost writes after one crash are one incident, one card.
    assert!(page.contains("× 3 in 1 incident<"), "incident count");
    assert!(
        page.contains(
            "<b>3 acknowledged writes lost</b> on <b><bdi>orders/1</bdi></b>, offsets 64–66"
        ),
        "incident card"
    );
    assert_eq!(page.matches("class=\"card\" id=\"a-lost-write-").count(), 1);
    assert!(page.contains("class=\"kind allowed\" id=\"kind-lost-write\""));
    let rows = page.matches("<tr id=\"op-").count();
    assert!(rows < 400, "{rows} rows drawn");
    assert!(dead_op_links(&page).is_empty());
}

#[test]
fn bad_run_folders_are_errors_naming_the_file() {
    let dir = fresh_dir("run-page-bad");
    let err = render_run_page(&dir).unwrap_err();
    assert!(err.to_string().contains("run.json"), "{err}");
    testkit::write_lost_write_folder(&dir).unwrap();
    std::fs::write(dir.join("result.json"), "{ not json").unwrap();
    let err = render_run_page(&dir).unwrap_err();
    assert!(matches!(err, ReportError::Json { .. }));
    assert!(err.to_string().contains("result.json"), "{err}");
    testkit::write_lost_write_folder(&dir).unwrap();
    std::fs::write(
        dir.join("history.jsonl"),
        "{\"index\":0,\"type\":\"bogus\"}\n",
    )
    .unwrap();
    let err = render_run_page(&dir).unwrap_err();
    assert!(err.to_string().contains("history.jsonl"), "{err}");
}

/// With the cluster's event log beside the history: lanes of their own on
/// the timeline, and the lost write's card cites the events on its partition
/// between the write and the read that missed it.
#[test]
fn run_page_draws_cluster_events_and_cites_them_on_lost_writes() {
    let dir = fresh_dir("run-page-events");
    testkit::write_lost_write_folder_with_events(&dir).unwrap();
    let page = render_run_page(&dir).unwrap();
    assert!(page.contains(">cluster events</text>"));
    assert!(page.contains(">elections, fencing</text>"));
    assert!(page.contains(">truncations, power loss</text>"));
    assert!(page.contains("class=\"ev ev-unclean\""));
    assert!(page.contains("class=\"ev ev-trunc\""));
    let card = page
        .find("id=\"a-lost-write-1\"")
        .map(|i| &page[i..])
        .and_then(|rest| rest.split("class=\"checker\"").next())
        .expect("a lost-write card");
    assert!(
        card.contains("at 0.032 s broker 2 was elected leader of orders/0 uncleanly"),
        "{card}"
    );
    assert!(card.contains("its log ended at offset 1, while broker 1 had up to offset 2"));
    assert!(card.contains(
        "at 0.062 s broker 1 truncated orders/0 from offset 2 to 1, where its log diverged by leader epoch"
    ));
    assert!(
        !card.contains("orders/1"),
        "events on other partitions are not cited: {card}"
    );
    let plain = fresh_dir("run-page-no-events");
    testkit::write_lost_write_folder(&plain).unwrap();
    let plain = render_run_page(&plain).unwrap();
    assert!(!plain.contains("cluster events") && !plain.contains("The cluster's log"));
}

/// Paths of test folders differ between machines, and the version changes
/// with every release; the page is otherwise fixed.
fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r#"[^\s<>&"']*reports-tests/"#, "[tests]/"),
        (r"logjam \d+\.\d+\.\d+", "logjam [version]"),
    ]
}

/// The whole page of the lost-write fixture, so any change to what a reader
/// sees shows up in review (`cargo insta review` to accept one).
#[test]
fn run_page_snapshot() {
    let dir = fresh_dir("run-page-snapshot");
    testkit::write_lost_write_folder(&dir).unwrap();
    let page = render_run_page(&dir).unwrap();
    insta::with_settings!({filters => snapshot_filters()}, {
        insta::assert_snapshot!("lost_write_run_page", page);
    });
}

/// Issue 14, group runs: the offset grid says who processed each record and
/// when the group's committed offset passed it, and a plot draws each
/// partition's committed offset over time. Process 5 processes offsets 0
/// and 1 of orders/0 and commits 2 at 0.05 s.
#[test]
fn group_runs_show_processing_and_commits() {
    let dir = fresh_dir("run-page-group");
    let history = logjam_checker::history::parse_history(
        r#"{"logjam_history":1,"scenario":"group","seed":1}
{"index":0,"time":1000000,"process":0,"type":"invoke","f":"send","value":[["send","orders/0",1],["send","orders/0",2]],"node":"producer-1"}
{"index":1,"time":2000000,"process":0,"type":"ok","f":"send","value":[["send","orders/0",[0,1]],["send","orders/0",[1,2]]],"node":"producer-1"}
{"index":2,"time":10000000,"process":5,"type":"invoke","f":"poll","value":[["poll"]],"node":"group-consumer-1"}
{"index":3,"time":11000000,"process":5,"type":"ok","f":"poll","value":[["poll",{"orders/0":[[0,1],[1,2]]}]],"node":"group-consumer-1"}
{"index":4,"time":20000000,"process":5,"type":"invoke","f":"process","value":{"orders/0":[[0,1],[1,2]]},"node":"group-consumer-1"}
{"index":5,"time":30000000,"process":5,"type":"ok","f":"process","value":{"orders/0":[[0,1],[1,2]]},"node":"group-consumer-1"}
{"index":6,"time":40000000,"process":5,"type":"invoke","f":"commit","value":{"orders/0":2},"node":"group-consumer-1"}
{"index":7,"time":50000000,"process":5,"type":"ok","f":"commit","value":{"orders/0":2},"node":"group-consumer-1"}
"#,
    )
    .unwrap();
    let sc = testkit::scenario(
        "group",
        "at-least-once",
        1,
        serde_json::json!({"acks": "all"}),
        serde_json::json!({}),
    );
    testkit::write_folder(&dir, &sc, 1, &history, &[]).unwrap();
    let page = render_run_page(&dir).unwrap();
    assert!(
        page.contains("<th>processed by</th><th>committed at</th>"),
        "group columns"
    );
    assert!(
        page.contains("<td>0</td><td>1</td><td>0</td><td>5</td><td>5</td><td>0.050 s</td>"),
        "offset 0: written by 0, read and processed by 5, committed at 0.05 s"
    );
    assert!(
        page.contains("committed offset per partition"),
        "the commit plot"
    );
}
