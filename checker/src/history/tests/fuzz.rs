//! The readers never panic: arbitrary text, JSON-ish and EDN-ish fragments,
//! and mutations of a valid history either parse or give a line-numbered
//! error. Case counts are bounded so this runs in CI in a few seconds.
use super::edn::JEPSEN;
use super::EXAMPLE;
use crate::history::*;
use proptest::prelude::*;

fn assert_no_panic(text: &str) -> Result<(), TestCaseError> {
    assert_names_line(text, parse_history(text))?;
    // The compact form `logjam check` reads into takes the same lines to
    // the same ops, or refuses them with the same error.
    let history = read_history(text.as_bytes());
    let table = read_table(text.as_bytes());
    match (history, table) {
        (Ok(h), Ok(t)) => {
            let ops: Vec<Op> = t.iter().map(|op| op.to_op()).collect();
            prop_assert_eq!(&ops, &h.ops);
            prop_assert_eq!(&t.header, &h.header);
            prop_assert_eq!(t.pairs(), h.pairs());
        }
        (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
        (a, b) => prop_assert!(false, "history {:?}, table {:?}", a.err(), b.err()),
    }
    Ok(())
}

fn assert_edn_no_panic(text: &str) -> Result<(), TestCaseError> {
    assert_names_line(text, parse_edn_history(text))
}

fn assert_names_line(
    text: &str,
    parsed: Result<History, HistoryError>,
) -> Result<(), TestCaseError> {
    // `lines()` drops a last empty line that an error may still name.
    let lines = text.split('\n').count().max(1);
    match parsed {
        Ok(h) => {
            // Whatever parsed must also pair and write without panicking.
            let _ = h.pairs();
            let _ = h.to_jsonl();
        }
        Err(HistoryError::Line { line, problem }) => {
            prop_assert!(
                line >= 1 && line <= lines,
                "line {} out of range {}",
                line,
                lines
            );
            prop_assert!(!problem.to_string().is_empty());
        }
        Err(e) => prop_assert!(false, "unexpected error kind {e}"),
    }
    Ok(())
}

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\n",
    "\"",
    "null",
    "true",
    "1",
    "-1",
    "1.5",
    "18446744073709551616",
    "\"index\"",
    "\"time\"",
    "\"process\"",
    "\"type\"",
    "\"f\"",
    "\"value\"",
    "\"final\"",
    "\"rebalance_log\"",
    "\"invoke\"",
    "\"ok\"",
    "\"fail\"",
    "\"info\"",
    "\"send\"",
    "\"poll\"",
    "\"txn\"",
    "\"assign\"",
    "\"commit\"",
    "\"process\"",
    "\"nemesis\"",
    "\"logjam_history\"",
    "\"k\"",
    "[\"send\",\"k\",[0,1]]",
    "[\"poll\",{\"k\":[[0,1]]}]",
];

const EDN_FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "#{",
    "#_",
    "#jepsen.history.Op",
    "#inst",
    " ",
    ",",
    "\n",
    ";",
    "\"",
    "\\",
    "nil",
    "true",
    "1",
    "-1",
    "1.5",
    "1/2",
    "18446744073709551616",
    "\\a",
    ":type",
    ":f",
    ":process",
    ":value",
    ":index",
    ":time",
    ":error",
    ":rebalance-log",
    ":invoke",
    ":ok",
    ":fail",
    ":info",
    ":send",
    ":poll",
    ":txn",
    ":nemesis",
    ":crash",
    "3",
    "[:send 3 1]",
    "[:send 3 [0 1]]",
    "[:poll {3 [[0 1]]}]",
    "sym",
    "\"s\"",
];

/// A mutation of `base`: insert a fragment, delete a character, or cut the text.
fn mutate(base: &str, edits: Vec<(prop::sample::Index, usize, &str)>) -> String {
    let mut text = base.to_string();
    for (at, action, fragment) in edits {
        // Cut only at character boundaries so the text stays valid UTF-8.
        let cuts: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let pos = cuts[at.index(cuts.len())];
        match action {
            0 => text.insert_str(pos, fragment),
            1 => {
                let end = cuts.iter().copied().find(|&c| c > pos).unwrap_or(pos);
                text.replace_range(pos..end, "");
            }
            _ => text.truncate(pos),
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_edn_reader(text in "\\PC*") {
        assert_edn_no_panic(&text)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_either_file_reader(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let parsed = read_history(bytes.as_slice());
        if let Err(e) = &parsed {
            prop_assert!(e.line().is_some(), "{}", e);
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            assert_edn_no_panic(text)?;
            assert_no_panic(text)?;
        }
    }

    #[test]
    fn edn_fragments_never_panic(parts in prop::collection::vec(prop::sample::select(EDN_FRAGMENTS), 0..40)) {
        assert_edn_no_panic(&parts.join(" "))?;
        assert_edn_no_panic(&parts.concat())?;
    }

    #[test]
    fn mutated_edn_histories_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(EDN_FRAGMENTS)), 1..6)) {
        assert_edn_no_panic(&mutate(JEPSEN, edits))?;
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash(depth in 1usize..5000) {
        assert_edn_no_panic(&format!("{{:value {}}}", "[".repeat(depth)))?;
        assert_edn_no_panic(&format!("{{:type :invoke :process 0 :f :poll :value {}{}}}", "[".repeat(depth), "]".repeat(depth)))?;
        assert_no_panic(&format!("{{\"value\":{}{}}}", "[".repeat(depth), "]".repeat(depth)))?;
    }


    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*") {
        assert_no_panic(&text)?;
    }

    #[test]
    fn json_fragments_never_panic(parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40)) {
        assert_no_panic(&parts.concat())?;
    }

    #[test]
    fn mutated_histories_never_panic(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(FRAGMENTS)), 1..6)) {
        assert_no_panic(&mutate(EXAMPLE, edits))?;
    }

    #[test]
    fn the_fast_path_reads_exactly_what_the_general_reader_reads(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, prop::sample::select(FRAGMENTS)), 0..4)) {
        for line in mutate(EXAMPLE, edits).lines().chain(EXAMPLE.lines()) {
            let text = line.trim();
            if let Some((index, mut fast)) = crate::history::fast::op(text) {
                fast.index = index.unwrap_or(0);
                prop_assert_eq!(crate::history::read::general_op(text), Ok(Some(fast)), "{}", text);
            }
        }
    }
}

/// What the scanner (`scan.rs`) must refuse or read exactly as serde does:
/// whitespace, escapes, floats, leading zeros, `-0`, integers past i64/u64,
/// `null`s, fields it leaves to serde, repeated keys.
const SCANNER_FRAGMENTS: &[&str] = &[
    " ",
    "\t",
    "\\",
    "\\\"",
    "\\u0041",
    "\u{1}",
    "é",
    "-",
    "-0",
    "0",
    "01",
    "1e3",
    "1E3",
    "2.0",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "true",
    "false",
    "nul",
    "\"node\"",
    "\"error\"",
    "\"x\"",
    "\"orders/0\"",
    "[0,1]",
    "[null,1]",
    "[\"poll\",null]",
    "[\"poll\",{\"k\":[[0,1]],\"k\":[[2,\"s\"]]}]",
    ",\"node\":\"c1\"",
    ",\"error\":\"timeout\"",
    ",\"error\":{\"code\":1}",
    ",\"final\":true",
];

/// Lines of every shape the scanner reads, to mutate.
const SCANNER_LINES: &str = r#"{"index":0,"time":1000000,"process":1,"type":"invoke","f":"send","value":[["send","t/13",1]]}
{"index":1,"time":2000000,"process":1,"type":"ok","f":"send","value":[["send","t/13",[0,1]]],"node":"c1"}
{"index":2,"time":3000000,"process":19,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":3,"time":3000001,"process":19,"type":"ok","f":"poll","value":[["poll",{"t/29":[],"t/3":[[4,-7],[5,"v"]]}]]}
{"index":4,"process":"p","type":"fail","f":"txn","value":[["send","k",[null,2]],["poll",null]],"error":"aborted"}
{"time":5,"process":2,"type":"info","f":"send","value":[]}
"#;

fn all_fragments() -> impl Strategy<Value = &'static str> {
    prop::sample::select([FRAGMENTS, SCANNER_FRAGMENTS].concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn the_scanner_reads_exactly_what_the_general_reader_reads(edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, all_fragments()), 0..4)) {
        for line in mutate(SCANNER_LINES, edits.clone()).lines().chain(mutate(EXAMPLE, edits).lines()) {
            let text = line.trim();
            if let Some((index, mut scanned)) = crate::history::scan::op(text, &mut Vec::new()) {
                scanned.index = index.unwrap_or(0);
                prop_assert_eq!(crate::history::read::general_op(text), Ok(Some(scanned)), "{}", text);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The file reader reads lines where they lie in its buffer and joins
    /// only those split across two fills: whatever the split, it reads what
    /// the text reader reads, error lines included.
    #[test]
    fn the_file_reader_reads_lines_split_anywhere(base in prop::sample::select(vec![EXAMPLE, SCANNER_LINES]), capacity in 1usize..160, edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..3, all_fragments()), 0..3), last_newline in any::<bool>()) {
        let mut text = mutate(base, edits);
        if !last_newline {
            text = text.trim_end_matches('\n').to_string();
        }
        let streamed = read_history(std::io::BufReader::with_capacity(capacity, text.as_bytes()));
        prop_assert_eq!(streamed, parse_history(&text), "{}", text);
    }
}

#[test]
fn the_scanner_reads_logjams_own_op_lines() {
    // The speed comes from here: every line of these shapes is read without
    // serde. The metadata line and a nemesis op (an object value) are not.
    for line in SCANNER_LINES.lines() {
        let (_, scanned) =
            crate::history::scan::op(line, &mut Vec::new()).unwrap_or_else(|| panic!("{line}"));
        let mut general = crate::history::read::general_op(line).unwrap().unwrap();
        general.index = scanned.index;
        assert_eq!(scanned, general, "{line}");
    }
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    assert!(crate::history::scan::op(lines[0], &mut Vec::new()).is_none());
    assert!(crate::history::scan::op(lines[3], &mut Vec::new()).is_none());
    for line in [lines[1], lines[2], lines[4], lines[5]] {
        assert!(
            crate::history::scan::op(line, &mut Vec::new()).is_some(),
            "{line}"
        );
    }
}

#[test]
fn the_scanner_leaves_every_doubtful_line_to_serde() {
    for line in [
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",1]],"process":2}"#,
        r#"{"process":1,"type":"ok","value":[["send","k",1]],"f":"send"}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k\u0041",1]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",-0]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",- 1]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",01]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",1.0]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send",3,1]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",9223372036854775808]]}"#,
        r#"{"index":18446744073709551616,"process":1,"type":"ok","f":"send","value":[]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[],"rebalance_log":[]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[],"other":1}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[],"node":null}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[]} x"#,
        r#"{"process":-1,"type":"ok","f":"send","value":[]}"#,
        r#"{"process":1,"type":"done","f":"send","value":[]}"#,
        r#"{"process":1,"type":"ok","f":"commit","value":{"k":1}}"#,
    ] {
        assert!(
            crate::history::scan::op(line, &mut Vec::new()).is_none(),
            "{line}"
        );
    }
}

#[test]
fn logjams_own_lines_take_the_fast_path() {
    // The speed comes from here: every op line of the example (send, nemesis
    // and poll shapes) is read without the general reader; the metadata
    // line is not.
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    assert!(crate::history::fast::op(lines[0]).is_none());
    for line in &lines[1..] {
        if line.contains("\"nemesis\"") {
            continue; // an object value: the general reader's
        }
        assert!(crate::history::fast::op(line).is_some(), "{line}");
    }
}

#[test]
fn the_scanner_lines_are_a_valid_history() {
    let h = parse_history(SCANNER_LINES).expect("a valid history");
    assert_eq!(h.ops.len(), 6);
}
