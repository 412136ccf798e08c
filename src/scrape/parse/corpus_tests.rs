//! Real scrape bodies in `tests/exposition/` (node_exporter 1.5, Prometheus 2.42's
//! own metrics, Python prometheus_client 0.26 in both formats, Sonde's own
//! `/metrics` in OpenMetrics) parse
//! without error into the expected numbers of entries, and every label set
//! decodes.

use std::path::PathBuf;

use super::{Entry, Format, Parser};

/// Where the corpus lives, relative to the crate root.
const CORPUS_DIR: &str = "tests/exposition";

#[derive(Debug, Default, PartialEq)]
struct Counts {
    samples: usize,
    types: usize,
    helps: usize,
    units: usize,
    exemplars: usize,
    created: usize,
    labels: usize,
    eof: bool,
}

pub(super) fn read_corpus(file: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), CORPUS_DIR, file].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn count(body: &[u8], format: Format) -> Counts {
    let mut counts = Counts::default();
    let mut labels = Vec::new();
    for entry in Parser::new(body, format) {
        match entry.unwrap_or_else(|e| panic!("{e}")) {
            Entry::Sample(s) => {
                counts.samples += 1;
                counts.exemplars += usize::from(s.exemplar().is_some());
                counts.created += usize::from(s.is_created());
                labels.clear();
                s.labels_into(&mut labels);
                counts.labels += labels.len();
                assert!(!s.name().is_empty());
            }
            Entry::Type(..) => counts.types += 1,
            Entry::Help(..) => counts.helps += 1,
            Entry::Unit(..) => counts.units += 1,
            Entry::Comment(_) => {}
            Entry::Eof => counts.eof = true,
        }
    }
    counts
}

#[test]
fn corpus_parses_completely() {
    let cases = [
        ("node_exporter.prom", Format::Text, 550, 283, 0, 0, 0),
        ("prometheus.prom", Format::Text, 325, 162, 0, 0, 0),
        ("python_client.prom", Format::Text, 49, 12, 0, 0, 0),
        ("python_client.om", Format::OpenMetrics, 49, 7, 1, 2, 9),
        ("sonde.om", Format::OpenMetrics, 46, 30, 0, 0, 0),
    ];
    for (file, format, samples, families, units, exemplars, created) in cases {
        let got = count(&read_corpus(file), format);
        let want = (samples, families, families, units, exemplars, created, format == Format::OpenMetrics);
        let seen = (got.samples, got.types, got.helps, got.units, got.exemplars, got.created, got.eof);
        assert_eq!(seen, want, "{file}: {got:?}");
        assert!(got.labels > 0, "{file}");
    }
}

/// The Python client writes the same registry in both formats; both must
/// give the same label sets for the samples they share.
#[test]
fn python_formats_agree() {
    let series = |file: &str, format| {
        let body = read_corpus(file);
        let mut out = Vec::new();
        for entry in Parser::new(&body, format) {
            if let Ok(Entry::Sample(s)) = entry {
                let mut labels = Vec::new();
                s.labels_into(&mut labels);
                let labels: Vec<String> = labels.iter().map(|(n, v)| format!("{n}={v}")).collect();
                out.push(format!("{}{{{}}}", s.name(), labels.join(",")));
            }
        }
        out.sort();
        out
    };
    let text = series("python_client.prom", Format::Text);
    let openmetrics = series("python_client.om", Format::OpenMetrics);
    let shared: Vec<_> = text.iter().filter(|s| openmetrics.contains(s)).collect();
    // All but the info and stateset samples, whose names or types differ.
    assert!(shared.len() >= 40, "{shared:#?}");
    assert!(text.iter().any(|s| s.contains("path=C:\\temp\\file")));
    assert!(openmetrics.iter().any(|s| s.contains("path=multi\nline")));
}
