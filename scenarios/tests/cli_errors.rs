//! Bad input gets a clear error naming the problem and exit status 2, never a
//! panic; a simulation that fails (a logjam bug, not the input) exits 6.
mod common;
use common::{logjam, write};

#[test]
fn malformed_history_line_names_the_line() {
    let p = write("bad.jsonl", "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"k\",1]]}\n{\"type\":\"maybe\"}\n");
    let (code, text) = logjam(&["check", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn unknown_fault_kind_is_rejected() {
    let p = write(
        "faults.json",
        r#"[{"at_ms": 10, "fault": {"kind": "meteor-strike"}}]"#,
    );
    let (code, text) = logjam(&[
        "run",
        "--scenario",
        "standard",
        "--seed",
        "0",
        "--faults",
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("meteor-strike"), "{text}");
}

#[test]
fn impossible_configuration_names_the_setting() {
    let p = write(
        "idem.toml",
        "name = \"x\"\n[cluster.producer]\nacks = \"1\"\n\"enable.idempotence\" = true\n[[cluster.topics]]\nname = \"t\"\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("enable.idempotence"), "{text}");

    let p = write("minisr.toml", "name = \"y\"\n[cluster.broker]\n\"min.insync.replicas\" = 4\n[[cluster.topics]]\nname = \"t\"\n");
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("min.insync.replicas"), "{text}");
}

#[test]
fn unknown_scenario_key_is_named() {
    let p = write(
        "typo.toml",
        "name = \"z\"\n[cluster.producer]\n\"lingr.ms\" = 5\n[[cluster.topics]]\nname = \"t\"\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("lingr.ms") && text.contains("typo.toml"),
        "{text}"
    );
}

#[test]
fn unknown_scenario_and_preset_are_clear_errors() {
    let (code, text) = logjam(&["run", "--scenario", "nope"]);
    assert_eq!(code, 2);
    assert!(text.contains("unknown scenario"), "{text}");
    let (code, text) = logjam(&[
        "check",
        "/nonexistent/history.jsonl",
        "--config",
        "not-a-preset",
    ]);
    assert_eq!(code, 2);
    assert!(text.contains("not-a-preset"), "{text}");
}

#[test]
fn check_exit_status_follows_the_promises() {
    // An acknowledged write that the final read (which saw offset 1) never saw.
    let h = write(
        "lost.jsonl",
        concat!(
            "{\"index\":0,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",1]]}\n",
            "{\"index\":1,\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[0,1]]]}\n",
            "{\"index\":2,\"process\":0,\"type\":\"invoke\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",2]]}\n",
            "{\"index\":3,\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[1,2]]]}\n",
            "{\"index\":4,\"process\":1,\"type\":\"invoke\",\"f\":\"poll\",\"value\":[[\"poll\"]],\"final\":true}\n",
            "{\"index\":5,\"process\":1,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[1,2]]}]],\"final\":true}\n",
        ),
    );
    let (code, text) = logjam(&["check", h.to_str().unwrap(), "--config", "durable"]);
    assert_eq!(code, 1, "durable promises no acked loss: {text}");
    assert!(text.contains("lost-write"), "{text}");
    let (code, text) = logjam(&["check", h.to_str().unwrap(), "--config", "leader-ack"]);
    assert_eq!(code, 0, "acks=1 promises nothing about loss: {text}");
}

#[test]
fn check_jepsen_judges_as_jepsen_with_subscribe_allowing_poll_skip() {
    // Process 2 reads 1 then 3, skipping 2 at offset 1: bad for Jepsen unless
    // consumers subscribe. --ww-deps needs --jepsen.
    let h = write(
        "skip.jsonl",
        concat!(
            "{\"process\":0,\"type\":\"ok\",\"f\":\"send\",\"value\":[[\"send\",\"t/0\",[0,1]],[\"send\",\"t/0\",[1,2]],[\"send\",\"t/0\",[2,3]]]}\n",
            "{\"process\":1,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[0,1],[1,2],[2,3]]}]]}\n",
            "{\"process\":2,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[0,1]]}]]}\n",
            "{\"process\":2,\"type\":\"ok\",\"f\":\"poll\",\"value\":[[\"poll\",{\"t/0\":[[2,3]]}]]}\n",
        ),
    );
    let file = h.to_str().unwrap();
    let (code, text) = logjam(&["check", file, "--jepsen"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("jepsen: INVALID") && text.contains("bad: poll-skip"),
        "{text}"
    );
    let (code, text) = logjam(&["check", file, "--jepsen", "--subscribe"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("jepsen: valid (subscribe true"), "{text}");
    let (code, text) = logjam(&["check", file, "--ww-deps"]);
    assert_eq!(code, 2, "{text}");
}

#[test]
fn a_wrong_type_names_the_file_line_and_key() {
    let p = write(
        "three.toml",
        "name = \"b\"\n[cluster]\nbrokers = \"three\"\n[[cluster.topics]]\nname = \"t\"\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains(
            "three.toml:3: `cluster.brokers`: invalid type: string \"three\", expected u32"
        ),
        "{text}"
    );
}

#[test]
fn a_scenario_without_topics_is_rejected() {
    let p = write("notopics.toml", "name = \"n\"\n");
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("notopics.toml") && text.contains("`cluster.topics`"),
        "{text}"
    );
}

#[test]
fn the_largest_seed_is_a_clear_error() {
    let max = u64::MAX.to_string();
    let (code, text) = logjam(&["run", "--scenario", "standard", "--seed", &max]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the largest seed is"), "{text}");
    let (code, text) = logjam(&["run", "--seeds", &format!("0..={max}")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the largest seed is"), "{text}");
}

/// A simulation that fails is a logjam bug, not the user's input: exit 6, not 2.
/// A tick longer than the run's slack past its final reads overruns turmoil's
/// time limit on the first step (nothing validates the tick against it).
#[test]
fn a_failed_simulation_exits_6() {
    let p = write(
        "overrun.toml",
        "name = \"overrun\"\nduration_ms = 1000\n[sim]\ntick_ms = 10000\nrecovery_ms = 0\nfinal_read_timeout_ms = 0\n[[cluster.topics]]\nname = \"t\"\n",
    );
    let (code, text) = logjam(&["run", "--file", p.to_str().unwrap(), "--seed", "0"]);
    assert_eq!(code, 6, "{text}");
    assert!(text.contains("error: simulation failed"), "{text}");
}
