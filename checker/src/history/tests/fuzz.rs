//! The reader never panics: arbitrary text, JSON-ish fragments, and mutations
//! of a valid history either parse or give a line-numbered error.
use super::EXAMPLE;
use crate::history::*;
use proptest::prelude::*;

fn assert_no_panic(text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1);
    match parse_history(text) {
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

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
        let mut text = EXAMPLE.to_string();
        for (at, action, fragment) in edits {
            // Cut only at character boundaries so the text stays valid UTF-8.
            let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
            let pos = cuts[at.index(cuts.len())];
            match action {
                0 => text.insert_str(pos, fragment),
                1 => { let end = cuts.iter().copied().find(|&c| c > pos).unwrap_or(pos); text.replace_range(pos..end, ""); }
                _ => text.truncate(pos),
            }
        }
        assert_no_panic(&text)?;
    }
}
