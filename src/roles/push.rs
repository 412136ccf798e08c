//! `sonde push metrics URL [FILE…]`: reads the Prometheus text format (a
//! file, or standard input) and sends it as one remote write request, like
//! `promtool push metrics`. Samples without a timestamp get the current time.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::ingest::remote_write::Protocol;
use crate::ingest::remote_write::encode::{SeriesData, encode_body};
use crate::scrape::parse::{Entry, Format, Parser};

pub fn metrics(url: &str, files: &[PathBuf], labels: &[String], timeout: &str) -> ExitCode {
    let extra = match parse_labels(labels) {
        Ok(extra) => extra,
        Err(message) => {
            eprintln!("  FAILED: {message}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = match crate::config::Duration::parse(timeout) {
        Ok(timeout) => timeout.to_std(),
        Err(e) => {
            eprintln!("  FAILED: invalid --timeout: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sources: Vec<Option<&PathBuf>> = if files.is_empty() { vec![None] } else { files.iter().map(Some).collect() };
    let mut failed = false;
    for source in sources {
        let name = source.map_or("(stdin)".to_string(), |path| path.display().to_string());
        println!("Parsing metrics file {name}");
        let outcome =
            read(source).and_then(|body| series(&body, &extra)).and_then(|series| push(url, &series, timeout));
        match outcome {
            Ok(()) => println!("  SUCCESS: metrics file {name} pushed to remote write."),
            Err(message) => {
                failed = true;
                eprintln!("  FAILED: {message}");
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

fn parse_labels(labels: &[String]) -> Result<Vec<(String, String)>, String> {
    labels
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
            _ => Err(format!("invalid --label {pair:?}: expected name=value")),
        })
        .collect()
}

fn read(source: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    match source {
        Some(path) => body = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => {
            std::io::stdin().read_to_end(&mut body).map_err(|e| format!("cannot read standard input: {e}"))?;
        }
    }
    Ok(body)
}

/// Every sample of a text-format body as a series; `extra` labels are added
/// (replacing ones of the same name).
fn series(body: &[u8], extra: &[(String, String)]) -> Result<Vec<SeriesData>, String> {
    let now = crate::api::time::now_millis();
    let mut out = Vec::new();
    let mut labels = Vec::new();
    for entry in Parser::new(body, Format::Text) {
        let Entry::Sample(sample) = entry.map_err(|e| format!("cannot parse the metrics: {e}"))? else { continue };
        labels.clear();
        sample.labels_into(&mut labels);
        let mut set: Vec<(String, String)> = vec![("__name__".to_string(), sample.name().into_owned())];
        set.extend(
            labels
                .iter()
                .filter(|(n, _)| !extra.iter().any(|(e, _)| e == n))
                .map(|(n, v)| (n.to_string(), v.to_string())),
        );
        set.extend(extra.iter().cloned());
        set.sort();
        out.push((set, vec![(sample.timestamp_ms().unwrap_or(now), sample.value())]));
    }
    if out.is_empty() {
        return Err("the metrics hold no sample".to_string());
    }
    Ok(out)
}

fn push(url: &str, series: &[SeriesData], timeout: Duration) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        let response = client
            .post(url)
            .header("Content-Type", Protocol::V1.content_type())
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", Protocol::V1.version())
            .body(encode_body(Protocol::V1, series))
            .send()
            .await
            .map_err(|e| format!("{:#}", anyhow::Error::from(e)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(format!("server returned HTTP status {status}: {}", text.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_become_series_with_extra_labels() {
        let body = b"# TYPE jobs_total counter\njobs_total{queue=\"a\",job=\"x\"} 3 1700000000000\ntemp 21.5\n";
        let extra = parse_labels(&["job=batch".to_string()]).unwrap();
        let series = series(body, &extra).unwrap();
        assert_eq!(series.len(), 2);
        let label = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(series[0].0, vec![label("__name__", "jobs_total"), label("job", "batch"), label("queue", "a")]);
        assert_eq!(series[0].1, vec![(1_700_000_000_000, 3.0)]);
        assert_eq!(series[1].0, vec![label("__name__", "temp"), label("job", "batch")]);
        assert_eq!(series[1].1[0].1, 21.5);
    }

    #[test]
    fn bad_input_is_named() {
        assert!(series(b"x{a=} 1\n", &[]).unwrap_err().starts_with("cannot parse the metrics"));
        assert_eq!(series(b"# nothing\n", &[]).unwrap_err(), "the metrics hold no sample");
        assert_eq!(
            parse_labels(&["novalue".to_string()]).unwrap_err(),
            "invalid --label \"novalue\": expected name=value"
        );
    }
}
