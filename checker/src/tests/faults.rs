use crate::history::parse_history;
use crate::FaultClasses;

fn classes(lines: &str) -> FaultClasses {
    FaultClasses::from_history(&parse_history(lines).expect("parses"))
}

#[test]
fn derived_from_nemesis_ops() {
    assert_eq!(classes(""), FaultClasses::default());
    let partition = FaultClasses {
        partition: true,
        ..FaultClasses::default()
    };
    for f in [
        "partition-random-halves",
        "isolate",
        "isolate-completely",
        "bridge",
        "one-way",
        "partition-client",
    ] {
        let line = format!(r#"{{"process":"nemesis","type":"info","f":"{f}","value":null}}"#);
        assert_eq!(classes(&line), partition, "{f}");
    }
    let crash = classes(
        r#"{"process":"nemesis","type":"info","f":"crash-broker","value":{"broker":1,"power_loss":false}}"#,
    );
    assert_eq!(
        crash,
        FaultClasses {
            process_crash: true,
            unclean_shutdowns: 1,
            ..FaultClasses::default()
        }
    );
    let plain_crash =
        classes(r#"{"process":"nemesis","type":"info","f":"crash","value":{"target":"leader"}}"#);
    assert_eq!(
        plain_crash,
        FaultClasses {
            process_crash: true,
            unclean_shutdowns: 1,
            ..FaultClasses::default()
        }
    );
    let power = FaultClasses {
        power_loss: true,
        unclean_shutdowns: 1,
        ..FaultClasses::default()
    };
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"crash","value":{"power_loss":true}}"#),
        power
    );
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"power-loss-all"}"#),
        FaultClasses {
            unclean_shutdowns: u32::MAX,
            ..power
        },
        "every broker at once"
    );
    let client = FaultClasses {
        client_crash: true,
        ..FaultClasses::default()
    };
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"crash-client"}"#),
        client
    );
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"kill-consumer"}"#),
        client
    );
    assert_eq!(
        classes(r#"{"process":4,"type":"info","f":"crash"}"#),
        client,
        "a client that died"
    );
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"pause"}"#),
        FaultClasses {
            pause: true,
            ..FaultClasses::default()
        }
    );
    assert_eq!(
        classes(r#"{"process":"nemesis","type":"info","f":"rebalance"}"#),
        FaultClasses {
            rebalance: true,
            ..FaultClasses::default()
        }
    );
}

#[test]
fn heals_restarts_failed_faults_and_client_ops_are_not_faults() {
    let none = classes(
        r#"{"process":"nemesis","type":"info","f":"heal"}
{"process":"nemesis","type":"info","f":"restart"}
{"process":"nemesis","type":"info","f":"resume"}
{"process":"nemesis","type":"fail","f":"partition"}
{"process":1,"type":"ok","f":"partition"}
"#,
    );
    assert_eq!(none, FaultClasses::default());
}
