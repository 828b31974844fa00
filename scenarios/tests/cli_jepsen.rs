//! `logjam check` on Jepsen's own files: a hand-written `history.edn` in the
//! shape Jepsen's Kafka workload stores, checked end to end through the CLI;
//! and what a history may print to the terminal.
mod common;
use common::{logjam, write};

/// Process 0 sends 1 and 2 to partition 3, both acknowledged (offsets 0 and
/// 1); a send of 3 fails with a structured `:error`; consumer 1 polls offset
/// 1 only, through a rebalance, so 1 was lost: every read went past it.
const HISTORY_EDN: &str = r#"{:index 0, :time 1000, :type :invoke, :process 0, :f :send, :value [[:send 3 1]]}
{:index 1, :time 2000, :type :ok, :process 0, :f :send, :value [[:send 3 [0 1]]]}
{:index 2, :time 2100, :type :invoke, :process :nemesis, :f :kill, :value [:n1]}
{:index 3, :time 2200, :type :info, :process :nemesis, :f :kill, :value {"n1" :killed}}
{:index 4, :time 3000, :type :invoke, :process 0, :f :send, :value [[:send 3 2]]}
{:index 5, :time 4000, :type :ok, :process 0, :f :send, :value [[:send 3 [1 2]]]}
{:index 6, :time 5000, :type :invoke, :process 0, :f :send, :value [[:send 3 3]]}
{:index 7, :time 6000, :type :fail, :process 0, :f :send, :value [[:send 3 3]], :error [:not-leader-for-partition 3]}
#jepsen.history.Op{:index 8, :time 7000, :type :invoke, :process 1, :f :assign, :value [3]}
#jepsen.history.Op{:index 9, :time 7100, :type :ok, :process 1, :f :assign, :value [3]}
{:index 10, :time 8000, :type :invoke, :process 1, :f :poll, :value [[:poll]]}
{:index 11, :time 9000, :type :ok, :process 1, :f :poll, :value [[:poll {3 [[1 2]]}]],
 :rebalance-log [{:type :assigned, :keys [3]}]}
"#;

#[test]
fn a_jepsen_history_edn_is_checked_end_to_end() {
    let path = write("history.edn", HISTORY_EDN);
    let (code, text) = logjam(&["check", path.to_str().unwrap(), "--config", "durable"]);
    assert_eq!(code, 1, "durable promises no acknowledged loss: {text}");
    assert!(
        text.contains("12 ops, 2 sends ok, 0 info, 1 failed"),
        "{text}"
    );
    assert!(text.contains("lost-write: 1"), "{text}");
    assert!(
        text.contains("process 0 sent 1 to 3, acknowledged at offset 0"),
        "{text}"
    );
    // The same file under another name, its format given.
    let renamed = write("jepsen-history.txt", HISTORY_EDN);
    let (_, as_edn) = logjam(&[
        "check",
        renamed.to_str().unwrap(),
        "--history-format",
        "edn",
        "--format",
        "json",
    ]);
    let result: serde_json::Value = serde_json::from_str(&as_edn).expect("JSON result");
    assert_eq!(result["counts"]["lost-write"], 1, "{as_edn}");
    // Read as JSON Lines, it is refused at its first line.
    let (code, text) = logjam(&["check", renamed.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("line 1: invalid JSON"), "{text}");
}

#[test]
fn a_broken_edn_history_names_its_line() {
    let path = write(
        "broken.edn",
        "{:type :invoke, :process 0, :f :poll, :value [[:poll]]}\n\n{:type :invoke, :process 0, :f :poll, :value [[:poll]]}\n",
    );
    let (code, text) = logjam(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("line 3: process 0 invokes an operation while its operation invoked at line 1 is still open"),
        "{text}"
    );
}

#[test]
fn keys_and_values_reach_the_terminal_escaped() {
    // A key with an escape sequence that would clear the screen and a
    // right-to-left override, lost like any other key's write.
    let key = "evil\u{1b}[2J\u{202e}key";
    let h = format!(
        "{}\n{}\n{}\n{}\n",
        serde_json::json!({"process":0,"type":"invoke","f":"send","value":[["send",key,1]]}),
        serde_json::json!({"process":0,"type":"ok","f":"send","value":[["send",key,[0,1]]]}),
        serde_json::json!({"process":1,"type":"invoke","f":"poll","value":[["poll"]]}),
        serde_json::json!({"process":1,"type":"ok","f":"poll","value":[["poll",{key:[[1,2]]}]]}),
    );
    let path = write("evil.jsonl", &h);
    let (_, text) = logjam(&["check", path.to_str().unwrap()]);
    assert!(text.contains("lost-write: 1"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(text.contains("evil\\u{1b}[2J\\u{202e}key"), "{text}");
    // An error message quoting a process name is escaped too.
    let bad = write(
        "evil-process.jsonl",
        &format!(
            "{}\n{}\n",
            serde_json::json!({"process":"p\u{202e}1","type":"invoke","f":"poll","value":[["poll"]]}),
            serde_json::json!({"process":"p\u{202e}1","type":"invoke","f":"poll","value":[["poll"]]}),
        ),
    );
    let (code, text) = logjam(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("process p\\u{202e}1 invokes"), "{text}");
}
