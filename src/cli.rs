//! The command line: `sonde <role> [flags]` and `sonde check …`. `sonde all`
//! takes Prometheus' own flag names for the settings both have, so a
//! Prometheus service definition works by swapping the binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "sonde", version, about = "Prometheus-compatible monitoring: one process, or a cluster")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Every metrics role in one process: ingest, storage, query API.
    All(AllArgs),
    /// A voter of the meta group: cluster membership in Raft.
    Meta(MetaArgs),
    /// A cluster scraper and ingest gateway: scrapes its share of the
    /// targets (by the scraper ring), receives remote write, and distributes
    /// every series to its storage replicas.
    Scraper(ScraperArgs),
    /// A cluster storage node: the TSDB behind a gRPC service.
    Storage(StorageArgs),
    /// A cluster query node: PromQL and the Prometheus HTTP API over every
    /// storage node.
    Query(QueryArgs),
    /// A cluster ruler: evaluates the rule groups the ruler ring gives it
    /// over every storage node, writes their results through the
    /// distributor and sends alerts to the Alertmanagers.
    Ruler(RulerArgs),
    /// An Alertmanager: receives alerts, groups, inhibits and silences them
    /// and sends notifications; peers share silences and the notification
    /// log so that a group is notified once. Flags as Alertmanager's.
    Alertmanager(AlertmanagerArgs),
    /// Inspect and change the cluster.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// Check files the way promtool does.
    #[command(subcommand)]
    Check(CheckCommand),
    /// Send data to a remote write endpoint, like `promtool push`.
    #[command(subcommand)]
    Push(PushCommand),
}

#[derive(Subcommand, Debug)]
pub enum PushCommand {
    /// Push metrics in the Prometheus text format (files, or standard input)
    /// as one remote write request (like `promtool push metrics`).
    Metrics {
        /// The remote write URL, e.g. http://localhost:9091/api/v1/write.
        url: String,
        files: Vec<PathBuf>,
        /// A label to add to every series (name=value); repeatable.
        #[arg(long = "label")]
        labels: Vec<String>,
        /// How long the request may take.
        #[arg(long, default_value = "30s")]
        timeout: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CheckCommand {
    /// Check a prometheus.yml (like `promtool check config`).
    Config {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check alertmanager.yml files (like `amtool check-config`).
    #[command(name = "alertmanager-config")]
    AlertmanagerConfig {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check rule files (like `promtool check rules`).
    Rules {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Linting checks: duplicate-rules, all or none.
        #[arg(long, default_value = "duplicate-rules")]
        lint: String,
        /// Make lint errors exit with status 3.
        #[arg(long = "lint-fatal")]
        lint_fatal: bool,
    },
    /// Check that a node's HTTP server is healthy (like `promtool check
    /// healthy`); the container images' health check.
    Healthy {
        /// The node's base URL.
        #[arg(long, default_value = "http://localhost:9090")]
        url: String,
    },
    /// Check that a node is ready to serve (like `promtool check ready`).
    Ready {
        /// The node's base URL.
        #[arg(long, default_value = "http://localhost:9090")]
        url: String,
    },
}

#[derive(Args, Debug, Clone)]
pub struct AllArgs {
    /// The Prometheus configuration file. When the default file is missing,
    /// Sonde starts with an empty configuration.
    #[arg(long = "config.file", visible_alias = "config", default_value = "prometheus.yml")]
    pub config_file: PathBuf,

    /// Address the HTTP API listens on.
    #[arg(long = "web.listen-address", visible_alias = "listen", default_value = "0.0.0.0:9090")]
    pub listen_address: String,

    #[command(flatten)]
    pub tsdb: TsdbArgs,

    /// Enable /-/reload and /-/quit.
    #[arg(long = "web.enable-lifecycle")]
    pub enable_lifecycle: bool,

    /// Enable the admin API (/api/v1/admin/tsdb/*).
    #[arg(long = "web.enable-admin-api")]
    pub enable_admin_api: bool,

    /// Accepted for compatibility: Sonde always receives remote write.
    #[arg(long = "web.enable-remote-write-receiver")]
    pub enable_remote_write_receiver: bool,

    /// Largest remote-write body accepted after decompression.
    #[arg(long = "web.remote-write.max-decoded-bytes", default_value = "64MiB")]
    pub max_write_bytes: String,

    /// How often discovered target changes are applied to scraping, at most.
    #[arg(long = "scrape.discovery-reload-interval", default_value = "5s")]
    pub discovery_reload_interval: String,

    #[command(flatten)]
    pub alerting: AlertingArgs,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

impl AllArgs {
    /// The flags under Prometheus' names, for `/api/v1/status/flags`.
    pub fn as_flag_map(&self) -> std::collections::BTreeMap<String, String> {
        let pairs = [
            ("config.file", self.config_file.display().to_string()),
            ("web.listen-address", self.listen_address.clone()),
            ("storage.tsdb.path", self.tsdb.data_dir.display().to_string()),
            ("storage.tsdb.retention.time", self.tsdb.retention_time.clone()),
            ("storage.tsdb.retention.size", self.tsdb.retention_size.clone()),
            ("storage.tsdb.min-block-duration", self.tsdb.min_block_duration.clone()),
            ("storage.tsdb.max-block-duration", self.tsdb.max_block_duration.clone().unwrap_or_default()),
            ("storage.tsdb.wal-fsync", self.tsdb.wal_fsync.to_string()),
            ("web.enable-lifecycle", self.enable_lifecycle.to_string()),
            ("web.enable-admin-api", self.enable_admin_api.to_string()),
            ("web.enable-remote-write-receiver", "true".to_string()),
            ("scrape.discovery-reload-interval", self.discovery_reload_interval.clone()),
            ("web.external-url", self.alerting.external_url.clone().unwrap_or_default()),
            ("rules.alert.for-outage-tolerance", self.alerting.for_outage_tolerance.clone()),
            ("rules.alert.for-grace-period", self.alerting.for_grace_period.clone()),
            ("rules.alert.resend-delay", self.alerting.resend_delay.clone()),
            ("alertmanager.notification-queue-capacity", self.alerting.notification_queue_capacity.to_string()),
            ("log.level", self.log_level.clone()),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

/// The ruler's and notifier's flags, under Prometheus' names (`sonde all`,
/// `sonde ruler`).
#[derive(Args, Debug, Clone)]
pub struct AlertingArgs {
    /// The URL under which Sonde is reachable, for links in alerts
    /// (default: http://<hostname>:<port>).
    #[arg(long = "web.external-url")]
    pub external_url: Option<String>,

    /// How far back `ALERTS_FOR_STATE` is read to restore alerts' `for` state after a start.
    #[arg(long = "rules.alert.for-outage-tolerance", default_value = "1h")]
    pub for_outage_tolerance: String,

    /// The least time an alert with `for` stays pending after its state is restored.
    #[arg(long = "rules.alert.for-grace-period", default_value = "10m")]
    pub for_grace_period: String,

    /// How often a firing alert is re-sent to the Alertmanagers.
    #[arg(long = "rules.alert.resend-delay", default_value = "1m")]
    pub resend_delay: String,

    /// Alerts waiting to be sent, at most; the oldest are dropped beyond it.
    #[arg(long = "alertmanager.notification-queue-capacity", default_value = "10000")]
    pub notification_queue_capacity: usize,
}

#[derive(Args, Debug, Clone)]
pub struct AlertmanagerArgs {
    /// The Alertmanager configuration file.
    #[arg(long = "config.file", default_value = "alertmanager.yml")]
    pub config_file: PathBuf,

    /// Where silences and the notification log are kept.
    #[arg(long = "storage.path", default_value = "data/")]
    pub storage_path: PathBuf,

    /// How long silences and notification log entries are kept after they end.
    #[arg(long = "data.retention", default_value = "120h")]
    pub retention: String,

    /// How often resolved alerts are dropped.
    #[arg(long = "alerts.gc-interval", default_value = "30m")]
    pub gc_interval: String,

    /// Address of the API and web endpoints.
    #[arg(long = "web.listen-address", default_value = ":9093")]
    pub listen_address: String,

    /// The URL under which this Alertmanager is reached from outside, for
    /// links in notifications; default http://<hostname>:<port>.
    #[arg(long = "web.external-url")]
    pub external_url: Option<String>,

    /// Address the peers reach this one at (gRPC); empty disables clustering.
    #[arg(long = "cluster.listen-address", default_value = "0.0.0.0:9094")]
    pub cluster_listen_address: String,

    /// The address to tell the peers; default: the listen address, with
    /// this host's name when it listens on all interfaces.
    #[arg(long = "cluster.advertise-address")]
    pub cluster_advertise_address: Option<String>,

    /// A peer's cluster address (host:port; a name resolving to several
    /// addresses is every one of them); repeatable.
    #[arg(long = "cluster.peer")]
    pub cluster_peers: Vec<String>,

    /// How long each peer position waits before notifying.
    #[arg(long = "cluster.peer-timeout", default_value = "15s")]
    pub peer_timeout: String,

    /// How often state is exchanged with every peer, which is also how
    /// their liveness is known.
    #[arg(long = "cluster.gossip-interval", default_value = "200ms")]
    pub gossip_interval: String,

    /// How often the whole state is exchanged rather than what changed.
    #[arg(long = "cluster.pushpull-interval", default_value = "1m0s")]
    pub pushpull_interval: String,

    /// A peer not heard from for this long counts as down; one that stays
    /// down this long is forgotten.
    #[arg(long = "cluster.reconnect-timeout", default_value = "6h0m0s")]
    pub reconnect_timeout: String,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

#[derive(Args, Debug, Clone)]
pub struct RulerArgs {
    /// The Prometheus configuration file: `rule_files`, `alerting`, and the
    /// global evaluation interval and external labels.
    #[arg(long = "config.file", visible_alias = "config", default_value = "prometheus.yml")]
    pub config_file: PathBuf,

    /// Address of the HTTP endpoints: rules, alerts, /metrics, health.
    #[arg(long = "web.listen-address", visible_alias = "listen", default_value = "0.0.0.0:9099")]
    pub listen_address: String,

    /// The meta nodes' gRPC addresses, comma-separated.
    #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
    pub meta_addresses: Vec<String>,

    /// Storage replicas of every series the rules write; a write needs a
    /// majority of them.
    #[arg(long = "distributor.replication-factor", default_value = "3")]
    pub replication_factor: usize,

    /// How long a rule's query may run.
    #[arg(long = "query.timeout", default_value = "2m")]
    pub query_timeout: String,

    #[command(flatten)]
    pub alerting: AlertingArgs,

    /// How often discovered Alertmanager changes are applied, at most.
    #[arg(long = "scrape.discovery-reload-interval", default_value = "5s")]
    pub discovery_reload_interval: String,

    #[command(flatten)]
    pub member: MemberArgs,

    /// Enable /-/reload and /-/quit.
    #[arg(long = "web.enable-lifecycle")]
    pub enable_lifecycle: bool,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

/// Flags every cluster node shares: how to reach meta and how to be reached.
#[derive(Args, Debug, Clone)]
pub struct MemberArgs {
    /// This node's id (a positive integer, unique in the cluster). Default:
    /// derived from the advertised address, so a node restarted at the same
    /// address keeps its id.
    #[arg(long = "node.id")]
    pub node_id: Option<u64>,

    /// The address other nodes and the status page use to reach this node
    /// (default: the listen address).
    #[arg(long = "node.advertise-address")]
    pub advertise_address: Option<String>,

    /// The node's zone, for zone-aware placement.
    #[arg(long = "node.zone")]
    pub zone: Option<String>,

    /// How often the node heartbeats the meta leader.
    #[arg(long = "cluster.heartbeat-interval", default_value = "2s")]
    pub heartbeat_interval: String,
}

#[derive(Args, Debug, Clone)]
pub struct MetaArgs {
    /// This voter's Raft id (a positive integer, unique in the meta group).
    #[arg(long = "node.id")]
    pub node_id: u64,

    /// Address the Raft and membership gRPC services listen on.
    #[arg(long = "grpc.listen-address", default_value = "0.0.0.0:9095")]
    pub grpc_listen_address: String,

    /// The gRPC address other nodes use to reach this one (default: the
    /// gRPC listen address).
    #[arg(long = "node.advertise-address")]
    pub advertise_address: Option<String>,

    /// Address of the HTTP endpoints: /metrics, /-/healthy, /-/ready,
    /// /api/v1/status/cluster.
    #[arg(long = "web.listen-address", default_value = "0.0.0.0:9096")]
    pub listen_address: String,

    /// Where the Raft log and state machine live (sled).
    #[arg(long = "storage.path", default_value = "data-meta/")]
    pub data_dir: PathBuf,

    /// The initial voters, `id=host:port,…`, the same on each of them. Used
    /// only to bootstrap an empty store.
    #[arg(long = "meta.initial-members", default_value = "")]
    pub initial_members: String,

    /// The meta nodes' gRPC addresses, for this node's own membership
    /// (default: the initial members' addresses).
    #[arg(long = "meta.addresses", value_delimiter = ',')]
    pub meta_addresses: Vec<String>,

    /// How long the leader waits for a node's heartbeat before it declares
    /// the node dead.
    #[arg(long = "cluster.dead-after", default_value = "10s")]
    pub dead_after: String,

    /// How often this node heartbeats the meta leader.
    #[arg(long = "cluster.heartbeat-interval", default_value = "2s")]
    pub heartbeat_interval: String,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

#[derive(Args, Debug, Clone)]
pub struct ScraperArgs {
    /// The Prometheus configuration file: its scrape jobs and discovery.
    #[arg(long = "config.file", visible_alias = "config", default_value = "prometheus.yml")]
    pub config_file: PathBuf,

    /// Address of the HTTP endpoints: targets, /metrics, health, cluster status.
    #[arg(long = "web.listen-address", visible_alias = "listen", default_value = "0.0.0.0:9091")]
    pub listen_address: String,

    /// The meta nodes' gRPC addresses, comma-separated.
    #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
    pub meta_addresses: Vec<String>,

    /// Send scraped and received samples to this remote write endpoint
    /// instead of the storage nodes (e.g. a `sonde all` at
    /// http://host:9090/api/v1/write).
    #[arg(long = "remote-write.url")]
    pub remote_write_url: Option<String>,

    /// Storage replicas of every series; a write needs a majority of them.
    #[arg(long = "distributor.replication-factor", default_value = "3")]
    pub replication_factor: usize,

    /// Largest remote-write body accepted after decompression.
    #[arg(long = "web.remote-write.max-decoded-bytes", default_value = "64MiB")]
    pub max_write_bytes: String,

    #[command(flatten)]
    pub member: MemberArgs,

    /// How often discovered target changes are applied to scraping, at most.
    #[arg(long = "scrape.discovery-reload-interval", default_value = "5s")]
    pub discovery_reload_interval: String,

    /// Enable /-/reload and /-/quit.
    #[arg(long = "web.enable-lifecycle")]
    pub enable_lifecycle: bool,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

#[derive(Subcommand, Debug)]
pub enum ClusterCommand {
    /// Members, roles, states, the meta leader, term and commit index, and
    /// each scraper's target count.
    Status {
        /// The meta nodes' gRPC addresses, comma-separated.
        #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
        meta_addresses: Vec<String>,
        /// `text` (tables) or `json` (as /api/v1/status/cluster).
        #[arg(long, short = 'o', default_value = "text")]
        output: String,
    },
    /// Add a meta node to the Raft group (as a voter unless --learner).
    AddMeta {
        #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
        meta_addresses: Vec<String>,
        /// The new node's Raft id.
        #[arg(long = "id")]
        id: u64,
        /// The new node's gRPC address.
        #[arg(long = "address")]
        address: String,
        /// Add it as a learner that does not vote.
        #[arg(long)]
        learner: bool,
    },
    /// Remove a meta node from the Raft group.
    RemoveMeta {
        #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
        meta_addresses: Vec<String>,
        #[arg(long = "id")]
        id: u64,
    },
}

/// The TSDB's flags, under Prometheus' names (`sonde all`, `sonde storage`).
#[derive(Args, Debug, Clone)]
pub struct TsdbArgs {
    /// Where the TSDB keeps its data.
    #[arg(long = "storage.tsdb.path", visible_alias = "data-dir", default_value = "data/")]
    pub data_dir: PathBuf,

    /// How long to keep data (Prometheus duration, e.g. 15d; 0 keeps it forever
    /// unless a size limit is set).
    #[arg(long = "storage.tsdb.retention.time", visible_alias = "retention", default_value = "15d")]
    pub retention_time: String,

    /// Largest size of the data on disk (e.g. 512MB, 10GB; 0 means no limit).
    #[arg(long = "storage.tsdb.retention.size", default_value = "0")]
    pub retention_size: String,

    /// Length of the blocks the head is cut into (Prometheus' hidden flag; tests use seconds).
    #[arg(long = "storage.tsdb.min-block-duration", default_value = "2h")]
    pub min_block_duration: String,

    /// Longest block compaction builds (default: 10% of the retention time, at most 31d).
    #[arg(long = "storage.tsdb.max-block-duration")]
    pub max_block_duration: Option<String>,

    /// fsync the WAL on every write, so acknowledged data also survives a power loss.
    #[arg(long = "storage.tsdb.wal-fsync")]
    pub wal_fsync: bool,

    /// How often to check for head cuts, compactions and retention.
    #[arg(long = "storage.tsdb.maintenance-interval", default_value = "1m")]
    pub maintenance_interval: String,
}

#[derive(Args, Debug, Clone)]
pub struct StorageArgs {
    #[command(flatten)]
    pub tsdb: TsdbArgs,

    /// Address the storage gRPC service listens on.
    #[arg(long = "grpc.listen-address", default_value = "0.0.0.0:9097")]
    pub grpc_listen_address: String,

    /// Address of the HTTP endpoints: /metrics, health, cluster status.
    #[arg(long = "web.listen-address", default_value = "0.0.0.0:9098")]
    pub listen_address: String,

    /// The meta nodes' gRPC addresses, comma-separated.
    #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
    pub meta_addresses: Vec<String>,

    /// Accepted samples this far behind a series' newest one (Prometheus'
    /// out_of_order_time_window); 0 refuses out-of-order samples.
    #[arg(long = "storage.tsdb.out-of-order-time-window", default_value = "0s")]
    pub out_of_order_window: String,

    #[command(flatten)]
    pub member: MemberArgs,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}

#[derive(Args, Debug, Clone)]
pub struct QueryArgs {
    /// Address of the Prometheus HTTP API.
    #[arg(long = "web.listen-address", visible_alias = "listen", default_value = "0.0.0.0:9090")]
    pub listen_address: String,

    /// The meta nodes' gRPC addresses, comma-separated.
    #[arg(long = "meta.addresses", value_delimiter = ',', required = true)]
    pub meta_addresses: Vec<String>,

    /// The replication factor the distributors write with.
    #[arg(long = "distributor.replication-factor", default_value = "3")]
    pub replication_factor: usize,

    /// How long a query may run.
    #[arg(long = "query.timeout", default_value = "2m")]
    pub query_timeout: String,

    /// Ask storage nodes for gzip-compressed answers (for links between
    /// zones; it costs CPU and latency on a local network).
    #[arg(long = "storage.grpc-compression")]
    pub grpc_compression: bool,

    #[command(flatten)]
    pub member: MemberArgs,

    /// Log level: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub log_level: String,
}
