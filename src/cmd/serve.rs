//! `wijkscan serve`: the working group's page over a finished run folder (SPEC 3.9).

use crate::error::Result;
use crate::text::Lang;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A finished run folder (with manifest.json); its private cache beside it answers live
    /// focus-group queries.
    pub run_dir: PathBuf,
    /// Port to listen on (0: any free port; the URL is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Anything but 127.0.0.1 makes the page visible to others.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Language of the pages: nl (default) or en (each page also switches with ?lang=).
    #[arg(long, default_value = "nl", value_parser = Lang::parse)]
    pub lang: Lang,
}

pub fn serve(args: &ServeArgs) -> Result<u8> {
    crate::serve::run(crate::serve::Options {
        dir: args.run_dir.clone(),
        host: args.host,
        port: args.port,
        lang: args.lang,
    })?;
    Ok(0)
}
