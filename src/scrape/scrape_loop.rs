//! The loop that scrapes one target: at a fixed offset within each interval,
//! fetch, parse, append through the `Appender` seam with staleness markers
//! for vanished series, and report. When the target goes away it writes
//! staleness markers for everything once the target has not come back after
//! two intervals, as Prometheus does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::httpclient::HttpClient;
use crate::series::{AppendBatch, Appender, Sample, stale_nan};

use super::append::{Appended, append_exposition};
use super::cache::ScrapeCache;
use super::error::ScrapeError;
use super::fetch::{self, Fetched};
use super::metrics::SCRAPE_METRICS;
use super::report::{Report, ReportSeries};
use super::series_labels::LabelRules;
use super::status::{ActiveTarget, Health, ScrapeStatus, ScrapedMetadata};

/// How a pool tells its loops to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    /// The target is gone: write staleness markers after two intervals.
    Vanished,
    /// The job's config changed: hand the cache to a new loop, no staleness.
    Reload,
    /// The process is stopping: no staleness markers, it may come back.
    Shutdown,
    /// This scraper leaves the cluster and another takes the target over:
    /// staleness markers now, before the new owner's first scrape.
    GiveUp,
}

/// Settings shared by the loops of one scrape pool.
pub struct LoopSettings {
    pub client: HttpClient,
    pub accept: String,
    pub compression: bool,
    pub body_size_limit: u64,
    pub fallback: Option<crate::config::ScrapeProtocol>,
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    pub sample_limit: u64,
    pub extra_metrics: bool,
    pub rules: LabelRules,
    pub tenant: String,
}

pub struct ScrapeLoop {
    pub target: Arc<ActiveTarget>,
    pub settings: Arc<LoopSettings>,
    pub appender: Arc<dyn Appender>,
    pub cache: ScrapeCache,
    /// An error every scrape reports instead of scraping (`target_limit`).
    pub forced_error: watch::Receiver<Option<ScrapeError>>,
    pub offset: Duration,
}

impl ScrapeLoop {
    /// Runs until told to stop; returns the cache for a successor loop.
    pub fn spawn(self, control: watch::Receiver<Control>) -> JoinHandle<ScrapeCache> {
        tokio::spawn(self.run(control))
    }

    async fn run(mut self, mut control: watch::Receiver<Control>) -> ScrapeCache {
        let interval = self.target.target.interval.to_std();
        let target_labels: Vec<(String, String)> =
            self.target.target.labels().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let report_series = ReportSeries::new(state_labels(&self.target), self.settings.extra_metrics);
        let mut state = LoopState {
            target_labels,
            report_series,
            pending: Vec::new(),
            last_scrape_ms: None,
            last_series: 0,
            last_labels: 0,
            last_body_bytes: 0,
            last_metadata: 0,
        };
        let start = tokio::time::Instant::now() + self.offset;
        let mut ticker = tokio::time::interval_at(start, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let stop = loop {
            tokio::select! {
                _ = ticker.tick() => {}
                stop = wait_for_stop(&mut control) => break stop,
            }
            self.scrape_once(&mut state).await;
            let stop = *control.borrow();
            if stop != Control::Run {
                break stop;
            }
        };
        match stop {
            Control::Vanished => self.end_of_run_staleness(&mut state, &mut ticker, &mut control, interval).await,
            Control::GiveUp if state.last_scrape_ms.is_some() => self.write_staleness(&mut state, now_ms()).await,
            _ => {}
        }
        self.cache
    }

    async fn scrape_once(&mut self, state: &mut LoopState) {
        let scrape_ms = now_ms();
        let started = Instant::now();
        let settings = self.settings.clone();
        let target = &self.target.target;
        let mut report = Report {
            timeout_seconds: target.timeout.to_std().as_secs_f64(),
            sample_limit: settings.sample_limit,
            ..Report::default()
        };
        let forced = self.forced_error.borrow().clone();
        let fetched = match forced {
            Some(error) => Err(error),
            None => {
                let request = fetch::Request {
                    url: &target.url,
                    accept: &settings.accept,
                    timeout: target.timeout.to_std(),
                    body_size_limit: settings.body_size_limit,
                    compression: settings.compression,
                    fallback: settings.fallback,
                    size_hint: state.last_body_bytes,
                };
                fetch::fetch(&settings.client, &request).await
            }
        };
        let body = fetched.map(|Fetched { body, format }| {
            report.body_size_bytes = body.len() as u64;
            state.last_body_bytes = body.len();
            (body, format)
        });
        let mut metadata = ScrapedMetadata::with_capacity(state.last_metadata);
        let appended = body.as_ref().map_err(Clone::clone).and_then(|(body, format)| {
            append_exposition(
                body,
                *format,
                scrape_ms,
                &settings,
                &state.target_labels,
                &mut self.cache,
                &mut state.pending,
                &mut metadata,
            )
        });
        let scrape_error = match appended {
            Ok(Appended { scraped, post_relabeling, added }) => {
                state.last_metadata = metadata.len();
                report.samples_scraped = scraped;
                report.samples_post_relabeling = post_relabeling;
                report.series_added = added;
                report.up = true;
                self.target.update_metadata(&metadata);
                None
            }
            Err(error) => {
                // Nothing of a failed scrape is stored: every series of the
                // previous scrape goes stale.
                self.cache.begin();
                state.pending.clear();
                Some(error)
            }
        };
        report.duration_seconds = started.elapsed().as_secs_f64();
        let store_error = self.store(state, scrape_ms, &report).await.err();
        self.cache.finish();
        state.last_scrape_ms = Some(scrape_ms);
        let error = scrape_error.or(store_error);
        SCRAPE_METRICS.record(&self.target.pool, report.duration_seconds, error.as_ref());
        self.target.set_status(ScrapeStatus {
            health: if error.is_none() { Health::Up } else { Health::Down },
            last_error: error.map(|e| e.to_string()).unwrap_or_default(),
            last_scrape_ms: scrape_ms,
            last_duration_seconds: report.duration_seconds,
            last_samples: report.samples_post_relabeling,
        });
    }

    /// Appends the pending samples, staleness markers for vanished series and
    /// the report, in one batch; remembers the storage references the
    /// appender returns so the next scrape skips the label lookups.
    async fn store(&mut self, state: &mut LoopState, t: i64, report: &Report) -> Result<(), ScrapeError> {
        let outcome = {
            // Sized like the last batch: growing a batch of thousands of
            // labels by doubling costs copies and page faults every scrape.
            let series = state.pending.len() + state.report_series.len() + 16;
            let mut batch = AppendBatch::with_capacity(series.max(state.last_series), state.last_labels + 64);
            batch.request_refs();
            for &(index, sample) in &state.pending {
                push_cached(&mut batch, &self.cache, index, sample);
            }
            for index in self.cache.vanished() {
                push_cached(&mut batch, &self.cache, index, Sample::new(t, stale_nan()));
            }
            state.report_series.append(&mut batch, t, report);
            state.last_series = batch.series_count();
            state.last_labels = batch.label_count();
            self.appender
                .append(&self.settings.tenant, &batch)
                .await
                .map_err(|error| ScrapeError::Append(error.to_string()))?
        };
        for (&(index, _), &storage_ref) in state.pending.iter().zip(&outcome.series_refs) {
            self.cache.set_storage_ref(index, storage_ref);
        }
        let report_refs = outcome.series_refs.len().checked_sub(state.report_series.len());
        if let Some(start) = report_refs {
            state.report_series.set_refs(&outcome.series_refs[start..]);
        }
        if outcome.samples_rejected > 0 {
            SCRAPE_METRICS.rejected(&self.target.pool, outcome.samples_rejected);
        }
        Ok(())
    }

    /// The target is gone. Wait until the next scrape would have happened,
    /// then one more interval and a tenth, so that a target that only moved
    /// (a relabel change, a rescheduled pod) is scraped again first; then
    /// mark every series stale at the time of the first missed scrape.
    async fn end_of_run_staleness(
        &mut self,
        state: &mut LoopState,
        ticker: &mut tokio::time::Interval,
        control: &mut watch::Receiver<Control>,
        interval: Duration,
    ) {
        if state.last_scrape_ms.is_none() {
            return;
        }
        let mut stale_ms = 0;
        for step in 0..3 {
            let wait = async {
                match step {
                    0 | 1 => {
                        ticker.tick().await;
                    }
                    _ => tokio::time::sleep(interval / 10).await,
                }
            };
            tokio::select! {
                _ = wait => {}
                stop = wait_for_shutdown(control) => if stop { return },
            }
            if step == 0 {
                stale_ms = now_ms();
            }
        }
        self.write_staleness(state, stale_ms).await;
    }

    /// Marks every series of the target stale at `stale_ms`.
    async fn write_staleness(&mut self, state: &mut LoopState, stale_ms: i64) {
        self.cache.begin();
        let mut batch = AppendBatch::new();
        for index in self.cache.vanished() {
            push_cached(&mut batch, &self.cache, index, Sample::new(stale_ms, stale_nan()));
        }
        state.report_series.append_stale(&mut batch, stale_ms);
        if let Err(error) = self.appender.append(&self.settings.tenant, &batch).await {
            tracing::warn!(target = %self.target.target.url, %error, "cannot write staleness markers");
        }
        self.cache.finish();
    }
}

fn state_labels(target: &ActiveTarget) -> impl Iterator<Item = (&str, &str)> + Clone {
    target.target.all_labels.iter().filter(|(name, _)| !name.starts_with("__")).map(|(n, v)| (n.as_str(), v.as_str()))
}

struct LoopState {
    target_labels: Vec<(String, String)>,
    report_series: ReportSeries,
    /// Samples of the current scrape: cache index and sample.
    pending: Vec<(u32, Sample)>,
    last_scrape_ms: Option<i64>,
    /// Size of the last batch, to size the next.
    last_series: usize,
    last_labels: usize,
    last_body_bytes: usize,
    last_metadata: usize,
}

fn push_cached<'a>(batch: &mut AppendBatch<'a>, cache: &'a ScrapeCache, index: u32, sample: Sample) {
    for (name, value) in cache.labels(index) {
        batch.push_label(name, value);
    }
    batch.push_sample(sample);
    batch.finish_series_with_hint(cache.storage_ref(index));
}

async fn wait_for_stop(control: &mut watch::Receiver<Control>) -> Control {
    loop {
        let current = *control.borrow_and_update();
        if current != Control::Run {
            return current;
        }
        if control.changed().await.is_err() {
            return Control::Shutdown;
        }
    }
}

/// Resolves when the process shuts down (true); never otherwise.
async fn wait_for_shutdown(control: &mut watch::Receiver<Control>) -> bool {
    loop {
        if *control.borrow_and_update() == Control::Shutdown {
            return true;
        }
        if control.changed().await.is_err() {
            // The pool let go of a vanished target's loop: nothing will stop
            // it now, so it finishes its end-of-run staleness.
            std::future::pending::<()>().await;
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}
