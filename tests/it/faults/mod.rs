//! The docker compose cluster under faults: the repository's
//! docker-compose.yml runs on this machine's Docker engine with the image
//! built from the binary under test, a writer remote-writes continuously and
//! records every acknowledged sample, probers query both query nodes, and
//! the cluster goes through node kills, a network partition, a meta leader
//! kill, a rolling restart and a whole-cluster restart. After every step
//! each query node must return every acknowledged sample, every answer
//! during the step must have been complete or an error, and the nodes'
//! /metrics must have gone on being scraped. Prints a table per step.
//!
//! About five minutes, so it is ignored by a plain `cargo test`; .ci/run
//! runs it: `cargo test --release --test it faults -- --ignored --nocapture`.

mod compose;
mod load;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use compose::{Compose, SERVICES};
use load::{Ledger, StepStats, describe, lacking, query_samples};

use crate::support::now_ms;

/// The longest a node's /metrics may go unscraped during a step that does
/// not stop the node itself: a dead scraper's targets move after the meta
/// dead-after (10 s) plus a heartbeat and a scrape interval.
const MAX_SCRAPE_GAP: Duration = Duration::from_secs(40);

/// The /metrics port of each role.
fn metrics_port(service: &str) -> u16 {
    match service.split('-').next().unwrap() {
        "meta" => 9096,
        "storage" => 9098,
        "scraper" => 9091,
        _ => 9090,
    }
}

struct Row {
    step: String,
    stats: StepStats,
    lost: usize,
    scrape_gap: Option<Duration>,
}

struct Suite {
    compose: Compose,
    ledger: Ledger,
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    started_ms: i64,
    rows: Vec<Row>,
}

impl Suite {
    fn query_base(&self, index: usize) -> String {
        format!("http://127.0.0.1:{}", self.compose.ports.queries[index])
    }

    /// Runs `action` as one step; `disturbed` are the services it stops or
    /// cuts off, whose own scrapes are not held to the gap bound.
    fn step(&mut self, name: &str, disturbed: &[&str], action: impl FnOnce(&Compose)) {
        eprintln!("== {name}");
        let start_ms = now_ms();
        self.ledger.begin_step();
        action(&self.compose);
        let stats = self.ledger.end_step();
        let end_ms = now_ms();
        let lost = self.check_every_acked_sample();
        let scrape_gap =
            (disturbed.len() < SERVICES.len()).then(|| self.longest_scrape_gap(disturbed, start_ms, end_ms));
        self.check_targets_scraped();
        eprintln!(
            "   acked {} failed {} lost {lost} write outage {:?} query outage {:?} scrape gap {scrape_gap:?}",
            stats.acked, stats.failed, stats.write_outage, stats.query_outage
        );
        self.rows.push(Row { step: name.to_string(), stats, lost, scrape_gap });
    }

    /// How many acknowledged samples a query node does not return, at worst;
    /// each node gets a minute to answer at all.
    fn check_every_acked_sample(&self) -> usize {
        let mut worst = 0;
        for index in 0..2 {
            let base = self.query_base(index);
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let at = now_ms() - 1_000;
                let expected: Vec<_> = self.ledger.acked().into_iter().filter(|a| a.ts <= at).collect();
                let range = at - self.started_ms + 60_000;
                let answer = self.runtime.block_on(query_samples(&self.client, &base, range, at));
                match answer {
                    Ok(found) => {
                        let lacking = lacking(&expected, &found);
                        if lacking.is_empty() || Instant::now() > deadline {
                            if !lacking.is_empty() {
                                eprintln!("   query-{}: {}", index + 1, describe(&lacking));
                            }
                            worst = worst.max(lacking.len());
                            break;
                        }
                    }
                    Err(reason) => assert!(Instant::now() < deadline, "query-{} refuses: {reason}", index + 1),
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        worst
    }

    /// The longest run without an `up` sample of any undisturbed node's
    /// /metrics within [start, end].
    fn longest_scrape_gap(&self, disturbed: &[&str], start_ms: i64, end_ms: i64) -> Duration {
        let query = format!("up%7Bjob%3D%22sonde%22%7D%5B{}ms%5D", end_ms - start_ms + 1);
        let url =
            format!("{}/api/v1/query?query={query}&time={}.{:03}", self.query_base(0), end_ms / 1000, end_ms % 1000);
        let json = self.get_json(&url);
        let mut samples: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for item in json["data"]["result"].as_array().unwrap() {
            let instance = item["metric"]["instance"].as_str().unwrap().to_string();
            let times = item["values"].as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap() * 1000.0) as i64);
            samples.entry(instance).or_default().extend(times);
        }
        let mut longest = 0;
        for service in SERVICES.iter().filter(|s| !disturbed.contains(s)) {
            let instance = format!("{service}:{}", metrics_port(service));
            let mut times = samples.remove(&instance).unwrap_or_default();
            times.push(start_ms);
            times.push(end_ms);
            times.sort_unstable();
            let gap = times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
            longest = longest.max(gap);
        }
        Duration::from_millis(longest as u64)
    }

    /// The three Alertmanager peers found each other by their service
    /// names within a minute.
    fn check_alertmanager_peers(&self) {
        let url = format!("http://127.0.0.1:{}/api/v2/status", self.compose.ports.alertmanager);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.get_json(&url);
            let peers = status["cluster"]["peers"].as_array().map_or(0, Vec::len);
            if peers == 3 {
                eprintln!("== the Alertmanager peers see each other: {}", status["cluster"]["peers"]);
                return;
            }
            assert!(Instant::now() < deadline, "Alertmanager peers did not find each other: {status}");
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// Every running node's /metrics is scraped again (up == 1) within a
    /// minute.
    fn check_targets_scraped(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let running: Vec<&str> = SERVICES.iter().copied().filter(|s| self.compose.running(s)).collect();
        loop {
            let url = format!("{}/api/v1/query?query=up%7Bjob%3D%22sonde%22%7D%3D%3D1", self.query_base(0));
            let json = self.get_json(&url);
            let up: Vec<&str> = json["data"]["result"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r["metric"]["instance"].as_str())
                .collect();
            let down: Vec<String> = running
                .iter()
                .map(|s| format!("{s}:{}", metrics_port(s)))
                .filter(|instance| !up.contains(&instance.as_str()))
                .collect();
            if down.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "not scraped (up == 1) a minute after the step: {down:?}");
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn get_json(&self, url: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = self.runtime.block_on(async {
                let response = self.client.get(url).send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                let text = response.text().await.map_err(|e| e.to_string())?;
                if status != 200 {
                    return Err(format!("HTTP {status}: {text}"));
                }
                serde_json::from_str::<Value>(&text).map_err(|e| e.to_string())
            });
            match answer {
                Ok(json) => return json,
                Err(reason) => assert!(Instant::now() < deadline, "GET {url}: {reason}"),
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    fn table(&self) -> String {
        let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
        let mut text = String::from(
            "| step | writes acked | writes failed | samples lost | longest write outage | longest query outage | refused probes | longest scrape gap |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for row in &self.rows {
            let gap = row.scrape_gap.map_or("–".to_string(), secs);
            text.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {}/{} | {} |\n",
                row.step,
                row.stats.acked,
                row.stats.failed,
                row.lost,
                secs(row.stats.write_outage),
                secs(row.stats.query_outage),
                row.stats.refused_probes,
                row.stats.probes,
                gap
            ));
        }
        text
    }
}

fn skip(what: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required in CI (.ci/run installs it)");
    }
    eprintln!("SKIPPED: {what} is not available");
}

#[test]
#[ignore = "needs Docker and about five minutes; .ci/run runs it with --ignored"]
fn compose_cluster_keeps_every_acknowledged_sample_through_faults() {
    let Some(program) = Compose::program() else { return skip("docker compose") };
    if !std::process::Command::new("docker").arg("info").output().is_ok_and(|o| o.status.success()) {
        return skip("a running Docker engine");
    }
    let compose = Compose::new(program, Path::new(env!("CARGO_BIN_EXE_sonde")), "sondefaults");
    compose.up();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let ledger = Ledger::default();
    let entry_points: Vec<String> =
        compose.ports.scrapers.iter().map(|port| format!("http://127.0.0.1:{port}/api/v1/write")).collect();
    let mut suite = Suite { compose, ledger: ledger.clone(), runtime, client, started_ms: now_ms(), rows: Vec::new() };
    let writer = suite.runtime.spawn(ledger.clone().write(entry_points));
    let probers: Vec<_> = (0..2).map(|i| suite.runtime.spawn(ledger.clone().probe(i, suite.query_base(i)))).collect();

    suite.check_alertmanager_peers();
    let hold = |seconds| std::thread::sleep(Duration::from_secs(seconds));
    suite.step("steady", &[], |_| hold(10));
    suite.step("kill storage-1", &["storage-1"], |c| {
        c.kill("storage-1");
        hold(20);
    });
    suite.step("restart storage-1", &["storage-1"], |c| {
        c.start("storage-1");
        hold(10);
    });
    suite.step("partition storage-2", &["storage-2"], |c| {
        let network = c.disconnect("storage-2");
        hold(20);
        c.connect("storage-2", &network);
        hold(10);
    });
    let leader = suite.compose.meta_leader().expect("query-1 names no meta leader");
    let leader_step = format!("kill the meta leader ({leader})");
    suite.step(&leader_step, &[leader.as_str()], |c| {
        c.kill(&leader);
        hold(20);
        c.start(&leader);
    });
    suite.step("kill scraper-2", &["scraper-2"], |c| {
        c.kill("scraper-2");
        hold(25);
        c.start("scraper-2");
    });
    suite.step("rolling restart of storage", &["storage-1", "storage-2", "storage-3"], |c| {
        for service in ["storage-1", "storage-2", "storage-3"] {
            c.restart(service);
            hold(5);
        }
    });
    suite.step("restart the whole cluster", &SERVICES, |c| {
        c.stop_all();
        c.start_all();
        hold(10);
    });

    ledger.stop();
    suite.runtime.block_on(async {
        let _ = writer.await;
        for prober in probers {
            let _ = prober.await;
        }
    });
    let table = suite.table();
    eprintln!("\n{table}");
    let wrong: Vec<&String> = suite.rows.iter().flat_map(|row| &row.stats.wrong).collect();
    assert!(wrong.is_empty(), "answers that were neither complete nor an error: {wrong:#?}");
    for row in &suite.rows {
        assert_eq!(row.lost, 0, "{}: acknowledged samples lost\n{table}", row.step);
        assert!(row.stats.acked > 0, "{}: no write was acknowledged\n{table}", row.step);
        if let Some(gap) = row.scrape_gap {
            assert!(gap <= MAX_SCRAPE_GAP, "{}: a node went unscraped for {gap:?}\n{table}", row.step);
        }
    }
}
