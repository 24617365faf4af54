//! Demo mode: the simulator stands in for Action Target, Enviso and Samna on this computer, the app
//! is pointed at it with published demo keys, and a busy Saturday at a 24-lane range plays out.
//! Nothing leaves the machine: demo mode listens on loopback only.
//!
//! A crate of its own so that the core library never links the fake vendor: the binaries start
//! through `start`, which is the core's `App::start` when `--demo` is not given.

use rangedesk_core::app::{self, App, Launch, StartError};
use rangedesk_core::config::Checked;
use rangedesk_simulator::{SimConfig, Simulator, Targets};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::watch;

pub const DEMO_API_KEY: &str = "demo-action-target-key";
pub const DEMO_ENVISO_KEY: &str = "demo-enviso-key";
pub const DEMO_SAMNA_SECRET: &str = "wh_sec_demo";
pub const SCENARIO: &str = "busy-saturday";

/// The first simulated half hour (when every lane gets its first shooter) runs this much faster,
/// so a new user sees a busy range within a minute; then the day runs in real time, so the
/// board's countdowns and the simulator's agree.
const WARM_UP_SPEED: f64 = 60.0;
const WARM_UP: Duration = Duration::from_secs(35);

/// `RANGEDESK_DEMO_SPEED`: how fast the day runs after the warm-up, for benchmarks that play a
/// whole day in minutes (`scripts/mem-bench`); unset, the day runs in real time.
pub const SPEED_VAR: &str = "RANGEDESK_DEMO_SPEED";
const MAX_SPEED: f64 = 3600.0;

/// The speed `RANGEDESK_DEMO_SPEED` asks for: a number above 0 and at most 3600, else 1 with a
/// warning that says why.
pub fn day_speed(value: Option<&str>) -> f64 {
    let Some(text) = value else { return 1.0 };
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_SPEED => v,
        _ => {
            tracing::warn!(
                value = text,
                "{SPEED_VAR} must be a number above 0 and at most 3600; the demo runs in real time"
            );
            1.0
        }
    }
}

/// Starts the app as launched; with `launch.demo`, the simulator first and the config pointed at it
/// (the config file itself is left as it is), then the scenario once the app listens.
pub async fn start(launch: Launch) -> Result<App, StartError> {
    if !launch.demo {
        return App::start(launch).await;
    }
    let mut prepared = app::prepare(&launch)?;
    clean_store(&prepared)?;
    let sim = start_simulator().await.map_err(|e| StartError::DataDir {
        dir: prepared.data_dir.clone(),
        problem: format!("cannot start the demo simulator: {e}"),
    })?;
    configure(&mut prepared.checked, &sim);
    let app = App::start_prepared(prepared).await?;
    tracing::info!(api = %sim.api_base(), "demo mode: the simulator plays a busy Saturday");
    run(sim, app.hook_urls(), app.stopping());
    Ok(app)
}

/// Each demo run starts from an empty demo store, so what a newcomer sees is today's scenario
/// alone, not the end of every run before it. Only the demo data directory's store goes (its
/// config stays); the real data directory is never touched. A demo already running there keeps
/// its store: the board's address is still taken, and the start stops here.
fn clean_store(prepared: &app::Prepared) -> Result<(), StartError> {
    let fail = |problem: String| StartError::DataDir { dir: prepared.data_dir.clone(), problem };
    if std::net::TcpListener::bind(prepared.checked.board_listen).is_err() {
        return Err(fail(format!(
            "the board's address {} is in use: is a demo already running? Stop it first",
            prepared.checked.board_listen
        )));
    }
    let store = rangedesk_core::paths::database(&prepared.data_dir);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = store.clone().into_os_string();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(fail(format!(
                    "cannot clear the demo store {}: {e}",
                    std::path::Path::new(&name).display()
                )));
            }
        }
    }
    Ok(())
}

/// Starts the simulator's fake Action Target API on a free loopback port.
pub async fn start_simulator() -> std::io::Result<Simulator> {
    let seed = jiff::Timestamp::now().as_second().unsigned_abs();
    Simulator::start(SimConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        api_key: DEMO_API_KEY.into(),
        auth_header: "Authorization".into(),
        drop_share: 0.1,
        speed: WARM_UP_SPEED,
        seed,
        lanes: 24,
    })
    .await
}

/// Points the config at the simulator: its API, the demo keys, loopback listeners, a brisk poll.
pub fn configure(checked: &mut Checked, sim: &Simulator) {
    let c = &mut checked.config;
    c.action_target.api_base = sim.api_base();
    c.action_target.api_key = DEMO_API_KEY.into();
    c.action_target.api_auth_header = "Authorization".into();
    c.action_target.poll_seconds = 10;
    c.enviso.hmac_keys = vec![DEMO_ENVISO_KEY.into()];
    c.samna.secrets = vec![DEMO_SAMNA_SECRET.into()];
    // The demo is a range already set up: it opens on the board, never on the first-run set-up.
    c.setup.step = rangedesk_core::config::SetupStep::Done;
    checked.listen.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    if !checked.board_listen.ip().is_loopback() {
        checked.board_listen.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
}

/// Sends the simulator's deliveries to the running app and plays the scenario until shutdown.
pub fn run(
    sim: Simulator,
    urls: rangedesk_core::HookUrls,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    sim.set_targets(Targets {
        action_target_webhook: urls.action_target,
        action_target_products: urls.action_target_products,
        enviso: urls.enviso,
        enviso_key: DEMO_ENVISO_KEY.into(),
        samna: urls.samna,
        samna_secret: DEMO_SAMNA_SECRET.into(),
    });
    let clock = sim.clock();
    let speed = day_speed(std::env::var(SPEED_VAR).ok().as_deref());
    tokio::spawn(async move {
        let mut stop = shutdown.clone();
        let warm = tokio::spawn(async move {
            tokio::select! {
                () = tokio::time::sleep(WARM_UP) => clock.set_speed(speed),
                _ = stop.wait_for(|s| *s) => {}
            }
        });
        let done = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        match sim.run_scenario(SCENARIO, done).await {
            Ok(report) => tracing::info!(completed = report.completed, "demo: the scenario ended"),
            Err(e) => tracing::error!(error = %e, "demo: the scenario could not run"),
        }
        warm.abort();
        sim.shutdown().await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_speed_is_a_positive_number_up_to_3600_else_real_time() {
        assert_eq!(day_speed(None), 1.0);
        assert_eq!(day_speed(Some("120")), 120.0);
        assert_eq!(day_speed(Some(" 2.5 ")), 2.5);
        assert_eq!(day_speed(Some("3600")), 3600.0);
        for bad in ["0", "-3", "3601", "fast", "", "NaN", "inf"] {
            assert_eq!(day_speed(Some(bad)), 1.0, "{bad:?}");
        }
    }
}
