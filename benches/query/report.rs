//! The query benchmark's report: a Markdown table of each query's median
//! time on each system, Prometheus' time over Sonde's against the issue's
//! target, whether the answers agree, each system's load and peak memory
//! while it answered, how the run was set up, and what makes it invalid.

use std::time::Duration;

use super::answer::{Answer, Difference};
use super::dataset::LEAD_MINUTES;
use super::measure::Machine;
use super::queries::{Query, Timed};
use super::system::SystemKind;

/// Sonde must answer a query in at most Prometheus' time...
const TARGET_EVERY_QUERY: f64 = 1.0;
/// ...and a heavy one in at most half of it.
const TARGET_HEAVY_QUERY: f64 = 2.0;

/// What one system's run came to.
pub enum Outcome {
    Measured(Box<Measured>),
    Skipped(String),
    Failed(String),
}

pub struct Measured {
    /// The whole remote-write push.
    pub load: Duration,
    /// From the end of the push until the process' CPU went quiet.
    pub settle: Duration,
    /// VmHWM over the query phase (reset before it), or since the start
    /// when the kernel would not reset it.
    pub peak_resident_bytes: u64,
    pub peak_since_start: bool,
    /// One per dashboard query, in order.
    pub queries: Vec<Result<Timed, String>>,
}

pub struct Run {
    pub kind: SystemKind,
    pub outcome: Outcome,
}

/// How the run was set up, for the footer.
pub struct Setup {
    pub command_line: String,
    pub machine: Machine,
    pub series: usize,
    pub instances: usize,
    pub samples: u64,
    /// The span queries look at.
    pub minutes: u64,
    pub runs: usize,
}

/// Everything measured, with the queries it was measured on.
pub struct Report<'a> {
    pub queries: &'a [Query],
    pub runs: &'a [Run],
    pub setup: Setup,
}

impl Report<'_> {
    fn measured(&self, kind: SystemKind) -> Option<&Measured> {
        self.runs.iter().find(|run| run.kind == kind).and_then(|run| match &run.outcome {
            Outcome::Measured(measured) => Some(measured.as_ref()),
            _ => None,
        })
    }

    fn timed(&self, kind: SystemKind, query: usize) -> Option<&Timed> {
        self.measured(kind).and_then(|measured| measured.queries[query].as_ref().ok())
    }

    /// The answer the others are held to: Prometheus', else Sonde's.
    fn reference(&self, query: usize) -> Option<(SystemKind, &Answer)> {
        [SystemKind::Prometheus, SystemKind::Sonde]
            .into_iter()
            .find_map(|kind| self.timed(kind, query).map(|timed| (kind, &timed.answer)))
    }

    fn difference(&self, kind: SystemKind, query: usize) -> Option<Difference> {
        let (reference_kind, reference) = self.reference(query)?;
        let timed = self.timed(kind, query).filter(|_| kind != reference_kind)?;
        reference.difference(&timed.answer)
    }

    /// Prometheus' median over Sonde's: above 1, Sonde is faster.
    fn speedup(&self, query: usize) -> Option<f64> {
        let ms = |kind| self.timed(kind, query).map(|timed| timed.median.as_secs_f64());
        Some(ms(SystemKind::Prometheus)? / ms(SystemKind::Sonde)?)
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "\n| query | Sonde ms | Prometheus ms | VictoriaMetrics ms | Prometheus/Sonde | target | answers |\n\
             |---|--:|--:|--:|--:|---|---|\n",
        );
        for (index, query) in self.queries.iter().enumerate() {
            out.push_str(&self.query_row(index, query));
        }
        out.push_str(&self.target_summary());
        out.push_str(&self.differences());
        out.push_str(&self.systems_table());
        out.push_str(&self.footer());
        out
    }

    fn query_row(&self, index: usize, query: &Query) -> String {
        let cell = |kind: SystemKind| match self.runs.iter().find(|run| run.kind == kind).map(|run| &run.outcome) {
            Some(Outcome::Measured(measured)) => match &measured.queries[index] {
                Ok(timed) => format!("{:.1}", timed.median.as_secs_f64() * 1e3),
                Err(_) => "error".to_string(),
            },
            Some(Outcome::Skipped(_)) => "skipped".to_string(),
            Some(Outcome::Failed(_)) => "failed".to_string(),
            None => "–".to_string(),
        };
        let speedup = self.speedup(index).map_or("–".to_string(), |ratio| format!("{ratio:.2}x"));
        format!(
            "| {} | {} | {} | {} | {speedup} | {} | {} |\n",
            query.title(),
            cell(SystemKind::Sonde),
            cell(SystemKind::Prometheus),
            cell(SystemKind::VictoriaMetrics),
            self.target_cell(index, query),
            self.answers_cell(index),
        )
    }

    fn target_cell(&self, index: usize, query: &Query) -> String {
        let goal = if query.is_heavy() { TARGET_HEAVY_QUERY } else { TARGET_EVERY_QUERY };
        match self.speedup(index) {
            Some(ratio) if ratio >= goal => format!("≥ {goal:.0}x: met"),
            Some(_) => format!("≥ {goal:.0}x: **not met**"),
            None => format!("≥ {goal:.0}x: –"),
        }
    }

    fn answers_cell(&self, index: usize) -> String {
        let Some((reference_kind, reference)) = self.reference(index) else {
            return "not compared".to_string();
        };
        let mut parts = vec![format!("{} series, {} points", reference.series.len(), reference.points())];
        if reference_kind == SystemKind::Prometheus && self.timed(SystemKind::Sonde, index).is_some() {
            let same = self.difference(SystemKind::Sonde, index).is_none();
            parts.push(if same { "Sonde = Prometheus" } else { "**Sonde ≠ Prometheus**" }.to_string());
        }
        if self.timed(SystemKind::VictoriaMetrics, index).is_some() {
            let verb = if self.difference(SystemKind::VictoriaMetrics, index).is_none() { "same" } else { "differs" };
            parts.push(format!("VM {verb}"));
        }
        parts.join("; ")
    }

    fn target_summary(&self) -> String {
        let rows = (0..self.queries.len()).filter_map(|index| Some((index, self.speedup(index)?)));
        let (mut met, mut compared) = (0, 0);
        for (index, ratio) in rows {
            let goal = if self.queries[index].is_heavy() { TARGET_HEAVY_QUERY } else { TARGET_EVERY_QUERY };
            compared += 1;
            met += usize::from(ratio >= goal);
        }
        if compared == 0 {
            return "\nTarget not checked: Sonde and Prometheus were not both measured.\n".to_string();
        }
        format!(
            "\nTarget (every query at most Prometheus' time, range queries at most half of it): \
             met on {met} of {compared} queries.\n"
        )
    }

    /// The first difference of each answer that departs from the reference.
    fn differences(&self) -> String {
        let mut out = String::new();
        for (index, query) in self.queries.iter().enumerate() {
            for kind in [SystemKind::Sonde, SystemKind::VictoriaMetrics] {
                if let Some(difference) = self.difference(kind, index) {
                    let reference = self.reference(index).map_or("", |(kind, _)| kind.display_name());
                    let why = if kind == SystemKind::VictoriaMetrics {
                        " (expected: VictoriaMetrics' rate starts from the sample before the window and does not \
                         extrapolate)"
                    } else {
                        ""
                    };
                    let name = kind.display_name();
                    out.push_str(&format!("- {name} vs {reference} on {}{why}: {difference}\n", query.title()));
                }
            }
        }
        if out.is_empty() { out } else { format!("\nAnswers that differ:\n\n{out}") }
    }

    fn systems_table(&self) -> String {
        let mut out = String::from(
            "\n| system | load s | samples/s | quiet after s | peak RSS during queries MiB |\n|---|--:|--:|--:|--:|\n",
        );
        let mut notes = Vec::new();
        for run in self.runs {
            let name = run.kind.display_name();
            match &run.outcome {
                Outcome::Measured(measured) => {
                    let load = measured.load.as_secs_f64();
                    let peak = measured.peak_resident_bytes as f64 / (1u64 << 20) as f64;
                    let since = if measured.peak_since_start { " (since start)" } else { "" };
                    out.push_str(&format!(
                        "| {name} | {load:.1} | {:.0} | {:.1} | {peak:.0}{since} |\n",
                        self.setup.samples as f64 / load,
                        measured.settle.as_secs_f64()
                    ));
                    for (query, result) in self.queries.iter().zip(&measured.queries) {
                        if let Err(error) = result {
                            notes.push(format!("{name} failed {}: {error}", query.title()));
                        }
                    }
                }
                Outcome::Skipped(reason) | Outcome::Failed(reason) => {
                    let word = if matches!(run.outcome, Outcome::Skipped(_)) { "skipped" } else { "failed" };
                    out.push_str(&format!("| {name} | {word} | – | – | – |\n"));
                    notes.push(format!("{name} {word}: {}", reason.replace('\n', "\n  ")));
                }
            }
        }
        let notes: String = notes.iter().map(|note| format!("- {note}\n")).collect();
        if notes.is_empty() { out } else { format!("{out}\n{notes}") }
    }

    fn footer(&self) -> String {
        let setup = &self.setup;
        format!(
            "\nMachine: {} CPUs (nproc), {}.\n\
             Command: cargo bench --bench query -- {}\n\
             Data: {} series on {} instances, {} min at 15 s ({} samples; the first {LEAD_MINUTES} min only \
             fill the windows of the first steps) pushed by remote write into each system in turn, alone on \
             the machine; queries at the end of the data once for the answer, then {} timed runs each (median, \
             client-side, body read to the end).\n",
            setup.machine.cpus,
            setup.machine.model,
            setup.command_line,
            setup.series,
            setup.instances,
            setup.minutes + LEAD_MINUTES,
            setup.samples,
            setup.runs,
        )
    }

    /// Why the run does not count: a system failed or is missing (a
    /// reference system only in CI), a query failed or answered nothing, or
    /// Sonde's answer is not Prometheus'.
    pub fn problems(&self, ci: bool) -> Vec<String> {
        let mut problems = Vec::new();
        for run in self.runs {
            let name = run.kind.display_name();
            match &run.outcome {
                Outcome::Failed(_) => problems.push(format!("{name} failed")),
                Outcome::Skipped(_) if ci || run.kind == SystemKind::Sonde => {
                    problems.push(format!("{name} is missing"))
                }
                Outcome::Measured(measured) => {
                    let failed = measured.queries.iter().filter(|result| result.is_err()).count();
                    if failed > 0 {
                        problems.push(format!("{name} failed {failed} queries"));
                    }
                }
                Outcome::Skipped(_) => {}
            }
        }
        for (index, query) in self.queries.iter().enumerate() {
            if self.reference(index).is_some_and(|(_, answer)| answer.series.is_empty()) {
                problems.push(format!("{} answered no series", query.title()));
            }
            if self.reference(index).is_some_and(|(kind, _)| kind == SystemKind::Prometheus)
                && let Some(difference) = self.difference(SystemKind::Sonde, index)
            {
                problems.push(format!("SONDE AND PROMETHEUS DISAGREE on {}: {difference}", query.title()));
            }
        }
        problems
    }
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::super::answer::Series;
    use super::super::queries::Evaluation;
    use super::*;

    fn queries() -> Vec<Query> {
        vec![
            Query { expression: "a", evaluation: Evaluation::Instant { time_ms: 60_000 } },
            Query {
                expression: "b",
                evaluation: Evaluation::Range { start_ms: 0, end_ms: 3_600_000, step_seconds: 15 },
            },
        ]
    }

    fn timed(ms: u64, value: f64) -> Result<Timed, String> {
        let series = Series { labels: vec![("job".into(), "a".into())], points: vec![(60_000, value)] };
        Ok(Timed { median: Duration::from_millis(ms), answer: Answer { series: vec![series] } })
    }

    fn measured(queries: Vec<Result<Timed, String>>) -> Outcome {
        Outcome::Measured(Box::new(Measured {
            load: Duration::from_secs(2),
            settle: Duration::from_secs(1),
            peak_resident_bytes: 100 << 20,
            peak_since_start: false,
            queries,
        }))
    }

    fn setup() -> Setup {
        let machine = Machine { cpus: 2, model: "Test CPU".into() };
        Setup {
            command_line: "--series 40".into(),
            machine,
            series: 40,
            instances: 1,
            samples: 1_000,
            minutes: 10,
            runs: 3,
        }
    }

    #[test]
    fn rows_show_medians_ratios_targets_and_agreement() {
        let queries = queries();
        let runs = [
            Run { kind: SystemKind::Sonde, outcome: measured(vec![timed(10, 1.0), timed(40, 2.0)]) },
            Run { kind: SystemKind::Prometheus, outcome: measured(vec![timed(20, 1.0), timed(60, 2.0)]) },
            Run { kind: SystemKind::VictoriaMetrics, outcome: measured(vec![timed(5, 1.5), timed(5, 2.0)]) },
        ];
        let report = Report { queries: &queries, runs: &runs, setup: setup() };
        let table = report.render();
        assert!(
            table.contains(
                "| `a` | 10.0 | 20.0 | 5.0 | 2.00x | ≥ 1x: met | 1 series, 1 points; Sonde = Prometheus; VM differs |"
            ),
            "{table}"
        );
        assert!(table.contains("| 40.0 | 60.0 | 5.0 | 1.50x | ≥ 2x: **not met** |"), "{table}");
        assert!(table.contains("met on 1 of 2 queries"), "{table}");
        assert!(table.contains("- VictoriaMetrics vs Prometheus on `a` (expected"), "{table}");
        assert!(table.contains("| Sonde | 2.0 | 500 | 1.0 | 100 |"), "{table}");
        assert!(table.contains("Command: cargo bench --bench query -- --series 40"), "{table}");
        assert!(report.problems(true).is_empty(), "{:?}", report.problems(true));
    }

    #[test]
    fn disagreement_failures_and_missing_systems_are_problems() {
        let queries = queries();
        let runs = [
            Run { kind: SystemKind::Sonde, outcome: measured(vec![timed(10, 1.1), Err("500".into())]) },
            Run { kind: SystemKind::Prometheus, outcome: measured(vec![timed(20, 1.0), timed(60, 2.0)]) },
            Run {
                kind: SystemKind::VictoriaMetrics,
                outcome: Outcome::Skipped("no `victoria-metrics` on PATH".into()),
            },
        ];
        let report = Report { queries: &queries, runs: &runs, setup: setup() };
        assert!(report.render().contains("**Sonde ≠ Prometheus**"));
        let problems = report.problems(false).join("; ");
        assert!(problems.contains("SONDE AND PROMETHEUS DISAGREE on `a`"), "{problems}");
        assert!(problems.contains("Sonde failed 1 queries") && !problems.contains("VictoriaMetrics"), "{problems}");
        assert!(report.problems(true).join("; ").contains("VictoriaMetrics is missing"));
    }
}
