//! `wijkscan report`: re-renders the charts and report.html of a finished run folder from its
//! tables (no recomputation).

use crate::error::{Error, Result};
use crate::text::Lang;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A finished run folder (with manifest.json).
    pub run_dir: PathBuf,
    /// Language of the report and charts: nl (default) or en.
    #[arg(long, default_value = "nl", value_parser = Lang::parse)]
    pub lang: Lang,
}

pub fn report(args: &ReportArgs) -> Result<u8> {
    // `report` replaces charts/ and report.html: only inside a wijkscan run folder.
    if let Some(why) = crate::run_folder::not_a_run_folder(&args.run_dir) {
        return Err(Error::Output(format!(
            "`{}` {why}: `report` redraws only a run folder; nothing was changed",
            args.run_dir.display()
        )));
    }
    let rendered = crate::report::render(&args.run_dir, args.lang)?;
    println!(
        "report written to `{}` ({} charts)",
        args.run_dir.join(crate::report::REPORT_FILE).display(),
        rendered.outputs.len() / 2
    );
    Ok(0)
}
