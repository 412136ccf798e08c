#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster configuration: {0}")]
    Config(String),
    #[error("meta node {0} is unreachable: {1}")]
    Unreachable(String, String),
    #[error("no meta leader: {0}")]
    NoLeader(String),
    #[error("the meta group refused the request: {0}")]
    Refused(String),
    #[error("bad answer from the meta group: {0}")]
    BadReply(String),
}
