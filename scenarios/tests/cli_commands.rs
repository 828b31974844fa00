//! The commands end to end through the binary, on the cheapest catalogue
//! scenarios (an 8-second fault window, one producer) and a few seeds.
mod common;
use common::{logjam, logjam_split, scratch};
use logjam_harness::nemesis::schedule::parse_schedule;
use std::collections::BTreeSet;
use std::path::Path;

const CHEAP: &str = "kip101-legacy-truncation";
const CHEAP_TOO: &str = "kip101-epoch-truncation";

/// (scenario, seed) of every line of a results.jsonl, and the line count.
fn result_keys(path: &Path) -> (BTreeSet<(String, u64)>, usize) {
    let text = std::fs::read_to_string(path).unwrap();
    let keys: Vec<(String, u64)> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("whole JSON lines");
            (
                v["scenario"].as_str().unwrap().to_string(),
                v["seed"].as_u64().unwrap(),
            )
        })
        .collect();
    let n = keys.len();
    (keys.into_iter().collect(), n)
}

fn chaos(out: &Path, seeds: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "chaos",
        "--scenario",
        CHEAP,
        "--seeds",
        seeds,
        "--jobs",
        "2",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let (code, text) = logjam(&args);
    assert_eq!(code, 0, "{text}");
    text
}

#[test]
fn chaos_writes_results_and_resume_continues_after_a_cut_off_line() {
    let dir = scratch("resume");
    chaos(&dir, "0..2", &[]);
    let results = dir.join("results.jsonl");
    let (keys, lines) = result_keys(&results);
    assert_eq!(lines, 2);
    assert_eq!(keys.iter().map(|k| k.1).collect::<Vec<_>>(), [0, 1]);

    // Interrupted halfway through writing the second line.
    let text = std::fs::read_to_string(&results).unwrap();
    let first_end = text.find('\n').unwrap() + 1;
    let cut = first_end + (text.len() - first_end) / 2;
    std::fs::write(&results, &text[..cut]).unwrap();

    let out = chaos(&dir, "0..3", &["--resume"]);
    assert!(
        out.contains("2 new runs in"),
        "the cut run and seed 2: {out}"
    );
    assert!(
        out.contains("1 runs were already in results.jsonl: 3 runs in all"),
        "{out}"
    );
    let (keys, lines) = result_keys(&results);
    assert_eq!(lines, 3, "no line glued to another, none repeated");
    assert_eq!(keys.iter().map(|k| k.1).collect::<Vec<_>>(), [0, 1, 2]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shards_are_disjoint_and_together_the_whole_sweep() {
    let dir = scratch("shards");
    let both = ["--scenario", CHEAP_TOO];
    chaos(&dir.join("all"), "0..4", &both);
    let (all, n) = result_keys(&dir.join("all/results.jsonl"));
    assert_eq!((all.len(), n), (8, 8));
    let mut union = BTreeSet::new();
    for k in 0..2 {
        let out = dir.join(format!("shard{k}"));
        chaos(
            &out,
            "0..4",
            &[&both[..], &["--shard", &format!("{k}/2")]].concat(),
        );
        let (mine, n) = result_keys(&out.join("results.jsonl"));
        assert_eq!(mine.len(), n);
        let scenarios: BTreeSet<&str> = mine.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            scenarios.len(),
            2,
            "shard {k} runs every scenario: {mine:?}"
        );
        assert!(union.is_disjoint(&mine), "shards overlap: {mine:?}");
        union.extend(mine);
    }
    assert_eq!(union, all);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The value after `label` on the line that starts with it.
fn after<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label:?} line in: {text}"))
        .trim()
}

#[test]
fn shrink_prints_commands_that_reproduce_the_smaller_failure() {
    let dir = scratch("shrink");
    let out = dir.join("shrink");
    let (code, text, _) = logjam_split(&[
        "shrink",
        "--scenario",
        CHEAP,
        "--seed",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("keeping lost-write"), "{text}");
    let counts = text
        .split("faults → ")
        .nth(1)
        .and_then(|t| t.split(',').next())
        .expect("a fault count");
    assert!(counts.trim().parse::<usize>().unwrap() < 4, "{text}");
    let times: Vec<u64> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("at "))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "sorted by time: {text}"
    );

    let schedule_file = after(&text, "schedule:");
    let schedule = parse_schedule(
        &std::fs::read_to_string(schedule_file).unwrap(),
        schedule_file,
    )
    .expect("a schedule file");
    assert!(schedule.duration_ms.is_some(), "the fault window is saved");
    assert_eq!(schedule.faults.len(), times.len());

    let folder = after(&text, "replay:   logjam replay");
    let (code, replayed) = logjam(&["replay", folder]);
    assert_eq!(code, 0, "{replayed}");
    assert!(replayed.contains("history identical"), "{replayed}");

    // The `logjam run` form gives the same history, byte for byte.
    let command = after(&text, "or: logjam ");
    let rerun = dir.join("rerun");
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.extend_from_slice(&["--out", rerun.to_str().unwrap()]);
    let (code, ran) = logjam(&args);
    assert_eq!(code, 0, "{ran}");
    assert!(ran.contains("acknowledged writes lost"), "{ran}");
    // `run --faults` writes a folder of its own, `<seed>-faults-<hash>`.
    let seeds = rerun.join(format!("runs/{CHEAP}/legacy-hw-truncation"));
    let folders: Vec<String> = std::fs::read_dir(&seeds)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(folders.len(), 1, "{folders:?}");
    assert!(folders[0].starts_with("0-faults-"), "{folders:?}");
    let rerun_history = std::fs::read(seeds.join(&folders[0]).join("history.jsonl")).unwrap();
    let shrunk_history =
        std::fs::read(out.join(format!("runs/{CHEAP}/legacy-hw-truncation/0/history.jsonl")))
            .unwrap();
    assert!(
        rerun_history == shrunk_history,
        "run --faults differs from the shrunk run"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_json_parses_and_replay_compares_line_by_line() {
    let dir = scratch("run-json");
    let (code, stdout, stderr) = logjam_split(&[
        "run",
        "--scenario",
        CHEAP,
        "--seed",
        "1",
        "--format",
        "json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(rows[0]["scenario"], CHEAP);
    assert_eq!(rows[0]["seed"], 1);
    assert!(
        rows[0]["result"]["counts"]["lost-write"].as_u64() > Some(0),
        "{stdout}"
    );
    let folder = rows[0]["dir"].as_str().unwrap();

    let (code, text) = logjam(&["replay", folder]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("history identical"), "{text}");

    // A recorded history with one line more than the replay: named, 1-based.
    let path = Path::new(folder).join("history.jsonl");
    let mut history = std::fs::read_to_string(&path).unwrap();
    let lines = history.lines().count();
    history.push_str("{}\n");
    std::fs::write(&path, history).unwrap();
    let (code, text) = logjam(&["replay", folder]);
    assert_eq!(code, 3, "a replay that differs exits 3: {text}");
    assert!(
        text.contains(&format!(
            "DIFFERS: differs from line {}: the recorded history has 1 more line",
            lines + 1
        )),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every fault kind `logjam list` shows, with its example, is a schedule entry.
#[test]
fn listed_fault_kinds_parse_as_schedule_entries() {
    let (code, text) = logjam(&["list"]);
    assert_eq!(code, 0, "{text}");
    let kinds: Vec<&str> = text
        .split("Fault kinds")
        .nth(1)
        .expect("a fault kinds section")
        .lines()
        .skip(1)
        .collect();
    assert!(kinds.len() >= 2 * 19, "{text}");
    for pair in kinds.chunks(2) {
        let name = pair[0].split_whitespace().next().unwrap();
        let example = pair[1].trim();
        let entry = format!(r#"[{{"at_ms": 0, "fault": {example}}}]"#);
        let parsed = parse_schedule(&entry, "list.json").unwrap_or_else(|e| panic!("{name}: {e}"));
        let tag = serde_json::to_value(&parsed.faults[0].fault).unwrap();
        assert_eq!(tag["kind"], name);
    }
    for renamed in ["partition-bridge", "partition-one-way", "churn-consumer"] {
        assert!(text.contains(renamed), "{renamed}: {text}");
    }
}
