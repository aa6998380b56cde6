//! `wijkscan serve` (SPEC 3.9): the working group's page over a finished run folder — the map
//! of its areas, an area's figures, the focus-group builder with the live audit, the session
//! log — and the JSON API under it. Published figures only; 127.0.0.1 unless told otherwise;
//! every asset is in the binary.
//!
//! `state` loads the run once (views per period, published tables, person features from the
//! private cache); `api`, `pages` and `area` are the routes; `live` answers a segment query through
//! `live_audit`; `session` keeps the log; `tables` turns published frames into JSON and CSV.

pub mod api;
pub mod area;
pub mod live;
pub mod pages;
pub mod session;
pub mod state;
pub mod tables;

use crate::error::{Error, Result};
use crate::text::Lang;
use axum::routing::{get, post};
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;

pub struct Options {
    pub dir: PathBuf,
    pub host: std::net::IpAddr,
    pub port: u16,
    pub lang: Lang,
}

/// Every route of the page and the API over `served`.
pub fn router(served: Arc<state::Served>) -> Router {
    Router::new()
        .route("/", get(pages::overview))
        .route("/area/{code}", get(area::area))
        .route("/session", get(pages::session))
        .route("/assets/serve.css", get(pages::css))
        .route("/assets/serve.js", get(pages::js))
        .route("/api/areas", get(api::areas))
        .route("/api/areas.csv", get(api::areas_csv))
        .route("/api/areas/{code}", get(api::area))
        .route("/api/table/{file}", get(api::table_csv))
        .route("/api/features", get(api::features))
        .route("/api/segment", post(api::segment))
        .route("/api/session", get(api::session))
        .route("/api/session.csv", get(api::session_csv))
        .route("/api/session.md", get(api::session_md))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .fallback(pages::missing)
        .with_state(served)
}

/// Loads the run, binds, prints the URL and serves until Ctrl-C.
pub fn run(opts: Options) -> Result<()> {
    let started = std::time::Instant::now();
    let served = state::Served::load(&opts.dir, opts.lang)?;
    if let Err(why) = &served.live {
        eprintln!("wijkscan: warning: live focus groups are off: {why}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the server: {e}")))?;
    runtime.block_on(async move {
        let addr = std::net::SocketAddr::new(opts.host, opts.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Error::Output(format!("cannot listen on {addr}: {e} (try another --port)"))
        })?;
        let local = listener.local_addr()?;
        if !opts.host.is_loopback() {
            eprintln!(
                "wijkscan: warning: listening on {} — the page is visible to others on this network",
                opts.host
            );
        }
        println!(
            "wijkscan serve: {} ready in {:.1} s at http://{local}/ (Ctrl-C stops)",
            opts.dir.display(),
            started.elapsed().as_secs_f64()
        );
        use std::io::Write;
        let _ = std::io::stdout().flush();
        let served = Arc::new(served);
        // The other periods' views are read in the background once the page is up, so the
        // first visit of a period does not wait for it (0.3–0.4 s each on the whole book).
        let warm = served.clone();
        std::thread::spawn(move || {
            for p in warm.periods.clone().iter().rev() {
                let _ = warm.view(Some(p));
            }
        });
        axum::serve(listener, router(served))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| Error::Other(format!("the server stopped: {e}")))
    })
}
