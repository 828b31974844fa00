//! The producer's connection to one broker, driven by a task of its own:
//! produce requests go out in the order the send loop hands them over (so
//! pipelined batches keep their order on the connection), and a connect that
//! hangs holds up this broker only, never the send loop.
use super::batch::ProducerBatch;
use super::event::Event;
use crate::config::Acks;
use crate::ids::{broker_host, BrokerId, BROKER_PORT};
use crate::protocol::{Request, Response};
use crate::rpc::{Channel, RpcError};
use tokio::sync::mpsc;

enum Outgoing {
    /// Boxed, so a queued CloseIf does not take a produce request's room.
    Produce(Box<(Request, ProducerBatch)>),
    /// Close the connection if it is still this one (a request on it timed out).
    CloseIf { generation: u64 },
}

/// The send loop's handle; the task ends when the handle is dropped.
pub struct BrokerLink {
    outbox: mpsc::UnboundedSender<Outgoing>,
}

impl BrokerLink {
    pub fn start(
        broker: BrokerId,
        acks: Acks,
        timeout_ms: u64,
        events: mpsc::UnboundedSender<Event>,
    ) -> Self {
        let (outbox, inbox) = mpsc::unbounded_channel();
        tokio::task::spawn_local(run(broker, acks, timeout_ms, inbox, events));
        Self { outbox }
    }

    /// Queue a produce request; its outcome comes back as an [`Event::Produced`].
    pub fn produce(&self, req: Request, batch: ProducerBatch) {
        // The task only stops once this handle is gone, so the queue is open.
        let _ = self.outbox.send(Outgoing::Produce(Box::new((req, batch))));
    }

    /// Close connection `generation` if it is still the open one.
    pub fn close_if(&self, generation: u64) {
        let _ = self.outbox.send(Outgoing::CloseIf { generation });
    }
}

async fn run(
    broker: BrokerId,
    acks: Acks,
    timeout_ms: u64,
    mut inbox: mpsc::UnboundedReceiver<Outgoing>,
    events: mpsc::UnboundedSender<Event>,
) {
    let mut channel = Channel::new(broker_host(broker), BROKER_PORT);
    let link = Link {
        broker,
        acks,
        timeout_ms,
        events,
    };
    while let Some(out) = inbox.recv().await {
        match out {
            Outgoing::CloseIf { generation } => channel.disconnect_if(generation),
            Outgoing::Produce(produce) => {
                let (req, batch) = *produce;
                if link.send(&mut channel, req, batch).await == Err(RpcError::Unreachable) {
                    // Requests queued behind a failed connect would each wait out
                    // a connect of their own: fail them now, as never sent.
                    while let Ok(out) = inbox.try_recv() {
                        match out {
                            Outgoing::CloseIf { generation } => channel.disconnect_if(generation),
                            Outgoing::Produce(produce) => {
                                link.report(produce.1, Err(RpcError::Unreachable), None)
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Clone)]
struct Link {
    broker: BrokerId,
    acks: Acks,
    timeout_ms: u64,
    events: mpsc::UnboundedSender<Event>,
}

impl Link {
    /// Write one request; the answer is awaited on a task of its own so the next
    /// request can be written meanwhile (pipelining). Returns the send error, if any.
    async fn send(
        &self,
        channel: &mut Channel,
        req: Request,
        batch: ProducerBatch,
    ) -> Result<(), RpcError> {
        if self.acks == Acks::Zero {
            // acks=0: written to the socket counts as sent; no response will come.
            let sent = channel.send_oneway(&req, self.timeout_ms).await;
            self.report(
                batch,
                sent.map(|()| Response::Produce { result: Ok(-1) }),
                None,
            );
            return sent;
        }
        match channel.send(&req, self.timeout_ms).await {
            Ok(pending) => {
                let link = self.clone();
                tokio::task::spawn_local(async move {
                    let generation = Some(pending.generation());
                    let result = pending.wait(link.timeout_ms).await;
                    link.report(batch, result, generation);
                });
                Ok(())
            }
            Err(e) => {
                self.report(batch, Err(e), None);
                Err(e)
            }
        }
    }

    fn report(
        &self,
        batch: ProducerBatch,
        result: Result<Response, RpcError>,
        generation: Option<u64>,
    ) {
        let _ = self.events.send(Event::Produced {
            broker: self.broker,
            batch,
            result,
            generation,
        });
    }
}
