//! The Host check: whether a `Host` header names this listener — its loopback names with its
//! port, and in PIN mode the listen address (any IP literal when it listens on all addresses) and
//! `server.board_hosts` — so a web page cannot reach the board through DNS rebinding.

use super::BoardAccess;
use std::net::IpAddr;

impl BoardAccess {
    /// Whether `host` (a `Host` header value) names this listener.
    pub fn host_is_ours(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let default_port = if self.tls { 443 } else { 80 };
        let (name, port) = split_host(&host);
        let port = match port {
            Some(p) => p,
            None if name.is_empty() => return false,
            None => default_port,
        };
        let normal = format!("{name}:{port}");
        if self.hosts.contains(&normal) {
            return true;
        }
        if self.any_ip_literal && port == self.port {
            let bare = name.trim_start_matches('[').trim_end_matches(']');
            return bare.parse::<IpAddr>().is_ok();
        }
        false
    }
}

/// `name` and port of a `Host` value; `[v6]:port` keeps its brackets.
fn split_host(host: &str) -> (&str, Option<u16>) {
    let (name, port) = if host.starts_with('[') {
        match host.find(']') {
            Some(end) => (&host[..=end], host[end + 1..].strip_prefix(':')),
            None => return (host, None),
        }
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    match port {
        None => (name, None),
        // A port that does not parse matches nothing (port 0 is never ours).
        Some(p) => (name, Some(p.parse().unwrap_or(0))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::guard::tests::access;

    #[test]
    fn loopback_names_with_our_port_are_ours_and_nothing_else_without_a_pin() {
        let a = access("", "127.0.0.1:8788", &["desk-pc.local:8788"]);
        for ok in ["127.0.0.1:8788", "localhost:8788", "LOCALHOST:8788", "[::1]:8788"] {
            assert!(a.host_is_ours(ok), "{ok}");
        }
        for bad in [
            "evil.example:8788",
            "127.0.0.1:8789",
            "localhost",
            "127.0.0.1",
            "",
            "desk-pc.local:8788", // board_hosts count in PIN mode only
            "192.168.1.10:8788",
            "localhost.evil.example:8788",
            "127.0.0.1:8788@evil",
        ] {
            assert!(!a.host_is_ours(bad), "{bad}");
        }
    }

    #[test]
    fn pin_mode_adds_the_listen_address_ip_literals_and_board_hosts() {
        let a = access("123456", "0.0.0.0:8788", &["Desk-PC.local:8788", "range.example:443"]);
        for ok in ["192.168.1.10:8788", "[fe80::1]:8788", "desk-pc.local:8788", "range.example:443", "localhost:8788"] {
            assert!(a.host_is_ours(ok), "{ok}");
        }
        for bad in ["evil.example:8788", "192.168.1.10:9999", "desk-pc.local:9999", "rebind.evil.example:8788"] {
            assert!(!a.host_is_ours(bad), "{bad}");
        }
        let fixed = access("123456", "192.168.1.10:8788", &[]);
        assert!(fixed.host_is_ours("192.168.1.10:8788"));
        assert!(!fixed.host_is_ours("10.0.0.5:8788"), "a specific listen address is the only IP literal");
    }

    #[test]
    fn a_host_without_a_port_is_the_scheme_default() {
        let a = BoardAccess::new("", "127.0.0.1:443".parse().unwrap(), &[], true);
        assert!(a.host_is_ours("localhost"));
        assert!(!BoardAccess::new("", "127.0.0.1:443".parse().unwrap(), &[], false).host_is_ours("localhost"));
    }
}
