//! gRPC channels between Sonde nodes: lazily connected, one per address, so
//! a node that is down costs nothing until it is called.

use std::collections::HashMap;
use std::time::Duration;

use parking_lot::Mutex;
use tonic::transport::{Channel, Endpoint};

/// How long a connection attempt may take; a node that is down should cost
/// a caller little.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// A channel to `address` (host:port), connected on first use.
pub fn lazy_channel(address: &str) -> Result<Channel, String> {
    let endpoint = Endpoint::from_shared(format!("http://{address}"))
        .map_err(|e| format!("bad address {address:?}: {e}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .tcp_nodelay(true);
    Ok(endpoint.connect_lazy())
}

/// One channel per address, made on first use and shared by every caller.
#[derive(Default)]
pub struct ChannelPool {
    channels: Mutex<HashMap<String, Channel>>,
}

impl ChannelPool {
    pub fn get(&self, address: &str) -> Result<Channel, String> {
        let mut channels = self.channels.lock();
        if let Some(channel) = channels.get(address) {
            return Ok(channel.clone());
        }
        let channel = lazy_channel(address)?;
        channels.insert(address.to_string(), channel.clone());
        Ok(channel)
    }
}
