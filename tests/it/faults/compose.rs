//! Drives the repository's docker-compose.yml as its own project, on free
//! host ports, with the image built from the binary under test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::free_port;

pub const SERVICES: [&str; 10] = [
    "meta-1",
    "meta-2",
    "meta-3",
    "storage-1",
    "storage-2",
    "storage-3",
    "scraper-1",
    "scraper-2",
    "query-1",
    "query-2",
];

/// The Alertmanager peers, which are not part of the metrics path.
pub const ALERTMANAGERS: [&str; 3] = ["alertmanager-1", "alertmanager-2", "alertmanager-3"];

/// The host ports compose publishes, by service.
pub struct Ports {
    pub scrapers: [u16; 2],
    pub queries: [u16; 2],
    pub alertmanager: u16,
}

pub struct Compose {
    /// `docker compose` (v2) or `docker-compose` (v1).
    program: Vec<String>,
    project: String,
    root: PathBuf,
    image: String,
    pub ports: Ports,
}

impl Compose {
    /// The compose command this machine has, or None.
    pub fn program() -> Option<Vec<String>> {
        let works = |args: &[&str]| Command::new(args[0]).args(&args[1..]).output().is_ok_and(|o| o.status.success());
        if works(&["docker", "compose", "version"]) {
            Some(vec!["docker".into(), "compose".into()])
        } else if works(&["docker-compose", "version"]) {
            Some(vec!["docker-compose".into()])
        } else {
            None
        }
    }

    /// Builds the image from `binary` with deploy/build-image.sh.
    pub fn new(program: Vec<String>, binary: &Path, project: &str) -> Compose {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let image = format!("sonde:{project}");
        let output = Command::new("bash")
            .arg(root.join("deploy/build-image.sh"))
            .args(["--binary".as_ref(), binary.as_os_str(), "--tag".as_ref(), image.as_ref()])
            .output()
            .expect("cannot run deploy/build-image.sh");
        assert!(output.status.success(), "deploy/build-image.sh failed: {}", String::from_utf8_lossy(&output.stderr));
        eprintln!("{}", String::from_utf8_lossy(&output.stdout).trim());
        let ports = Ports {
            scrapers: [free_port(), free_port()],
            queries: [free_port(), free_port()],
            alertmanager: free_port(),
        };
        Compose { program, project: project.to_string(), root, image, ports }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.program[0]);
        command
            .args(&self.program[1..])
            .args(["-p", &self.project, "-f"])
            .arg(self.root.join("docker-compose.yml"))
            .args(args)
            .current_dir(&self.root)
            .env("SONDE_IMAGE", &self.image)
            .env("SONDE_RESTART", "no")
            .env("SONDE_SCRAPER_1_PORT", self.ports.scrapers[0].to_string())
            .env("SONDE_SCRAPER_2_PORT", self.ports.scrapers[1].to_string())
            .env("SONDE_QUERY_1_PORT", self.ports.queries[0].to_string())
            .env("SONDE_QUERY_2_PORT", self.ports.queries[1].to_string())
            .env("SONDE_ALERTMANAGER_PORT", self.ports.alertmanager.to_string());
        command
    }

    /// Runs a compose subcommand, panicking with its output when it fails.
    pub fn run(&self, args: &[&str]) -> Output {
        let output = self.command(args).output().expect("cannot run compose");
        assert!(
            output.status.success(),
            "compose {args:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    pub fn up(&self) {
        self.run(&["up", "-d"]);
        self.wait_healthy(&SERVICES);
        self.wait_healthy(&ALERTMANAGERS);
    }

    /// Waits until every given service's health check passes.
    pub fn wait_healthy(&self, services: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(120);
        for service in services {
            loop {
                let id = self.container(service);
                let state = docker(&["inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", &id]);
                if state.trim() == "running healthy" {
                    break;
                }
                assert!(Instant::now() < deadline, "{service} is not healthy: {state}\n{}", self.logs(service));
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    }

    pub fn container(&self, service: &str) -> String {
        let output = self.run(&["ps", "-q", service]);
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&self, service: &str) {
        self.run(&["kill", "-s", "SIGKILL", service]);
    }

    pub fn start(&self, service: &str) {
        self.run(&["start", service]);
        self.wait_healthy(&[service]);
    }

    /// SIGTERM and a start again; panics unless the node exited cleanly
    /// within compose's stop timeout.
    pub fn restart(&self, service: &str) {
        self.run(&["stop", service]);
        self.assert_clean_exit(service);
        self.start(service);
    }

    pub fn stop_all(&self) {
        self.run(&["stop"]);
        for service in SERVICES {
            self.assert_clean_exit(service);
        }
    }

    /// Starts every service again, in dependency order (meta first).
    pub fn start_all(&self) {
        self.run(&["up", "-d"]);
        self.wait_healthy(&SERVICES);
    }

    pub fn running(&self, service: &str) -> bool {
        let id = self.container(service);
        docker(&["inspect", "-f", "{{.State.Running}}", &id]).trim() == "true"
    }

    /// A container stopped by SIGTERM exits 0; 137 means compose had to
    /// SIGKILL it after the stop timeout.
    fn assert_clean_exit(&self, service: &str) {
        let id = self.container(service);
        let code = docker(&["inspect", "-f", "{{.State.ExitCode}}", &id]);
        assert_eq!(code.trim(), "0", "{service} did not shut down cleanly:\n{}", self.logs(service));
    }

    fn network(&self) -> String {
        let id = self.container("meta-1");
        let networks =
            docker(&["inspect", "-f", "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}", &id]);
        networks.split_whitespace().next().expect("meta-1 is on no network").to_string()
    }

    /// Cuts a service off the cluster's network.
    pub fn disconnect(&self, service: &str) -> String {
        let network = self.network();
        docker(&["network", "disconnect", &network, &self.container(service)]);
        network
    }

    /// Joins it again under its service name.
    pub fn connect(&self, service: &str, network: &str) {
        docker(&["network", "connect", "--alias", service, network, &self.container(service)]);
    }

    pub fn logs(&self, service: &str) -> String {
        let output = self.command(&["logs", "--no-color", "--tail", "40", service]).output();
        output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
    }

    /// The meta service whose node leads the Raft group, asked of query-1.
    pub fn meta_leader(&self) -> Option<String> {
        let url = format!("http://127.0.0.1:{}/api/v1/status/cluster", self.ports.queries[0]);
        let (status, body) = crate::support::ureq_get(&url).ok()?;
        if status != 200 {
            return None;
        }
        let json: Value = serde_json::from_str(&body).ok()?;
        let status = if json["data"].is_object() { &json["data"] } else { &json };
        status["meta"]["leader"]["id"].as_u64().map(|id| format!("meta-{id}"))
    }
}

impl Drop for Compose {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for service in SERVICES {
                eprintln!("--- {service}\n{}", self.logs(service));
            }
        }
        let _ = self.command(&["down", "-v", "-t", "5"]).output();
        let _ = Command::new("docker").args(["image", "rm", &self.image]).output();
    }
}

/// Runs docker, panicking with its output when it fails.
pub fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().expect("cannot run docker");
    assert!(output.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}
