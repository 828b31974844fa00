//! One test per kind of bad input: the error names the line and what was expected.
use crate::history::*;

const OK_LINE: &str = r#"{"process":0,"type":"invoke","f":"poll","value":[["poll"]]}"#;

/// Parse `bad` as line 3 of a file (after a good line and a blank one).
fn problem(bad: &str) -> LineProblem {
    let text = format!("{OK_LINE}\n\n{bad}\n{OK_LINE}\n");
    match parse_history(&text) {
        Err(HistoryError::Line { line: 3, problem }) => problem,
        other => panic!("expected an error on line 3 for {bad}, got {other:?}"),
    }
}

#[test]
fn names_the_line_and_the_allowed_types() {
    let text = format!(
        "{}\n{}",
        OK_LINE, r#"{"process":0,"type":"done","f":"poll"}"#
    );
    let err = parse_history(&text).expect_err("bad type");
    assert_eq!(
        err.to_string(),
        r#"line 2: "type" must be one of invoke, ok, fail, info"#
    );
    assert_eq!(err.line(), Some(2));
}

#[test]
fn invalid_json() {
    let p = problem(r#"{"process":0,"type":"#);
    assert!(
        matches!(&p, LineProblem::InvalidJson(m) if m.contains("column")),
        "{p}"
    );
}

#[test]
fn not_an_object() {
    assert_eq!(problem("[1,2]"), LineProblem::NotAnObject);
}

#[test]
fn unsupported_version() {
    let err = parse_history(r#"{"logjam_history":2,"seed":1}"#).expect_err("version 2");
    assert_eq!(
        err,
        HistoryError::Line {
            line: 1,
            problem: LineProblem::UnsupportedVersion { found: "2".into() }
        }
    );
    assert!(err.to_string().contains("understands version 1"), "{err}");
    let err = parse_history(r#"{"logjam_history":"two"}"#).expect_err("not a version");
    assert!(matches!(
        err,
        HistoryError::Line {
            line: 1,
            problem: LineProblem::UnsupportedVersion { .. }
        }
    ));
}

#[test]
fn metadata_after_the_first_line() {
    assert_eq!(
        problem(r#"{"logjam_history":1}"#),
        LineProblem::MisplacedHeader
    );
}

#[test]
fn missing_fields() {
    assert_eq!(
        problem(r#"{"type":"ok","f":"poll"}"#),
        LineProblem::MissingField("process")
    );
    assert_eq!(
        problem(r#"{"process":0,"f":"poll"}"#),
        LineProblem::MissingField("type")
    );
    assert_eq!(
        problem(r#"{"process":0,"type":"ok"}"#),
        LineProblem::MissingField("f")
    );
}

#[test]
fn fields_of_the_wrong_type() {
    let cases = [
        (r#"{"process":-1,"type":"ok","f":"poll"}"#, "process"),
        (r#"{"process":1.5,"type":"ok","f":"poll"}"#, "process"),
        (r#"{"process":0,"type":"OK","f":"poll"}"#, "type"),
        (r#"{"process":0,"type":"ok","f":3}"#, "f"),
        (
            r#"{"index":"a","process":0,"type":"ok","f":"poll"}"#,
            "index",
        ),
        (r#"{"time":-5,"process":0,"type":"ok","f":"poll"}"#, "time"),
        (r#"{"process":0,"type":"ok","f":"poll","node":1}"#, "node"),
        (
            r#"{"process":0,"type":"ok","f":"poll","final":"yes"}"#,
            "final",
        ),
    ];
    for (line, field) in cases {
        match problem(line) {
            LineProblem::BadField { field: f, .. } => assert_eq!(f, field, "{line}"),
            other => panic!("{line}: expected a bad {field}, got {other:?}"),
        }
    }
}

#[test]
fn index_must_increase() {
    let text = format!(
        "{}\n{}",
        r#"{"index":5,"process":0,"type":"invoke","f":"poll"}"#,
        r#"{"index":5,"process":0,"type":"ok","f":"poll"}"#
    );
    let err = parse_history(&text).expect_err("repeated index");
    assert_eq!(
        err,
        HistoryError::Line {
            line: 2,
            problem: LineProblem::IndexNotIncreasing {
                previous: 5,
                found: 5
            }
        }
    );
    assert_eq!(
        err.to_string(),
        r#"line 2: "index" must be greater than the previous index 5, found 5"#
    );
}

#[test]
fn values_that_do_not_match_f() {
    let cases = [
        (
            r#"{"process":0,"type":"ok","f":"send","value":{"k":1}}"#,
            "list of micro-operations",
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["write","k",1]]}"#,
            r#"item 1: must be ["send""#,
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["send","k"]]}"#,
            "item 1: must be",
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["poll"],["send",true,1]]}"#,
            "item 2: KEY must be",
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["send","k",1.5]]}"#,
            "VALUE must be an integer or a string",
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["send","k",["x",1]]]}"#,
            "OFFSET must be an integer",
        ),
        (
            r#"{"process":0,"type":"ok","f":"send","value":[["send","k",[1,2,3]]]}"#,
            "exactly two",
        ),
        (
            r#"{"process":0,"type":"ok","f":"poll","value":[["poll",{"k":[[0]]}]]}"#,
            "[OFFSET, VALUE]",
        ),
        (
            r#"{"process":0,"type":"ok","f":"poll","value":[["poll",{"k":7}]]}"#,
            "list of [OFFSET, VALUE]",
        ),
        (
            r#"{"process":0,"type":"ok","f":"poll","value":[["poll",[]]]}"#,
            "item 1: must be",
        ),
        (
            r#"{"process":0,"type":"ok","f":"assign","value":"k"}"#,
            "list of keys",
        ),
        (
            r#"{"process":0,"type":"ok","f":"assign","value":[null]}"#,
            "list of keys",
        ),
        (
            r#"{"process":0,"type":"ok","f":"commit","value":{"k":"3"}}"#,
            "{KEY: OFFSET}",
        ),
        (
            r#"{"process":0,"type":"ok","f":"process","value":[1]}"#,
            "{KEY: [[OFFSET, VALUE], ...]}",
        ),
    ];
    for (line, expected) in cases {
        match problem(line) {
            LineProblem::BadValue(m) => assert!(
                m.contains(expected),
                "{line}: message {m:?} lacks {expected:?}"
            ),
            other => panic!("{line}: expected a bad value, got {other:?}"),
        }
    }
}

#[test]
fn invalid_utf8_names_its_line() {
    let path =
        std::env::temp_dir().join(format!("logjam-history-utf8-{}.jsonl", std::process::id()));
    let mut bytes = format!(
        "{OK_LINE}\n{}\n",
        OK_LINE.replace("\"process\":0", "\"process\":1")
    )
    .into_bytes();
    bytes.extend_from_slice(b"{\"process\":\"\xff\"}\n");
    std::fs::write(&path, &bytes).expect("write temp file");
    let err = read_history_file(&path);
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        err,
        Err(HistoryError::Line {
            line: 3,
            problem: LineProblem::NotUtf8
        })
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let err = read_history_file("/nonexistent/logjam/history.jsonl").expect_err("no such file");
    assert!(
        matches!(&err, HistoryError::Io { path, .. } if path.contains("nonexistent")),
        "{err}"
    );
    assert_eq!(err.line(), None);
}

/// The text with `lines` after a first good line, and the error's line and problem.
fn contract_problem(lines: &[&str]) -> (usize, LineProblem) {
    let text = lines.join("\n");
    match parse_history(&text) {
        Err(HistoryError::Line { line, problem }) => (line, problem),
        other => panic!("expected a contract error, got {other:?}"),
    }
}

#[test]
fn two_open_operations_on_one_process() {
    let (line, problem) = contract_problem(&[
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}"#,
        r#"{"process":"nemesis","type":"info","f":"partition","value":null}"#,
        r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",2]]}"#,
    ]);
    assert_eq!(line, 3);
    assert_eq!(
        problem,
        LineProblem::ProcessBusy {
            process: "0".into(),
            open_line: 1
        }
    );
    assert!(
        problem.to_string().contains("one operation at a time"),
        "{problem}"
    );
}

#[test]
fn a_completion_with_no_invocation_once_the_process_records_invocations() {
    let (line, problem) = contract_problem(&[
        r#"{"process":3,"type":"invoke","f":"poll","value":[["poll"]]}"#,
        r#"{"process":3,"type":"ok","f":"poll","value":[["poll",{}]]}"#,
        r#"{"process":3,"type":"ok","f":"poll","value":[["poll",{}]]}"#,
    ]);
    assert_eq!(
        (line, problem),
        (
            3,
            LineProblem::NoInvocation {
                process: "3".into()
            }
        )
    );
    // A history of outcomes only, the nemesis's lone faults, and a crash
    // ending an open op stay readable.
    let ok = r#"{"process":1,"type":"ok","f":"send","value":[["send","k",[0,1]]]}
{"process":1,"type":"ok","f":"send","value":[["send","k",[1,2]]]}
{"process":"nemesis","type":"info","f":"kill","value":null}
{"process":2,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":2,"type":"info","f":"crash","value":null}
{"process":4,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":4,"type":"ok","f":"poll","value":[["poll",{}]]}
{"process":4,"type":"info","f":"crash","value":null}
"#;
    assert_eq!(parse_history(ok).map(|h| h.ops.len()), Ok(8));
}

#[test]
fn send_and_poll_completions_must_carry_a_value() {
    for (f, line) in [
        ("send", r#"{"process":0,"type":"ok","f":"send"}"#),
        (
            "poll",
            r#"{"process":0,"type":"info","f":"poll","value":null}"#,
        ),
        (
            "txn",
            r#"{"process":0,"type":"fail","f":"txn","value":{"a":1}}"#,
        ),
    ] {
        let text = format!(r#"{{"process":0,"type":"invoke","f":"{f}","value":[]}}"#) + "\n" + line;
        let err = parse_history(&text).expect_err(line);
        assert_eq!(err.line(), Some(2), "{err}");
        if f != "txn" {
            assert_eq!(
                err,
                HistoryError::Line {
                    line: 2,
                    problem: LineProblem::MissingCompletionValue { f: f.into() }
                }
            );
        }
    }
    // A poll micro-op with no result reads as returning nothing, in any
    // outcome (Jepsen's own checker tests write ok `[:poll]` so).
    for outcome in ["ok", "fail", "info"] {
        let text = format!(r#"{{"process":9,"type":"{outcome}","f":"poll","value":[["poll"]]}}"#);
        assert!(parse_history(&text).is_ok(), "{outcome}");
    }
}

#[test]
fn final_committed_offsets_are_non_negative_integers() {
    for bad in [r#"{"k":-1}"#, r#"{"k":1.5}"#, r#"{"k":"3"}"#, "[3]", "null"] {
        let p = problem(&format!(
            r#"{{"process":7,"type":"ok","f":"committed","value":{bad},"final":true}}"#
        ));
        assert!(
            p.to_string().contains("non-negative integer offsets"),
            "{bad}: {p}"
        );
    }
    let good = r#"{"process":7,"type":"ok","f":"committed","value":{"k":0,"j":12},"final":true}"#;
    assert!(parse_history(good).is_ok());
}

#[test]
fn times_beyond_2_63_are_refused_and_wall_clock_times_start_at_zero() {
    let p = problem(
        r#"{"process":9,"type":"invoke","f":"poll","value":[["poll"]],"time":9223372036854775808}"#,
    );
    assert_eq!(
        p,
        LineProblem::BadField {
            field: "time",
            expected: "a non-negative integer below 2^63 (nanoseconds since the start)"
        }
    );
    // Epoch nanoseconds (2026) become nanoseconds since the earliest op.
    let text = r#"{"process":1,"type":"invoke","f":"poll","value":[["poll"]],"time":1780000000000000500}
{"process":1,"type":"ok","f":"poll","value":[["poll",{}]],"time":1780000000000000900}
{"process":"nemesis","type":"info","f":"kill","value":null,"time":1780000000000000000}
"#;
    let times: Vec<Option<u64>> = parse_history(text)
        .expect("parses")
        .ops
        .iter()
        .map(|op| op.time_ns)
        .collect();
    assert_eq!(times, vec![Some(500), Some(900), Some(0)]);
    // Times since the start are kept as they are.
    let small = parse_history(&EXAMPLE_TIMES.replace("T", "123")).expect("parses");
    assert_eq!(small.ops[0].time_ns, Some(123));
}

const EXAMPLE_TIMES: &str =
    r#"{"process":1,"type":"invoke","f":"poll","value":[["poll"]],"time":T}"#;
