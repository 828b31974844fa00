use crate::history::*;

#[test]
fn pairs_invocations_with_completions_of_the_same_process() {
    let text = r#"{"process":0,"type":"invoke","f":"send","value":[["send","k",1]]}
{"process":1,"type":"invoke","f":"poll","value":[["poll"]]}
{"process":"nemesis","type":"info","f":"partition","value":null}
{"process":1,"type":"ok","f":"poll","value":[["poll",{}]]}
{"process":0,"type":"fail","f":"send","value":[["send","k",1]]}
{"process":2,"type":"invoke","f":"send","value":[["send","k",2]]}
{"process":4,"type":"invoke","f":"send","value":[["send","k",3]]}
{"process":3,"type":"ok","f":"send","value":[["send","k",[0,4]]]}
"#;
    let h = parse_history(text).expect("parses");
    let pairs = h.pairs();
    let got: Vec<(Option<usize>, Option<usize>, OpType)> = pairs
        .iter()
        .map(|p| (p.invoke, p.completion, p.outcome(&h)))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(0), Some(4), OpType::Fail),
            (Some(1), Some(3), OpType::Ok),
            (None, Some(2), OpType::Info),
            // An invocation that never completed.
            (Some(5), None, OpType::Info),
            (Some(6), None, OpType::Info),
            (None, Some(7), OpType::Ok),
        ]
    );
    assert_eq!((pairs[0].first(), pairs[0].last()), (0, 4));
    assert_eq!((pairs[3].first(), pairs[3].last()), (5, 5));
}
