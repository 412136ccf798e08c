//! Clients of the storage nodes, one lazily connected channel per address.

use std::collections::HashMap;

use parking_lot::Mutex;
use tonic::codec::CompressionEncoding;
use tonic::transport::Channel;

use super::MAX_MESSAGE_BYTES;
use super::proto::storage_client::StorageClient;

#[derive(Default)]
pub struct StoragePool {
    channels: Mutex<HashMap<String, Channel>>,
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
        let mut channels = self.channels.lock();
        let channel = match channels.get(address) {
            Some(channel) => channel.clone(),
            None => {
                let channel = crate::meta::network::lazy_channel(address)
                    .map_err(|e| format!("bad storage address {address:?}: {e}"))?;
                channels.insert(address.to_string(), channel.clone());
                channel
            }
        };
        let client = StorageClient::new(channel)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES);
        Ok(if self.compression { client.accept_compressed(CompressionEncoding::Gzip) } else { client })
    }
}
