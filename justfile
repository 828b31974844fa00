# logjam's everyday commands. `just --list` shows them.

# The test suites (what CI runs).
test:
    cargo test --workspace

# Formatting and lints, as CI would judge them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Wall time of whole runs (medians, never asserted): `just bench standard 11`.
bench scenario="standard" runs="11":
    cargo run --release -q -p logjam-scenarios --bin logjam-bench -- {{scenario}} {{runs}}

# Run the built-in scenarios over a few seeds and print the summary.
run *args:
    cargo run --release -q -p logjam-scenarios --bin logjam -- run {{args}}

# Check any history file.
check file *args:
    cargo run --release -q -p logjam-scenarios --bin logjam -- check {{file}} {{args}}
