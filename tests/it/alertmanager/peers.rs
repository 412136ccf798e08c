//! Three `sonde alertmanager` peers, every alert posted to each: one
//! notification per group at the webhook and at a fake Telegram API, never
//! three; when the first peer dies the next
//! one notifies new groups within about a second of `group_wait`; a
//! restarted peer sends nothing again and keeps its silences.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Am, Recorder, rfc3339};
use crate::support::{get_json, now_ms};

fn config(webhook: &Recorder, telegram: &Recorder) -> String {
    format!(
        "route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {}
    telegram_configs:
      - api_url: {}
        bot_token: '1:x'
        chat_id: 42
        message: '{{{{ .GroupLabels.alertname }}}}'
",
        webhook.url("/hook"),
        telegram.url("")
    )
}

/// Telegram messages per group name (the message is the group's name).
fn telegram_groups(telegram: &Recorder) -> std::collections::BTreeMap<String, usize> {
    let mut groups = std::collections::BTreeMap::new();
    for received in telegram.received.lock().iter() {
        let name = received.body["text"].as_str().unwrap_or("?").to_string();
        *groups.entry(name).or_insert(0) += 1;
    }
    groups
}

fn alerts(prefix: &str, groups: usize, per_group: usize) -> Value {
    let now = now_ms();
    let alerts: Vec<Value> = (0..groups)
        .flat_map(|group| {
            (0..per_group).map(move |instance| {
                json!({"labels": {"alertname": format!("{prefix}{group}"), "instance": format!("i{instance}")},
                       "startsAt": rfc3339(now), "endsAt": rfc3339(now + 600_000)})
            })
        })
        .collect();
    Value::Array(alerts)
}

/// Group names notified, with how often each was.
fn notified_groups(webhook: &Recorder) -> std::collections::BTreeMap<String, usize> {
    let mut groups = std::collections::BTreeMap::new();
    for received in webhook.received.lock().iter() {
        let name = received.body["groupLabels"]["alertname"].as_str().unwrap_or("?").to_string();
        *groups.entry(name).or_insert(0) += 1;
    }
    groups
}

async fn cluster_peers(client: &reqwest::Client, am: &Am) -> (String, Vec<String>) {
    let status = get_json(client, &am.url("/api/v2/status")).await;
    let name = status["cluster"]["name"].as_str().unwrap().to_string();
    let peers = status["cluster"]["peers"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string());
    (name, peers.collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_peers_notify_once_survive_a_death_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (webhook, telegram) = (Recorder::start().await, Recorder::start().await);
    let config = config(&webhook, &telegram);
    let ports: Vec<u16> = (0..3).map(|_| crate::support::free_port()).collect();
    let peer_flags = |me: usize| -> Vec<String> {
        let mut flags =
            vec![format!("--cluster.listen-address=127.0.0.1:{}", ports[me]), "--cluster.peer-timeout=3s".to_string()];
        flags.extend(
            (0..3).filter(|other| *other != me).map(|other| format!("--cluster.peer=127.0.0.1:{}", ports[other])),
        );
        flags
    };
    let mut peers: Vec<Am> =
        (0..3).map(|i| Am::sonde(&dir.path().join(format!("am{i}")), &config, &peer_flags(i))).collect();
    let client = reqwest::Client::new();

    // Every peer sees the other two.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut sizes = Vec::new();
        for peer in &peers {
            sizes.push(cluster_peers(&client, peer).await.1.len());
        }
        if sizes == [3, 3, 3] {
            break;
        }
        assert!(Instant::now() < deadline, "peers did not find each other: {sizes:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Steady state: 20 groups of 3 alerts, posted to every peer.
    let batch = alerts("Steady", 20, 3);
    for peer in &peers {
        peer.post_alerts(&client, &batch).await;
    }
    tokio::time::sleep(Duration::from_secs(9)).await;
    let groups = notified_groups(&webhook);
    assert_eq!(groups.len(), 20, "{groups:?}");
    assert!(groups.values().all(|count| *count == 1), "each group exactly once: {groups:?}");
    let messages = telegram_groups(&telegram);
    assert_eq!(messages.len(), 20, "{messages:?}");
    assert!(messages.values().all(|count| *count == 1), "one Telegram message per group: {messages:?}");
    let metrics = |am: &Am| am.url("/metrics");
    for peer in &peers {
        let text = client.get(metrics(peer)).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("sonde_alertmanager_duplicate_notifications_total 0"), "{text}");
    }

    // A silence on one peer reaches the others.
    let now = now_ms();
    let silence = json!({"matchers": [{"name": "alertname", "value": "Quiet", "isRegex": false, "isEqual": true}],
        "startsAt": rfc3339(now), "endsAt": rfc3339(now + 3_600_000), "createdBy": "test", "comment": "maintenance"});
    let response: Value =
        client.post(peers[1].url("/api/v2/silences")).json(&silence).send().await.unwrap().json().await.unwrap();
    let silence_id = response["silenceID"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(1)).await;
    for peer in &peers {
        let got = get_json(&client, &peer.url(&format!("/api/v2/silence/{silence_id}"))).await;
        assert_eq!(got["status"]["state"], "active");
    }

    // The first peer dies; new groups still go out once, soon after group_wait.
    let (_, names) = cluster_peers(&client, &peers[0]).await;
    let mut by_name = Vec::new();
    for (index, peer) in peers.iter().enumerate() {
        by_name.push((cluster_peers(&client, peer).await.0, index));
    }
    by_name.sort();
    assert_eq!(by_name.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>(), names);
    let first = by_name[0].1;
    peers[first].kill9();
    webhook.take();
    let posted = Instant::now();
    let batch = alerts("AfterDeath", 5, 2);
    for (index, peer) in peers.iter().enumerate() {
        if index != first {
            peer.post_alerts(&client, &batch).await;
        }
    }
    let deadline = posted + Duration::from_secs(10);
    while notified_groups(&webhook).len() < 5 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delay = posted.elapsed();
    let groups = notified_groups(&webhook);
    assert_eq!(groups.len(), 5, "{groups:?}");
    // group_wait (1 s) plus at most one second to notice the death.
    assert!(delay < Duration::from_millis(2_500), "delivered {delay:?} after posting");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let groups = notified_groups(&webhook);
    assert!(groups.values().all(|count| *count == 1), "{groups:?}");
    eprintln!("after the first peer died, new groups were delivered {delay:?} after posting (group_wait 1s)");

    // The dead peer comes back: it re-sends nothing and has the silence.
    webhook.take();
    peers[first].restart();
    for peer in &peers {
        peer.post_alerts(&client, &alerts("Steady", 20, 3)).await;
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(webhook.count(), 0, "a restart re-sent notifications: {:?}", notified_groups(&webhook));
    let got = get_json(&client, &peers[first].url(&format!("/api/v2/silence/{silence_id}"))).await;
    assert_eq!(got["status"]["state"], "active");
}
