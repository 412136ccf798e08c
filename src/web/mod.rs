//! The web UI: hand-written HTML, CSS and JavaScript embedded in the binary
//! (no CDN, nothing fetched at run time). The pages read only the public
//! HTTP APIs, so the same files serve `sonde all`, `sonde query` and, with
//! their own entry page, `sonde alertmanager`.
//!
//! `SONDE_UI_DIR` names a directory to serve the assets from instead, read
//! on every request, so that the pages can be edited without a rebuild.

mod assets;

use std::borrow::Cow;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub use assets::{ASSETS, Asset};

/// The pages of the Prometheus-side UI; each is the same entry page, whose
/// script renders the page its path names.
pub const PAGES: &[&str] = &[
    "/query",
    "/graph",
    "/alerts",
    "/rules",
    "/targets",
    "/service-discovery",
    "/config",
    "/flags",
    "/status",
    "/tsdb-status",
    "/cluster",
];

/// The UI of `sonde all` and `sonde query`: `/` leads to the query page.
pub fn prometheus_router() -> Router {
    let mut router = Router::new().route("/", get(|| async { Redirect::to("/query") }));
    for page in PAGES {
        router = router.route(page, get(|headers: HeaderMap| async move { serve("index.html", &headers) }));
    }
    router.route("/assets/{*file}", get(asset))
}

/// The UI of `sonde alertmanager`, at `/`.
pub fn alertmanager_router() -> Router {
    Router::new()
        .route("/", get(|headers: HeaderMap| async move { serve("alertmanager.html", &headers) }))
        .route("/assets/{*file}", get(asset))
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    serve(&file, &headers)
}

fn serve(file: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.path == file) else {
        return (StatusCode::NOT_FOUND, format!("no asset {file:?}")).into_response();
    };
    let body = match body_of(asset) {
        Ok(body) => body,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    };
    // Revalidated on every load: the pages are small, and a new binary must
    // never run with an old script.
    let etag = format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&body));
    let cache = [(header::CACHE_CONTROL, "no-cache"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")];
    if headers.get(header::IF_NONE_MATCH).is_some_and(|tag| tag.as_bytes() == etag.as_bytes()) {
        return (StatusCode::NOT_MODIFIED, cache, [(header::ETAG, etag)]).into_response();
    }
    let content_type = HeaderValue::from_static(asset.content_type);
    (cache, [(header::CONTENT_TYPE, content_type)], [(header::ETAG, etag)], body.into_owned()).into_response()
}

fn body_of(asset: &Asset) -> Result<Cow<'static, [u8]>, String> {
    match std::env::var_os("SONDE_UI_DIR") {
        Some(dir) => {
            let path = std::path::Path::new(&dir).join(asset.path);
            std::fs::read(&path).map(Cow::Owned).map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        None => Ok(Cow::Borrowed(asset.body)),
    }
}

#[cfg(test)]
mod tests;
