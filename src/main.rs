//! Parse the command line, set up logging, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;
use wijkscan::cmd::{dispatch, Cli};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WIJKSCAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A bad flag or value is clap's usage error: it prints and exits 2 itself.
    let cli = Cli::parse();
    let result = dispatch(&cli.command);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Cut to a sane length: a library's message can repeat a whole input file.
            eprintln!("wijkscan: {}", e.for_terminal());
            ExitCode::from(2)
        }
    }
}
