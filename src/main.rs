//! Parse the command line, set up logging, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;
use wijkscan::cli::{Cli, Command};
use wijkscan::commands;

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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => commands::run(&args),
        Command::Validate(args) => commands::validate(&args),
        Command::Profile(args) => commands::profile(&args),
        Command::Focus(args) => commands::focus(&args),
        Command::Outliers(args) => commands::outliers(&args),
        Command::Report(args) => commands::report(&args),
        Command::Sample(args) => commands::sample(&args),
        Command::Reference(wijkscan::cli::ReferenceCommand::Vektis(args)) => {
            commands::reference_vektis(&args)
        }
        Command::Reference(wijkscan::cli::ReferenceCommand::Cbs(args)) => {
            commands::reference_cbs(&args)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Cut to a sane length: a library's message can repeat a whole input file.
            eprintln!("wijkscan: {}", e.for_terminal());
            ExitCode::from(2)
        }
    }
}
