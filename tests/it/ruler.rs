//! `sonde ruler` in a loopback cluster: two rulers split four rule groups so
//! that each runs on exactly one; when the ruler owning the group with a
//! pending alert is killed, the group moves to the other within the dead-after
//! bound plus an interval, and the alert's `for` state is restored from
//! `ALERTS_FOR_STATE`, not reset. When the ruler returns, the groups are
//! split again, still each on exactly one ruler.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::{Cluster, eventually};
use crate::support::{now_ms, ureq_get};

const GROUPS: [&str; 4] = ["g1", "g2", "g3", "g4"];

const RULES: &str = r#"
groups:
  - name: g1
    interval: 1s
    rules:
      - alert: AlwaysPending
        expr: vector(1)
        for: 10m
        labels: {severity: page}
      - record: g1:one
        expr: vector(1)
  - name: g2
    interval: 1s
    rules:
      - record: g2:one
        expr: vector(1)
  - name: g3
    interval: 1s
    rules:
      - record: g3:one
        expr: vector(1)
  - name: g4
    interval: 1s
    rules:
      - record: g4:one
        expr: vector(1)
"#;

fn get(url: &str) -> Option<Value> {
    let (status, body) = ureq_get(url).ok()?;
    (status == 200).then(|| serde_json::from_str(&body).ok()).flatten()
}

/// The groups a ruler runs, or None when it does not answer.
fn groups_of(cluster: &Cluster, ruler: u16) -> Option<BTreeSet<String>> {
    let rules = get(&cluster.ruler_url(ruler, "/api/v1/rules"))?;
    let groups = rules["data"]["groups"].as_array()?;
    Some(groups.iter().filter_map(|g| g["name"].as_str().map(str::to_string)).collect())
}

/// Every group on exactly one of the live rulers.
fn split_once(cluster: &Cluster, live: &[u16]) -> Option<Vec<BTreeSet<String>>> {
    let shares: Vec<BTreeSet<String>> = live.iter().map(|&r| groups_of(cluster, r)).collect::<Option<_>>()?;
    let total: usize = shares.iter().map(BTreeSet::len).sum();
    let union: BTreeSet<String> = shares.iter().flatten().cloned().collect();
    let all: BTreeSet<String> = GROUPS.iter().map(|g| g.to_string()).collect();
    (union == all && total == all.len()).then_some(shares)
}

fn active_rulers(cluster: &Cluster) -> Option<usize> {
    let status = cluster.status()?;
    let members = status["members"].as_array()?;
    Some(members.iter().filter(|m| m["roles"][0] == "ruler" && m["state"] == "active").count())
}

/// The AlwaysPending alert's activeAt (ms) on a ruler, if it has it pending.
fn pending_since(cluster: &Cluster, ruler: u16) -> Option<i64> {
    let alerts = get(&cluster.ruler_url(ruler, "/api/v1/alerts"))?;
    let alert = alerts["data"]["alerts"]
        .as_array()?
        .iter()
        .find(|a| a["labels"]["alertname"] == "AlwaysPending" && a["state"] == "pending")?
        .clone();
    sonde::api::time::parse_time(alert["activeAt"].as_str()?)
}

#[test]
fn rule_groups_run_once_and_move_with_their_for_state_when_a_ruler_dies() {
    let rules_dir = tempfile::tempdir().unwrap();
    let rules_file = rules_dir.path().join("rules.yml");
    std::fs::write(&rules_file, RULES).unwrap();
    let config = rules_dir.path().join("ruler.yml");
    let config_text = format!("global:\n  evaluation_interval: 1s\nrule_files:\n  - {}\n", rules_file.display());
    std::fs::write(&config, config_text).unwrap();
    let config_path = config.display().to_string();
    let cluster = Cluster::up_with(
        0,
        3,
        "scrape_configs: []\n",
        &["--rulers", "2", "--rule-config", &config_path, "--ruler-flag=--rules.alert.for-grace-period=1s"],
    );

    eventually("both rulers active", Duration::from_secs(30), || active_rulers(&cluster).filter(|&n| n == 2));
    // Each ruler re-splits when its own view of the membership changes.
    std::thread::sleep(Duration::from_secs(2));
    let shares = eventually("each group on exactly one of the two rulers", Duration::from_secs(30), || {
        split_once(&cluster, &[1, 2])
    });
    let owner: u16 = if shares[0].contains("g1") { 1 } else { 2 };
    let other = 3 - owner;

    // Pending for a while, with ALERTS_FOR_STATE in storage.
    let active_at =
        eventually("AlwaysPending pending on its ruler", Duration::from_secs(20), || pending_since(&cluster, owner));
    let for_state = cluster.query_url("/api/v1/query?query=ALERTS_FOR_STATE%7Balertname%3D%22AlwaysPending%22%7D");
    eventually("ALERTS_FOR_STATE queryable", Duration::from_secs(20), || {
        get(&for_state).filter(|v| v["data"]["result"].as_array().is_some_and(|r| r.len() == 1))
    });
    while now_ms() - active_at < 6_000 {
        std::thread::sleep(Duration::from_millis(200));
    }

    cluster.signal(&format!("ruler-{owner}"), "-KILL");
    let killed = Instant::now();
    eventually("the other ruler runs every group", Duration::from_secs(20), || split_once(&cluster, &[other]));
    let moved_after = killed.elapsed();
    let moved_at = now_ms();
    // Dead-after (2 s) plus heartbeats (300 ms) and an interval (1 s), with slack for a loaded machine.
    assert!(moved_after < Duration::from_secs(10), "the groups moved only after {moved_after:?}");

    // Restored: pending since before the move (shifted by the downtime, as
    // Prometheus shifts it), not since the group started on the new ruler.
    let restored = eventually("AlwaysPending restored on the other ruler", Duration::from_secs(15), || {
        pending_since(&cluster, other).filter(|&at| at < moved_at - 4_000)
    });
    assert!(restored >= active_at, "activeAt went back: {restored} < {active_at}");
    eprintln!(
        "ruler-{owner} killed: its groups moved to ruler-{other} after {:.1} s; AlwaysPending was pending for {:.1} s \
         before the kill, its activeAt moved by {:.1} s (the downtime)",
        moved_after.as_secs_f64(),
        (moved_at - moved_after.as_millis() as i64 - active_at) as f64 / 1000.0,
        (restored - active_at) as f64 / 1000.0
    );

    // The moved group's recording rule goes on.
    let recorded = cluster.query_url("/api/v1/query?query=count_over_time(g1:one%5B3s%5D)");
    eventually("g1:one written by the new owner", Duration::from_secs(10), || {
        get(&recorded).filter(|v| v["data"]["result"].as_array().is_some_and(|r| !r.is_empty()))
    });

    // Back: the groups split over both again, each once.
    cluster.start(&format!("ruler-{owner}"));
    eventually("both rulers active again", Duration::from_secs(30), || active_rulers(&cluster).filter(|&n| n == 2));
    std::thread::sleep(Duration::from_secs(2));
    eventually("each group on exactly one ruler after the return", Duration::from_secs(30), || {
        split_once(&cluster, &[1, 2])
    });
}
