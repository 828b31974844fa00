//! Issue 14 through the binary: exit codes that mean one thing each, inputs
//! that would silently do nothing or cannot fit a simulation refused before
//! the run, results never overwritten, and getting started from the root.
mod common;
use common::{logjam, logjam_split, scratch, write};
use std::path::Path;
use std::process::Command;

const CHEAP: &str = "kip101-legacy-truncation";

fn run_cheap(out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["run", "--scenario", CHEAP, "--seed", "0"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    logjam(&args)
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

/// `check` without `--config` that finds anomalies exits 4 (nothing was
/// promised, so nothing broke); with a configuration whose promise it
/// breaks, 1.
#[test]
fn check_exit_codes_tell_anomalies_from_broken_promises() {
    let h = write("safety-lost.jsonl", SEND_LOST);
    let (code, text) = logjam(&["check", h.to_str().unwrap()]);
    assert_eq!(code, 4, "{text}");
    assert!(text.contains("lost-write"), "{text}");
    let (code, text) = logjam(&["check", h.to_str().unwrap(), "--config", "durable"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("BROKEN"), "{text}");
}

/// An empty, header-only or all-unknown history exercises no promise: it
/// says "nothing exercised" and exits 5, never "kept" with 0.
#[test]
fn check_on_a_history_that_exercised_nothing_says_so() {
    let unknown = concat!(
        "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
        "{\"index\":1,\"process\":0,\"type\":\"info\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
    );
    for (name, text) in [
        ("safety-empty.jsonl", ""),
        ("safety-header.jsonl", "{\"logjam_history\":1}\n"),
        ("safety-unknown.jsonl", unknown),
    ] {
        let h = write(name, text);
        let (code, out) = logjam(&["check", h.to_str().unwrap(), "--config", "durable"]);
        assert_eq!(code, 5, "{name}: {out}");
        assert!(out.contains("nothing exercised"), "{name}: {out}");
        assert!(out.contains("not exercised"), "{name}: {out}");
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("kept")),
            "{name}: no promise reported kept: {out}"
        );
    }
}

/// A fault aimed at something the scenario does not have is refused before
/// the run, naming the entry and what exists; exit 2.
#[test]
fn faults_at_targets_that_do_not_exist_are_refused_before_the_run() {
    let dir = scratch("safety-targets");
    let cases = [
        (
            r#"[{"at_ms": 10, "fault": {"kind": "restart"}}, {"at_ms": 100, "fault": {"kind": "crash", "target": {"broker": 99}}}]"#,
            "`faults[1].fault.target`: no broker 99: the cluster has brokers 1 to 3",
        ),
        (
            r#"[{"at_ms": 100, "fault": {"kind": "pause", "target": {"leader-of": "order/0"}}}]"#,
            "`faults[0].fault.target`: no partition \"order/0\": expected TOPIC/N, one of orders/0..orders/0",
        ),
        (
            r#"[{"at_ms": 100, "fault": {"kind": "partition-client", "client": "producer-9", "target": "controller"}}]"#,
            "`faults[0].fault.client`: no client host \"producer-9\": the scenario's client hosts are producer-1, consumer-1",
        ),
        (
            r#"[{"at_ms": 100, "fault": {"kind": "kill-consumer", "client": "group-consumer-1"}}]"#,
            "no group member host \"group-consumer-1\"",
        ),
        (
            r#"{"duration_ms": 5000, "faults": [{"at_ms": 6000, "fault": {"kind": "crash", "target": {"broker": 1}}}]}"#,
            "`faults[0].at_ms`: 6000 ms is past the fault window (`duration_ms` = 5000)",
        ),
    ];
    for (i, (schedule, message)) in cases.iter().enumerate() {
        let f = write(&format!("safety-target-{i}.json"), schedule);
        let (code, text) = run_cheap(&dir, &["--faults", f.to_str().unwrap()]);
        assert_eq!(code, 2, "{schedule}: {text}");
        assert!(text.contains(message), "{schedule}: {text}");
        assert!(!dir.join("runs").exists(), "nothing ran: {text}");
    }
    // In a scenario file, the entry is named by its key there.
    let p = write(
        "safety-target.toml",
        "name = \"t\"\n[[cluster.topics]]\nname = \"orders\"\n[[faults.schedule]]\nat_ms = 5\nfault = { kind = \"crash\", target = { broker = 7 } }\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("safety-target.toml: `faults.schedule[0].fault.target`: no broker 7"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fault skipped when it came due (its broker already down) is counted on
/// the summary line and in result.json.
#[test]
fn faults_that_did_not_fire_are_counted() {
    let dir = scratch("safety-not-fired");
    let f = write(
        "safety-twice.json",
        r#"[{"at_ms": 1000, "fault": {"kind": "crash", "target": {"broker": 2}}},
            {"at_ms": 2000, "fault": {"kind": "crash", "target": {"broker": 2}}},
            {"at_ms": 3000, "fault": {"kind": "restart"}}]"#,
    );
    let (code, text) = run_cheap(&dir, &["--faults", f.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "{text}");
    assert!(
        text.contains("1 of 3 scheduled faults did not fire"),
        "{text}"
    );
    let seeds = dir.join(format!("runs/{CHEAP}/legacy-hw-truncation"));
    let folder = std::fs::read_dir(&seeds)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("result.json")).unwrap())
            .unwrap();
    assert_eq!(result["fault_tally"]["scheduled"], 3, "{result:?}");
    assert_eq!(result["fault_tally"]["not_fired"], 1, "{result:?}");
    let page = std::fs::read_to_string(folder.join("report.html")).unwrap();
    assert!(
        page.contains("1 of 3 faults did not fire"),
        "the page's banner says so"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Sizes a simulation cannot hold are refused with the key and the limit.
#[test]
fn sizes_past_the_simulation_are_refused_with_the_key_and_the_limit() {
    let base = "name = \"big\"\n[cluster]\nbrokers = 3\n";
    for (i, (extra, message)) in [
        (
            "[[cluster.topics]]\nname = \"t\"\npartitions = 3000\n",
            "`cluster.topics[*].partitions`: 6000 follower replicas",
        ),
        (
            "[[cluster.topics]]\nname = \"t\"\npartitions = 1000000\n\"replication.factor\" = 1\n",
            "`cluster.topics[*].partitions`: at most 4096",
        ),
        (
            "[[cluster.topics]]\nname = \"t\"\n[workload]\nsends_per_op = 100000000\n",
            "`workload.sends_per_op`: at most 10000",
        ),
        (
            "[[cluster.topics]]\nname = \"t\"\n[workload]\nproducers = 100000\n",
            "at most 1000 (client hosts in one simulation), got 100003",
        ),
    ]
    .iter()
    .enumerate()
    {
        let p = write(&format!("safety-big-{i}.toml"), &format!("{base}{extra}"));
        let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
        assert_eq!(code, 2, "{extra}: {text}");
        assert!(text.contains(message), "{extra}: {text}");
    }
    let p = write(
        "safety-brokers.toml",
        "name = \"b\"\n[cluster]\nbrokers = 1000\n[[cluster.topics]]\nname = \"t\"\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("`cluster.brokers`: at most 100"), "{text}");
}

/// Names that would put a run folder outside `--out` are refused.
#[test]
fn scenario_names_are_folder_names() {
    for (i, name) in ["../../x", "/abs", "a b", ".."].iter().enumerate() {
        let p = write(
            &format!("safety-name-{i}.toml"),
            &format!("name = {name:?}\n[[cluster.topics]]\nname = \"t\"\n"),
        );
        let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
        assert_eq!(code, 2, "{name}: {text}");
        assert!(
            text.contains("`name`: expected letters, digits, `-`, `_` and `.` only"),
            "{name}: {text}"
        );
    }
}

/// `run --faults` never overwrites the run it replaces the faults of.
#[test]
fn run_with_faults_writes_a_folder_of_its_own() {
    let dir = scratch("safety-own-folder");
    let (code, text) = run_cheap(&dir, &[]);
    assert!(code == 0 || code == 1, "{text}");
    let original = dir.join(format!("runs/{CHEAP}/legacy-hw-truncation/0/history.jsonl"));
    let before = std::fs::read(&original).unwrap();
    let f = write(
        "safety-heal.json",
        r#"[{"at_ms": 500, "fault": {"kind": "heal"}}]"#,
    );
    let (code, text) = run_cheap(&dir, &["--faults", f.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "{text}");
    assert_eq!(
        std::fs::read(&original).unwrap(),
        before,
        "original untouched"
    );
    let folders: Vec<String> = std::fs::read_dir(original.parent().unwrap().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        folders.iter().any(|f| f.starts_with("0-faults-")),
        "{folders:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `chaos` into a folder holding results refuses without --resume or
/// --fresh; --resume names a line torn in the middle of the file.
#[test]
fn chaos_never_truncates_results_and_resume_reports_torn_lines() {
    let dir = scratch("safety-chaos");
    let out = dir.to_str().unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "chaos",
            "--scenario",
            CHEAP,
            "--seeds",
            "2",
            "--jobs",
            "1",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        logjam(&args)
    };
    let (code, text) = sweep(&[]);
    assert_eq!(code, 0, "{text}");
    let results = dir.join("results.jsonl");
    let lines = std::fs::read_to_string(&results).unwrap();
    assert_eq!(lines.lines().count(), 2, "--seeds 2 is seeds 0..2: {lines}");

    let (code, text) = sweep(&[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "already holds a sweep's results: --resume to continue it, --fresh to replace it"
        ),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&results).unwrap(),
        lines,
        "untouched"
    );

    // A line torn in the middle (a crash mid-write, then more lines appended).
    let first = lines.lines().next().unwrap();
    std::fs::write(&results, format!("{}\n{}", &first[..20], lines)).unwrap();
    let (code, text) = sweep(&["--resume"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("results.jsonl:1: skipped, not a whole result"),
        "{text}"
    );

    let (code, text) = sweep(&["--fresh"]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        std::fs::read_to_string(&results).unwrap().lines().count(),
        2
    );

    let (code, text) = sweep(&["--jobs", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("--jobs"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Results go to `logjam-store/` in the current folder by default, and the
/// replay command a run stores works from any other folder.
#[test]
fn results_default_to_logjam_store_and_replay_works_from_anywhere() {
    let dir = scratch("safety-store");
    let out = Command::new(env!("CARGO_BIN_EXE_logjam"))
        .args(["run", "--scenario", CHEAP, "--seed", "0"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    let folder = dir.join(format!("logjam-store/runs/{CHEAP}/legacy-hw-truncation/0"));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("run.json")).unwrap()).unwrap();
    let command = meta["replay_command"].as_str().unwrap();
    let path = command.strip_prefix("logjam replay ").unwrap();
    assert!(Path::new(path).is_absolute(), "{command}");
    let (code, text) = logjam(&["replay", path]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("history identical"), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--progress` shows simulated time on stderr even when it is not a terminal.
#[test]
fn run_progress_shows_simulated_time_when_asked() {
    let dir = scratch("safety-progress");
    let (code, _, stderr) = logjam_split(&[
        "run",
        "--scenario",
        CHEAP,
        "--seed",
        "0",
        "--progress",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(code <= 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{CHEAP} seed 0: simulated ")),
        "{stderr}"
    );
    let (_, _, quiet) = logjam_split(&[
        "run",
        "--scenario",
        CHEAP,
        "--seed",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        !quiet.contains("simulated"),
        "not a terminal, not asked: {quiet}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `logjam list` shows the kinds a fault mix draws from, and no scenario
/// description cites a file that does not exist.
#[test]
fn list_shows_mix_kinds_and_descriptions_cite_real_files() {
    let (code, text) = logjam(&["list"]);
    assert_eq!(code, 0, "{text}");
    let mix = text
        .split("Fault-mix kinds")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .expect("a fault-mix section");
    for kind in [
        "partition",
        "power-loss-all",
        "consumer-churn",
        "coordinator-failure",
        "one-way",
    ] {
        assert!(
            mix.lines().any(|l| l.trim_start().starts_with(kind)),
            "{kind}: {mix}"
        );
    }
    assert!(!text.contains("(does not load)"), "{text}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for word in text.split(|c: char| c.is_whitespace() || "()\"',;".contains(c)) {
        if word.ends_with(".md") || word.ends_with(".toml") {
            assert!(
                root.join(word).is_file(),
                "{word} is cited but does not exist"
            );
        }
    }
}

/// `--seeds N` is seeds 0..N.
#[test]
fn seeds_n_means_zero_to_n() {
    let dir = scratch("safety-seeds");
    let (code, stdout, stderr) = logjam_split(&[
        "run",
        "--scenario",
        CHEAP,
        "--seeds",
        "2",
        "--format",
        "json",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(code <= 1, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let seeds: Vec<u64> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [0, 1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
