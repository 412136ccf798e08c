//! The UI of a loopback cluster's query node in Chromium: the cluster page
//! shows every member, the Raft group and the storage ring; targets come
//! from both scrapers, each with its owner; rules from the ruler; queries
//! fan out to the storage nodes.

use std::time::Duration;

use serde_json::json;

use super::webdriver::{Browser, Engine};
use crate::cluster::{Cluster, eventually};
use crate::support::ureq_get;

const RULES: &str = "
groups:
  - name: cluster-health
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
";

#[tokio::test]
async fn query_node_pages_show_the_whole_cluster() {
    let Some(browser) = Browser::start(Engine::Chromium).await else { return };
    let files = tempfile::tempdir().unwrap();
    let targets = files.path().join("targets.json");
    std::fs::write(&targets, "[]").unwrap();
    let rules = files.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let ruler_config = files.path().join("ruler.yml");
    std::fs::write(&ruler_config, format!("rule_files: ['{}']\n", rules.display())).unwrap();
    let scrape_config = format!(
        "global: {{scrape_interval: 1s}}\nscrape_configs:\n  - job_name: nodes\n    file_sd_configs: [{{files: ['{}'], refresh_interval: 1s}}]\n",
        targets.display()
    );
    let cluster = Cluster::up_with(
        2,
        3,
        &scrape_config,
        &["--rulers", "1", "--rule-config", &ruler_config.display().to_string()],
    );
    // Scrape the query node and the three storage nodes' HTTP ports.
    let addresses: Vec<String> = std::iter::once(cluster.query_url(""))
        .chain((1..=3).map(|i| cluster.storage_url(i, "")))
        .map(|url| url.trim_start_matches("http://").to_string())
        .collect();
    std::fs::write(&targets, json!([{"targets": addresses}]).to_string()).unwrap();
    let up = cluster.query_url("/api/v1/query?query=count(up)");
    eventually("four targets scraped and queryable", Duration::from_secs(60), || {
        let (status, body) = ureq_get(&up).ok()?;
        (status == 200 && body.contains(r#""4"]"#)).then_some(())
    });

    browser.open(&cluster.query_url("/cluster")).await;
    browser.wait_for("ten members", "document.querySelectorAll('tr.member-row').length === 10", 30).await;
    assert_eq!(browser.count("tr.member-row[data-state=active]").await, 10);
    assert_eq!(browser.count("#raft tr.raft-row").await, 3);
    assert_eq!(browser.count("#storage-ring tr.ring-row").await, 3);
    assert_eq!(browser.count("#scrapers tr.scraper-row").await, 2);
    let raft = browser.texts("#raft").await.join(" ");
    assert!(raft.to_lowercase().contains("leader"), "{raft}");
    browser.resize(1440, 1400).await;
    browser.screenshot("cluster").await;
    browser.resize(1440, 1000).await;

    browser.open(&cluster.query_url("/targets")).await;
    browser
        .wait_for("four targets", "document.querySelectorAll('tr.target-row[data-health=up]').length === 4", 20)
        .await;
    let rows = browser.texts("tr.target-row").await.join("\n");
    let scrapers =
        [cluster.scraper_url(1, ""), cluster.scraper_url(2, "")].map(|u| u.trim_start_matches("http://").to_string());
    assert!(scrapers.iter().any(|s| rows.contains(s.as_str())), "no scraper named in:\n{rows}");
    browser.screenshot("cluster-targets").await;

    // Cardinality from the storage nodes' heads counts each series once
    // (RF 3 on three nodes: every node holds every series).
    let get = |url: &str| -> serde_json::Value { serde_json::from_str(&ureq_get(url).unwrap().1).unwrap() };
    let status = get(&cluster.query_url("/api/v1/status/tsdb"));
    let series = get(&cluster.query_url("/api/v1/query?query=count(%7B__name__%3D~%22.%2B%22%7D)"));
    let counted: f64 = series["data"]["result"][0]["value"][1].as_str().unwrap().parse().unwrap();
    let in_heads = status["data"]["headStats"]["numSeries"].as_f64().unwrap();
    assert!((in_heads - counted).abs() <= counted * 0.05, "heads hold {in_heads} series, a query counts {counted}");
    browser.open(&cluster.query_url("/tsdb-status")).await;
    browser.wait_for("the top metrics", "document.querySelector('table#top-metrics tbody tr')", 20).await;
    let top = status["data"]["seriesCountByMetricName"][0]["name"].as_str().unwrap().to_string();
    assert!(browser.texts("table#top-metrics tbody tr").await[0].starts_with(&top));

    browser.open(&cluster.query_url("/alerts")).await;
    browser.wait_for("the ruler's firing alert", "document.querySelector('.alert-rule[data-state=firing]')", 30).await;
    let ruler = cluster.ruler_url(1, "").trim_start_matches("http://").to_string();
    assert!(browser.texts(".alert-group").await.join(" ").contains(&ruler), "the group does not name its ruler");

    browser.open(&cluster.query_url("/query?g0.expr=up&g0.tab=graph&g0.range_input=5m")).await;
    browser.wait_for("four series drawn", "document.querySelectorAll('svg.graph path.series').length === 4", 20).await;

    // The other pages answer from the scrapers, the ruler and the node itself.
    browser.open(&cluster.query_url("/rules")).await;
    browser
        .wait_for("the ruler's group", "document.querySelector('.rule-group[data-group=\"cluster-health\"]')", 20)
        .await;
    assert!(browser.texts(".rule-group").await.join(" ").contains(&ruler), "the rules page does not name the ruler");
    browser.open(&cluster.query_url("/service-discovery")).await;
    browser.wait_for("the scrapers' pool", "document.querySelectorAll('.sd-pool tr.sd-active').length === 4", 20).await;
    browser.open(&cluster.query_url("/flags")).await;
    browser
        .wait_for("the query node's flags", "document.querySelector('tr.flag-row[data-flag=\"meta.addresses\"]')", 20)
        .await;
    browser.open(&cluster.query_url("/status")).await;
    browser.wait_for("build information", "document.querySelector('table#build-info tr[data-key]')", 20).await;
    browser.open(&cluster.query_url("/config")).await;
    browser.wait_for("the configuration page", "document.querySelector('h1')", 20).await;
    assert_eq!(browser.count(".notice.error").await, 0, "{:?}", browser.texts(".notice.error").await);
    assert_eq!(browser.console_errors().await, Vec::<String>::new());
}
