//! A small admin client: what a tool outside a group asks the cluster about
//! it, without joining it. Today one call, [`Admin::committed`], Kafka's
//! `Admin.listConsumerGroupOffsets`: FindCoordinator on a bootstrap broker,
//! then OffsetFetch on the coordinator. It exists so that a harness reading a
//! group's committed offsets does not hand-roll the group protocol.
use crate::group::protocol::{GroupRequest, GroupResponse};
use crate::ids::{broker_host, TopicPartition, BROKER_PORT};
use crate::protocol::{Request, Response};
use crate::rpc::Channel;
use std::time::Duration;

/// How long `committed` waits after an attempt that got no answer.
const RETRY_BACKOFF_MS: u64 = 50;

pub struct Admin {
    /// Brokers 1..=brokers are the bootstrap servers (at least one).
    brokers: u32,
    request_timeout_ms: u64,
}

impl Admin {
    pub fn new(brokers: u32, request_timeout_ms: u64) -> Self {
        Self {
            brokers: brokers.max(1),
            request_timeout_ms,
        }
    }

    /// The committed offset of each of `partitions` in `group` (`None`:
    /// nothing committed), as the group's coordinator answers OffsetFetch.
    /// Without require_stable, as Kafka's `ListConsumerGroupOffsetsOptions`
    /// defaults (`requireStable = false`): a partition whose transactional
    /// offset commit is pending answers its last committed offset.
    /// Each attempt asks the next bootstrap broker (starting at broker 2 of
    /// several) for the coordinator on a new connection, then the coordinator
    /// on another; an attempt that gets no answer, or an error, is retried
    /// after 50 ms, until one succeeds. Must run inside a simulation host.
    pub async fn committed(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> Vec<(TopicPartition, Option<i64>)> {
        let timeout_ms = self.request_timeout_ms;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Both connections close when their attempt ends: the bootstrap
            // one after the backoff, the coordinator one before it.
            let mut bootstrap = Channel::new(broker_host(attempt % self.brokers + 1), BROKER_PORT);
            let find = Request::Group(GroupRequest::FindCoordinator {
                group: group.to_string(),
            });
            if let Ok(Response::Group(GroupResponse::FindCoordinator(Ok(b)))) =
                bootstrap.call(&find, timeout_ms).await
            {
                let mut coordinator = Channel::new(broker_host(b), BROKER_PORT);
                let fetch = Request::Group(GroupRequest::OffsetFetch {
                    group: group.to_string(),
                    partitions: partitions.to_vec(),
                    require_stable: false,
                });
                if let Ok(Response::Group(GroupResponse::OffsetFetch(Ok(offsets)))) =
                    coordinator.call(&fetch, timeout_ms).await
                {
                    return offsets
                        .into_iter()
                        .map(|(tp, committed)| {
                            let offset = committed.ok().flatten().map(|c| c.offset);
                            (tp, offset)
                        })
                        .collect();
                }
            }
            tokio::time::sleep(Duration::from_millis(RETRY_BACKOFF_MS)).await;
        }
    }
}
