//! What decoding a request produced besides the batch: counts for the
//! `X-Prometheus-Remote-Write-*-Written` headers and self-metrics, and the
//! series refused with why. Follows the partial-write rule of remote write
//! 2.0: refused series do not stop the others from being written, and the
//! request is then answered 400 naming them.

use super::Error;

/// How many refusal messages a report keeps; the rest are only counted, so
/// that a hostile request cannot make the answer (or memory) grow without
/// bound.
pub const MAX_PROBLEMS: usize = 10;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeReport {
    /// Series put into the batch: valid labels and at least one float sample.
    pub series_accepted: u64,
    /// Float samples put into the batch.
    pub samples_accepted: u64,
    /// Series refused for their labels (Prometheus counts their samples in
    /// `prometheus_api_remote_write_invalid_labels_samples_total`).
    pub series_refused: u64,
    /// Float samples of the refused series.
    pub samples_refused: u64,
    /// Native histogram samples, all refused until Sonde stores them.
    pub histograms_refused: u64,
    /// Exemplars, all ignored: Sonde stores none, so the
    /// Exemplars-Written header is 0.
    pub exemplars_ignored: u64,
    problems: Vec<String>,
    problem_count: u64,
}

impl DecodeReport {
    /// Records a series refused for its labels, with its samples.
    pub(super) fn refuse_series(&mut self, samples: u64, histograms: u64, problem: impl FnOnce() -> String) {
        self.series_refused += 1;
        self.samples_refused += samples;
        self.histograms_refused += histograms;
        self.add_problem(problem);
    }

    /// Records the histogram samples of a series whose float samples were
    /// accepted.
    pub(super) fn refuse_histograms(&mut self, histograms: u64, problem: impl FnOnce() -> String) {
        self.histograms_refused += histograms;
        self.add_problem(problem);
    }

    fn add_problem(&mut self, problem: impl FnOnce() -> String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem());
        }
    }

    /// The first [`MAX_PROBLEMS`] refusals, each naming its series.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// How many series had something refused, including those past
    /// [`MAX_PROBLEMS`].
    pub fn problem_count(&self) -> u64 {
        self.problem_count
    }

    /// The refusals as one 400 error for the sender, if there were any.
    pub fn refusal(&self) -> Option<Error> {
        if self.problem_count == 0 {
            return None;
        }
        let mut details = self.problems.join("; ");
        let omitted = self.problem_count - self.problems.len() as u64;
        if omitted > 0 {
            details.push_str(&format!("; and {omitted} more"));
        }
        Some(Error::RefusedSeries { count: self.problem_count, details })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_problems_and_counts_the_rest() {
        let mut report = DecodeReport::default();
        for index in 0..MAX_PROBLEMS + 3 {
            report.refuse_series(2, 0, || format!("series {index}"));
        }
        report.refuse_histograms(4, || "histograms".into());
        assert_eq!((report.series_refused, report.samples_refused, report.histograms_refused), (13, 26, 4));
        assert_eq!(report.problems().len(), MAX_PROBLEMS);
        assert_eq!(report.problem_count(), 14);
        let refusal = report.refusal().unwrap();
        assert_eq!(refusal.http_status(), 400);
        assert!(refusal.to_string().starts_with("refused 14 series: series 0; series 1;"));
        assert!(refusal.to_string().ends_with("series 9; and 4 more"));
    }

    #[test]
    fn a_clean_report_refuses_nothing() {
        assert!(DecodeReport::default().refusal().is_none());
    }
}
