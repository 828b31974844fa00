//! The sweep index and `collect`: matrix colours, links to the smallest
//! example, commands for runs without a folder, merging of shards.
mod common;
use common::fresh_dir;
use logjam_checker::AnomalyKind;
use logjam_reports::{collect, testkit, write_index, IndexInput, RunSummary};
use std::collections::BTreeMap;

fn summary(
    scenario: &str,
    preset: &str,
    seed: u64,
    counts: &[(AnomalyKind, u64)],
    allowed: &[(AnomalyKind, u64)],
    ops: u64,
) -> RunSummary {
    RunSummary {
        scenario: scenario.into(),
        preset: preset.into(),
        seed,
        valid: Some(counts.len() == allowed.len()),
        broken: if counts.len() == allowed.len() {
            vec![]
        } else {
            vec!["no-acked-loss".into()]
        },
        counts: counts.iter().copied().collect(),
        allowed: allowed.iter().copied().collect(),
        exercised: vec![
            AnomalyKind::LostWrite,
            AnomalyKind::Unseen,
            AnomalyKind::Duplicate,
            AnomalyKind::PollSkip,
        ],
        ops,
        sends_ok: 100,
        records_processed: 0,
        wall_ms: 10,
        simulated_ms: 1000,
    }
}

#[test]
fn matrix_comes_first_with_colours_and_links() {
    let root = fresh_dir("index-matrix");
    let run_dir = root.join("runs/fixture/durable/1");
    testkit::write_lost_write_folder(&run_dir).unwrap();
    let on_disk = RunSummary::from_run_dir(&run_dir).unwrap();
    assert_eq!(on_disk.key(), ("fixture".into(), "durable".into(), 1));
    assert_eq!(on_disk.valid, Some(false));
    let runs = vec![
        on_disk.clone(),
        summary(
            "fixture",
            "durable",
            2,
            &[(AnomalyKind::LostWrite, 3)],
            &[],
            50_000,
        ),
        summary(
            "acks1",
            "leader-ack",
            0,
            &[(AnomalyKind::LostWrite, 7)],
            &[(AnomalyKind::LostWrite, 7)],
            900,
        ),
        summary(
            "acks1",
            "leader-ack",
            1,
            &[(AnomalyKind::LostWrite, 2)],
            &[(AnomalyKind::LostWrite, 2)],
            800,
        ),
    ];
    let out = root.join("report");
    let input = IndexInput {
        title: "sweep <test>".into(),
        reproduce_command: "logjam chaos --seeds 0..2".into(),
        runs,
        example_dirs: vec![run_dir.clone()],
    };
    let path = write_index(&out, &input).unwrap();
    let page = std::fs::read_to_string(&path).unwrap();
    let matrix = page.find("class=\"matrix\"").unwrap();
    if let Some(h2) = page.find("<h2") {
        assert!(matrix < h2, "the matrix is the first thing");
    }
    assert!(page.contains("sweep &lt;test&gt;"));
    // Issue 14: one sentence answers the sweep before anything else, the
    // legend comes before the matrix, and kinds no run could exercise get
    // no column (they are named instead).
    let answer = page.find("id=\"answer\"").expect("the answer");
    let legend = page.find("class=\"legend\"").expect("a legend");
    assert!(answer < legend && legend < matrix, "answer, legend, matrix");
    assert!(
        page.contains("2 of 2 configurations lost or reordered data (2 lost, 1 reordered); 1 broke a promise."),
        "{page}"
    );
    let header = &page[matrix..page[matrix..].find("</tr>").unwrap() + matrix];
    assert!(
        !header.contains("lost-processing"),
        "folded column shown: {header}"
    );
    assert!(page.contains(
        "no run here could exercise precommitted-read, torn-transaction, stuck-lso, lost-processing"
    ));
    for class in ["c red", "c amber", "c green", "c grey"] {
        assert!(page.contains(class), "{class}");
    }
    // The red cell links to the run on disk (relative), which now has a page.
    assert!(
        page.contains("href=\"../runs/fixture/durable/1/report.html\""),
        "{page}"
    );
    assert!(run_dir.join("report.html").is_file());
    // The amber cell has no folder on disk: smallest run's seed and command.
    assert!(page.contains("logjam run --scenario acks1 --seed 1"));
    assert!(page.contains("logjam chaos --seeds 0..2"));
    assert!(page.contains("0–1"), "seed range");
    // Deterministic.
    let again = write_index(&out, &input).unwrap();
    assert_eq!(std::fs::read_to_string(again).unwrap(), page);
    // And the whole page, for review (`cargo insta review` to accept a change).
    insta::with_settings!({filters => vec![(r"logjam \d+\.\d+\.\d+", "logjam [version]")]}, {
        insta::assert_snapshot!("sweep_index", page);
    });
}

#[test]
fn collect_merges_shards_and_run_folders() {
    let root = fresh_dir("collect");
    let a = summary("s", "p", 3, &[], &[], 10);
    let b = summary(
        "s",
        "p",
        1,
        &[(AnomalyKind::Duplicate, 1)],
        &[(AnomalyKind::Duplicate, 1)],
        10,
    );
    std::fs::create_dir_all(root.join("shard-1")).unwrap();
    std::fs::create_dir_all(root.join("shard-2")).unwrap();
    let line = |s: &RunSummary| serde_json::to_string(s).unwrap();
    std::fs::write(
        root.join("shard-1/results.jsonl"),
        format!("{}\nnot json\n", line(&a)),
    )
    .unwrap();
    std::fs::write(
        root.join("shard-2/results.jsonl"),
        format!("{}\n\n{}\n", line(&b), line(&a)),
    )
    .unwrap();
    let run_dir = root.join("shard-2/runs/fixture/durable/1");
    testkit::write_lost_write_folder(&run_dir).unwrap();
    let (runs, dirs) = collect(std::slice::from_ref(&root)).unwrap();
    let keys: Vec<_> = runs.iter().map(RunSummary::key).collect();
    assert_eq!(
        keys,
        vec![
            ("fixture".into(), "durable".into(), 1),
            ("s".into(), "p".into(), 1),
            ("s".into(), "p".into(), 3)
        ]
    );
    assert_eq!(dirs, vec![run_dir]);
    assert!(collect(&[root.join("missing")]).is_err());
    // Old lines without the optional fields still read.
    let old = r#"{"scenario":"s","preset":"p","seed":9,"valid":true,"broken":[],"counts":{},"ops":1,"wall_ms":1,"simulated_ms":1}"#;
    let s: RunSummary = serde_json::from_str(old).unwrap();
    assert_eq!(s.allowed, BTreeMap::new());
}
