//! Progress through a small `Reporter` trait, so stages never draw bars themselves.
//! On a terminal an indicatif bar is shown; when piped (or in tests) nothing is printed.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

pub trait Reporter: Sync {
    /// A stage starts; `total` units of work when known.
    fn start(&self, stage: &str, total: Option<u64>);
    /// `n` more units done.
    fn advance(&self, n: u64);
    /// The current stage is done.
    fn finish(&self);
}

/// Prints nothing: for pipes, tests and library use.
pub struct Silent;

impl Reporter for Silent {
    fn start(&self, _stage: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// An indicatif bar or spinner on stderr.
pub struct Terminal {
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    pub fn new() -> Self {
        Terminal {
            bar: Mutex::new(None),
        }
    }
}

impl Default for Terminal {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for Terminal {
    fn start(&self, stage: &str, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>12} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(stage.to_string());
        if total.is_none() {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
    }
    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(n);
            }
        }
    }
    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// A terminal reporter when stderr is a terminal, silent otherwise.
pub fn for_stderr() -> Box<dyn Reporter> {
    if std::io::stderr().is_terminal() {
        Box::new(Terminal::new())
    } else {
        Box::new(Silent)
    }
}

/// Step timings inside a stage, logged at `WIJKSCAN_LOG=info` (the manifest keeps only the
/// stage totals): where a stage's time goes at an insurer's scale.
/// (VmRSS, VmHWM) of this process in MB from `/proc/self/status`; zeros where unreadable.
fn resident_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// CPU seconds of the whole process so far, user and system (Linux only, else 0): a step's
/// CPU over its wall time says how well it uses the cores.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces, so split after its `)`):
    // utime and stime are the 12th and 13th, in clock ticks of 1/100 s on Linux.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let field = |i: usize| {
        rest.split_whitespace()
            .nth(i)
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |t| t / 100.0)
    };
    (field(11), field(12))
}

pub struct Laps {
    stage: &'static str,
    clock: std::time::Instant,
    cpu: (f64, f64),
}

impl Laps {
    pub fn new(stage: &'static str) -> Self {
        Laps {
            stage,
            clock: std::time::Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// Logs the time since the last lap under `step`, with the process's CPU seconds in it
    /// (user, system) and its resident memory now and at its peak so far (MB; Linux only,
    /// else 0) to tell which step sets the peak.
    pub fn lap(&mut self, step: &str) {
        let (rss_mb, peak_mb) = resident_mb();
        let cpu = cpu_seconds();
        tracing::info!(
            stage = self.stage,
            step,
            seconds = self.clock.elapsed().as_secs_f64(),
            user_s = cpu.0 - self.cpu.0,
            sys_s = cpu.1 - self.cpu.1,
            rss_mb,
            peak_mb,
            "step"
        );
        self.clock = std::time::Instant::now();
        self.cpu = cpu;
    }
}
