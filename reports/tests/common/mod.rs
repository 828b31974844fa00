//! Shared helpers: fresh directories under the workspace `target/`, so test
//! output sits next to the build and is easy to look at after a failure.
#![allow(dead_code)]
use std::path::PathBuf;

pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/reports-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test dir");
    dir
}

/// Every `#op-N` link on a page, and whether each has a target.
pub fn dead_op_links(page: &str) -> Vec<String> {
    let mut dead = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find("href=\"#op-") {
        rest = &rest[i + 10..];
        let n: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !page.contains(&format!("id=\"op-{n}\"")) {
            dead.push(n);
        }
    }
    dead
}
