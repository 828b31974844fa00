//! The in-memory sizes a long history's memory rests on (issue 13,
//! "Speed"): a million ops must fit in a few times their file's size.
use crate::history::*;
use std::mem::size_of;

#[test]
fn a_record_value_is_three_words() {
    assert_eq!(size_of::<Val>(), 24);
}

#[test]
fn reads_are_one_vector() {
    assert_eq!(size_of::<Reads>(), 24);
}

#[test]
fn an_op_stays_small() {
    eprintln!(
        "Op {} OpValue {} MicroOp {} Process {}",
        size_of::<Op>(),
        size_of::<OpValue>(),
        size_of::<MicroOp>(),
        size_of::<Process>()
    );
    assert!(size_of::<Op>() <= 200, "{}", size_of::<Op>());
}
