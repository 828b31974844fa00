//! A consumer's position in one partition as Kafka's `SubscriptionState` keeps
//! it since KIP-320 (`FetchPosition`): the next offset to fetch, the leader
//! epoch of the record before it, and the leader epoch it was last fetched
//! from or validated against. After a leader change the position waits for
//! validation (AWAIT_VALIDATION): the new leader says where the position's
//! epoch ends on its log (OffsetsForLeaderEpoch), and a position past that end
//! was truncated away.
use crate::leader_epoch::{UNDEFINED_EPOCH, UNDEFINED_OFFSET};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchPosition {
    /// The next offset to fetch.
    pub offset: i64,
    /// The leader epoch of the record just before `offset` (the last one
    /// consumed, or the one a committed offset was committed with). `None`
    /// after a seek or a reset: nothing to validate.
    pub offset_epoch: Option<i32>,
    /// The partition's leader epoch this position was last fetched from or
    /// validated against; a different one in the metadata means a leader
    /// change, hence validation. `None` before the first metadata.
    pub current_leader_epoch: Option<i32>,
}

impl FetchPosition {
    /// A position with no epoch: a seek, or a reset by `auto.offset.reset`.
    pub fn unvalidated(offset: i64) -> Self {
        Self {
            offset,
            offset_epoch: None,
            current_leader_epoch: None,
        }
    }
}

/// What the leader's answer to OffsetsForLeaderEpoch means for a position
/// (Kafka's `SubscriptionState.maybeCompleteValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validation {
    /// The position's epoch ends at or after the position: fetch on.
    Valid,
    /// The log was truncated below the position: continue from the first
    /// offset known to diverge, the end offset the leader returned, with the
    /// epoch it returned.
    ResetToDivergence(FetchPosition),
    /// The leader knows no epoch at or before the position's: reset as
    /// `auto.offset.reset` says.
    ResetPerPolicy,
    /// Truncation with `auto.offset.reset=none`: the application is told
    /// (Kafka's LogTruncationException), the position stays as it was.
    Truncated {
        /// The first offset known to diverge (`None`: the leader knows no
        /// epoch at or before the position's).
        divergent_offset: Option<i64>,
    },
}

/// Judge `position` against the leader's `(epoch, end_offset)` for its epoch.
pub fn complete_validation(
    position: FetchPosition,
    (end_epoch, end_offset): (i32, i64),
    has_reset_policy: bool,
) -> Validation {
    if end_offset == UNDEFINED_OFFSET || end_epoch == UNDEFINED_EPOCH {
        if has_reset_policy {
            Validation::ResetPerPolicy
        } else {
            Validation::Truncated {
                divergent_offset: None,
            }
        }
    } else if end_offset < position.offset {
        if has_reset_policy {
            Validation::ResetToDivergence(FetchPosition {
                offset: end_offset,
                offset_epoch: Some(end_epoch),
                current_leader_epoch: position.current_leader_epoch,
            })
        } else {
            Validation::Truncated {
                divergent_offset: Some(end_offset),
            }
        }
    } else {
        Validation::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(offset: i64, epoch: i32) -> FetchPosition {
        FetchPosition {
            offset,
            offset_epoch: Some(epoch),
            current_leader_epoch: Some(4),
        }
    }

    #[test]
    fn an_epoch_ending_at_or_after_the_position_is_valid() {
        assert_eq!(
            complete_validation(at(10, 2), (2, 10), true),
            Validation::Valid
        );
        assert_eq!(
            complete_validation(at(10, 2), (2, 15), false),
            Validation::Valid
        );
    }

    #[test]
    fn an_epoch_ending_below_the_position_resets_to_its_end() {
        assert_eq!(
            complete_validation(at(10, 3), (2, 6), true),
            Validation::ResetToDivergence(FetchPosition {
                offset: 6,
                offset_epoch: Some(2),
                current_leader_epoch: Some(4),
            })
        );
        assert_eq!(
            complete_validation(at(10, 3), (2, 6), false),
            Validation::Truncated {
                divergent_offset: Some(6)
            }
        );
    }

    #[test]
    fn an_unknown_epoch_resets_per_policy_or_raises() {
        let unknown = (UNDEFINED_EPOCH, UNDEFINED_OFFSET);
        assert_eq!(
            complete_validation(at(10, 3), unknown, true),
            Validation::ResetPerPolicy
        );
        assert_eq!(
            complete_validation(at(10, 3), unknown, false),
            Validation::Truncated {
                divergent_offset: None
            }
        );
    }
}
