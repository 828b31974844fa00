//! Progress lines on stderr. The chaos sweep's: runs done of the total and
//! an ETA when the total is known (`--seeds`), elapsed time otherwise, then
//! the counts, all within 80 columns. One run's ([`SimulatedTime`]):
//! simulated time of the run's total, once a run has taken a few seconds.
//! Hidden when stderr is not a terminal, so logs and CI output stay plain,
//! unless asked for (`logjam run --progress`).
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// `total`: runs this invocation will do, when known; `budget`: `--duration`.
pub fn bar(total: Option<u64>, budget: Option<Duration>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    styled(total, budget, ProgressDrawTarget::stderr())
}

fn styled(total: Option<u64>, budget: Option<Duration>, target: ProgressDrawTarget) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, target);
    bar.set_style(
        ProgressStyle::with_template(&template(total.is_some(), budget)).expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The counts come right after the clock and the position, so an 80-column
/// terminal cuts only the rate at the end. A bounded sweep shows runs done
/// of the total and the ETA (its budget is on the line above it); an
/// unbounded one the elapsed time of its budget.
fn template(bounded: bool, budget: Option<Duration>) -> String {
    let count = match budget {
        _ if bounded => "{elapsed_precise} {pos}/{len} ETA {eta_precise}".to_string(),
        Some(d) => format!("{{elapsed_precise}}/{} {{pos}} runs", hms(d)),
        None => "{elapsed_precise} {pos} runs".to_string(),
    };
    format!("{{spinner}} {count} {{wide_msg}}")
}

/// The message after the position: counts first, the rate last.
pub fn counts(anomalous: u64, broken: u64, failed: u64, runs_per_sec: f64) -> String {
    let failed = if failed > 0 {
        format!(" {failed} FAILED,")
    } else {
        String::new()
    };
    format!("{anomalous} anomalous, {broken} BROKEN,{failed} {runs_per_sec:.1}/s")
}

/// 90 s as `00:01:30`, like indicatif's `elapsed_precise`.
fn hms(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// How long a run goes before a terminal shows its progress.
const SHOW_AFTER: Duration = Duration::from_secs(3);

/// One run's simulated time, on stderr: on a terminal once the run has
/// taken [`SHOW_AFTER`], from the start when asked (`forced`); when asked
/// and stderr is not a terminal, as plain lines at most once a second.
pub struct SimulatedTime {
    label: String,
    bar: Option<ProgressBar>,
    terminal: bool,
    forced: bool,
    started: Instant,
    last_line: Option<Instant>,
}

impl SimulatedTime {
    pub fn new(label: String, forced: bool) -> Self {
        Self {
            label,
            bar: None,
            terminal: std::io::stderr().is_terminal(),
            forced,
            started: Instant::now(),
            last_line: None,
        }
    }

    /// The run reached `simulated_ms` of `total_ms`.
    pub fn update(&mut self, simulated_ms: u64, total_ms: u64) {
        if self.terminal && (self.forced || self.started.elapsed() >= SHOW_AFTER) {
            let bar = self.bar.get_or_insert_with(|| {
                let bar = ProgressBar::new(total_ms);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg} {bar:20} simulated {pos}/{len} ms",
                    )
                    .expect("valid template"),
                );
                bar.set_message(self.label.clone());
                bar
            });
            bar.set_position(simulated_ms);
        } else if self.forced && !self.terminal {
            let due = self
                .last_line
                .is_none_or(|t| t.elapsed() >= Duration::from_secs(1));
            if due {
                self.last_line = Some(Instant::now());
                eprintln!(
                    "{}: simulated {:.1} s of {:.1} s",
                    self.label,
                    simulated_ms as f64 / 1e3,
                    total_ms as f64 / 1e3
                );
            }
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    #[test]
    fn templates_parse_and_show_what_is_known() {
        for bounded in [false, true] {
            for budget in [None, Some(Duration::from_secs(90))] {
                let t = template(bounded, budget);
                ProgressStyle::with_template(&t).expect(&t);
                assert_eq!(t.contains("{len}") && t.contains("{eta"), bounded, "{t}");
                assert_eq!(t.contains("/00:01:30"), budget.is_some() && !bounded, "{t}");
            }
        }
    }

    /// An 80-column terminal that keeps the last line drawn.
    #[derive(Debug, Default, Clone)]
    struct Narrow(Arc<Mutex<String>>);

    impl TermLike for Narrow {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            *self.0.lock().unwrap() = s.to_string();
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.trim().is_empty() {
                *self.0.lock().unwrap() = s.to_string();
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A big sweep's counts stay whole within 80 columns.
    #[test]
    fn the_counts_fit_in_80_columns() {
        for (total, budget) in [
            (Some(100_000), Some(Duration::from_secs(36_000))),
            (None, Some(Duration::from_secs(36_000))),
        ] {
            let term = Narrow::default();
            let bar = styled(
                total,
                budget,
                ProgressDrawTarget::term_like(Box::new(term.clone())),
            );
            bar.set_position(12_345);
            let message = counts(12_345, 9_999, 999, 123.4);
            bar.set_message(message);
            bar.tick();
            std::thread::sleep(Duration::from_millis(50));
            bar.tick();
            let line = term.0.lock().unwrap().clone();
            assert!(line.chars().count() <= 80, "{line:?}");
            assert!(
                line.contains("12345 anomalous, 9999 BROKEN, 999 FAILED,"),
                "{line:?}"
            );
            bar.finish_and_clear();
        }
    }
}
