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
