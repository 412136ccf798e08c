//! The generated gRPC types of `proto/sonde/meta.proto`, and conversions
//! between them and the membership types.

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("sonde.meta.v1");

use super::cluster_state::{NodeRecord, NodeState, Role};

impl From<&NodeRecord> for Node {
    fn from(record: &NodeRecord) -> Self {
        Node {
            id: record.id,
            roles: record.roles.iter().map(|role| role.to_string()).collect(),
            address: record.address.clone(),
            zone: record.zone.clone().unwrap_or_default(),
            state: record.state.to_string(),
            registered_at_unix_ms: record.registered_at_unix_ms,
        }
    }
}

impl TryFrom<&Node> for NodeRecord {
    type Error = String;

    fn try_from(node: &Node) -> Result<Self, String> {
        Ok(NodeRecord {
            id: node.id,
            roles: node.roles.iter().map(|role| role.parse()).collect::<Result<_, _>>()?,
            address: node.address.clone(),
            zone: Some(node.zone.clone()).filter(|zone| !zone.is_empty()),
            state: node.state.parse()?,
            registered_at_unix_ms: node.registered_at_unix_ms,
        })
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "meta" => Role::Meta,
            "scraper" => Role::Scraper,
            "storage" => Role::Storage,
            "query" => Role::Query,
            "ruler" => Role::Ruler,
            "alertmanager" => Role::Alertmanager,
            other => return Err(format!("unknown role {other:?}")),
        })
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Meta => "meta",
            Role::Scraper => "scraper",
            Role::Storage => "storage",
            Role::Query => "query",
            Role::Ruler => "ruler",
            Role::Alertmanager => "alertmanager",
        })
    }
}

impl std::str::FromStr for NodeState {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "joining" => NodeState::Joining,
            "active" => NodeState::Active,
            "leaving" => NodeState::Leaving,
            "dead" => NodeState::Dead,
            other => return Err(format!("unknown node state {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_the_wire_type() {
        let record = NodeRecord {
            id: 9,
            roles: vec![Role::Scraper, Role::Storage],
            address: "10.0.0.9:7070".into(),
            zone: None,
            state: NodeState::Leaving,
            registered_at_unix_ms: 5,
        };
        let wire = Node::from(&record);
        assert_eq!(wire.roles, ["scraper", "storage"]);
        assert_eq!(wire.zone, "");
        assert_eq!(NodeRecord::try_from(&wire).unwrap(), record);
        let bad = Node { state: "gone".into(), ..wire };
        assert_eq!(NodeRecord::try_from(&bad).unwrap_err(), "unknown node state \"gone\"");
    }
}
