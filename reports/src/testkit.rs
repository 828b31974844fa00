//! Run folders made in code, for this crate's tests, the browser test and the
//! bench: a hand-written history is checked with the real checker and written
//! out exactly as a run would write it (run.json, history.jsonl, faults.jsonl,
//! result.json). Not part of the stable API.
use logjam_checker::history::{parse_history, write_jsonl, History};
use logjam_checker::{check, CheckOptions};
use logjam_harness::run_folder::RunMeta;
use logjam_harness::scenario::Scenario;
use logjam_harness::semantics::semantics_of_workload;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// A scenario with 3 brokers and one topic `orders` of `partitions`
/// partitions; `producer` and `broker` are the `[producer]` and `[broker]`
/// settings under Kafka's names.
pub fn scenario(
    name: &str,
    preset: &str,
    partitions: u32,
    producer: Value,
    broker: Value,
) -> Scenario {
    serde_json::from_value(json!({
        "name": name,
        "preset": preset,
        "cluster": {
            "brokers": 3,
            "topics": [{"name": "orders", "partitions": partitions, "replication.factor": 3}],
            "producer": producer,
            "broker": broker,
        },
        "duration_ms": 10_000,
    }))
    .expect("a valid scenario")
}

/// Check `history` under the scenario's configuration and write a run folder.
pub fn write_folder(
    dir: &Path,
    sc: &Scenario,
    seed: u64,
    history: &History,
    faults: &[Value],
) -> io::Result<RunMeta> {
    fs::create_dir_all(dir)?;
    let sem = semantics_of_workload(&sc.cluster, &sc.workload);
    let result = check(
        history,
        &CheckOptions {
            semantics: Some(sem),
            faults: None,
            jepsen: None,
        },
    );
    let last_ns = history
        .ops
        .iter()
        .filter_map(|o| o.time_ns)
        .max()
        .unwrap_or(0);
    let meta = RunMeta {
        scenario: sc.name.clone(),
        preset: sc.preset.clone(),
        seed,
        logjam_version: crate::LOGJAM_VERSION.into(),
        replay_command: format!("logjam replay {}", dir.display()),
        steps: last_ns / 10_000_000,
        simulated_ms: last_ns / 1_000_000 + 1,
        final_reads_complete: true,
        resolved_scenario: sc.clone(),
        schedule: Vec::new(),
    };
    fs::write(dir.join("run.json"), pretty(&meta))?;
    let mut h = io::BufWriter::new(fs::File::create(dir.join("history.jsonl"))?);
    write_jsonl(history, &mut h)?;
    h.flush()?;
    let mut f = String::new();
    for v in faults {
        let _ = writeln!(f, "{v}");
    }
    fs::write(dir.join("faults.jsonl"), f)?;
    fs::write(dir.join("result.json"), pretty(&result))?;
    Ok(meta)
}

fn pretty(v: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(v).expect("serializable") + "\n"
}

/// A small history with one lost write around a leader crash: process 0
/// sends 1 and 2 to orders/0 (acknowledged at offsets 0 and 1), broker 1
/// crashes, process 1 sends 3 (acknowledged at offset 1 again), and the final
/// read returns 1 and 3: value 2 is lost, offset 1 holds two values. A
/// consumer's successive polls of orders/1 jump over offset 1 (poll-skip).
pub fn lost_write_history() -> History {
    parse_history(LOST_WRITE).expect("valid history")
}

/// The faults of [`lost_write_history`], as `faults.jsonl` lines.
pub fn lost_write_faults() -> Vec<Value> {
    vec![
        json!({"at_ms": 30, "f": "crash", "fault": {"kind": "crash", "target": {"leader-of": "orders/0"}}, "value": {"broker": 1, "power_loss": false}}),
        json!({"at_ms": 60, "f": "restart", "fault": {"kind": "restart"}, "value": {"brokers": [1]}}),
    ]
}

const LOST_WRITE: &str = r#"{"logjam_history":1,"scenario":"fixture","seed":1}
{"index":0,"time":10000000,"process":0,"type":"invoke","f":"send","value":[["send","orders/0",1]],"node":"producer-1"}
{"index":1,"time":12000000,"process":0,"type":"ok","f":"send","value":[["send","orders/0",[0,1]]],"node":"producer-1"}
{"index":2,"time":20000000,"process":0,"type":"invoke","f":"send","value":[["send","orders/0",2]],"node":"producer-1"}
{"index":3,"time":25000000,"process":0,"type":"ok","f":"send","value":[["send","orders/0",[1,2]]],"node":"producer-1"}
{"index":4,"time":30000000,"process":"nemesis","type":"info","f":"crash","value":{"broker":1,"power_loss":false}}
{"index":5,"time":40000000,"process":1,"type":"invoke","f":"send","value":[["send","orders/1",10]],"node":"producer-1"}
{"index":6,"time":41000000,"process":1,"type":"fail","f":"send","value":[["send","orders/1",10]],"node":"producer-1","error":"NOT_ENOUGH_REPLICAS"}
{"index":7,"time":45000000,"process":2,"type":"invoke","f":"send","value":[["send","orders/0",3]],"node":"producer-1"}
{"index":8,"time":50000000,"process":2,"type":"ok","f":"send","value":[["send","orders/0",[1,3]]],"node":"producer-1"}
{"index":9,"time":52000000,"process":3,"type":"invoke","f":"send","value":[["send","orders/1",11]],"node":"producer-1"}
{"index":10,"time":53000000,"process":3,"type":"info","f":"send","value":[["send","orders/1",11]],"node":"producer-1","error":"timeout"}
{"index":11,"time":60000000,"process":"nemesis","type":"info","f":"restart","value":{"brokers":[1]}}
{"index":14,"time":61000000,"process":6,"type":"invoke","f":"send","value":[["send","orders/1",20],["send","orders/1",21],["send","orders/1",22]],"node":"producer-2"}
{"index":15,"time":62000000,"process":6,"type":"ok","f":"send","value":[["send","orders/1",[0,20]],["send","orders/1",[1,21]],["send","orders/1",[2,22]]],"node":"producer-2"}
{"index":16,"time":63000000,"process":4,"type":"invoke","f":"poll","value":[["poll"]],"node":"consumer-1"}
{"index":17,"time":64000000,"process":4,"type":"ok","f":"poll","value":[["poll",{"orders/1":[[0,20]]}]],"node":"consumer-1"}
{"index":18,"time":65000000,"process":4,"type":"invoke","f":"poll","value":[["poll"]],"node":"consumer-1"}
{"index":19,"time":66000000,"process":4,"type":"ok","f":"poll","value":[["poll",{"orders/1":[[2,22]]}]],"node":"consumer-1"}
{"index":20,"time":70000000,"process":5,"type":"invoke","f":"poll","value":[["poll"]],"node":"final-reader","final":true}
{"index":21,"time":72000000,"process":5,"type":"ok","f":"poll","value":[["poll",{"orders/0":[[0,1],[1,3]],"orders/1":[[0,20],[1,21],[2,22]]}]],"node":"final-reader","final":true}
"#;

/// A history with hostile strings: a string value `<script>alert(1)</script>`
/// sent to a key containing `<b>`, read back, on a node named `<i>n</i>`.
pub fn hostile_history() -> History {
    parse_history(
        r#"{"index":0,"time":1000000,"process":0,"type":"invoke","f":"send","value":[["send","t<b>x</b>/0","<script>alert(1)</script>"]],"node":"<i>n</i>"}
{"index":1,"time":2000000,"process":0,"type":"ok","f":"send","value":[["send","t<b>x</b>/0",[0,"<script>alert(1)</script>"]]],"node":"<i>n</i>","error":"<img src=x onerror=alert(2)>"}
{"index":2,"time":3000000,"process":1,"type":"invoke","f":"send","value":[["send","t<b>x</b>/0","<script>alert(3)</script>"]],"node":"<i>n</i>"}
{"index":3,"time":4000000,"process":1,"type":"ok","f":"send","value":[["send","t<b>x</b>/0",[1,"<script>alert(3)</script>"]]],"node":"<i>n</i>"}
{"index":4,"time":9000000,"process":2,"type":"invoke","f":"poll","value":[["poll"]],"node":"final-reader","final":true}
{"index":5,"time":9500000,"process":2,"type":"ok","f":"poll","value":[["poll",{"t<b>x</b>/0":[[0,"<script>alert(1)</script>"],[2,"<script>alert(4)</script>"]]}]],"node":"final-reader","final":true}
"#,
    )
    .expect("valid history")
}

/// A synthetic history of about `ops` lines: 24 producer processes sending
/// round-robin to 6 partitions, 4 consumers polling behind them, a broker
/// crash and restart every fifth of the history, after which the last few
/// acknowledged records of one partition are lost (five crashes per history), and a final read of every
/// partition. Deterministic. Returns the history text and the fault lines.
pub fn synthetic(ops: usize) -> (String, Vec<Value>) {
    synthetic_with(ops, false)
}

/// Partitions of the synthetic histories.
const P: usize = 6;

/// [`synthetic`], or with `transactional` its producers' sends made
/// transactions of 1 to 3 sends across partitions, about 1 in 16 aborted and
/// 1 in 400 unknown.
pub fn synthetic_with(ops: usize, transactional: bool) -> (String, Vec<Value>) {
    let mut out = String::with_capacity(ops * 110);
    let mut faults = Vec::new();
    let mut logs: Vec<Vec<(i64, u64)>> = vec![Vec::new(); P];
    let mut lost: Vec<std::collections::BTreeSet<i64>> = vec![Default::default(); P];
    let mut consumed = [0usize; P];
    let mut idx = 0u64;
    let mut t: u64 = 1_000_000;
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rand = |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let line = |out: &mut String, idx: &mut u64, body: String| {
        let _ = writeln!(out, "{{\"index\":{idx},{body}}}");
        *idx += 1;
    };
    let mut value = 0u64;
    let mut down: Option<(u64, u64)> = None;
    let target = ops.saturating_sub(2 * P + 8) as u64;
    // Five crashes per history, at least 500 lines apart.
    let every = (ops as u64 / 5).max(500);
    while idx < target {
        t += 1_000_000 + rand(1_000_000);
        if idx > 0 && idx % every < 2 && down.is_none() {
            let broker = 1 + (idx / every) % 3;
            line(
                &mut out,
                &mut idx,
                format!(
                    r#""time":{t},"process":"nemesis","type":"info","f":"crash","value":{{"broker":{broker},"power_loss":false}}"#
                ),
            );
            faults.push(json!({"at_ms": t / 1_000_000, "f": "crash", "fault": {"kind": "crash", "target": "random-broker"}, "value": {"broker": broker, "power_loss": false}}));
            down = Some((broker, t + 3_000_000_000));
            // The leader acknowledged these but no follower had them.
            let k = (idx / every) as usize % P;
            for (o, _) in logs[k].iter().rev().take(3) {
                lost[k].insert(*o);
            }
        }
        if let Some((broker, until)) = down {
            if t >= until {
                line(
                    &mut out,
                    &mut idx,
                    format!(
                        r#""time":{t},"process":"nemesis","type":"info","f":"restart","value":{{"brokers":[{broker}]}}"#
                    ),
                );
                faults.push(json!({"at_ms": t / 1_000_000, "f": "restart", "fault": {"kind": "restart"}, "value": {"brokers": [broker]}}));
                down = None;
            }
        }
        if idx % 10 == 9 {
            // A consumer polls the next records of a partition.
            let k = (idx as usize / 10) % P;
            let c = 100 + (k % 4);
            let from = consumed[k];
            let to = (from + 1 + rand(8) as usize).min(logs[k].len());
            let recs: Vec<String> = logs[k][from..to]
                .iter()
                .filter(|(o, _)| !lost[k].contains(o))
                .map(|(o, v)| format!("[{o},{v}]"))
                .collect();
            consumed[k] = to;
            line(
                &mut out,
                &mut idx,
                format!(
                    r#""time":{t},"process":{c},"type":"invoke","f":"poll","value":[["poll"]],"node":"consumer-{}""#,
                    c % 2 + 1
                ),
            );
            let t2 = t + 500_000;
            line(
                &mut out,
                &mut idx,
                format!(
                    r#""time":{t2},"process":{c},"type":"ok","f":"poll","value":[["poll",{{"orders/{k}":[{}]}}]],"node":"consumer-{}""#,
                    recs.join(","),
                    c % 2 + 1
                ),
            );
            continue;
        }
        let p = (idx / 2) % 24;
        let node = format!("producer-{}", p % 4 + 1);
        if transactional {
            transaction(
                &mut out,
                &mut idx,
                &mut rand,
                &mut logs,
                &mut value,
                (t, p, &node),
                down.is_some(),
            );
            continue;
        }
        let k = (value as usize) % P;
        let v = value;
        value += 1;
        line(
            &mut out,
            &mut idx,
            format!(
                r#""time":{t},"process":{p},"type":"invoke","f":"send","value":[["send","orders/{k}",{v}]],"node":"{node}""#
            ),
        );
        let t2 = t + 2_000_000 + rand(30_000_000) + if down.is_some() { 200_000_000 } else { 0 };
        match rand(400) {
            0 => line(
                &mut out,
                &mut idx,
                format!(
                    r#""time":{t2},"process":{p},"type":"fail","f":"send","value":[["send","orders/{k}",{v}]],"node":"{node}","error":"NOT_ENOUGH_REPLICAS""#
                ),
            ),
            1 => line(
                &mut out,
                &mut idx,
                format!(
                    r#""time":{t2},"process":{p},"type":"info","f":"send","value":[["send","orders/{k}",{v}]],"node":"{node}","error":"timeout""#
                ),
            ),
            _ => {
                let o = logs[k].len() as i64;
                logs[k].push((o, v));
                line(
                    &mut out,
                    &mut idx,
                    format!(
                        r#""time":{t2},"process":{p},"type":"ok","f":"send","value":[["send","orders/{k}",[{o},{v}]]],"node":"{node}""#
                    ),
                );
            }
        }
    }
    t += 5_000_000_000;
    for k in 0..P {
        let proc_id = 200 + k;
        line(
            &mut out,
            &mut idx,
            format!(
                r#""time":{t},"process":{proc_id},"type":"invoke","f":"poll","value":[["poll"]],"node":"final-reader","final":true"#
            ),
        );
        let recs: Vec<String> = logs[k]
            .iter()
            .filter(|(o, _)| !lost[k].contains(o))
            .map(|(o, v)| format!("[{o},{v}]"))
            .collect();
        t += 10_000_000;
        line(
            &mut out,
            &mut idx,
            format!(
                r#""time":{t},"process":{proc_id},"type":"ok","f":"poll","value":[["poll",{{"orders/{k}":[{}]}}]],"node":"final-reader","final":true"#,
                recs.join(",")
            ),
        );
    }
    (out, faults)
}

/// One transaction of the transactional synthetic history: invoke, then its
/// completion; a committed one's writes take offsets in `logs`.
fn transaction(
    out: &mut String,
    idx: &mut u64,
    rand: &mut impl FnMut(u64) -> u64,
    logs: &mut [Vec<(i64, u64)>],
    value: &mut u64,
    (t, p, node): (u64, u64, &str),
    slow: bool,
) {
    let first = (*value as usize) % P;
    let writes: Vec<(usize, u64)> = (0..1 + rand(3) as usize)
        .map(|i| {
            *value += 1;
            ((first + i) % P, *value - 1)
        })
        .collect();
    let sent = |offsets: Option<&[i64]>| -> String {
        let micros: Vec<String> = writes
            .iter()
            .enumerate()
            .map(|(i, (k, v))| match offsets {
                Some(o) => format!(r#"["send","orders/{k}",[{},{v}]]"#, o[i]),
                None => format!(r#"["send","orders/{k}",{v}]"#),
            })
            .collect();
        micros.join(",")
    };
    let _ = writeln!(
        out,
        r#"{{"index":{idx},"time":{t},"process":{p},"type":"invoke","f":"txn","value":[{}],"node":"{node}"}}"#,
        sent(None)
    );
    *idx += 1;
    let t2 = t + 5_000_000 + rand(40_000_000) + if slow { 200_000_000 } else { 0 };
    let (kind, value_text, error) = match rand(400) {
        0..=24 => ("fail", sent(None), r#","error":"aborted""#),
        25 => ("info", sent(None), r#","error":"timeout""#),
        _ => {
            let offsets: Vec<i64> = writes
                .iter()
                .map(|(k, v)| {
                    let o = logs[*k].len() as i64;
                    logs[*k].push((o, *v));
                    o
                })
                .collect();
            ("ok", sent(Some(&offsets)), "")
        }
    };
    let _ = writeln!(
        out,
        r#"{{"index":{idx},"time":{t2},"process":{p},"type":"{kind}","f":"txn","value":[{value_text}],"node":"{node}"{error}}}"#
    );
    *idx += 1;
}

/// Write a synthetic run folder of about `ops` operations (see [`synthetic`]).
/// The lost-write fixture under acks=all and min.insync.replicas=2, where the
/// loss breaks a promise.
pub fn write_lost_write_folder(dir: &Path) -> io::Result<RunMeta> {
    let sc = scenario(
        "fixture",
        "durable",
        2,
        json!({"acks": "all"}),
        json!({"min.insync.replicas": 2}),
    );
    write_folder(dir, &sc, 1, &lost_write_history(), &lost_write_faults())
}

/// The cluster's event log for [`lost_write_history`], as `events.jsonl`
/// lines: broker 1 is fenced after its crash, broker 2 is elected uncleanly
/// without offset 1, broker 1 truncates its copy of value 2 on its return,
/// and an ISR change on another partition (not cited for orders/0).
pub fn lost_write_events() -> Vec<Value> {
    let tp = json!({"topic": "orders", "partition": 0});
    vec![
        json!({"at_ms": 32, "kind": "broker-fenced", "broker": 1, "reason": "session-expired"}),
        json!({"at_ms": 32, "kind": "election", "tp": tp, "leader": 2, "leader_epoch": 1, "unclean": true, "reason": "leader-fenced", "isr_before": [1], "isr": [2], "leader_log_end_offset": 1, "isr_before_log_end_offsets": [{"broker": 1, "log_end_offset": 2}]}),
        json!({"at_ms": 40, "kind": "isr-committed", "tp": {"topic": "orders", "partition": 1}, "leader": 2, "old_isr": [2, 3], "new_isr": [2], "partition_epoch": 3, "cause": "alter-partition"}),
        json!({"at_ms": 62, "kind": "truncation", "broker": 1, "tp": tp, "from_offset": 2, "to_offset": 1, "reason": "leader-epoch"}),
    ]
}

/// [`write_lost_write_folder`] with the cluster's event log beside it.
pub fn write_lost_write_folder_with_events(dir: &Path) -> io::Result<RunMeta> {
    let meta = write_lost_write_folder(dir)?;
    let mut f = String::new();
    for v in lost_write_events() {
        let _ = writeln!(f, "{v}");
    }
    fs::write(dir.join("events.jsonl"), f)?;
    Ok(meta)
}

/// A transactional history: process 0 commits a transaction writing 1 to
/// orders/0 and 2 to orders/1; process 1's transaction writing 3 to orders/0
/// (offset 1) and 4 to orders/1 aborts at 60 ms, after process 2, reading
/// read_uncommitted, returned 3 at offset 1 (G1a); process 3's transaction
/// ends unknown. The final reads are read_committed.
pub fn transactional_history() -> History {
    parse_history(TRANSACTIONAL).expect("valid history")
}

const TRANSACTIONAL: &str = r#"{"logjam_history":1,"isolation_level":{"2":"read_uncommitted","5":"read_committed"}}
{"index":0,"time":10000000,"process":0,"type":"invoke","f":"txn","value":[["send","orders/0",1],["send","orders/1",2]],"node":"producer-1"}
{"index":1,"time":30000000,"process":0,"type":"ok","f":"txn","value":[["send","orders/0",[0,1]],["send","orders/1",[0,2]]],"node":"producer-1"}
{"index":2,"time":40000000,"process":1,"type":"invoke","f":"txn","value":[["send","orders/0",3],["send","orders/1",4]],"node":"producer-1"}
{"index":3,"time":45000000,"process":2,"type":"invoke","f":"poll","value":[["poll"]],"node":"consumer-1"}
{"index":4,"time":50000000,"process":2,"type":"ok","f":"poll","value":[["poll",{"orders/0":[[0,1],[1,3]]}]],"node":"consumer-1"}
{"index":5,"time":60000000,"process":1,"type":"fail","f":"txn","value":[["send","orders/0",[1,3]],["send","orders/1",4]],"node":"producer-1","error":"aborted"}
{"index":6,"time":65000000,"process":3,"type":"invoke","f":"txn","value":[["send","orders/1",5]],"node":"producer-2"}
{"index":7,"time":80000000,"process":3,"type":"info","f":"txn","value":[["send","orders/1",5]],"node":"producer-2","error":"timeout"}
{"index":8,"time":90000000,"process":5,"type":"invoke","f":"poll","value":[["poll"]],"node":"final-reader","final":true}
{"index":9,"time":95000000,"process":5,"type":"ok","f":"poll","value":[["poll",{"orders/0":[[0,1]],"orders/1":[[0,2],[3,5]]}]],"node":"final-reader","final":true}
"#;

/// The transactional fixture, read_uncommitted readers allowed G1a.
pub fn write_transactional_folder(dir: &Path) -> io::Result<RunMeta> {
    let sc = scenario(
        "txn-fixture",
        "transactional-read-uncommitted",
        2,
        json!({"acks": "all", "transactional.id": "tx"}),
        json!({"min.insync.replicas": 2}),
    );
    write_folder(dir, &sc, 3, &transactional_history(), &[])
}

/// The hostile-strings fixture, for escaping tests.
pub fn write_hostile_folder(dir: &Path) -> io::Result<RunMeta> {
    let sc = scenario(
        "hostile",
        "leader-ack",
        1,
        json!({"acks": "1", "retries": 0}),
        json!({}),
    );
    write_folder(dir, &sc, 2, &hostile_history(), &[])
}

pub fn write_synthetic(dir: &Path, ops: usize) -> io::Result<RunMeta> {
    write_synthetic_with(dir, ops, false)
}

/// [`write_synthetic`], its producers transactional when `transactional`.
pub fn write_synthetic_with(dir: &Path, ops: usize, transactional: bool) -> io::Result<RunMeta> {
    let (text, faults) = synthetic_with(ops, transactional);
    let history = parse_history(&text).map_err(|e| io::Error::other(e.to_string()))?;
    let sc = if transactional {
        scenario(
            "synthetic-transactional",
            "transactional-read-uncommitted",
            6,
            json!({"acks": "all", "transactional.id": "tx"}),
            json!({}),
        )
    } else {
        scenario(
            "synthetic",
            "leader-ack",
            6,
            json!({"acks": "1", "retries": 0}),
            json!({}),
        )
    };
    write_folder(dir, &sc, 0, &history, &faults)
}
