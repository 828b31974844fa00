//! The chaos sweep's progress line on stderr: a bar with runs done of the
//! total and an ETA when the total is known (`--seeds`), elapsed of the budget
//! with `--duration`. Hidden when stderr is not a terminal, so logs and CI
//! output stay plain.
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// `total`: runs this invocation will do, when known; `budget`: `--duration`.
pub fn bar(total: Option<u64>, budget: Option<Duration>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
    bar.set_style(
        ProgressStyle::with_template(&template(total.is_some(), budget)).expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn template(bounded: bool, budget: Option<Duration>) -> String {
    let clock = match budget {
        Some(d) => format!("[{{elapsed_precise}} of {}]", hms(d)),
        None => "[{elapsed_precise}]".to_string(),
    };
    let count = if bounded {
        "{bar:30} {pos}/{len} runs, ETA {eta}"
    } else {
        "{pos} runs"
    };
    format!("{{spinner}} {clock} {count} {{wide_msg}}")
}

/// 90 s as `00:01:30`, like indicatif's `elapsed_precise`.
fn hms(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_show_what_is_known() {
        for bounded in [false, true] {
            for budget in [None, Some(Duration::from_secs(90))] {
                let t = template(bounded, budget);
                ProgressStyle::with_template(&t).expect(&t);
                assert_eq!(t.contains("{len}") && t.contains("{eta}"), bounded, "{t}");
                assert_eq!(t.contains("of 00:01:30"), budget.is_some(), "{t}");
            }
        }
    }
}
