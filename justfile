# logjam's everyday commands. `just --list` shows them.

# The test suites (what CI runs).
test:
    cargo test --workspace

# Formatting and lints, as CI would judge them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Medians, never asserted: `just bench` (standard scenario), `just bench SCENARIO RUNS`,
# `just bench checker [OPS] [ROUNDS]` (the checker on a synthetic history),
# `just bench presets [--scenario NAME] PRESET... [RUNS]` (one scenario under each preset,
# side by side: runs/s, committed records per simulated second, ratios to the first),
# `just bench txn-cost [RUNS]` (= presets durable transactional: what transactions cost).
bench *args:
    cargo run --release -q -p logjam-scenarios --bin logjam-bench -- {{args}}

# Size and render time of the run page for a 100,000-operation run, plain and transactional.
bench-report ops="100000" runs="7":
    cargo run --release -q -p logjam-reports --bin report-bench -- {{ops}} {{runs}}
    cargo run --release -q -p logjam-reports --bin report-bench -- --transactional {{ops}} {{runs}}

# Run the built-in scenarios over a few seeds and print the summary.
run *args:
    cargo run --release -q -p logjam-scenarios --bin logjam -- run {{args}}

# Check any history file.
check file *args:
    cargo run --release -q -p logjam-scenarios --bin logjam -- check {{file}} {{args}}

# A long randomized sweep on every core: `just chaos --duration 60s`, `just chaos --seeds 0..100 --shard 0/4`.
chaos *args:
    cargo run --release -q -p logjam-scenarios --bin logjam -- chaos {{args}}

# Rebuild the HTML pages of run folders and sweeps (merging shards) and print the index's path.
report *dirs="logjam-store":
    cargo run --release -q -p logjam-scenarios --bin logjam -- report {{dirs}}
