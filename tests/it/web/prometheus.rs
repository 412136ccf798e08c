//! Every page of `sonde all` in each browser, against a node with known data:
//! two remote-written series, three scrape targets (one down, one dropped
//! by relabeling) and rules in each state, one of them failing.

use serde_json::json;
use sonde::ingest::remote_write::Protocol;

use super::webdriver::{Browser, ENTER, Engine};
use crate::support::{Sonde, body, now_ms, post_write, series};

const RULES: &str = r#"
groups:
  - name: health
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - alert: AlwaysFiring
        expr: vector(1)
        labels: {severity: page}
      - alert: LongPending
        expr: vector(1)
        for: 1h
      - alert: NeverFires
        expr: demo_temperature > 1000
  - name: broken
    interval: 1s
    rules:
      - record: many_to_many
        expr: demo_temperature + on() group_left demo_temperature
"#;

fn config(port_of_self: u16, rules: &std::path::Path) -> String {
    format!(
        "global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ['{rules}']
scrape_configs:
  - job_name: sonde
    static_configs: [{{targets: ['127.0.0.1:{port_of_self}']}}]
  - job_name: unreachable
    static_configs: [{{targets: ['127.0.0.1:1', '127.0.0.1:2']}}]
    relabel_configs:
      - {{source_labels: [__address__], regex: '127.0.0.1:2', action: drop}}
",
        rules = rules.display()
    )
}

/// A node scraping itself, with `demo_temperature{room="a"|"b"}` over the
/// last ten minutes.
async fn node(dir: &std::path::Path) -> Sonde {
    let rules = dir.join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let port = crate::support::free_port();
    // `Sonde` reads prometheus.yml beside its data directory.
    std::fs::write(dir.join("prometheus.yml"), config(port, &rules)).unwrap();
    let sonde = Sonde::start_on(port, &dir.join("data"), &[]);
    let now = now_ms();
    let samples = |offset: f64| -> Vec<(i64, f64)> {
        (0..40).map(|i| (now - 600_000 + i * 15_000, offset + (i % 7) as f64)).collect()
    };
    let payload = vec![
        series(&[("__name__", "demo_temperature"), ("room", "a")], &samples(20.0)),
        series(&[("__name__", "demo_temperature"), ("room", "b")], &samples(25.0)),
    ];
    let client = reqwest::Client::new();
    let (status, _, text) =
        post_write(&client, &sonde.url("/api/v1/write"), Protocol::V1, body(Protocol::V1, &payload), None).await;
    assert_eq!(status, 204, "{text}");
    sonde
}

const EXPR: &str = ".panel textarea.expr";

async fn run_query(browser: &Browser, expression: &str) {
    browser.clear(EXPR).await;
    browser.type_into(EXPR, expression).await;
    // Close any suggestion list first: Enter would accept it.
    browser.run("document.querySelector(arguments[0]).dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));", json!([EXPR])).await;
    browser.click(".panel button.execute").await;
}

in_every_browser!(query_page_runs_tables_and_graphs_and_shows_errors_where_they_are);

async fn query_page_runs_tables_and_graphs_and_shows_errors_where_they_are(engine: Engine) {
    let Some(browser) = Browser::start(engine).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sonde = node(dir.path()).await;

    // `/` leads to the query page; a table query lists both series.
    browser.open(&sonde.url("/")).await;
    browser.wait_for("the expression input", &format!("document.querySelector('{EXPR}')"), 10).await;
    run_query(&browser, "demo_temperature").await;
    browser.wait_for("two result rows", "document.querySelectorAll('tr.result-row').length === 2", 10).await;
    let rows = browser.texts("tr.result-row").await;
    assert!(rows[0].contains(r#"demo_temperature{room="a"}"#), "{rows:?}");
    assert!(rows[1].contains(r#"demo_temperature{room="b"}"#), "{rows:?}");
    assert!(browser.texts(".result-count").await[0].contains('2'));

    // Graph: one path per series with a point per step, a legend entry each.
    browser.click(r#".tab[data-tab="graph"]"#).await;
    browser.wait_for("two series drawn", "document.querySelectorAll('svg.graph path.series').length === 2", 10).await;
    assert_eq!(browser.count(".legend .legend-item").await, 2);
    let points = browser
        .eval("[...document.querySelectorAll('svg.graph path.series')].map((p) => (p.getAttribute('d').match(/[ML]/g) || []).length)")
        .await;
    for count in points.as_array().unwrap() {
        assert!(count.as_u64().unwrap() >= 20, "a series path with too few points: {points}");
    }
    let series = browser
        .eval("[...document.querySelectorAll('svg.graph path.series')].map((p) => p.dataset.series).sort()")
        .await;
    assert_eq!(series, json!([r#"demo_temperature{room="a"}"#, r#"demo_temperature{room="b"}"#]));
    // Hovering shows the time and the nearest series' value.
    browser
        .run(
            "const svg = document.querySelector('svg.graph'); const box = svg.getBoundingClientRect();
             svg.dispatchEvent(new MouseEvent('mousemove', {bubbles: true, clientX: box.right - 30, clientY: box.top + box.height / 2}));",
            json!([]),
        )
        .await;
    let tooltip = browser
        .wait_for(
            "the hover tooltip",
            "(() => { const t = document.querySelector('.graph-tooltip'); return t && !t.hidden && t.innerText; })()",
            5,
        )
        .await;
    assert!(tooltip.as_str().unwrap().contains("demo_temperature"), "{tooltip}");
    // The URL restores the panel.
    let url = browser.eval("location.href").await;
    let url = url.as_str().unwrap();
    assert!(url.contains("g0.expr=demo_temperature") && url.contains("g0.tab=graph"), "{url}");
    browser.screenshot("query-graph").await;

    // A syntax error is shown where it is; an empty result says so.
    browser.click(r#".tab[data-tab="table"]"#).await;
    run_query(&browser, "sum(demo_temperature").await;
    browser.wait_for("the parse error", "document.querySelector('.notice.error')", 10).await;
    let error = browser.texts(".notice.error").await.join(" ");
    assert!(error.contains("unclosed left parenthesis"), "{error}");
    assert!(browser.count("pre.syntax-caret").await == 1, "no caret under the error");
    run_query(&browser, r#"demo_temperature{room="nowhere"}"#).await;
    browser.wait_for("the empty notice", "document.querySelector('.notice.empty')", 10).await;
    assert!(browser.texts(".notice.empty").await[0].contains("Empty query result"));

    // A slow answer shows its progress and can be cancelled: the page's
    // fetch of the query API is held back for a minute.
    browser
        .run(
            "const original = window.fetch;
             window.fetch = (url, options = {}) => {
               if (!String(url).includes('/api/v1/query')) return original(url, options);
               return new Promise((resolve, reject) => {
                 const timer = setTimeout(() => original(url, options).then(resolve, reject), 60000);
                 options.signal && options.signal.addEventListener('abort', () => {
                   clearTimeout(timer);
                   reject(new DOMException('aborted', 'AbortError'));
                 });
               });
             };",
            json!([]),
        )
        .await;
    run_query(&browser, "demo_temperature").await;
    browser.wait_for("the progress", "document.querySelector('.query-progress .elapsed')", 5).await;
    browser.click(".query-progress button.cancel").await;
    browser.wait_for("the cancellation", "document.querySelector('.notice.warning.cancelled')", 5).await;
    assert_eq!(browser.count(".query-progress").await, 0, "the progress stays after cancelling");
    // A fresh page, with the page's own fetch again.
    browser.open(&sonde.url("/query")).await;
    browser.wait_for("the query page again", &format!("document.querySelector('{EXPR}')"), 10).await;

    // Autocompletion offers metric names as they are typed.
    browser.clear(EXPR).await;
    browser.type_into(EXPR, "demo_te").await;
    browser
        .wait_for("a suggestion", "document.querySelector('li.autocomplete-item[data-value=demo_temperature]')", 10)
        .await;
    browser.type_into(EXPR, "\u{E004}").await; // Tab accepts it.
    assert_eq!(browser.eval(&format!("document.querySelector('{EXPR}').value")).await, json!("demo_temperature"));

    // Prometheus' links (the alerts' generator URLs) open and run a panel.
    browser.open(&sonde.url("/graph?g0.expr=demo_temperature%7Broom%3D%22a%22%7D&g0.tab=1")).await;
    browser.wait_for("the linked query's row", "document.querySelectorAll('tr.result-row').length === 1", 10).await;
    browser.click("button.add-panel").await;
    browser.wait_for("a second panel", "document.querySelectorAll('section.panel').length === 2", 5).await;
    browser.type_into("section.panel:nth-of-type(2) textarea.expr", &format!("demo_temperature{ENTER}")).await;
    browser
        .wait_for(
            "the second panel's rows",
            "document.querySelectorAll('section.panel:nth-of-type(2) tr.result-row').length === 2",
            10,
        )
        .await;
    assert_eq!(browser.console_errors().await, Vec::<String>::new());
}

in_every_browser!(status_pages_show_targets_discovery_alerts_rules_and_the_node);

async fn status_pages_show_targets_discovery_alerts_rules_and_the_node(engine: Engine) {
    let Some(browser) = Browser::start(engine).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let sonde = node(dir.path()).await;
    let client = reqwest::Client::new();
    // Wait until the rules have run twice and every target was scraped.
    crate::support::eventually_async("rules evaluated and targets scraped", 30, async || {
        let rules = crate::support::get_json(&client, &sonde.url("/api/v1/rules")).await;
        let groups = rules["data"]["groups"].as_array().unwrap().clone();
        let broken = groups.iter().find(|g| g["name"] == "broken").map(|g| g["rules"][0]["health"].clone());
        let targets = crate::support::get_json(&client, &sonde.url("/api/v1/targets")).await;
        let active = targets["data"]["activeTargets"].as_array().unwrap();
        let scraped = active.len() == 2 && active.iter().all(|t| t["health"] != "unknown");
        broken == Some(json!("err")) && scraped
    })
    .await;

    browser.open(&sonde.url("/targets")).await;
    browser.wait_for("two targets", "document.querySelectorAll('tr.target-row').length === 2", 10).await;
    assert_eq!(browser.count("tr.target-row[data-health=up]").await, 1);
    assert_eq!(browser.count("tr.target-row[data-health=down]").await, 1);
    assert_eq!(browser.count("details.pool").await, 2);
    assert!(browser.texts("tr.target-row[data-health=down]").await[0].to_lowercase().contains("connection refused"));
    browser.screenshot("targets").await;

    browser.open(&sonde.url("/service-discovery")).await;
    browser.wait_for("the dropped target", "document.querySelectorAll('tr.sd-dropped').length === 1", 10).await;
    assert!(browser.texts("tr.sd-dropped").await[0].contains("127.0.0.1:2"));
    assert_eq!(browser.count("tr.sd-active").await, 2);

    browser.open(&sonde.url("/alerts")).await;
    browser.wait_for("three alerting rules", "document.querySelectorAll('.alert-rule').length === 3", 10).await;
    for state in ["firing", "pending", "inactive"] {
        assert_eq!(browser.count(&format!(".alert-rule[data-state={state}]")).await, 1, "{state}");
    }
    assert_eq!(browser.eval("document.querySelector('.count-firing').dataset.count").await, json!("1"));
    assert_eq!(browser.eval("document.querySelector('.count-pending').dataset.count").await, json!("1"));
    browser.screenshot("alerts").await;

    browser.open(&sonde.url("/rules")).await;
    browser.wait_for("both groups", "document.querySelectorAll('.rule-group').length === 2", 10).await;
    assert_eq!(browser.count(".rule-row").await, 5);
    assert_eq!(browser.count(".rule-row[data-health=err]").await, 1);
    assert!(browser.texts(".rule-error").await[0].contains("many-to-many"), "{:?}", browser.texts(".rule-error").await);

    browser.open(&sonde.url("/tsdb-status")).await;
    browser.wait_for("the top metrics", "document.querySelector('table#top-metrics tbody tr')", 10).await;
    assert!(browser.texts("table#top-metrics").await[0].contains("demo_temperature"));
    browser.open(&sonde.url("/config")).await;
    browser.wait_for("the configuration", "document.querySelector('pre.config')", 10).await;
    assert!(browser.texts("pre.config").await[0].contains("job_name: unreachable"));
    browser.open(&sonde.url("/flags")).await;
    browser.wait_for("the flags", "document.querySelector('tr.flag-row[data-flag=\"storage.tsdb.path\"]')", 10).await;
    browser.open(&sonde.url("/status")).await;
    browser.wait_for("build information", "document.querySelector('table#build-info tr[data-key]')", 10).await;
    browser.open(&sonde.url("/cluster")).await;
    browser.wait_for("the one member", "document.querySelectorAll('tr.member-row').length === 1", 10).await;

    // Dark theme, through the theme button (auto → light → dark).
    browser.click("#theme").await;
    browser.click("#theme").await;
    assert_eq!(browser.eval("document.documentElement.dataset.theme").await, json!("dark"));
    browser.open(&sonde.url("/alerts")).await;
    browser.wait_for("the alerts again", "document.querySelector('.alert-rule')", 10).await;
    browser.screenshot("alerts-dark").await;
    assert_eq!(browser.console_errors().await, Vec::<String>::new());
}
