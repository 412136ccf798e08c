//! The cluster status as the meta leader sees it: members with their roles,
//! states and last heartbeats, the meta group's leader, term and indexes,
//! and how many targets each scraper owns. One JSON shape serves
//! `/api/v1/status/cluster` and `sonde cluster status -o json`; the CLI
//! also prints it as tables.

use std::collections::HashMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::meta::proto::{StatusReply, StatusRequest};

use super::client::MetaClient;
use super::error::ClusterError;
use super::member::Membership;

/// Asks a meta node for its status, and the leader when that node is not
/// it (only the leader knows heartbeats).
pub async fn fetch(client: &MetaClient) -> Result<StatusReply, ClusterError> {
    let reply = client.call_any(|mut c| async move { c.status(StatusRequest {}).await }).await?;
    if reply.leader_id == 0 || reply.leader_id == reply.node_id || reply.leader_address.is_empty() {
        return Ok(reply);
    }
    let mut leader = client.client_for(&reply.leader_address)?;
    match leader.status(StatusRequest {}).await {
        Ok(answer) => Ok(answer.into_inner()),
        Err(_) => Ok(reply),
    }
}

/// The status JSON. When meta cannot be reached, `local` (this node's last
/// known membership) is reported as frozen, with the error.
pub fn to_json(reply: Result<&StatusReply, &ClusterError>, local: Option<&Membership>) -> Value {
    let reply = match reply {
        Ok(reply) => reply,
        Err(error) => {
            let members: Vec<Value> = local
                .map(|m| m.state.nodes().map(|node| member_json(&crate::meta::proto::Node::from(node), None)).collect())
                .unwrap_or_default();
            return json!({
                "mode": "cluster",
                "frozen": true,
                "error": error.to_string(),
                "meta": null,
                "members": members,
                "scrapers": [],
            });
        }
    };
    let liveness: HashMap<u64, _> = reply.liveness.iter().map(|l| (l.id, l)).collect();
    let members: Vec<Value> =
        reply.nodes.iter().map(|node| member_json(node, liveness.get(&node.id).copied())).collect();
    let scrapers: Vec<Value> = reply
        .nodes
        .iter()
        .filter(|node| node.roles.iter().any(|role| role == "scraper") && node.state == "active")
        .map(|node| {
            json!({
                "id": node.id,
                "address": node.address,
                "ownedTargets": liveness.get(&node.id).map(|l| l.owned_targets),
            })
        })
        .collect();
    json!({
        "mode": "cluster",
        "frozen": local.is_some_and(|m| m.frozen),
        "meta": {
            "answeredBy": reply.node_id,
            "raftState": reply.raft_state,
            "leader": (reply.leader_id != 0).then(|| json!({"id": reply.leader_id, "address": reply.leader_address})),
            "term": reply.term,
            "commitIndex": reply.commit_index,
            "appliedIndex": reply.applied_index,
            "lastLogIndex": reply.last_log_index,
            "snapshotIndex": reply.snapshot_index,
            "purgedIndex": reply.purged_index,
            "members": reply.raft_members.iter().map(|m| json!({
                "id": m.id, "address": m.address, "voter": m.voter,
            })).collect::<Vec<_>>(),
        },
        "members": members,
        "scrapers": scrapers,
        "storageRing": local.map(storage_ring_json),
    })
}

/// Each storage node's primary share of the token ring, as this node sees
/// the membership.
fn storage_ring_json(membership: &Membership) -> Value {
    let ring = super::storage_ring::StorageRing::new(membership);
    let nodes: HashMap<u64, _> = membership.state.nodes().map(|node| (node.id, node)).collect();
    let rows: Vec<Value> = ring
        .ring
        .ownership()
        .into_iter()
        .filter_map(|(id, share)| {
            let node = nodes.get(&id)?;
            Some(json!({
                "id": id,
                "address": node.address,
                "zone": node.zone,
                "state": node.state.to_string(),
                "tokens": crate::ring::DEFAULT_TOKENS_PER_NODE,
                "ownership": share,
            }))
        })
        .collect();
    Value::Array(rows)
}

fn member_json(node: &crate::meta::proto::Node, liveness: Option<&crate::meta::proto::Liveness>) -> Value {
    json!({
        "id": node.id,
        "roles": node.roles,
        "address": node.address,
        "zone": node.zone,
        "state": node.state,
        "registeredAt": node.registered_at_unix_ms as f64 / 1000.0,
        "lastHeartbeatSecondsAgo": liveness.map(|l| l.silent_ms as f64 / 1000.0),
    })
}

/// The status JSON as text tables for a terminal.
pub fn to_text(status: &Value) -> String {
    let mut out = String::new();
    if let Some(error) = status["error"].as_str() {
        let _ = writeln!(out, "meta group unreachable: {error}");
    }
    let meta = &status["meta"];
    if meta.is_object() {
        let leader = match &meta["leader"] {
            Value::Null => "none".to_string(),
            leader => format!("{} ({})", leader["id"], leader["address"].as_str().unwrap_or("")),
        };
        let _ = writeln!(
            out,
            "Meta group: leader {leader}, term {}, commit index {}, applied index {}",
            meta["term"], meta["commitIndex"], meta["appliedIndex"]
        );
        let _ = writeln!(out, "{:<20} {:<24} {}", "RAFT MEMBER", "ADDRESS", "KIND");
        for member in meta["members"].as_array().into_iter().flatten() {
            let kind = if member["voter"].as_bool() == Some(true) { "voter" } else { "learner" };
            let id = member["id"].to_string();
            let _ = writeln!(out, "{id:<20} {:<24} {kind}", member["address"].as_str().unwrap_or(""));
        }
        out.push('\n');
    }
    if status["frozen"].as_bool() == Some(true) {
        let _ = writeln!(out, "membership is frozen at the last known state");
    }
    let owned: HashMap<u64, Value> = status["scrapers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| Some((s["id"].as_u64()?, s["ownedTargets"].clone())))
        .collect();
    let _ = writeln!(
        out,
        "{:<20} {:<22} {:<8} {:<24} {:<8} {:<10} {}",
        "NODE", "ROLES", "STATE", "ADDRESS", "ZONE", "HEARTBEAT", "TARGETS"
    );
    for member in status["members"].as_array().into_iter().flatten() {
        let roles: Vec<&str> = member["roles"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let heartbeat = member["lastHeartbeatSecondsAgo"].as_f64().map_or("-".to_string(), |s| format!("{s:.1}s ago"));
        let targets = member["id"].as_u64().and_then(|id| owned.get(&id)).map_or("-".to_string(), |v| v.to_string());
        let _ = writeln!(
            out,
            "{:<20} {:<22} {:<8} {:<24} {:<8} {:<10} {targets}",
            member["id"].to_string(),
            roles.join(","),
            member["state"].as_str().unwrap_or(""),
            member["address"].as_str().unwrap_or(""),
            member["zone"].as_str().filter(|z| !z.is_empty()).unwrap_or("-"),
            heartbeat,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::proto::{Liveness, MetaVoter, Node};

    #[test]
    fn status_reports_leader_members_and_scraper_targets() {
        let reply = StatusReply {
            node_id: 1,
            leader_id: 1,
            leader_address: "127.0.0.1:9095".into(),
            term: 4,
            commit_index: 17,
            applied_index: 17,
            last_log_index: 17,
            raft_members: vec![MetaVoter { id: 1, address: "127.0.0.1:9095".into(), voter: true }],
            nodes: vec![Node {
                id: 42,
                roles: vec!["scraper".into()],
                address: "127.0.0.1:9091".into(),
                zone: String::new(),
                state: "active".into(),
                registered_at_unix_ms: 1000,
            }],
            liveness: vec![Liveness { id: 42, silent_ms: 1500, owned_targets: 7 }],
            raft_state: "Leader".into(),
            snapshot_index: 10,
            purged_index: 0,
        };
        let status = to_json(Ok(&reply), None);
        assert_eq!(status["meta"]["leader"]["id"], 1);
        assert_eq!(status["meta"]["term"], 4);
        assert_eq!(status["scrapers"][0]["ownedTargets"], 7);
        assert_eq!(status["members"][0]["lastHeartbeatSecondsAgo"], 1.5);
        let text = to_text(&status);
        assert!(text.contains("Meta group: leader 1 (127.0.0.1:9095), term 4, commit index 17"), "{text}");
        assert!(text.contains("scraper"), "{text}");
        assert!(text.lines().any(|line| line.starts_with("42 ") && line.trim_end().ends_with(" 7")), "{text}");
    }

    #[test]
    fn unreachable_meta_reports_the_frozen_local_view() {
        let error = ClusterError::NoLeader("no meta node answered".into());
        let status = to_json(Err(&error), Some(&Membership::default()));
        assert_eq!(status["frozen"], true);
        assert!(to_text(&status).contains("meta group unreachable"));
    }
}
