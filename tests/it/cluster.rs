//! The loopback cluster of `cluster/launch.sh` (3 meta voters, scrapers,
//! storage nodes and a query node): the meta group survives losing
//! its leader and a restart of every voter; scrapers split the targets by
//! the ring, scrape each exactly once, and move a dead, joining or leaving
//! scraper's targets within the bound. The figures are printed for
//! docs/benchmarks.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde_json::Value;

use crate::support::{get_json, ureq_get};

const DEAD_AFTER: Duration = Duration::from_secs(2);
const HEARTBEAT: &str = "300ms";
const SCRAPE_INTERVAL: Duration = Duration::from_secs(1);

/// A cluster started by the launcher; stopped when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    base: u16,
    /// Environment of every node (through the launcher).
    env: Vec<(String, String)>,
}

impl Cluster {
    pub fn up(scrapers: usize, storage: usize, scrape_config: &str) -> Cluster {
        Cluster::up_with(scrapers, storage, scrape_config, &[])
    }

    /// `up` with more launcher arguments (e.g. `--storage-flag=…`).
    pub fn up_with(scrapers: usize, storage: usize, scrape_config: &str, launcher_args: &[&str]) -> Cluster {
        Cluster::up_with_env(scrapers, storage, scrape_config, launcher_args, &[])
    }

    /// `up_with`, every node also getting `env`.
    pub fn up_with_env(
        scrapers: usize,
        storage: usize,
        scrape_config: &str,
        launcher_args: &[&str],
        env: &[(&str, &str)],
    ) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("scrape.yml");
        std::fs::write(&config, scrape_config).unwrap();
        let base = free_port_block(60);
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let cluster = Cluster { dir, base, env };
        let status = cluster
            .launcher("up")
            .args(["--base-port", &base.to_string(), "--scrapers", &scrapers.to_string()])
            .args(["--storage", &storage.to_string()])
            .arg("--scrape-config")
            .arg(&config)
            .args(["--binary", env!("CARGO_BIN_EXE_sonde")])
            .args(["--dead-after", &format!("{}s", DEAD_AFTER.as_secs()), "--heartbeat", HEARTBEAT])
            .args(launcher_args)
            .status()
            .unwrap();
        assert!(status.success(), "launch.sh up failed; logs in {}", cluster.state().display());
        cluster
    }

    fn launcher(&self, command: &str) -> Command {
        let mut launcher = Command::new("bash");
        launcher.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/cluster/launch.sh")).arg(command);
        launcher.arg("--dir").arg(self.state());
        launcher.envs(self.env.iter().map(|(k, v)| (k, v)));
        launcher
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn pid(&self, node: &str) -> String {
        std::fs::read_to_string(self.state().join(format!("{node}.pid"))).unwrap().trim().to_string()
    }

    pub fn signal(&self, node: &str, signal: &str) {
        let status = Command::new("kill").args([signal, &self.pid(node)]).status().unwrap();
        assert!(status.success(), "kill {signal} {node}");
    }

    /// Waits for the node's process to exit (after a signal).
    pub fn wait_exit(&self, node: &str) {
        let pid = self.pid(node);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Command::new("kill").args(["-0", &pid]).stderr(std::process::Stdio::null()).status().unwrap().success() {
            assert!(Instant::now() < deadline, "{node} did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn start(&self, node: &str) {
        assert!(self.launcher("start").arg(node).status().unwrap().success());
    }

    /// A meta node that is not an initial voter (id 4), for add-meta.
    fn spawn_fourth_meta(&self) -> crate::support::Killed {
        let child = Command::new(env!("CARGO_BIN_EXE_sonde"))
            .args(["meta", "--node.id", "4"])
            .arg(format!("--grpc.listen-address=127.0.0.1:{}", self.base + 4))
            .arg(format!("--web.listen-address=127.0.0.1:{}", self.base + 14))
            .arg(format!("--storage.path={}", self.dir.path().join("meta-4").display()))
            .arg(format!("--meta.addresses={}", self.meta_addresses().join(",")))
            .arg(format!("--cluster.heartbeat-interval={HEARTBEAT}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(self.dir.path().join("meta-4.log")).unwrap())
            .spawn()
            .unwrap();
        crate::support::wait_for(&format!("http://127.0.0.1:{}/-/ready", self.base + 14));
        crate::support::Killed(child)
    }

    /// `sonde cluster …` against this cluster's meta nodes; its stdout.
    fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_sonde"))
            .arg("cluster")
            .args(args)
            .arg(format!("--meta.addresses={}", self.meta_addresses().join(",")))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(output.status.success(), "sonde cluster {args:?}: {stdout}{}", String::from_utf8_lossy(&output.stderr));
        stdout
    }

    pub fn meta_addresses(&self) -> Vec<String> {
        (1..=3).map(|index| format!("127.0.0.1:{}", self.base + index)).collect()
    }

    fn meta_http(&self, index: u16) -> String {
        format!("http://127.0.0.1:{}", self.base + 10 + index)
    }

    pub fn query_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.base + 20)
    }

    pub fn storage_url(&self, index: u16, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.base + 50 + index)
    }

    pub fn ruler_url(&self, index: u16, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.base + 20 + index)
    }

    pub fn scraper_url(&self, index: u16, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.base + 30 + index)
    }

    /// The cluster status from the first meta node that answers over HTTP.
    pub fn status(&self) -> Option<Value> {
        (1..=3).find_map(|index| {
            let (code, body) = ureq_get(&format!("{}/api/v1/status/cluster", self.meta_http(index))).ok()?;
            let status: Value = serde_json::from_str(&body).ok()?;
            (code == 200 && status["data"]["meta"].is_object()).then(|| status["data"].clone())
        })
    }

    fn leader(&self) -> Option<u64> {
        self.status()?["meta"]["leader"]["id"].as_u64()
    }

    /// The targets (instance labels) a scraper scrapes now.
    fn owned(&self, scraper: u16) -> BTreeSet<String> {
        let Ok((200, body)) = ureq_get(&self.scraper_url(scraper, "/api/v1/targets?state=active")) else {
            return BTreeSet::new();
        };
        let targets: Value = serde_json::from_str(&body).unwrap();
        targets["data"]["activeTargets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|target| target["labels"]["instance"].as_str().unwrap().to_string())
            .collect()
    }

    /// Each target's scraper; an error names a target two scrapers hold
    /// (possible only for a moment while the ring changes).
    fn owners(&self, scrapers: &[u16]) -> Result<BTreeMap<String, u16>, String> {
        let mut owners = BTreeMap::new();
        for &scraper in scrapers {
            for target in self.owned(scraper) {
                if let Some(other) = owners.insert(target.clone(), scraper) {
                    return Err(format!("{target} is scraped by scrapers {other} and {scraper}"));
                }
            }
        }
        Ok(owners)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.launcher("down").status();
        if std::env::var_os("SONDE_KEEP_CLUSTER").is_some() {
            let kept = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap()).keep();
            eprintln!("cluster state kept in {}", kept.display());
        }
    }
}

/// A free block of `span` loopback ports, below Linux's ephemeral range
/// (32768 and up): ports the tests' own listeners get from the kernel must
/// never fall inside a cluster's block.
fn free_port_block(span: u16) -> u16 {
    for _ in 0..200 {
        let base = 20_000 + (rand_u16() % 120) * 100;
        let free = (0..=span).all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok());
        if free {
            return base;
        }
    }
    panic!("no free block of {span} ports");
}

fn rand_u16() -> u16 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    (nanos ^ std::process::id().rotate_left(7)) as u16
}

pub fn eventually<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out after {within:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn members(status: &Value) -> BTreeMap<u64, (String, f64)> {
    status["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["id"].as_u64().unwrap(), (m["state"].as_str().unwrap().to_string(), m["registeredAt"].as_f64().unwrap()))
        })
        .collect()
}

#[test]
fn meta_leader_failover_and_a_restart_of_every_voter() {
    // 3 meta, 1 scraper, 1 query node.
    let cluster = Cluster::up(1, 0, "scrape_configs: []\n");
    let status = eventually("a leader and 5 active members", Duration::from_secs(20), || {
        let status = cluster.status()?;
        let active = members(&status).values().filter(|(state, _)| state == "active").count();
        (status["meta"]["leader"].is_object() && active == 5).then_some(status)
    });
    let before = members(&status);
    let leader = status["meta"]["leader"]["id"].as_u64().unwrap();
    let term = status["meta"]["term"].as_u64().unwrap();

    cluster.signal(&format!("meta-{leader}"), "-KILL");
    let killed_at = Instant::now();
    let new_leader = eventually("a new leader", Duration::from_secs(15), || {
        cluster
            .leader()
            .filter(|&id| id != leader && cluster.status().is_some_and(|s| s["meta"]["term"].as_u64() > Some(term)))
    });
    let failover = killed_at.elapsed();
    println!("meta failover: new leader {new_leader} {:.2} s after killing leader {leader}", failover.as_secs_f64());
    assert!(failover < Duration::from_secs(10), "failover took {failover:?}");
    let status = eventually("the killed voter declared dead", DEAD_AFTER * 3 + Duration::from_secs(5), || {
        let status = cluster.status()?;
        (members(&status)[&leader].0 == "dead").then_some(status)
    });
    let after = members(&status);
    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "membership intact");
    for (id, (state, registered)) in &after {
        assert_eq!(*registered, before[id].1, "node {id} kept its registration");
        if *id != leader {
            assert_eq!(state, "active", "node {id}");
        }
    }

    cluster.start(&format!("meta-{leader}"));
    eventually("the restarted voter active again", Duration::from_secs(20), || {
        let status = cluster.status()?;
        (members(&status)[&leader].0 == "active").then_some(())
    });

    // Enough membership changes to cut a snapshot and purge the log below it.
    let churned_at = Instant::now();
    let cycles = 400;
    tokio::runtime::Runtime::new().unwrap().block_on(churn(cluster.meta_addresses(), cycles));
    let status = eventually("a snapshot and a purged log", Duration::from_secs(20), || {
        let status = cluster.status()?;
        (status["meta"]["purgedIndex"].as_u64()? > 0).then_some(status)
    });
    println!(
        "meta log: {} membership changes in {:.2} s; snapshot at {}, purged to {}, last log index {}",
        cycles * 3,
        churned_at.elapsed().as_secs_f64(),
        status["meta"]["snapshotIndex"],
        status["meta"]["purgedIndex"],
        status["meta"]["lastLogIndex"]
    );
    let (snapshot, purged) =
        (status["meta"]["snapshotIndex"].as_u64().unwrap(), status["meta"]["purgedIndex"].as_u64().unwrap());
    assert!(snapshot >= 900 && purged < snapshot, "{status}");
    assert_eq!(members(&status).len(), before.len(), "the churned nodes are gone again");

    let applied = cluster.status().unwrap()["meta"]["appliedIndex"].as_u64().unwrap();
    for index in 1..=3 {
        cluster.signal(&format!("meta-{index}"), "-KILL");
    }
    for index in 1..=3 {
        cluster.wait_exit(&format!("meta-{index}"));
    }
    // Without meta the scraper keeps its last view and says it is frozen.
    let frozen = eventually("the scraper reports frozen membership", Duration::from_secs(10), || {
        let body = ureq_get(&cluster.scraper_url(1, "/api/v1/status/cluster")).ok()?.1;
        let status: Value = serde_json::from_str(&body).ok()?;
        (status["data"]["frozen"] == true).then_some(status)
    });
    assert_eq!(frozen["data"]["members"].as_array().unwrap().len(), before.len(), "{frozen}");
    let metrics = ureq_get(&cluster.scraper_url(1, "/metrics")).unwrap().1;
    assert!(metrics.contains("sonde_cluster_meta_reachable 0"), "{metrics}");
    for index in 1..=3 {
        cluster.start(&format!("meta-{index}"));
    }
    let restarted_at = Instant::now();
    let status = eventually("a leader after restarting every voter", Duration::from_secs(20), || {
        let status = cluster.status()?;
        status["meta"]["leader"].is_object().then_some(status)
    });
    println!("meta restart: leader elected {:.2} s after restarting all voters", restarted_at.elapsed().as_secs_f64());
    assert!(status["meta"]["appliedIndex"].as_u64().unwrap() >= applied, "state restored from sled");
    let restored = members(&status);
    assert_eq!(restored.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>());
    for (id, (_, registered)) in &restored {
        assert_eq!(*registered, before[id].1, "node {id} restored, not registered anew");
    }
    eventually("every member active after the restart", Duration::from_secs(20), || {
        let status = cluster.status()?;
        members(&status).values().all(|(state, _)| state == "active").then_some(())
    });

    // A fourth node joins as a learner (catching up from the snapshot, since
    // the log is purged) and is removed; then it joins as a voter and is
    // removed again; all through the CLI.
    let fourth = cluster.spawn_fourth_meta();
    let address = format!("127.0.0.1:{}", cluster.base + 4);
    let learner = cluster.cli(&["add-meta", "--id", "4", "--address", &address, "--learner"]);
    assert!(learner.contains(&format!("4 {address} learner")), "{learner}");
    let removed = cluster.cli(&["remove-meta", "--id", "4"]);
    assert!(!removed.contains(&address), "{removed}");
    let added = cluster.cli(&["add-meta", "--id", "4", "--address", &address]);
    assert!(added.contains(&format!("4 {address} voter")), "{added}");
    let status = eventually("four voters", Duration::from_secs(10), || {
        let status = cluster.status()?;
        let voters = status["meta"]["members"].as_array()?.iter().filter(|m| m["voter"] == true).count();
        (voters == 4).then_some(status)
    });
    assert!(status["meta"]["members"].to_string().contains(&address));
    let removed = cluster.cli(&["remove-meta", "--id", "4"]);
    assert!(!removed.contains(&address), "{removed}");
    drop(fourth);
}

/// Registers, retires and removes `cycles` made-up nodes: three log entries each.
async fn churn(meta: Vec<String>, cycles: usize) {
    use sonde::meta::proto::{RegisterRequest, RemoveRequest, SetStateRequest};
    let client = sonde::cluster::MetaClient::new(meta).unwrap();
    let patience = Duration::from_secs(10);
    for cycle in 0..cycles {
        let id = 1_000_000 + cycle as u64;
        let register = RegisterRequest {
            id,
            roles: vec!["query".into()],
            address: format!("10.9.{}.{}:9090", cycle / 250, cycle % 250),
            zone: String::new(),
        };
        client
            .call_leader(patience, |mut c| {
                let register = register.clone();
                async move { c.register(register).await }
            })
            .await
            .unwrap();
        let leaving = SetStateRequest { id, state: "leaving".into() };
        client
            .call_leader(patience, |mut c| {
                let leaving = leaving.clone();
                async move { c.set_state(leaving).await }
            })
            .await
            .unwrap();
        client.call_leader(patience, |mut c| async move { c.remove(RemoveRequest { id }).await }).await.unwrap();
    }
}

/// In-process targets that log when each one was scraped.
struct Targets {
    ports: Vec<u16>,
    requests: Arc<Mutex<Vec<Vec<Instant>>>>,
}

impl Targets {
    async fn start(count: usize) -> Targets {
        let requests = Arc::new(Mutex::new(vec![Vec::new(); count]));
        let mut ports = Vec::new();
        for index in 0..count {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ports.push(listener.local_addr().unwrap().port());
            let log = requests.clone();
            let app = axum::Router::new().fallback(move || {
                let log = log.clone();
                async move {
                    log.lock()[index].push(Instant::now());
                    format!("# TYPE demo_value gauge\ndemo_value{{target=\"{index}\"}} {index}\n")
                }
            });
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        }
        Targets { ports, requests }
    }

    fn instance(&self, index: usize) -> String {
        format!("127.0.0.1:{}", self.ports[index])
    }

    fn index_of(&self, instance: &str) -> usize {
        self.ports.iter().position(|port| instance.ends_with(&format!(":{port}"))).unwrap()
    }

    fn count(&self, index: usize, since: Instant, until: Instant) -> usize {
        self.requests.lock()[index].iter().filter(|&&at| at >= since && at < until).count()
    }

    fn first_after(&self, index: usize, since: Instant) -> Option<Instant> {
        self.requests.lock()[index].iter().copied().find(|&at| at > since)
    }

    fn config(&self) -> String {
        let targets: Vec<String> = (0..self.ports.len()).map(|i| format!("'{}'", self.instance(i))).collect();
        format!(
            "global:\n  scrape_interval: {}s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: demo\n    static_configs:\n      - targets: [{}]\n",
            SCRAPE_INTERVAL.as_secs(),
            targets.join(", ")
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapers_split_targets_once_and_move_them_on_death_join_and_leave() {
    const TARGETS: usize = 60;
    let steady: u64 = std::env::var("SONDE_STEADY_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let targets = Targets::start(TARGETS).await;
    let cluster = Cluster::up(3, 3, &targets.config());
    let all: [u16; 3] = [1, 2, 3];

    let owners = eventually("every target owned", Duration::from_secs(30), || {
        let owners = cluster.owners(&all).ok()?;
        (owners.len() == TARGETS && all.iter().all(|s| owners.values().any(|o| o == s))).then_some(owners)
    });
    let shares: Vec<usize> = all.iter().map(|s| owners.values().filter(|o| *o == s).count()).collect();
    println!("scraper shares of {TARGETS} targets: {shares:?}");
    let client = reqwest::Client::new();
    let status = get_json(&client, &cluster.scraper_url(1, "/api/v1/status/cluster")).await;
    let reported: u64 = eventually("owned counts in the status", Duration::from_secs(10), || {
        let status = ureq_get(&cluster.scraper_url(1, "/api/v1/status/cluster")).ok()?.1;
        let status: Value = serde_json::from_str(&status).ok()?;
        let sum: u64 = status["data"]["scrapers"].as_array()?.iter().filter_map(|s| s["ownedTargets"].as_u64()).sum();
        (sum == TARGETS as u64).then_some(sum)
    });
    assert_eq!(reported, TARGETS as u64, "{status}");

    // Steady state: each target once per interval, by one scraper.
    tokio::time::sleep(SCRAPE_INTERVAL * 2).await;
    let since = Instant::now();
    tokio::time::sleep(Duration::from_secs(steady)).await;
    let until = Instant::now();
    assert_eq!(cluster.owners(&all), Ok(owners.clone()), "ownership changed in steady state");
    let expected = steady as f64 / SCRAPE_INTERVAL.as_secs_f64();
    for index in 0..TARGETS {
        let count = targets.count(index, since, until) as f64;
        assert!(
            (expected * 0.8 - 1.0..=expected * 1.2 + 1.0).contains(&count),
            "target {index} was scraped {count} times in {steady} s (expected about {expected}): scraped twice or orphaned"
        );
    }
    println!("steady state: {TARGETS} targets, each scraped once per interval for {steady} s");

    // A scraper dies: its targets are scraped elsewhere within the bound.
    let victims: Vec<usize> =
        owners.iter().filter(|(_, o)| **o == 3).map(|(instance, _)| targets.index_of(instance)).collect();
    cluster.signal("scraper-3", "-KILL");
    let killed_at = Instant::now();
    let moved_within = eventually("the dead scraper's targets scraped elsewhere", Duration::from_secs(20), || {
        let firsts: Option<Vec<Instant>> =
            victims.iter().map(|&index| targets.first_after(index, killed_at + Duration::from_millis(50))).collect();
        firsts.map(|f| f.into_iter().max().map_or(Duration::ZERO, |last| last - killed_at))
    });
    println!(
        "target move after a scraper was killed: {} targets, last scraped elsewhere {:.2} s later (dead-after {} s, interval {} s)",
        victims.len(),
        moved_within.as_secs_f64(),
        DEAD_AFTER.as_secs(),
        SCRAPE_INTERVAL.as_secs()
    );
    assert!(moved_within < DEAD_AFTER + SCRAPE_INTERVAL + Duration::from_secs(3), "took {moved_within:?}");
    let two = eventually("two scrapers own every target", Duration::from_secs(10), || {
        let owners = cluster.owners(&[1, 2]).ok()?;
        (owners.len() == TARGETS).then_some(owners)
    });

    // A scraper joins: about a third of the targets move, all to it.
    cluster.start("scraper-3");
    let three = eventually("the new scraper owns targets", Duration::from_secs(20), || {
        let owners = cluster.owners(&all).ok()?;
        (owners.len() == TARGETS && owners.values().any(|o| *o == 3)).then_some(owners)
    });
    let moved: Vec<&String> = three.keys().filter(|t| three[*t] != two[*t]).collect();
    let fraction = moved.len() as f64 / TARGETS as f64;
    println!("join: {} of {TARGETS} targets moved ({fraction:.2}; 1/N = 0.33)", moved.len());
    assert!(moved.iter().all(|t| three[*t] == 3), "targets only move to the joining scraper");
    assert!((0.1..=0.6).contains(&fraction), "a join moved {fraction:.2} of the targets");

    // Scrapers leave gracefully: the last one's staleness markers end every series.
    cluster.signal("scraper-3", "-TERM");
    cluster.signal("scraper-2", "-TERM");
    cluster.wait_exit("scraper-3");
    cluster.wait_exit("scraper-2");
    eventually("the remaining scraper owns every target", Duration::from_secs(10), || {
        (cluster.owned(1).len() == TARGETS).then_some(())
    });
    let up = cluster.query_url("/api/v1/query?query=count(up)");
    eventually("samples of every target stored", Duration::from_secs(10), || {
        let body = ureq_get(&up).ok()?.1;
        body.contains(&format!("\"{TARGETS}\"")).then_some(())
    });
    cluster.signal("scraper-1", "-TERM");
    cluster.wait_exit("scraper-1");
    let gone = eventually("staleness markers from the last scraper", Duration::from_secs(5), || {
        let body = ureq_get(&cluster.query_url("/api/v1/query?query=up")).ok()?.1;
        body.contains("\"result\":[]").then_some(body)
    });
    assert!(gone.contains("success"));
    let status = cluster.status().unwrap();
    assert!(
        status["members"].as_array().unwrap().iter().all(|m| m["roles"][0] != "scraper"),
        "scrapers that left are removed: {status}"
    );
}
