//! Issue 14: `logjam run`'s row leads with what was found, and says whether
//! the configuration promised against it, with the promise table's reason.
//! kip101-legacy-truncation (the cheapest catalogue scenario) loses
//! acknowledged writes on a preset with min.insync.replicas=1 and
//! logjam.legacy.hw.truncation, which give up the no-acked-loss promise: the
//! row must say "not promised" and why, not "kept".
mod common;
use common::{logjam, scratch};

#[test]
fn run_row_leads_with_what_was_found_and_why_it_was_not_promised() {
    let dir = scratch("run-verdict-row");
    let (code, text) = logjam(&[
        "run",
        "--scenario",
        "kip101-legacy-truncation",
        "--seed",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.contains("found") && header.contains("verdict"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.starts_with("kip101-legacy-truncation"))
        .unwrap_or_else(|| panic!("no row: {text}"));
    assert!(row.contains("acknowledged writes lost"), "{row}");
    assert!(
        row.contains("not promised (acks=all with min.insync.replicas=1"),
        "{row}"
    );
    assert!(!row.contains("kept"), "{row}");
    assert!(
        text.contains("not promised by acks=all with min.insync.replicas=1: a leader alone in its ISR acknowledges what no follower has"),
        "the reason in full: {text}"
    );
    assert!(text.contains("none broke a promise"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An acknowledged write that the final read (which saw offset 1) never saw.
const SEND_LOST: &str = concat!(
    "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
    "{\"index\":1,\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[0,1]]]}\n",
    "{\"index\":2,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",2]]}\n",
    "{\"index\":3,\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[1,2]]]}\n",
    "{\"index\":4,\"process\":1,\"type\":\"invoke\",\"f\":\"poll\",\"value\":[[\"poll\"]],\"final\":true}\n",
    "{\"index\":5,\"process\":1,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[1,2]]}]],\"final\":true}\n",
);

/// Issue 14: `logjam check` leads with the same "found | verdict" words as
/// `logjam run`'s row (both from `logjam_reports::findings`), the reasons
/// below in full; no promise is listed as a bare "kept/BROKEN" line.
#[test]
fn check_leads_with_what_was_found_and_the_verdict_as_run_does() {
    let h = common::write("verdict-row-lost.jsonl", SEND_LOST);
    let file = h.to_str().unwrap();
    let (code, text) = logjam(&["check", file, "--config", "leader-ack"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.get(1).map(|l| l.trim()),
        Some("1 acknowledged write lost, 1 acknowledged write never read | not promised (acks=1)"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim().starts_with("not promised by acks=1: ")),
        "the reason in full: {text}"
    );

    let (code, text) = logjam(&["check", file, "--config", "durable"]);
    assert_eq!(code, 1, "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.get(1).map(|l| l.trim()),
        Some("1 acknowledged write lost, 1 acknowledged write never read | BROKEN no-acked-loss"),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l
            .trim()
            .starts_with("breaks no-acked-loss, promised by acks=all")),
        "{text}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.trim_start().starts_with("BROKEN") || l.trim_start().starts_with("kept ")),
        "no kept/BROKEN promise lines: {text}"
    );

    let (code, text) = logjam(&["check", file]);
    assert_eq!(code, 4, "{text}");
    assert_eq!(
        text.lines().nth(1).map(str::trim),
        Some("1 acknowledged write lost, 1 acknowledged write never read | not judged"),
        "{text}"
    );
}
