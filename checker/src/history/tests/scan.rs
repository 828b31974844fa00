//! The scanner (`scan.rs`) at the edges of its rules, where the mutation
//! tests (`fuzz.rs`) seldom reach: numbers of every length around the eight
//! digits it reads at once and around the u64 and i64 limits, whitespace
//! between any two tokens, and names that only begin like one it knows.
//! What it reads must be what serde reads; what it refuses, serde reads.
use crate::history::read::general_op;
use crate::history::scan;
use proptest::prelude::*;

/// The op the scanner reads from `line`, held to the general reader's.
fn scanned(line: &str) -> Option<crate::history::Op> {
    let (index, mut op) = scan::op(line, &mut Vec::new())?;
    op.index = index.unwrap_or(0);
    assert_eq!(general_op(line), Ok(Some(op.clone())), "{line}");
    Some(op)
}

/// Numbers of 1 to 21 digits: all nines, a one and zeros, a leading zero,
/// and the u64 and i64 limits either side; each also negative.
fn numbers() -> Vec<String> {
    let mut plain: Vec<String> = (1..=21)
        .flat_map(|len| {
            [
                "9".repeat(len),
                format!("1{}", "0".repeat(len - 1)),
                format!("0{}", "7".repeat(len - 1)),
            ]
        })
        .collect();
    for limit in [
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "0",
    ] {
        plain.push(limit.to_string());
    }
    let negative: Vec<String> = plain.iter().map(|n| format!("-{n}")).collect();
    plain.into_iter().chain(negative).collect()
}

#[test]
fn numbers_of_every_length_read_as_serde_reads_them() {
    // Where a number is unsigned, and where signed; some with eight bytes
    // or more after the number's start (read eight digits at once), some
    // with fewer (one digit at a time).
    let unsigned = [
        r#"{"index":N,"process":1,"type":"ok","f":"send","value":[]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[],"time":N}"#,
        r#"{"type":"ok","f":"send","value":[],"process":N}"#,
    ];
    let signed = [
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",N]]}"#,
        r#"{"process":1,"type":"ok","f":"send","value":[["send","k",[N,1]]]}"#,
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[N,1],[2,3]]}]]}"#,
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,N],[2,3]]}]]}"#,
        r#"{"process":1,"type":"ok","f":"poll","value":[["poll",{"k":[[0,N]]}]]}"#,
    ];
    for n in numbers() {
        let digits = n.trim_start_matches('-');
        let plain = digits.len() == 1 || !digits.starts_with('0');
        for (templates, fits) in [
            (&unsigned[..], plain && n.parse::<u64>().is_ok()),
            (&signed[..], plain && n.parse::<i64>().is_ok() && n != "-0"),
        ] {
            for template in templates {
                let line = template.replace('N', &n);
                assert_eq!(scanned(&line).is_some(), fits, "{line}");
            }
        }
    }
}

/// The lines logjam's writer writes, one of each shape the scanner reads.
const WRITER_LINES: &[&str] = &[
    r#"{"index":0,"time":1000000,"process":1,"type":"invoke","f":"send","value":[["send","t/13",1]]}"#,
    r#"{"index":1,"time":2000000,"process":1,"type":"ok","f":"send","value":[["send","t/13",[0,1]]],"node":"c1"}"#,
    r#"{"index":2,"time":3000000,"process":19,"type":"invoke","f":"poll","value":[["poll"]],"final":true}"#,
    r#"{"index":3,"time":99935000001,"process":24,"type":"ok","f":"poll","value":[["poll",{"t/29":[],"t/3":[[4,-7],[5,"v"],[12345678,123456789]]}]]}"#,
    r#"{"index":4,"process":"p","type":"fail","f":"txn","value":[["send","k",[null,2]],["poll",null]],"error":"aborted"}"#,
    r#"{"time":5,"process":2,"type":"info","f":"send","value":[]}"#,
];

/// The places in `line` where JSON allows whitespace: before and after a
/// structural character, outside strings.
fn token_boundaries(line: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    let structural = |b: u8| b"{}[]:,".contains(&b);
    let mut in_string = false;
    let mut boundaries = Vec::new();
    for at in 0..=bytes.len() {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if !in_string
            && (before.is_some_and(structural) || bytes.get(at).copied().is_some_and(structural))
        {
            boundaries.push(at);
        }
        if bytes.get(at) == Some(&b'"') {
            in_string = !in_string;
        }
    }
    boundaries
}

#[test]
fn whitespace_between_any_two_tokens_is_read() {
    for line in WRITER_LINES {
        let op = scanned(line).unwrap_or_else(|| panic!("{line}"));
        for at in token_boundaries(line) {
            for space in [" ", "\t", "\n", "\r", " \r\n\t "] {
                let spaced = format!("{}{space}{}", &line[..at], &line[at..]);
                assert_eq!(scanned(&spaced).as_ref(), Some(&op), "{spaced:?}");
            }
            // Not JSON's whitespace: left to serde, which refuses it.
            for other in ["\u{b}", "\u{c}", "\u{a0}"] {
                let spaced = format!("{}{other}{}", &line[..at], &line[at..]);
                assert_eq!(scanned(&spaced), None, "{spaced:?}");
            }
        }
    }
}

#[test]
fn names_that_only_begin_like_a_known_one_are_left_to_serde() {
    let line = WRITER_LINES[1];
    for name in [
        "\"index\"",
        "\"time\"",
        "\"process\"",
        "\"type\"",
        "\"f\"",
        "\"value\"",
        "\"node\"",
        "\"ok\"",
    ] {
        let bare = name.trim_matches('"');
        for other in [
            format!("\"{bare}s\""),
            format!("\"{bare} \""),
            format!("\"{}\"", &bare[..bare.len() - 1]),
            format!("\"{}\"", bare.to_uppercase()),
            format!("\"\\u00{:x}{}\"", bare.as_bytes()[0], &bare[1..]),
        ] {
            let changed = line.replacen(name, &other, 1);
            assert_ne!(changed, line);
            assert_eq!(scanned(&changed), None, "{changed}");
        }
    }
    for (name, other) in [
        ("\"final\"", "\"finale\""),
        ("\"error\"", "\"errors\""),
        ("\"invoke\"", "\"invoked\""),
        ("[\"send\"", "[\"sends\""),
        ("[\"poll\"", "[\"pol\""),
    ] {
        let changed = WRITER_LINES
            .iter()
            .find(|line| line.contains(name))
            .unwrap()
            .replacen(name, other, 1);
        assert_eq!(scanned(&changed), None, "{changed}");
    }
}

/// The digits a chunk starts with, a byte at a time.
fn leading_digits_one_by_one(chunk: &[u8; 8]) -> (u64, usize) {
    let len = chunk.iter().take_while(|b| b.is_ascii_digit()).count();
    let value = chunk[..len]
        .iter()
        .fold(0, |n, b| n * 10 + u64::from(b - b'0'));
    (value, len)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// Eight bytes read at once read as a byte at a time does: any run of
    /// digits, followed by anything (a quote, a comma, UTF-8, a control
    /// character, the bytes either side of `0` and `9`).
    #[test]
    fn eight_digits_at_once_read_as_one_at_a_time(
        chunk in prop::array::uniform8(prop_oneof![
            4 => b'0'..=b'9',
            1 => prop::sample::select(vec![b'/', b':', b'"', b',', b']', b'-', b'.', b'e', 0x00, 0x7f, 0x80, 0xc3, 0xff]),
            1 => any::<u8>(),
        ])
    ) {
        prop_assert_eq!(scan::leading_digits(&chunk), leading_digits_one_by_one(&chunk));
    }
}
