//! The Alertmanager page of `sonde alertmanager` in each browser: alerts by
//! group, a silence created from an alert through the form (which hides
//! the alert), the silence expired, the receivers and the peers shown.

use serde_json::{Value, json};

use super::webdriver::{Browser, Engine};
use crate::alertmanager::{Am, Recorder};

const CONFIG: &str = "route:
  receiver: default
  group_by: [alertname]
  group_wait: 1h
receivers:
  - name: default
    webhook_configs: [{url: 'RECORDER/hook'}]
  - name: pager
";

async fn silences(client: &reqwest::Client, am: &Am) -> Vec<Value> {
    let answer: Value = client.get(am.url("/api/v2/silences")).send().await.unwrap().json().await.unwrap();
    answer.as_array().unwrap().clone()
}

in_every_browser!(alerts_are_grouped_and_silenced_from_the_page_and_the_silence_expires);

async fn alerts_are_grouped_and_silenced_from_the_page_and_the_silence_expires(engine: Engine) {
    let Some(browser) = Browser::start(engine).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::start().await;
    let am = Am::sonde(dir.path(), &CONFIG.replace("RECORDER", &recorder.url("")), &[]);
    let client = reqwest::Client::new();
    let alert = |name: &str, instance: &str| {
        json!({"labels": {"alertname": name, "instance": instance, "severity": "page"},
               "annotations": {"summary": format!("{name} on {instance}")}})
    };
    am.post_alerts(&client, &json!([alert("DiskFull", "a"), alert("DiskFull", "b"), alert("CpuHigh", "c")])).await;

    browser.open(&am.url("/#/alerts")).await;
    browser.wait_for("three alerts", "document.querySelectorAll('.am-alert').length === 3", 20).await;
    assert_eq!(browser.count(".am-group").await, 2, "one group per alertname");
    assert_eq!(browser.count(".am-group[data-receiver=default]").await, 2);
    browser.screenshot("alertmanager-alerts").await;

    // Silence DiskFull on a from its own button: the form holds its labels.
    let alerts: Value = client.get(am.url("/api/v2/alerts")).send().await.unwrap().json().await.unwrap();
    let target = alerts.as_array().unwrap().iter().find(|a| a["labels"]["instance"] == "a").unwrap();
    let fingerprint = target["fingerprint"].as_str().unwrap();
    browser.click(&format!(".am-alert[data-fingerprint='{fingerprint}'] button.silence")).await;
    browser.wait_for("the silence form", "document.querySelector('form#silence-form')", 10).await;
    assert_eq!(browser.count(".matcher-row").await, 3, "one matcher per label");
    let values = browser.eval("[...document.querySelectorAll('.matcher-value')].map((i) => i.value).sort()").await;
    assert_eq!(values, json!(["DiskFull", "a", "page"]));
    browser.clear("#silence-creator").await;
    browser.type_into("#silence-creator", "ui-test").await;
    browser.type_into("#silence-comment", "disk replaced tonight").await;
    browser.screenshot("alertmanager-silence-form").await;
    browser.click("form#silence-form button[type=submit]").await;
    browser.wait_for("the new silence listed", "document.querySelector('.am-silence[data-state=active]')", 10).await;

    let created = silences(&client, &am).await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["createdBy"], "ui-test");
    assert_eq!(created[0]["comment"], "disk replaced tonight");
    assert_eq!(created[0]["status"]["state"], "active");
    assert_eq!(created[0]["matchers"].as_array().unwrap().len(), 3);
    browser.screenshot("alertmanager-silences").await;

    // Silenced alerts are hidden unless asked for.
    browser.open(&am.url("/#/alerts")).await;
    browser.wait_for("two unsilenced alerts", "document.querySelectorAll('.am-alert').length === 2", 10).await;
    browser.open(&am.url("/#/alerts?silenced=true")).await;
    browser.wait_for("the silenced alert", "document.querySelector('.am-alert[data-state=suppressed]')", 10).await;

    // Expire it from the list (two clicks: ask, confirm).
    browser.open(&am.url("/#/silences")).await;
    browser.wait_for("the silence", "document.querySelector('.am-silence button.expire')", 10).await;
    browser.click(".am-silence button.expire").await;
    browser.wait_for("the confirmation", "document.querySelector('button.confirm-expire')", 5).await;
    browser.click("button.confirm-expire").await;
    browser.wait_for("the silence expired", "document.querySelector('.am-silence[data-state=expired]')", 10).await;
    assert_eq!(silences(&client, &am).await[0]["status"]["state"], "expired");

    browser.open(&am.url("/#/receivers")).await;
    browser.wait_for("the receivers", "document.querySelectorAll('li.am-receiver').length === 2", 10).await;
    browser.open(&am.url("/#/status")).await;
    browser.wait_for("this peer listed", "document.querySelectorAll('tr.am-peer').length === 1", 10).await;
    assert!(
        browser.eval("document.querySelector('pre.am-config').innerText").await.as_str().unwrap().contains("pager")
    );
    browser.screenshot("alertmanager-status").await;
    assert_eq!(browser.console_errors().await, Vec::<String>::new());
}
