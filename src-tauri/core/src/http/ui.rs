//! The board's web UI (the same build as the desktop window's) served at `/` on the board
//! listener, with a strict Content-Security-Policy: scripts, styles and connections from this
//! origin only, nothing inline, no frames. Where the built UI lives is found at start (see
//! `find_ui_dir`); without one, `/` says how to build it instead of failing silently.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Html;
use std::path::{Path, PathBuf};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The first directory holding a built UI (`index.html`): `RANGEDESK_UI_DIR`, then `ui/` beside the
/// executable (a Windows install), then `../lib/rangedesk/ui` from it (the .deb and .rpm install
/// `/usr/bin/rangedesk-server` and `/usr/lib/rangedesk/ui`), then the repository's `ui/dist` seen
/// from `target/<profile>/` or the working directory (development).
pub fn find_ui_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("RANGEDESK_UI_DIR").map(PathBuf::from).into_iter().collect();
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_owned)) {
        candidates.push(exe_dir.join("ui"));
        candidates.push(exe_dir.join("../lib/rangedesk/ui"));
        candidates.push(exe_dir.join("../../ui/dist"));
        candidates.push(exe_dir.join("../../../ui/dist"));
    }
    candidates.push(PathBuf::from("ui/dist"));
    candidates.into_iter().find(|d| d.join("index.html").is_file())
}

/// Static files from `dir` (unknown paths get `index.html`, so client routes work), or a page
/// that says the UI is not built.
pub fn router(dir: Option<&Path>) -> Router {
    let csp = SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    let nosniff =
        SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let frames = SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let inner = match dir {
        Some(dir) => {
            Router::new().fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))))
        }
        None => Router::new().fallback(|| async {
            Html(
                "<!doctype html><meta charset=utf-8><title>rangedesk</title><p>The board's web UI is not \
                 installed here. Build it with <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, or \
                 set <code>RANGEDESK_UI_DIR</code> to a built UI. The API is at <code>/api/</code>.",
            )
        }),
    };
    inner.layer(csp).layer(nosniff).layer(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt as _;

    #[tokio::test]
    async fn without_a_built_ui_the_page_says_how_to_build_it() {
        let req = axum::http::Request::get("/").body(axum::body::Body::empty()).unwrap();
        let resp = router(None).oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()[header::CONTENT_SECURITY_POLICY], CSP);
        let body = axum::body::to_bytes(resp.into_body(), 10_000).await.unwrap();
        assert!(String::from_utf8_lossy(&body).contains("npm run build"));
    }
}
