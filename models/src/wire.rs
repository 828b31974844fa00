//! Framing: a 4-byte big-endian length, then a postcard-encoded envelope. Each
//! frame is written with one write, so turmoil carries it as one segment.
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::io;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Larger frames mean a bug, not a big request: refuse rather than allocate.
const MAX_FRAME_BYTES: usize = 64 << 20;

#[derive(Debug, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub correlation_id: u64,
    pub body: T,
}

pub async fn write_frame<T: Serialize>(
    w: &mut (impl AsyncWrite + Unpin),
    correlation_id: u64,
    body: &T,
) -> io::Result<()> {
    let payload = postcard::to_stdvec(&Envelope {
        correlation_id,
        body,
    })
    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(&payload);
    w.write_all(&frame).await
}

pub async fn read_frame<T: DeserializeOwned>(
    r: &mut (impl AsyncRead + Unpin),
) -> io::Result<Envelope<T>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut payload = vec![0u8; len];
    r.read_exact(&mut payload).await?;
    postcard::from_bytes(&payload).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
