//! The two servers a benchmark compares, each started as its own process on loopback: the real
//! `rangedesk-server` with a temporary data directory and config, and `rangedesk-sim noop`. A
//! server is stopped with SIGTERM (so the store closes cleanly) and killed if it is still running
//! when its handle is dropped, so an error in the driver never leaves one behind.

use crate::deliveries::Secrets;
use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A server process we started.
pub struct Running {
    child: Option<Child>,
    name: &'static str,
    pub addr: SocketAddr,
    /// Where its stderr goes; named in errors so a failed start can be read.
    pub log: PathBuf,
}

/// A real server and the facts the benchmark needs about it.
pub struct Rangedesk {
    pub process: Running,
    pub database: PathBuf,
    pub secrets: Secrets,
}

/// Starts `rangedesk-server` on loopback with a fresh data directory under `dir`.
pub async fn start_rangedesk(server: &Path, dir: &Path) -> anyhow::Result<Rangedesk> {
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir)?;
    let (listen, board) = (free_port()?, free_port()?);
    let secrets = Secrets {
        hook_token: rangedesk_core::config::new_hook_token(),
        enviso_key: "bench-enviso-key".into(),
        samna_secret: "wh_sec_bench".into(),
    };
    let config = format!(
        "[server]\nlisten = \"{listen}\"\nboard_listen = \"{board}\"\n\n\
         [action_target]\nhook_token = \"{}\"\npoll_seconds = 0\n\n\
         [enviso]\nhmac_keys = [\"{}\"]\n\n[samna]\nsecrets = [\"{}\"]\n",
        secrets.hook_token, secrets.enviso_key, secrets.samna_secret,
    );
    let config_file = dir.join("rangedesk.toml");
    std::fs::write(&config_file, config)?;
    let mut cmd = Command::new(server);
    cmd.arg("--config").arg(&config_file).arg("--data-dir").arg(&data_dir);
    let process = spawn(cmd, "rangedesk-server", listen, &dir.join("rangedesk-server.log"))?;
    let process = wait_healthy(process).await?;
    Ok(Rangedesk { process, database: rangedesk_core::paths::database(&data_dir), secrets })
}

/// Starts `rangedesk-server` on an existing data directory with `config` (which names `listen`,
/// the public port); returns at once, before it answers anything.
pub fn spawn_rangedesk(
    server: &Path,
    config: &Path,
    data_dir: &Path,
    listen: SocketAddr,
    log: &Path,
) -> anyhow::Result<Running> {
    let mut cmd = Command::new(server);
    cmd.arg("--config").arg(config).arg("--data-dir").arg(data_dir);
    spawn(cmd, "rangedesk-server", listen, log)
}

impl Running {
    /// Whether the process has exited (it failed to start, say).
    pub fn exited(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| c.try_wait().ok().flatten().is_some())
    }
}

/// Starts `<sim> noop` on a loopback port.
pub async fn start_noop(sim: &Path, dir: &Path) -> anyhow::Result<Running> {
    let listen = free_port()?;
    let mut cmd = Command::new(sim);
    cmd.arg("noop").arg("--listen").arg(listen.to_string());
    wait_healthy(spawn(cmd, "rangedesk-sim noop", listen, &dir.join("noop.log"))?).await
}

fn spawn(mut cmd: Command, name: &'static str, addr: SocketAddr, log: &Path) -> anyhow::Result<Running> {
    let stderr = std::fs::File::create(log)?;
    // As shipped: `info`, whatever the caller's RUST_LOG says.
    cmd.env("RUST_LOG", "info").stdin(Stdio::null()).stdout(Stdio::null()).stderr(stderr);
    let child = cmd.spawn().map_err(|e| anyhow::anyhow!("{name}: cannot start {:?}: {e}", cmd.get_program()))?;
    Ok(Running { child: Some(child), name, addr, log: log.to_owned() })
}

/// A port nobody listens on now. Another process could take it before the server binds it; on a
/// quiet benchmark machine that does not happen, and a failed start says so.
pub fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// Waits until `GET /healthz` answers 200, or fails naming the log to read.
async fn wait_healthy(mut running: Running) -> anyhow::Result<Running> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = running.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
            anyhow::bail!("{} exited at start ({status}); see {}", running.name, running.log.display());
        }
        if healthz(running.addr).await.unwrap_or(false) {
            return Ok(running);
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "{} did not answer /healthz on {} within 20 s; see {}",
                running.name,
                running.addr,
                running.log.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn healthz(addr: SocketAddr) -> anyhow::Result<bool> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = http::Request::get("/healthz").header(http::header::HOST, addr.to_string()).body(Empty::<Bytes>::new())?;
    Ok(sender.send_request(req).await?.status().is_success())
}

impl Running {
    /// SIGTERM, then up to 30 s for the process to finish its in-flight work and exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        anyhow::bail!("{} did not stop within 30 s of SIGTERM and was killed; see {}", self.name, self.log.display())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
