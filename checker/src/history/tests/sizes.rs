//! The in-memory sizes a long history's memory rests on (issue 13,
//! "Speed"): a million ops must fit in a few times their file's size.
use crate::history::*;
use std::mem::size_of;

#[test]
fn a_record_value_is_two_words() {
    assert_eq!(size_of::<Val>(), 16);
    assert_eq!(size_of::<(i64, Val)>(), 24);
}

#[test]
fn reads_are_one_vector() {
    assert_eq!(size_of::<Reads>(), 24);
}

#[test]
fn an_op_stays_small() {
    // 192 bytes with heap strings and an inline JSON `rebalance_log`; the
    // micro-operations (64 bytes each) live in the value's vector.
    assert!(size_of::<Op>() <= 168, "{}", size_of::<Op>());
    assert!(size_of::<OpValue>() <= 32, "{}", size_of::<OpValue>());
    assert!(size_of::<MicroOp>() <= 64, "{}", size_of::<MicroOp>());
}
