//! The real `rangedesk-server` binary as a child process, for what only a process can show:
//! exit codes, signals, crashes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub public: SocketAddr,
    pub board: SocketAddr,
    pub stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

pub fn command(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rangedesk-server"));
    c.arg("--data-dir")
        .arg(data_dir)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .env_remove("RANGEDESK_CONFIG")
        .env_remove("RANGEDESK_DATA_DIR");
    c
}

/// Starts the server on port 0 listeners with `config` and waits until it says where it listens.
pub fn spawn(data_dir: &Path, config: &str) -> Server {
    let config = format!("{config}\n[server]\nlisten = \"127.0.0.1:0\"\nboard_listen = \"127.0.0.1:0\"\n");
    std::fs::write(data_dir.join("rangedesk.toml"), config).unwrap();
    started(command(data_dir))
}

/// Starts `rangedesk-server --demo` on port 0 listeners; its data directory is `base/demo`.
pub fn spawn_demo(base: &Path) -> Server {
    let dir = base.join("demo");
    std::fs::create_dir_all(&dir).unwrap();
    let config = "[server]\nlisten = \"127.0.0.1:0\"\nboard_listen = \"127.0.0.1:0\"\n";
    std::fs::write(dir.join("rangedesk.toml"), config).unwrap();
    let mut c = command(base);
    c.arg("--demo");
    started(c)
}

fn started(mut cmd: Command) -> Server {
    let mut child = cmd.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("rangedesk is listening") {
                let _ = tx.send(line.clone());
            }
            sink.lock().unwrap().push(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("server did not start: {:?}", lines.lock().unwrap()));
    let field = |name: &str| -> SocketAddr {
        let start = line.find(&format!("{name}=")).unwrap() + name.len() + 1;
        line[start..].split_whitespace().next().unwrap().parse().unwrap()
    };
    Server { public: field("public"), board: field("board"), child, stderr: lines }
}

impl Server {
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill").arg(format!("-{sig}")).arg(self.child.id().to_string()).status().unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to exit, up to `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(start.elapsed() < limit, "server did not exit within {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
