//! Tests of the history reader, writer, pairing and recorder.
mod edn;
mod fuzz;
mod pairs;
mod reader;
mod reader_errors;
mod recorder;
mod round_trip;
mod scan;
mod sizes;
mod table;

/// HISTORY.md's example, verbatim.
pub(super) const EXAMPLE: &str = r#"{"logjam_history":1,"scenario":"acks1-leader-crash","seed":7}
{"index":0,"time":1000000,"process":0,"type":"invoke","f":"send","value":[["send","orders/0",1]]}
{"index":1,"time":4000000,"process":0,"type":"ok","f":"send","value":[["send","orders/0",[0,1]]]}
{"index":2,"time":5000000,"process":"nemesis","type":"info","f":"crash-broker","value":{"broker":1,"power_loss":false}}
{"index":3,"time":9000000,"process":5,"type":"invoke","f":"poll","value":[["poll"]],"final":true}
{"index":4,"time":9500000,"process":5,"type":"ok","f":"poll","value":[["poll",{"orders/0":[]}]],"final":true}
"#;
