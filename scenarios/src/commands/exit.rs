//! What `logjam`'s exit status means, and the error that ends a command. Each
//! code means one thing (issue 14): 0 nothing broken, 1 a promise broken,
//! 2 bad usage or bad input, 3 a replay whose history differs, 4 `check`
//! without `--config` found anomalies (nothing was promised, so nothing is
//! broken), 5 `check` whose history exercised no promise, 6 a simulation
//! that failed (a logjam bug), 130 a sweep interrupted by Ctrl-C. A verdict
//! is never an error, and a simulation that fails is never bad input.
use logjam_harness::run::RunError;
use std::process::ExitCode;

/// How a command that ran to its end went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing broken: 0.
    Kept,
    /// A promise broken: 1.
    Broken,
    /// A replay whose history differs from the recorded one: 3.
    ReplayDiffered,
    /// `check` without a configuration found anomalies: 4.
    AnomaliesFound,
    /// `check` with a configuration on a history that exercised none of
    /// its promises (empty, header-only, every outcome unknown): 5.
    NothingExercised,
    /// A sweep in which some run's simulation failed: 6.
    SimulationFailed,
    /// A sweep ended by Ctrl-C, after its summary: 130 (128 + SIGINT).
    Interrupted,
}

impl ExitStatus {
    /// 0 when `kept`, else 1.
    pub fn kept_if(kept: bool) -> Self {
        if kept {
            ExitStatus::Kept
        } else {
            ExitStatus::Broken
        }
    }

    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Kept => 0,
            ExitStatus::Broken => 1,
            ExitStatus::ReplayDiffered => 3,
            ExitStatus::AnomaliesFound => 4,
            ExitStatus::NothingExercised => 5,
            ExitStatus::SimulationFailed => SIMULATION_FAILED,
            ExitStatus::Interrupted => INTERRUPTED,
        }
    }
}

/// The exit status of a command interrupted by Ctrl-C (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

/// The exit status of a command whose simulation failed (a logjam bug).
pub const SIMULATION_FAILED: u8 = 6;

/// Why a command stopped before its verdict.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Arguments, names, files or contents the user gave that cannot be used,
    /// and files that cannot be read or written: exit 2.
    #[error("{0}")]
    BadInput(String),
    /// A simulation itself failed: a logjam bug, never a verdict: exit 6.
    #[error("{0}")]
    SimulationFailed(RunError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::BadInput(_) => 2,
            CliError::SimulationFailed(_) => SIMULATION_FAILED,
        }
    }

    /// The user's input, whatever its error type (its message is the error).
    pub fn bad_input(e: impl std::fmt::Display) -> Self {
        CliError::BadInput(e.to_string())
    }
}

/// A run that cannot start because its configuration is impossible is bad
/// input; one whose simulation fails is not.
impl From<RunError> for CliError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Config(_) | RunError::Schedule(_) => CliError::bad_input(e),
            RunError::Sim(_) => CliError::SimulationFailed(e),
        }
    }
}

macro_rules! bad_input_from {
    ($($error:ty),* $(,)?) => {
        $(impl From<$error> for CliError {
            fn from(e: $error) -> Self {
                CliError::bad_input(e)
            }
        })*
    };
}

bad_input_from!(
    String,
    std::io::Error,
    serde_json::Error,
    logjam_scenarios::load::LoadError,
    logjam_harness::nemesis::schedule::ScheduleError,
    logjam_reports::ReportError,
);

/// The process's exit code for a command's outcome; errors are printed here.
pub fn exit_code(outcome: Result<ExitStatus, CliError>) -> ExitCode {
    match outcome {
        Ok(status) => ExitCode::from(status.code()),
        Err(e) => {
            eprintln!(
                "error: {}",
                logjam_scenarios::terminal::escape(&e.to_string())
            );
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_simulation_exits_6_and_bad_input_2() {
        let failed = CliError::from(RunError::Sim("Ran for duration".into()));
        assert_eq!(failed.exit_code(), 6);
        assert_eq!(
            failed.to_string(),
            "simulation failed: Ran for duration",
            "the message is the run's"
        );
        assert_eq!(
            CliError::from("unknown scenario".to_string()).exit_code(),
            2
        );
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        assert_eq!(CliError::from(io).exit_code(), 2);
    }

    #[test]
    fn verdicts_map_to_their_codes() {
        assert_eq!(ExitStatus::kept_if(true).code(), 0);
        assert_eq!(ExitStatus::kept_if(false).code(), 1);
        assert_eq!(ExitStatus::ReplayDiffered.code(), 3);
        assert_eq!(ExitStatus::AnomaliesFound.code(), 4);
        assert_eq!(ExitStatus::NothingExercised.code(), 5);
        assert_eq!(ExitStatus::SimulationFailed.code(), 6);
        assert_eq!(ExitStatus::Interrupted.code(), 130);
    }
}
