//! Alertmanager 0.25 and Sonde get the same configuration and the same
//! alerts at the same moments; each notifies its own local webhook and fake
//! Telegram API. Both must send the same requests (bodies compared whole),
//! at about the same times: routing with `continue`, grouping, inhibition,
//! a silence, a resolve, repeats and a custom Telegram template.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Am, Received, Recorder, rfc3339};
use crate::support::now_ms;

fn config(webhook: &Recorder, telegram: &Recorder, template: &str) -> String {
    format!(
        "route:
  receiver: default
  group_by: [alertname]
  group_wait: 2s
  group_interval: 3s
  repeat_interval: 7s
  routes:
    - matchers: ['team=\"db\"']
      receiver: db
      group_by: [alertname, cluster]
      continue: true
    - matchers: ['team=\"db\"']
      receiver: chat
      group_by: [cluster]
inhibit_rules:
  - source_matchers: [severity=critical]
    target_matchers: [severity=warning]
    equal: [cluster]
templates: ['{template}']
receivers:
  - name: default
    webhook_configs:
      - url: {default}
        send_resolved: true
  - name: db
    webhook_configs:
      - url: {db}
        send_resolved: false
        max_alerts: 1
  - name: chat
    telegram_configs:
      - api_url: {telegram}
        bot_token: '123:abc'
        chat_id: -1001
        parse_mode: HTML
        message: '{{{{ template \"chat.message\" . }}}}'
        send_resolved: true
",
        default = webhook.url("/default"),
        db = webhook.url("/db"),
        telegram = telegram.url(""),
    )
}

const TEMPLATE: &str = r#"{{ define "chat.message" -}}
{{ if eq .Status "firing" }}🔥{{ else }}✅{{ end }} <b>{{ .CommonLabels.alertname | html }}</b> ({{ len .Alerts.Firing }} firing, {{ len .Alerts.Resolved }} resolved)
{{ range .Alerts -}}
{{ with .Annotations.summary }}• {{ . | html }}{{ else }}• {{ .Labels.alertname }}{{ end }} [{{ .Labels.SortedPairs.Values | join "," }}]
{{ end -}}
{{ with .GroupLabels.cluster }}cluster={{ . | toUpper }}{{ end }} {{ .ExternalURL }} {{ title "of the cluster" }}
{{- end }}"#;

fn alert(labels: Value, starts_ms: i64, ends_ms: i64) -> Value {
    json!({"labels": labels, "annotations": {"summary": format!("{} <is> & bad", labels["alertname"].as_str().unwrap())},
           "startsAt": rfc3339(starts_ms), "endsAt": rfc3339(ends_ms), "generatorURL": "http://prometheus:9090/graph"})
}

struct System {
    am: Am,
    webhook: Recorder,
    telegram: Recorder,
}

/// A notification without what must differ: the Telegram path carries the
/// same token for both, the bodies nothing system-specific.
fn summary(received: &[Received], start: Instant) -> Vec<(String, Value, f64)> {
    let mut out: Vec<(String, Value, f64)> =
        received.iter().map(|r| (r.path.clone(), r.body.clone(), r.at.duration_since(start).as_secs_f64())).collect();
    out.sort_by(|a, b| (a.0.clone(), a.1.to_string()).cmp(&(b.0.clone(), b.1.to_string())));
    out
}

async fn start_system(dir: &std::path::Path, name: &str, upstream: bool, template: &str) -> Option<System> {
    let (webhook, telegram) = (Recorder::start().await, Recorder::start().await);
    let config = config(&webhook, &telegram, template);
    let path = dir.join(name);
    let no_cluster = ["--cluster.listen-address=".to_string()];
    let am = if upstream { Am::upstream(&path, &config, &no_cluster)? } else { Am::sonde(&path, &config, &no_cluster) };
    Some(System { am, webhook, telegram })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_alerts_give_the_same_notifications_as_alertmanager() {
    let dir = tempfile::tempdir().unwrap();
    let template_file = dir.path().join("chat.tmpl");
    std::fs::write(&template_file, TEMPLATE).unwrap();
    let template = template_file.display().to_string();
    let Some(theirs) = start_system(dir.path(), "upstream", true, &template).await else { return };
    let ours = start_system(dir.path(), "sonde", false, &template).await.unwrap();
    let systems = [&theirs, &ours];
    let client = reqwest::Client::new();

    // A silence first, on both.
    let now = now_ms();
    let silence = json!({"matchers": [{"name": "alertname", "value": "Muted", "isRegex": false, "isEqual": true}],
        "startsAt": rfc3339(now), "endsAt": rfc3339(now + 3_600_000), "createdBy": "test", "comment": "quiet"});
    for system in systems {
        let response = client.post(system.am.url("/api/v2/silences")).json(&silence).send().await.unwrap();
        assert_eq!(response.status(), 200);
    }

    let started = Instant::now();
    // Starting now, groups wait group_wait before their first flush: an
    // alert that started longer ago flushes its new group at once, before
    // Alertmanager's inhibitor may have seen the inhibiting alert of the same
    // batch (a race upstream loses under load).
    let begin = now;
    let firing_until = now + 60_000;
    let first = json!([
        alert(json!({"alertname": "HighCPU", "instance": "web1", "severity": "warning"}), begin, firing_until),
        alert(json!({"alertname": "HighCPU", "instance": "web2", "severity": "warning"}), begin, firing_until),
        alert(
            json!({"alertname": "DBDown", "team": "db", "cluster": "c1", "severity": "critical", "instance": "db1"}),
            begin,
            firing_until
        ),
        alert(
            json!({"alertname": "DBSlow", "team": "db", "cluster": "c1", "severity": "warning", "instance": "db2"}),
            begin,
            firing_until
        ),
        alert(
            json!({"alertname": "DBSlow", "team": "db", "cluster": "c2", "severity": "warning", "instance": "db3"}),
            begin,
            firing_until
        ),
        alert(json!({"alertname": "Muted", "instance": "web3"}), begin, firing_until),
    ]);
    for system in systems {
        system.am.post_alerts(&client, &first).await;
    }
    // Between two flushes (at 2 s + 3 s steps), so both systems see the
    // resolves at the same flush.
    tokio::time::sleep(Duration::from_millis(6_500)).await;
    // web2 recovers; DBSlow on c2 recovers.
    let ended = now_ms();
    let second = json!([
        alert(json!({"alertname": "HighCPU", "instance": "web2", "severity": "warning"}), begin, ended),
        alert(
            json!({"alertname": "DBSlow", "team": "db", "cluster": "c2", "severity": "warning", "instance": "db3"}),
            begin,
            ended
        ),
    ]);
    for system in systems {
        system.am.post_alerts(&client, &second).await;
    }
    tokio::time::sleep(Duration::from_secs(8)).await;

    let webhooks = [summary(&theirs.webhook.take(), started), summary(&ours.webhook.take(), started)];
    let telegrams = [summary(&theirs.telegram.take(), started), summary(&ours.telegram.take(), started)];
    for (kind, [upstream, sonde]) in [("webhook", webhooks), ("telegram", telegrams)] {
        let show = |list: &[(String, Value, f64)]| {
            list.iter().map(|(path, body, at)| format!("{at:.1}s {path} {body}")).collect::<Vec<_>>().join("\n")
        };
        assert!(!upstream.is_empty(), "Alertmanager sent no {kind} notification");
        assert_eq!(
            upstream.len(),
            sonde.len(),
            "{kind} notifications differ in number\nAlertmanager:\n{}\nSonde:\n{}",
            show(&upstream),
            show(&sonde)
        );
        for (theirs, ours) in upstream.iter().zip(&sonde) {
            assert_eq!(
                (&ours.0, &ours.1),
                (&theirs.0, &theirs.1),
                "{kind} notification differs\nAlertmanager:\n{}\nSonde:\n{}",
                show(&upstream),
                show(&sonde)
            );
            assert!(
                (ours.2 - theirs.2).abs() < 1.5,
                "{kind} {} sent at {:.1}s, Alertmanager at {:.1}s",
                ours.0,
                ours.2,
                theirs.2
            );
        }
    }
}
