//! A real browser opens the pages: headless Chromium takes a screenshot and
//! dumps the DOM, and must report no script errors. Then Playwright
//! (`tests/interact/interact.mjs`, playwright-core driving the same
//! Chromium) interacts with the run pages: a proof link scrolls to and
//! highlights its operation, an offset tick opens its row, "zoom to this
//! proof" zooms the timeline, and no console error is logged. The pages are the sweep
//! index, the run page of a real simulated run (acks=1 with leader crashes),
//! and the fixture pages. Skipped (with a message) when Chromium is not
//! installed, unless `LOGJAM_REQUIRE_BROWSER=1`. Screenshots are kept in
//! `target/browser-artifacts/` for people to look at.
mod common;
use common::fresh_dir;
use logjam_harness::run::run as simulate;
use logjam_harness::run_folder::write_run_folder;
use logjam_harness::scenario::Scenario;
use logjam_models::config::{
    Acks, BrokerConfig, ClusterConfig, ConsumerConfig, ProducerConfig, TopicConfig,
};
use logjam_reports::{testkit, write_index, write_run_report, IndexInput, RunSummary};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Run chromium on `page` with `extra` arguments, killing it after the timeout.
fn run(browser: &Path, profile: &Path, page: &Path, extra: &[String]) -> Output {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1800",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Drain the pipes on threads so a chatty browser cannot block on them.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut b).ok();
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut b).ok();
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for chromium") {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {TIMEOUT:?} on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// Console errors and uncaught exceptions chromium logged for our page.
fn script_errors(stderr: &str, page: &Path) -> Vec<String> {
    let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
    stderr
        .lines()
        .filter(|l| (l.contains("CONSOLE") || l.contains("Uncaught")) && l.contains(name))
        .map(str::to_string)
        .collect()
}

fn check_page(browser: &Path, work: &Path, page: &Path, shot: &Path, markers: &[&str]) {
    let profile = work.join(format!(
        "profile-{}",
        shot.file_stem().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_file(shot);
    let out = run(
        browser,
        &profile,
        page,
        &[format!("--screenshot={}", shot.display())],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed on {}: {stderr}",
        page.display()
    );
    let png = std::fs::read(shot)
        .unwrap_or_else(|e| panic!("no screenshot {}: {e}\n{stderr}", shot.display()));
    assert!(
        png.len() > 10_000,
        "screenshot too small: {} bytes",
        png.len()
    );
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let errors = script_errors(&stderr, page);
    assert!(errors.is_empty(), "script errors: {errors:#?}");

    let profile = work.join(format!(
        "profile-dom-{}",
        shot.file_stem().unwrap().to_string_lossy()
    ));
    let out = run(browser, &profile, page, &["--dump-dom".to_string()]);
    let dom = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium --dump-dom failed: {stderr}");
    for m in markers {
        assert!(dom.contains(m), "DOM of {} lacks {m}", page.display());
    }
    let errors = script_errors(&stderr, page);
    assert!(errors.is_empty(), "script errors: {errors:#?}");
}

/// The Playwright driver's folder, when `npm ci` has been run in it.
fn playwright() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interact");
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (node_ok && dir.join("node_modules/playwright-core").is_dir()).then_some(dir)
}

/// Click through `page` with `interact.mjs`; screenshots go to `shots-*.png`.
/// Returns what it did (its JSON line), or `None` when it was skipped.
fn interact(browser: &Path, page: &Path, shots: &Path) -> Option<String> {
    let Some(dir) = playwright() else {
        if std::env::var("LOGJAM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("LOGJAM_REQUIRE_BROWSER=1 but node or playwright-core is missing (npm ci in reports/tests/interact)");
        }
        eprintln!("skipping the interaction test: node or playwright-core not found (npm ci in reports/tests/interact)");
        return None;
    };
    let out = Command::new("node")
        .arg(dir.join("interact.mjs"))
        .arg(browser)
        .arg(page)
        .arg(shots)
        .current_dir(&dir)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "interaction with {} failed: {stderr}{stdout}",
        page.display()
    );
    assert!(
        stdout.contains("\"clicked\""),
        "no proof link was clicked: {stdout}"
    );
    assert!(
        stdout.contains("\"tick\""),
        "no offset tick was clicked: {stdout}"
    );
    assert!(
        stdout.contains("\"zoomed\""),
        "the timeline was not zoomed: {stdout}"
    );
    Some(stdout.into_owned())
}

/// A short acks=1 run whose partition leaders crash: a page with real
/// traffic, faults and (usually) lost writes.
fn simulated_run(dir: &Path) {
    let scenario = Scenario {
        name: "browser-acks1".into(),
        description: String::new(),
        preset: Some("leader-ack".into()),
        cluster: ClusterConfig {
            brokers: 3,
            kafka_version: Default::default(),
            broker: BrokerConfig::scaled_for_simulation(),
            topics: vec![TopicConfig {
                name: "orders".into(),
                partitions: 3,
                replication_factor: 3,
                ..TopicConfig::default()
            }],
            producer: ProducerConfig {
                acks: Acks::One,
                enable_idempotence: Some(false),
                retries: 0,
                ..ProducerConfig::scaled_for_simulation()
            },
            consumer: ConsumerConfig::scaled_for_simulation(),
        },
        workload: Default::default(),
        faults: serde_json::from_value(serde_json::json!({"schedule": [
            {"at_ms": 1500, "fault": {"kind": "crash", "target": {"leader-of": "orders/0"}}},
            {"at_ms": 2500, "fault": {"kind": "restart"}},
            {"at_ms": 3500, "fault": {"kind": "isolate", "target": {"leader-of": "orders/1"}}},
            {"at_ms": 5000, "fault": {"kind": "heal"}},
        ]}))
        .unwrap(),
        duration_ms: 6_000,
        sim: Default::default(),
    };
    let out = simulate(&scenario, 1, None).expect("the simulation runs");
    write_run_folder(dir, &scenario, &out).unwrap();
}

#[test]
fn pages_render_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("LOGJAM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("LOGJAM_REQUIRE_BROWSER=1 but chromium is not installed");
        }
        eprintln!("skipping the browser test: chromium not found (apt-get install chromium)");
        return;
    };
    let work = fresh_dir("browser");
    let run_dir = work.join("runs/fixture/durable/1");
    testkit::write_lost_write_folder(&run_dir).unwrap();
    let run_page = write_run_report(&run_dir).unwrap();
    let mut runs = vec![RunSummary::from_run_dir(&run_dir).unwrap()];
    let hostile = work.join("runs/hostile/leader-ack/2");
    testkit::write_hostile_folder(&hostile).unwrap();
    runs.push(RunSummary::from_run_dir(&hostile).unwrap());
    let simulated = work.join("runs/browser-acks1/leader-ack/1");
    simulated_run(&simulated);
    let simulated_page = write_run_report(&simulated).unwrap();
    runs.push(RunSummary::from_run_dir(&simulated).unwrap());
    let index = write_index(
        &work.join("report"),
        &IndexInput {
            title: "browser test sweep".into(),
            reproduce_command: "logjam chaos --seeds 1..3".into(),
            runs,
            example_dirs: vec![run_dir.clone(), simulated.clone()],
        },
    )
    .unwrap();
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/browser-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let index = index.canonicalize().unwrap();
    let run_page = run_page.canonicalize().unwrap();
    check_page(
        &browser,
        &work,
        &index,
        &artifacts.join("index.png"),
        &["class=\"matrix\"", "c red", "report.html"],
    );
    check_page(
        &browser,
        &work,
        &run_page,
        &artifacts.join("run.png"),
        &["id=\"op-3\"", "class=\"timeline\"", "kind-lost-write"],
    );
    check_page(
        &browser,
        &work,
        &simulated_page.canonicalize().unwrap(),
        &artifacts.join("simulated-run.png"),
        &["id=\"op-0\"", "class=\"timeline\"", "band f-crash"],
    );
    // Clicks, through Playwright: proof links, offset ticks, zoom.
    interact(&browser, &run_page, &artifacts.join("run"));
    interact(
        &browser,
        &simulated_page.canonicalize().unwrap(),
        &artifacts.join("simulated-run"),
    );
    // A transactional page: a G1a card's transaction link lights its span.
    let txn_dir = work.join("runs/txn-fixture/transactional-read-uncommitted/3");
    testkit::write_transactional_folder(&txn_dir).unwrap();
    let txn_page = write_run_report(&txn_dir).unwrap().canonicalize().unwrap();
    if let Some(out) = interact(&browser, &txn_page, &artifacts.join("txn-run")) {
        assert!(
            out.contains("\"transaction\":\"#op-2\""),
            "the aborted transaction's span was not clicked through: {out}"
        );
    }
    // The hostile page runs no injected script: its DOM has our script only.
    let hostile_page = write_run_report(&hostile).unwrap().canonicalize().unwrap();
    let out = run(
        &browser,
        &work.join("profile-hostile"),
        &hostile_page,
        &["--dump-dom".to_string()],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("<script").count(),
        1,
        "only the page's own script is in the DOM"
    );
    assert!(!dom.contains("<b>x</b>"));
}
