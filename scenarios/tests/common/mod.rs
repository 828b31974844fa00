//! Running the `logjam` binary from the CLI tests.
#![allow(dead_code)] // each test file uses its own share
use std::path::PathBuf;
use std::process::Command;

/// Exit status and stderr + stdout of `logjam ARGS`.
pub fn logjam(args: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = logjam_split(args);
    (code, stderr + &stdout)
}

/// Exit status, stdout and stderr of `logjam ARGS`.
pub fn logjam_split(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_logjam"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A fresh folder for one test, under the system's temp folder.
pub fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logjam-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Write `text` to a file in this process's scratch folder.
pub fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logjam-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
