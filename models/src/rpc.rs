//! Request/response over turmoil TCP. turmoil's TCP never retransmits: a segment
//! dropped by a partition stalls the stream for good. So every request has a
//! timeout, and a timeout closes the connection (as Kafka's client does); the next
//! request opens a new one.
use crate::protocol::{Request, Response};
use crate::wire::{read_frame, write_frame};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use turmoil::net::tcp::OwnedWriteHalf;
use turmoil::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcError {
    /// No connection could be made (refused, or no answer within the timeout).
    Unreachable,
    /// The request was sent but no response came in time: outcome unknown.
    Timeout,
    /// The connection closed with the request outstanding: outcome unknown.
    Disconnected,
}

type Pending = Rc<RefCell<BTreeMap<u64, oneshot::Sender<Response>>>>;

struct Connection {
    /// Which connection of its channel this is (counted from 0), so a failure can
    /// close the connection it happened on and not one opened since.
    generation: u64,
    writer: OwnedWriteHalf,
    pending: Pending,
    alive: Rc<Cell<bool>>,
    reader: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
        fail_pending(&self.pending);
    }
}

/// Fail outstanding requests newest first, as Kafka's NetworkClient does on a
/// disconnect (the order matters: it decides the order of re-enqueued batches).
fn fail_pending(pending: &Pending) {
    let drained = std::mem::take(&mut *pending.borrow_mut());
    for (_, tx) in drained.into_iter().rev() {
        drop(tx);
    }
}

/// A client's connection to one server, reopened on demand.
pub struct Channel {
    host: String,
    port: u16,
    conn: Option<Connection>,
    next_correlation_id: u64,
    next_generation: u64,
}

/// A response that will arrive on a channel, or not.
pub struct PendingResponse {
    rx: oneshot::Receiver<Response>,
    generation: u64,
}

impl PendingResponse {
    /// The connection the request went out on (see [`Channel::disconnect_if`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub async fn wait(self, timeout_ms: u64) -> Result<Response, RpcError> {
        match tokio::time::timeout(Duration::from_millis(timeout_ms), self.rx).await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(RpcError::Disconnected),
            Err(_) => Err(RpcError::Timeout),
        }
    }
}

impl Channel {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
            conn: None,
            next_correlation_id: 0,
            next_generation: 0,
        }
    }

    /// Close the connection only if it is still `generation`: a request that timed
    /// out on an old connection must not take down the one that replaced it.
    pub fn disconnect_if(&mut self, generation: u64) {
        if self
            .conn
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            self.conn = None;
        }
    }

    async fn connect(&mut self, timeout_ms: u64) -> Result<(), RpcError> {
        if self.conn.as_ref().is_some_and(|c| c.alive.get()) {
            return Ok(());
        }
        self.conn = None;
        let connect = TcpStream::connect((self.host.as_str(), self.port));
        let stream = match tokio::time::timeout(Duration::from_millis(timeout_ms), connect).await {
            Ok(Ok(s)) => s,
            _ => return Err(RpcError::Unreachable),
        };
        let (mut read, writer) = stream.into_split();
        let pending: Pending = Rc::default();
        let alive = Rc::new(Cell::new(true));
        let reader = tokio::task::spawn_local({
            let pending = pending.clone();
            let alive = alive.clone();
            async move {
                while let Ok(env) = read_frame::<Response>(&mut read).await {
                    let tx = pending.borrow_mut().remove(&env.correlation_id);
                    if let Some(tx) = tx {
                        let _ = tx.send(env.body);
                    }
                }
                alive.set(false);
                fail_pending(&pending);
            }
        });
        let generation = self.next_generation;
        self.next_generation += 1;
        self.conn = Some(Connection {
            generation,
            writer,
            pending,
            alive,
            reader,
        });
        Ok(())
    }

    /// Send without waiting for the answer (pipelining, as with
    /// `max.in.flight.requests.per.connection` > 1).
    pub async fn send(
        &mut self,
        req: &Request,
        connect_timeout_ms: u64,
    ) -> Result<PendingResponse, RpcError> {
        self.connect(connect_timeout_ms).await?;
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        let conn = self.conn.as_mut().expect("connected above");
        let generation = conn.generation;
        let (tx, rx) = oneshot::channel();
        conn.pending.borrow_mut().insert(id, tx);
        if write_frame(&mut conn.writer, id, req).await.is_err() {
            self.conn = None;
            return Err(RpcError::Disconnected);
        }
        Ok(PendingResponse { rx, generation })
    }

    /// Send a request whose answer is never awaited (acks=0).
    pub async fn send_oneway(
        &mut self,
        req: &Request,
        connect_timeout_ms: u64,
    ) -> Result<(), RpcError> {
        self.connect(connect_timeout_ms).await?;
        let conn = self.conn.as_mut().expect("connected above");
        let id = self.next_correlation_id;
        self.next_correlation_id += 1;
        write_frame(&mut conn.writer, id, req).await.map_err(|_| {
            self.conn = None;
            RpcError::Disconnected
        })
    }

    /// Send and wait; a timeout closes the connection. (After `Disconnected` it
    /// is closed already; the next request opens a new one.)
    pub async fn call(&mut self, req: &Request, timeout_ms: u64) -> Result<Response, RpcError> {
        let pending = self.send(req, timeout_ms).await?;
        let generation = pending.generation();
        let result = pending.wait(timeout_ms).await;
        if matches!(result, Err(RpcError::Timeout)) {
            self.disconnect_if(generation);
        }
        result
    }
}

/// Accept connections on `port` and answer each connection's requests one at a
/// time, in order (Kafka mutes a connection while a request is being handled).
/// A handler returning `None` sends no response (acks=0 produce).
pub async fn serve<H, F>(port: u16, handler: H) -> std::io::Result<()>
where
    H: Fn(Request) -> F + Clone + 'static,
    F: Future<Output = Option<Response>> + 'static,
{
    let listener = TcpListener::bind((std::net::Ipv4Addr::UNSPECIFIED, port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let handler = handler.clone();
        tokio::task::spawn_local(async move {
            let (mut read, mut write) = stream.into_split();
            while let Ok(env) = read_frame::<Request>(&mut read).await {
                if let Some(resp) = handler(env.body).await {
                    if write_frame(&mut write, env.correlation_id, &resp)
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
            }
        });
    }
}
