//! The consumer client with manual assignment: fetch from each partition's leader,
//! below its HW, from a position set by `auto.offset.reset` when there is none.
pub mod group;

use crate::batch::Record;
use crate::config::{AutoOffsetReset, ConsumerConfig};
use crate::error_code::ErrorCode;
use crate::ids::{broker_host, next_bootstrap, BrokerId, TopicPartition, BROKER_PORT};
use crate::metadata::MetadataImage;
use crate::protocol::{OffsetSpec, Request, Response};
use crate::rpc::Channel;
use std::collections::BTreeMap;
use std::time::Duration;

/// One record as a poll returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumedRecord {
    pub tp: TopicPartition,
    pub offset: i64,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsumerError {
    #[error("no committed position for {0} and auto.offset.reset=none")]
    NoOffset(TopicPartition),
    #[error("subscribe needs a group.id")]
    NoGroup,
}

pub struct Consumer {
    config: ConsumerConfig,
    brokers: u32,
    next_bootstrap: u32,
    metadata: MetadataImage,
    metadata_stale: bool,
    channels: BTreeMap<BrokerId, Channel>,
    assigned: Vec<TopicPartition>,
    positions: BTreeMap<TopicPartition, i64>,
}

impl Consumer {
    pub fn new(config: ConsumerConfig, brokers: u32) -> Self {
        Self {
            config,
            brokers,
            next_bootstrap: 0,
            metadata: MetadataImage::default(),
            metadata_stale: true,
            channels: BTreeMap::new(),
            assigned: Vec::new(),
            positions: BTreeMap::new(),
        }
    }

    pub fn assign(&mut self, tps: Vec<TopicPartition>) {
        self.positions.retain(|tp, _| tps.contains(tp));
        self.assigned = tps;
    }

    pub fn seek(&mut self, tp: TopicPartition, offset: i64) {
        self.positions.insert(tp, offset);
    }

    pub fn position(&self, tp: &TopicPartition) -> Option<i64> {
        self.positions.get(tp).copied()
    }

    /// The leader's HW for `tp` (ListOffsets latest), for final reads.
    pub async fn end_offset(&mut self, tp: &TopicPartition) -> Option<i64> {
        self.list_offset(tp, OffsetSpec::Latest).await
    }

    /// One round of fetches over the assignment. May return nothing.
    pub async fn poll(&mut self) -> Result<Vec<ConsumedRecord>, ConsumerError> {
        if self.metadata_stale {
            self.refresh_metadata().await;
        }
        let mut out = Vec::new();
        for tp in self.assigned.clone() {
            if out.len() >= self.config.max_poll_records as usize {
                break;
            }
            let Some(position) = self.ensure_position(&tp).await? else {
                continue;
            };
            let budget = self.config.max_poll_records as usize - out.len();
            self.fetch(&tp, position, budget, &mut out).await;
        }
        if out.is_empty() {
            tokio::time::sleep(Duration::from_millis(self.config.fetch_max_wait_ms)).await;
        }
        Ok(out)
    }

    async fn ensure_position(&mut self, tp: &TopicPartition) -> Result<Option<i64>, ConsumerError> {
        if let Some(&p) = self.positions.get(tp) {
            return Ok(Some(p));
        }
        let spec = match self.config.auto_offset_reset {
            AutoOffsetReset::Earliest => OffsetSpec::Earliest,
            AutoOffsetReset::Latest => OffsetSpec::Latest,
            AutoOffsetReset::None => return Err(ConsumerError::NoOffset(tp.clone())),
        };
        let offset = self.list_offset(tp, spec).await;
        if let Some(o) = offset {
            self.positions.insert(tp.clone(), o);
        }
        Ok(offset)
    }

    async fn fetch(
        &mut self,
        tp: &TopicPartition,
        position: i64,
        budget: usize,
        out: &mut Vec<ConsumedRecord>,
    ) {
        let req = Request::Fetch {
            tp: tp.clone(),
            fetch_offset: position,
            replica: None,
            max_batches: budget as u32,
            max_wait_ms: 0,
        };
        let resp = self.call_leader(tp, &req).await;
        match resp {
            Some(Response::Fetch { result: Ok(data) }) => {
                let mut next = position;
                let limit = out.len() + budget;
                for batch in data.batches {
                    if batch.control.is_some() {
                        next = batch.next_offset();
                        continue;
                    }
                    for (i, record) in batch.records.into_iter().enumerate() {
                        let offset = batch.base_offset + i as i64;
                        if offset >= next && out.len() < limit {
                            out.push(ConsumedRecord {
                                tp: tp.clone(),
                                offset,
                                record,
                            });
                            next = offset + 1;
                        }
                    }
                }
                self.positions.insert(tp.clone(), next);
            }
            // The log was truncated below our position: reset as configured.
            Some(Response::Fetch {
                result: Err(ErrorCode::OffsetOutOfRange),
            }) => {
                self.positions.remove(tp);
            }
            _ => self.metadata_stale = true,
        }
    }

    async fn list_offset(&mut self, tp: &TopicPartition, spec: OffsetSpec) -> Option<i64> {
        if self.metadata_stale {
            self.refresh_metadata().await;
        }
        match self
            .call_leader(
                tp,
                &Request::ListOffsets {
                    tp: tp.clone(),
                    spec,
                },
            )
            .await
        {
            Some(Response::ListOffsets { result: Ok(o) }) => Some(o),
            _ => {
                self.metadata_stale = true;
                None
            }
        }
    }

    async fn call_leader(&mut self, tp: &TopicPartition, req: &Request) -> Option<Response> {
        let Some((leader, _)) = self.metadata.leader(tp) else {
            self.metadata_stale = true;
            return None;
        };
        let timeout = self.config.request_timeout_ms;
        let ch = self
            .channels
            .entry(leader)
            .or_insert_with(|| Channel::new(broker_host(leader), BROKER_PORT));
        ch.call(req, timeout).await.ok()
    }

    async fn refresh_metadata(&mut self) {
        let Some(broker) = next_bootstrap(&mut self.next_bootstrap, self.brokers) else {
            // No broker to ask: wait as after a failed lookup.
            tokio::time::sleep(self.config.retry_backoff()).await;
            return;
        };
        let mut ch = Channel::new(broker_host(broker), BROKER_PORT);
        if let Ok(Response::Metadata(m)) = ch
            .call(&Request::Metadata, self.config.request_timeout_ms)
            .await
        {
            if m.version >= self.metadata.version && !m.partitions.is_empty() {
                self.metadata = m;
                self.metadata_stale = false;
            }
        }
    }
}
