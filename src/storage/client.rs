//! Clients of the storage nodes, one lazily connected channel per address.

use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;

use crate::grpc::ChannelPool;

use super::MAX_MESSAGE_BYTES;
use super::proto::storage_client::StorageClient;

#[derive(Default)]
pub struct StoragePool {
    channels: ChannelPool,
    compression: bool,
}

impl StoragePool {
    pub fn new() -> Self {
        Self::default()
    }

    /// A pool whose clients ask storage nodes for gzip-compressed answers:
    /// worth it across zones or regions, not on a local network, where it
    /// costs more CPU and latency than it saves.
    pub fn compressed() -> Self {
        StoragePool { compression: true, ..Self::default() }
    }

    /// A client for the storage node at `address`. Pushes go uncompressed
    /// (they are small and latency matters).
    pub fn client(&self, address: &str) -> Result<StorageClient<Channel>, String> {
        let channel = self.channels.get(address).map_err(|e| format!("storage node: {e}"))?;
        let client = StorageClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(if self.compression { client.accept_compressed(CompressionEncoding::Gzip) } else { client })
    }
}
