//! The load generator against a real core and the no-op route, through real HTTP on port 0. No
//! timing is asserted (machines are noisy); what must hold is that every delivery the benchmark
//! sends is accepted and stored, since a benchmark of refusals would measure the wrong path.

use rangedesk_core::app::App;
use rangedesk_sim::deliveries::{Pool, Secrets, Sequence, Vendor};
use rangedesk_sim::load::{self, Target};
use rangedesk_sim::{noop, storage};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

async fn core(dir: &std::path::Path, secrets: &Secrets) -> anyhow::Result<App> {
    let text = format!(
        "[action_target]\nhook_token = \"{}\"\npoll_seconds = 0\n[enviso]\nhmac_keys = [\"{}\"]\n[samna]\nsecrets = [\"{}\"]\n",
        secrets.hook_token, secrets.enviso_key, secrets.samna_secret
    );
    let checked = rangedesk_core::config::parse(&dir.join("rangedesk.toml"), &text)?;
    let public = TcpListener::bind("127.0.0.1:0").await?;
    let board = TcpListener::bind("127.0.0.1:0").await?;
    Ok(App::start_on(checked, dir.to_owned(), public, board, Default::default()).await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_benchmark_delivery_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Secrets {
        hook_token: rangedesk_core::config::new_hook_token(),
        enviso_key: "k".into(),
        samna_secret: "wh_sec_s".into(),
    };
    let app = core(dir.path(), &secrets).await.unwrap();
    let target = Target { addr: app.public_addr() };
    let seq = Sequence::default();
    let mut sent = 0;
    for vendor in Vendor::ALL {
        let pool = Arc::new(Pool::fresh(vendor, &secrets, &seq, 200).unwrap());
        let closed = load::closed(&target, pool, 4, Duration::from_secs(2)).await.unwrap();
        assert_eq!(closed.errors(), 0, "{vendor:?}: {:?}", closed.refused);
        let pool = Arc::new(Pool::fresh(vendor, &secrets, &seq, 20).unwrap());
        let open = load::open(&target, pool, 200.0, 20, 4).await.unwrap();
        assert_eq!((open.ok, open.errors()), (20, 0), "{vendor:?}: every scheduled delivery is answered 2xx");
        if vendor.deduplicated() {
            assert!(closed.exhausted, "a send-once pool ends the run rather than repeat an id");
            assert_eq!(closed.ok, 200);
        }
        sent += closed.ok + open.ok;
    }
    let f = storage::measure(app.store().path()).unwrap();
    assert_eq!(f.events, sent, "one event per delivery: none refused, none taken as a duplicate");
    assert!(f.per_million_events().is_some_and(|b| b > 0.0));
    app.shutdown();
    app.stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_noop_route_answers_every_vendor_path() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = Target { addr: listener.local_addr().unwrap() };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(noop::run(listener, async move {
        let _ = stopped.await;
    }));
    let secrets = Secrets { hook_token: "t".repeat(43), enviso_key: "k".into(), samna_secret: "wh_sec_s".into() };
    let seq = Sequence::default();
    for vendor in Vendor::ALL {
        let pool = Arc::new(Pool::cycling(vendor, &secrets, &seq).unwrap());
        let t = load::closed(&target, pool, 2, Duration::from_millis(200)).await.unwrap();
        assert!(t.ok > 0 && t.errors() == 0, "{vendor:?}: the baseline must take the same requests: {:?}", t.refused);
    }
    let _ = stop.send(());
    server.await.unwrap();
}
