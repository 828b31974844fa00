//! The checker on a synthetic history (`logjam_checker::history::synthetic`):
//! written once as a JSONL file, then read (streaming, into the compact
//! `OpTable`, as `logjam check` reads JSONL) and checked by a fresh child
//! process per round, so each round's peak memory is what parsing and
//! checking that file take, nothing else.
//! Medians over the rounds: wall and CPU time of each half, and peak
//! resident memory against the file's size.
use logjam_checker::history::read_table_file;
use logjam_checker::history::synthetic::synthetic_history;
use logjam_checker::{check, CheckOptions};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub fn bench(ops: u64, rounds: u64) {
    let history = synthetic_history(ops as usize, 1);
    let n = history.ops.len();
    let path = std::env::temp_dir().join(format!("logjam-bench-{}.jsonl", std::process::id()));
    let t = Instant::now();
    let text = history.to_jsonl();
    let write_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(history);
    std::fs::write(&path, &text).expect("write the synthetic history");
    let bytes = text.len();
    drop(text);
    let exe = std::env::current_exe().expect("this binary's path");
    let mut runs: Vec<Round> = Vec::new();
    for _ in 0..rounds.max(1) {
        let out = Command::new(&exe)
            .arg("checker-file")
            .arg(&path)
            .output()
            .expect("run a checking round");
        let text = String::from_utf8_lossy(&out.stdout);
        match Round::parse(&text) {
            Some(r) => runs.push(r),
            None => panic!(
                "a round failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    let _ = std::fs::remove_file(&path);
    let median = |f: fn(&Round) -> f64| super::median_ms(runs.iter().map(f).collect());
    println!(
        "checker: synthetic history of {n} operations ({:.1} MB of JSONL), {} rounds, each in a fresh process on one core",
        bytes as f64 / 1e6,
        runs.len()
    );
    println!("  write  {write_ms:.0} ms (once)");
    println!(
        "  parse  median {:.0} ms wall, {:.0} ms CPU",
        median(|r| r.parse_wall),
        median(|r| r.parse_cpu)
    );
    let check_ms = median(|r| r.check_wall);
    println!(
        "  check  median {check_ms:.0} ms wall, {:.0} ms CPU ({:.2} µs per operation; {} anomalies found)",
        median(|r| r.check_cpu),
        check_ms * 1e3 / n as f64,
        runs.first().map_or(0.0, |r| r.found)
    );
    println!(
        "  total  median {:.0} ms wall, {:.0} ms CPU",
        median(|r| r.parse_wall + r.check_wall),
        median(|r| r.parse_cpu + r.check_cpu)
    );
    println!(
        "  kernel median {:.0} ms of that CPU, {:.0} minor page faults (first touches of fresh memory)",
        median(|r| r.system_cpu),
        median(|r| r.minor_faults)
    );
    let peak_mb = median(|r| r.peak_kb) / 1024.0;
    println!(
        "  peak resident memory (parse + check): median {peak_mb:.0} MB, {:.1}x the file",
        peak_mb * 1e6 * 1.048_576 / bytes as f64
    );
}

/// Write the synthetic history of `ops` operations to a new file at `path`;
/// an existing file is never overwritten (exit status 2).
pub fn write(path: &Path, ops: u64) {
    use std::io::Write;
    let fail = |what: String| -> ! {
        eprintln!("error: {}: {what}", path.display());
        std::process::exit(2)
    };
    let mut file = match std::fs::File::create_new(path) {
        Ok(file) => file,
        Err(e) => fail(format!(
            "cannot create a new file ({e}); it is never overwritten"
        )),
    };
    let text = synthetic_history(ops as usize, 1).to_jsonl();
    if let Err(e) = file.write_all(text.as_bytes()) {
        fail(format!("cannot write ({e})"));
    }
}

/// One round's figures, as the child prints them.
struct Round {
    parse_wall: f64,
    parse_cpu: f64,
    check_wall: f64,
    check_cpu: f64,
    peak_kb: f64,
    found: f64,
    /// Of the CPU time, the kernel's (system time), over both halves.
    system_cpu: f64,
    minor_faults: f64,
}

impl Round {
    fn parse(text: &str) -> Option<Self> {
        let v: Vec<f64> = text
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        match v[..] {
            [parse_wall, parse_cpu, check_wall, check_cpu, peak_kb, found, system_cpu, minor_faults] => {
                Some(Round {
                    parse_wall,
                    parse_cpu,
                    check_wall,
                    check_cpu,
                    peak_kb,
                    found,
                    system_cpu,
                    minor_faults,
                })
            }
            _ => None,
        }
    }
}

/// The child's round: read and check `path`, print the figures.
pub fn round(path: &Path) {
    let before = usage();
    let (t, c) = (Instant::now(), cpu_ms());
    let history = read_table_file(path).expect("the synthetic history reads");
    let (parse_wall, parse_cpu) = (t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c);
    let (t, c) = (Instant::now(), cpu_ms());
    let result = check(&history, &CheckOptions::default());
    let (check_wall, check_cpu) = (t.elapsed().as_secs_f64() * 1e3, cpu_ms() - c);
    let found = result.counts.values().sum::<u64>();
    let after = usage();
    println!(
        "{parse_wall} {parse_cpu} {check_wall} {check_cpu} {} {found} {} {}",
        peak_rss_kb(),
        ms(after.ru_stime) - ms(before.ru_stime),
        after.ru_minflt - before.ru_minflt
    );
}

/// This process's resource usage so far (it has one thread).
fn usage() -> libc::rusage {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    unsafe {
        libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr());
        usage.assume_init()
    }
}

fn ms(t: libc::timeval) -> f64 {
    t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3
}

/// User + system CPU time of this process so far.
fn cpu_ms() -> f64 {
    let u = usage();
    ms(u.ru_utime) + ms(u.ru_stime)
}

/// Peak resident set size of this process, in KB: the kernel's high-water
/// mark of this program's own memory (`VmHWM`). Not getrusage's maxrss,
/// which a spawned child inherits from its parent's memory at the spawn, so
/// that a round would report the parent's size whenever its own is smaller.
fn peak_rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
    hwm.unwrap_or_else(|| usage().ru_maxrss)
}
