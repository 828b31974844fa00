//! KIP-320 on the consumer: a position whose partition changed leader waits
//! for validation (Kafka's `SubscriptionState.maybeValidatePositionForCurrentLeader`),
//! then asks the new leader where the position's epoch ends
//! (`OffsetFetcher.validatePositionsIfNeeded`, OffsetsForLeaderEpoch) and
//! fetches on, continues from the divergence point, or fails the poll
//! (`SubscriptionState.maybeCompleteValidation`). Off under
//! `logjam.legacy.consumer.no.epoch.validation`.
use super::position::{complete_validation, Validation};
use super::{Consumer, ConsumerError};
use crate::config::AutoOffsetReset;
use crate::events::{ClusterEvent, TruncationAction};
use crate::protocol::{Request, Response};

impl Consumer {
    /// Move every position to the leader epoch the metadata names; a position
    /// that knows its own epoch and sees a new leader awaits validation (one
    /// without an epoch has nothing to validate, as Kafka's `validatePosition`).
    pub(super) fn update_position_leaders(&mut self) {
        let legacy = self.config.legacy_no_epoch_validation;
        for tp in &self.assigned {
            let Some((_, leader_epoch)) = self.metadata.leader(tp) else {
                continue;
            };
            let Some(p) = self.positions.get_mut(tp) else {
                continue;
            };
            if p.current_leader_epoch == Some(leader_epoch) {
                continue;
            }
            p.current_leader_epoch = Some(leader_epoch);
            if !legacy && p.offset_epoch.is_some() {
                self.awaiting_validation.insert(tp.clone());
            }
        }
    }

    /// One OffsetsForLeaderEpoch per position awaiting validation, to its
    /// leader. No answer, or a fencing error, leaves it waiting and marks the
    /// metadata stale; a truncation under `auto.offset.reset=none` fails the
    /// poll and leaves it waiting, so the next poll fails again until the
    /// application seeks (as Kafka's consumer does).
    pub(super) async fn validate_positions(&mut self) -> Result<(), ConsumerError> {
        let has_reset_policy = self.config.auto_offset_reset != AutoOffsetReset::None;
        for tp in self.awaiting_validation.clone() {
            let position = self.positions[&tp];
            let offset_epoch = position
                .offset_epoch
                .expect("only a position with an epoch awaits validation");
            let req = Request::OffsetsForLeaderEpoch {
                tp: tp.clone(),
                current_leader_epoch: position.current_leader_epoch,
                leader_epoch: offset_epoch,
            };
            let end = match self.call_leader(&tp, &req).await {
                Some(Response::OffsetsForLeaderEpoch { result: Ok(end) }) => end,
                _ => {
                    self.metadata_stale = true;
                    continue;
                }
            };
            let verdict = complete_validation(position, end, has_reset_policy);
            let action = match verdict {
                Validation::Valid => {
                    self.awaiting_validation.remove(&tp);
                    continue;
                }
                Validation::ResetToDivergence(diverged) => {
                    self.positions.insert(tp.clone(), diverged);
                    self.awaiting_validation.remove(&tp);
                    TruncationAction::ResetToDivergence
                }
                Validation::ResetPerPolicy => {
                    self.positions.remove(&tp);
                    self.awaiting_validation.remove(&tp);
                    TruncationAction::ResetPerPolicy
                }
                Validation::Truncated { .. } => TruncationAction::Raised,
            };
            self.record_event(|client| ClusterEvent::ConsumerTruncationDetected {
                client,
                tp: tp.clone(),
                position: position.offset,
                position_epoch: offset_epoch,
                leader_epoch: position.current_leader_epoch.unwrap_or(-1),
                end_epoch: end.0,
                end_offset: end.1,
                action,
            });
            if let Validation::Truncated { divergent_offset } = verdict {
                return Err(ConsumerError::LogTruncation {
                    tp,
                    offset: position.offset,
                    divergent_offset,
                });
            }
        }
        Ok(())
    }
}
