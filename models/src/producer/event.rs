//! What the producer's spawned network tasks report to the sender loop: a
//! produce outcome (from a broker `link`), fresh metadata, or a producer id. A
//! file of its own because both `link` (which sends it) and `sender` (which
//! handles it) need it.
use super::batch::ProducerBatch;
use crate::ids::{BrokerId, ProducerId};
use crate::metadata::MetadataImage;
use crate::protocol::Response;
use crate::rpc::RpcError;

pub(super) enum Event {
    Produced {
        broker: BrokerId,
        batch: ProducerBatch,
        result: Result<Response, RpcError>,
        /// The connection the request went out on, if it was written.
        generation: Option<u64>,
    },
    Metadata(Option<MetadataImage>),
    ProducerId(Option<(ProducerId, i16)>),
}
