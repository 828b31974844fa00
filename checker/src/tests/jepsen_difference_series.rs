//! Difference 6 of docs/JEPSEN.md ("Differences from Jepsen"): realtime lag
//! and the unseen series without times, and their thinning. Jepsen skips
//! realtime lag when the history has no times; logjam also skips each op
//! without one, draws unseen over time only at ops that carry a time (the
//! count still includes the others), and keeps at most `SERIES_POINTS`
//! points per series (unseen: the last count of each span; lag: the worst).
use super::check_text;
use crate::result::SERIES_POINTS;

/// One client op, with a time when `time` is given.
fn line(time: Option<u64>, process: u64, op_type: &str, f: &str, value: &str) -> String {
    let time = time.map_or_else(String::new, |t| format!(r#""time":{t},"#));
    format!(r#"{{{time}"process":{process},"type":"{op_type}","f":"{f}","value":{value}}}"#) + "\n"
}

fn points(series: &[crate::result::SeriesPoint]) -> Vec<(u64, u64)> {
    series.iter().map(|p| (p.time_ns, p.value)).collect()
}

/// Process 1 sends a; process 0, assigned x, polls and gets nothing. With
/// times there is a lag (a at offset 0 known since 1, the poll invoked at
/// 4) and an unseen point per op; without any, no lag and no unseen point;
/// with the send's times only, unseen is drawn at the send alone.
#[test]
fn lag_and_unseen_are_drawn_only_from_ops_that_carry_a_time() {
    let lines = |send: [Option<u64>; 2], poll: [Option<u64>; 4]| {
        [
            line(send[0], 1, "invoke", "send", r#"[["send","x","a"]]"#),
            line(send[1], 1, "ok", "send", r#"[["send","x",[0,"a"]]]"#),
            line(poll[0], 0, "invoke", "assign", r#"["x"]"#),
            line(poll[1], 0, "ok", "assign", r#"["x"]"#),
            line(poll[2], 0, "invoke", "poll", r#"[["poll"]]"#),
            line(poll[3], 0, "ok", "poll", r#"[["poll",{"x":[]}]]"#),
        ]
        .concat()
    };
    let timed = check_text(&lines(
        [Some(0), Some(1)],
        [Some(2), Some(3), Some(4), Some(5)],
    ));
    let lag = &timed.series.realtime_lag["x"];
    assert_eq!((lag.worst_lag_ns, lag.worst_at_ns), (3, 4));
    assert_eq!(points(&lag.series), vec![(4, 3)]);
    assert_eq!(points(&timed.series.unseen), vec![(1, 1), (5, 1)]);

    let untimed = check_text(&lines([None; 2], [None; 4]));
    assert!(
        untimed.series.realtime_lag.is_empty(),
        "{:?}",
        untimed.series
    );
    assert!(untimed.series.unseen.is_empty(), "{:?}", untimed.series);

    // The poll carries no time: no lag, and unseen only at the send.
    let send_only = check_text(&lines([Some(0), Some(1)], [None; 4]));
    assert!(
        send_only.series.realtime_lag.is_empty(),
        "{:?}",
        send_only.series
    );
    assert_eq!(points(&send_only.series.unseen), vec![(1, 1)]);
    // The send carries no time: unseen is drawn at the poll, still counting a.
    let poll_only = check_text(&lines([None; 2], [Some(2), Some(3), Some(4), Some(5)]));
    assert_eq!(points(&poll_only.series.unseen), vec![(5, 1)]);
}

/// 1000 acknowledged sends, one every nanosecond, none read: unseen grows
/// by one per send, thinned to 200 spans of 5 ns, each keeping its last
/// count. 1000 polls of a process lagging more each time: at most 200 lag
/// points, the worst among them. Below the limit nothing is thinned.
#[test]
fn series_are_thinned_to_at_most_series_points() {
    let sends: String = (0..1000u64)
        .map(|i| {
            line(
                Some(i),
                1,
                "ok",
                "send",
                &format!(r#"[["send","x",[{i},{i}]]]"#),
            )
        })
        .collect();
    let r = check_text(&sends);
    let expected: Vec<(u64, u64)> = (0..200u64).map(|b| (5 * b + 4, 5 * b + 5)).collect();
    assert_eq!(SERIES_POINTS, 200);
    assert_eq!(points(&r.series.unseen), expected);
    let few: String = (0..150u64)
        .map(|i| {
            line(
                Some(i),
                1,
                "ok",
                "send",
                &format!(r#"[["send","x",[{i},{i}]]]"#),
            )
        })
        .collect();
    let r = check_text(&few);
    assert_eq!(r.series.unseen.len(), 150);

    // Offsets 0..=1000 all known at time 1; process 0 reads offset i (i <
    // 1000) at time 10 + 10 i, lagging 9 + 10 i (offset i + 1 known since
    // 1). Spans of (10000 - 1) / 200 + 1 = 50 ns, five polls each.
    let mut polls = line(Some(1), 1, "ok", "send", r#"[["send","x",[1000,1000]]]"#);
    polls += &line(Some(2), 0, "ok", "assign", r#"["x"]"#);
    for i in 0..1000u64 {
        let t = 10 + 10 * i;
        polls += &line(
            Some(t),
            0,
            "ok",
            "poll",
            &format!(r#"[["poll",{{"x":[[{i},{i}]]}}]]"#),
        );
    }
    let r = check_text(&polls);
    let lag = &r.series.realtime_lag["x"];
    assert_eq!((lag.worst_lag_ns, lag.worst_at_ns), (9_999, 10_000));
    assert_eq!(lag.series.len(), SERIES_POINTS);
    assert_eq!(
        lag.series.first().map(|p| (p.time_ns, p.value)),
        Some((50, 49))
    );
    assert_eq!(
        lag.series.last().map(|p| (p.time_ns, p.value)),
        Some((10_000, 9_999))
    );
    assert!(lag
        .series
        .windows(2)
        .all(|w| w[0].time_ns < w[1].time_ns && w[0].value < w[1].value));
}
