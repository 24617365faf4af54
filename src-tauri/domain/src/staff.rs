//! Who did a staff action. `by` is the name a person gave (the desk has no sign-in, so it is a
//! claim); `client` is what the app itself knows: the desktop window, a browser on this computer,
//! or a browser elsewhere on the LAN, by address. Every staff event records both, so history can
//! tell "Sam, from the desk PC" from "Sam, from 192.168.1.40".

use std::net::IpAddr;

/// Where a staff action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// The desktop window, over IPC.
    Window,
    /// A browser or script on this computer (a loopback address).
    Loopback,
    /// A browser elsewhere, by its address.
    Lan(IpAddr),
}

impl Client {
    /// The client a connection from `ip` is: loopback (IPv4-mapped loopback too) or LAN.
    pub fn of(ip: IpAddr) -> Client {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() { Client::Loopback } else { Client::Lan(ip) }
    }

    /// True for the window and loopback browsers: this computer, where settings may change.
    pub fn is_local(self) -> bool {
        !matches!(self, Client::Lan(_))
    }

    /// How events record it: `window`, `loopback`, or the address.
    pub fn label(self) -> String {
        match self {
            Client::Window => "window".into(),
            Client::Loopback => "loopback".into(),
            Client::Lan(ip) => ip.to_string(),
        }
    }
}

/// A person acting through a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub by: String,
    pub client: Client,
}

impl Staff {
    pub fn new(by: impl Into<String>, client: Client) -> Staff {
        Staff { by: by.into(), client }
    }

    /// Someone at the desktop window.
    pub fn window(by: impl Into<String>) -> Staff {
        Staff::new(by, Client::Window)
    }

    /// Adds `by` and `client` to an event's data object.
    pub fn stamp(&self, mut data: serde_json::Value) -> serde_json::Value {
        if let Some(o) = data.as_object_mut() {
            o.insert("by".into(), self.by.clone().into());
            o.insert("client".into(), self.client.label().into());
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_in_any_spelling_is_local_and_the_rest_is_lan() {
        for ip in ["127.0.0.1", "127.3.4.5", "::1", "::ffff:127.0.0.1"] {
            assert_eq!(Client::of(ip.parse().unwrap()), Client::Loopback, "{ip}");
        }
        let lan: IpAddr = "192.168.1.40".parse().unwrap();
        assert_eq!(Client::of(lan), Client::Lan(lan));
        assert_eq!(Client::of("::ffff:192.168.1.40".parse().unwrap()), Client::Lan(lan), "mapped v4 reads as v4");
        assert_eq!(Client::Lan(lan).label(), "192.168.1.40");
        assert!(!Client::Lan(lan).is_local() && Client::Window.is_local() && Client::Loopback.is_local());
    }

    #[test]
    fn stamp_records_the_claimed_name_beside_the_known_client() {
        let d = Staff::new("Sam", Client::Loopback).stamp(serde_json::json!({"help_id": 3, "by": "x"}));
        assert_eq!(d, serde_json::json!({"help_id": 3, "by": "Sam", "client": "loopback"}));
    }
}
