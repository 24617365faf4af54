//! The board's web UI on the board listener: served with a strict CSP, behind the same guard as
//! the API (loopback, or the PIN, which a browser may give once in the address and then carries
//! as a cookie).

use crate::support;

use support::*;

fn ui_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>board</title><script type=module src=/assets/app.js></script>",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("assets/app.js"), "console.log('board')").unwrap();
    dir
}

#[tokio::test]
async fn the_built_ui_is_served_with_a_strict_csp() {
    let ui = ui_dir();
    let r =
        start_with(&format!("{}\n[server]\nui_dir = \"{}\"\n", config_text(), ui.path().display()), Default::default())
            .await;
    let page = r.http.get(r.board("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(page.text().await.unwrap().contains("<title>board</title>"));
    let js = r.http.get(r.board("/assets/app.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"].to_str().unwrap().contains("javascript"));
    let client_route = r.http.get(r.board("/history/2026-11-24")).send().await.unwrap();
    assert_eq!(client_route.status(), 200, "unknown paths get the app, which routes itself");
    let api = r.http.get(r.board("/api/nope")).send().await.unwrap();
    assert_eq!(api.status(), 404, "…but an unknown API path is an API 404, not the app");
    assert!(api.json::<serde_json::Value>().await.unwrap()["error"].is_string());
}

#[tokio::test]
async fn with_a_pin_the_browser_gives_it_once_and_keeps_a_session_cookie() {
    let ui = ui_dir();
    let config =
        format!("{}\n[server]\nboard_pin = \"4821-Range\"\nui_dir = \"{}\"\n", config_text(), ui.path().display());
    let r = start_with(&config, Default::default()).await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(http.get(r.board("/")).send().await.unwrap().status(), 403);
    let first = http.get(r.board("/?pin=4821-Range")).send().await.unwrap();
    assert_eq!(first.status(), 303, "sent on without the PIN in the address bar");
    assert_eq!(first.headers()["location"], "/");
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age="),
        "{cookie}"
    );
    assert!(!cookie.contains("4821"), "the cookie holds a session token, never the PIN: {cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back");
    let pair = cookie.split(';').next().unwrap();
    let page = http.get(r.board("/")).header("cookie", pair).send().await.unwrap();
    assert_eq!(page.status(), 200, "the page loads with the cookie");
    let asset = http.get(r.board("/assets/app.js")).header("cookie", pair).send().await.unwrap();
    assert_eq!(asset.status(), 200, "assets load with the cookie");
    let wrong = http.get(r.board("/assets/app.js")).header("cookie", "rangedesk_pin=4821-Range").send().await.unwrap();
    assert_eq!(wrong.status(), 403, "the old cookie that held the PIN opens nothing");
    let forged = http.get(r.board("/assets/app.js")).header("cookie", "rangedesk_session=guess").send().await.unwrap();
    assert_eq!(forged.status(), 403);
}
