//! A client of the meta group that any node uses: it knows every meta
//! address, talks to the leader when it knows it, follows `NOT_LEADER`
//! redirects, and tries the other meta nodes when one is down.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::grpc::{ChannelPool, lazy_channel};
use crate::meta::proto::meta_client::MetaClient as GrpcClient;
use crate::meta::service::LEADER_HEADER;

use super::error::ClusterError;

/// How long one call may take; a meta node that does not answer in this
/// time is treated as down and the next one is tried.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// While an election is under way no node leads; wait this long between
/// rounds over all meta nodes.
const ROUND_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Clone)]
pub struct MetaClient {
    inner: Arc<Inner>,
}

struct Inner {
    addresses: Vec<String>,
    /// The address that answered last (the leader, for writes).
    preferred: Mutex<Option<String>>,
    channels: ChannelPool,
}

impl MetaClient {
    pub fn new(addresses: Vec<String>) -> Result<Self, ClusterError> {
        if addresses.is_empty() {
            return Err(ClusterError::Config("no meta addresses given".to_string()));
        }
        for address in &addresses {
            lazy_channel(address).map_err(|e| ClusterError::Config(format!("meta addresses: {e}")))?;
        }
        Ok(MetaClient {
            inner: Arc::new(Inner { addresses, preferred: Mutex::new(None), channels: ChannelPool::default() }),
        })
    }

    pub fn addresses(&self) -> &[String] {
        &self.inner.addresses
    }

    /// A gRPC client for one meta node.
    pub fn client_for(&self, address: &str) -> Result<GrpcClient<Channel>, ClusterError> {
        let channel = self.inner.channels.get(address).map_err(|e| ClusterError::Config(format!("meta node: {e}")))?;
        Ok(GrpcClient::new(channel))
    }

    /// The preferred address first, then the configured ones.
    fn candidates(&self) -> Vec<String> {
        let mut order: Vec<String> = self.inner.preferred.lock().iter().cloned().collect();
        for address in &self.inner.addresses {
            if !order.contains(address) {
                order.push(address.clone());
            }
        }
        order
    }

    /// Calls the leader (for writes and heartbeats): follows redirects, skips
    /// meta nodes that are down, and keeps trying for `patience` while no
    /// leader is known (an election). The last error is returned.
    pub async fn call_leader<T, F, Fut>(&self, patience: Duration, call: F) -> Result<T, ClusterError>
    where
        F: Fn(GrpcClient<Channel>) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let deadline = tokio::time::Instant::now() + patience;
        let mut last_error = None;
        loop {
            let mut queue = self.candidates();
            let mut tried = Vec::new();
            while let Some(address) = queue.first().cloned() {
                queue.remove(0);
                if tried.contains(&address) {
                    continue;
                }
                tried.push(address.clone());
                let client = self.client_for(&address)?;
                match tokio::time::timeout(CALL_TIMEOUT, call(client)).await {
                    Ok(Ok(response)) => {
                        *self.inner.preferred.lock() = Some(address);
                        return Ok(response.into_inner());
                    }
                    Ok(Err(status)) if status.code() == Code::FailedPrecondition => {
                        match leader_hint(&status) {
                            // Try the named leader next, even if it was not configured.
                            Some(leader) if !tried.contains(&leader) => queue.insert(0, leader),
                            Some(_) => {}
                            None if is_redirect(&status) => {}
                            None => return Err(ClusterError::Refused(status.message().to_string())),
                        }
                        last_error = Some(ClusterError::NoLeader(status.message().to_string()));
                    }
                    Ok(Err(status)) if is_refusal(&status) => {
                        return Err(ClusterError::Refused(status.message().to_string()));
                    }
                    Ok(Err(status)) => {
                        last_error = Some(ClusterError::Unreachable(address, status.message().to_string()))
                    }
                    Err(_) => last_error = Some(ClusterError::Unreachable(address, "timed out".to_string())),
                }
            }
            if tokio::time::Instant::now() + ROUND_BACKOFF > deadline {
                return Err(last_error.unwrap_or_else(|| ClusterError::NoLeader("no meta node answered".into())));
            }
            tokio::time::sleep(ROUND_BACKOFF).await;
        }
    }

    /// Calls any meta node that answers (for reads).
    pub async fn call_any<T, F, Fut>(&self, call: F) -> Result<T, ClusterError>
    where
        F: Fn(GrpcClient<Channel>) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    {
        let mut last_error = None;
        for address in self.candidates() {
            let client = self.client_for(&address)?;
            match tokio::time::timeout(CALL_TIMEOUT, call(client)).await {
                Ok(Ok(response)) => return Ok(response.into_inner()),
                Ok(Err(status)) if is_refusal(&status) => {
                    return Err(ClusterError::Refused(status.message().to_string()));
                }
                Ok(Err(status)) => last_error = Some(ClusterError::Unreachable(address, status.message().to_string())),
                Err(_) => last_error = Some(ClusterError::Unreachable(address, "timed out".to_string())),
            }
        }
        Err(last_error.unwrap_or_else(|| ClusterError::NoLeader("no meta node answered".into())))
    }
}

/// The leader a follower named in its redirect (empty when it knows none).
fn leader_hint(status: &Status) -> Option<String> {
    let leader = status.metadata().get(LEADER_HEADER)?.to_str().ok()?;
    Some(leader.to_string()).filter(|leader| !leader.is_empty())
}

/// A follower's "not the leader" answer, as opposed to a refused request:
/// followers always send the leader header, empty or not.
fn is_redirect(status: &Status) -> bool {
    status.metadata().get(LEADER_HEADER).is_some()
}

/// Answers that another meta node would give too: retrying elsewhere is
/// pointless.
fn is_refusal(status: &Status) -> bool {
    matches!(status.code(), Code::InvalidArgument | Code::NotFound | Code::AlreadyExists)
}
