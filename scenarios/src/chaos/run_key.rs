//! Which run a result is: (scenario, preset, seed), the run folder's path.
//! A sweep skips the keys already in `results.jsonl` and reruns examples by key.
use logjam_reports::{ResultLine, RunSummary};

/// One run of a sweep. Ordered by scenario, then preset, then seed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    pub scenario: String,
    pub preset: String,
    pub seed: u64,
}

impl RunKey {
    pub fn of_line(line: &ResultLine) -> Self {
        Self::from(line.key())
    }

    pub fn of_summary(summary: &RunSummary) -> Self {
        Self::from(summary.key())
    }
}

impl From<(String, String, u64)> for RunKey {
    fn from((scenario, preset, seed): (String, String, u64)) -> Self {
        RunKey {
            scenario,
            preset,
            seed,
        }
    }
}
