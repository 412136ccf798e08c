//! Sonde's own metrics (`/metrics`) and logging set-up. Components keep their
//! metrics as statics in their `metrics.rs` and register them here, named
//! `sonde_<component>_…`; gauges that are read from state are refreshed by
//! hooks just before each exposition.

mod process;
pub mod trace;

use std::sync::LazyLock;

use parking_lot::Mutex;
use prometheus_client::encoding::text::encode;
use prometheus_client::registry::Registry;

type Hook = Box<dyn Fn() + Send + Sync>;

struct Telemetry {
    registry: Registry,
    hooks: Vec<Hook>,
}

static TELEMETRY: LazyLock<Mutex<Telemetry>> = LazyLock::new(|| {
    let mut registry = Registry::default();
    process::register(&mut registry);
    Mutex::new(Telemetry { registry, hooks: Vec::new() })
});

/// Lets a component add its metrics to the exposition.
pub fn register(f: impl FnOnce(&mut Registry)) {
    f(&mut TELEMETRY.lock().registry);
}

/// Runs `hook` before every exposition, to refresh gauges read from state.
pub fn on_scrape(hook: impl Fn() + Send + Sync + 'static) {
    TELEMETRY.lock().hooks.push(Box::new(hook));
}

/// The metrics in the Prometheus text format.
pub fn render() -> String {
    let telemetry = TELEMETRY.lock();
    for hook in &telemetry.hooks {
        hook();
    }
    process::refresh();
    let mut out = String::new();
    if let Err(e) = encode(&mut out, &telemetry.registry) {
        tracing::error!(error = %e, "cannot encode metrics");
    }
    out
}

/// Logs to stderr; `RUST_LOG` (or `level` when unset) sets the filter.
/// With an OTLP endpoint in the environment, spans are also exported as
/// `service` (see [`trace`]).
pub fn init_logging(level: &str, service: &str) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Colours only on a terminal: `docker logs` and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi).with_filter(filter);
    let spans = trace::configured().then(|| trace::tracer(service)).and_then(|tracer| match tracer {
        Ok(tracer) => Some(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO),
        ),
        Err(e) => {
            eprintln!("sonde: tracing is off: {e}");
            None
        }
    });
    let _ = tracing_subscriber::registry().with(logs).with(spans).try_init();
}
