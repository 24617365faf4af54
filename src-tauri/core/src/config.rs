//! `rangedesk.toml`: the keys and defaults of INTERFACES.md, checked as a whole at start so that a
//! bad file is one clear line naming the file, the key and the problem, never a half-started app.
//! The only keys the app writes itself are an empty `action_target.hook_token`, generated on first
//! start and saved with the rest of the file left as the person wrote it, and, when there was no
//! file at all, `setup.step = "welcome"`: the first-run set-up is to do (the settings screens then
//! move it on, step by step, to `done`).
//!
//! The sections and their defaults are in `config/sections.rs`, the checks in `config/check.rs`,
//! the hook token in `config/hook_token.rs`; this module reads and parses the file.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod check;
mod hook_token;
mod sections;

pub use check::{MAX_CONNECTIONS, MIN_PIN_CHARS};
pub(crate) use check::{check, daily_at};
pub use hook_token::{ensure_hook_token, new_hook_token};
pub use sections::{
    ActionTarget, Backup, Board, CarrierHits, Config, Enviso, Notifications, Purchases, Samna, Server, Setup,
    SetupStep, StoreSettings,
};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {key}: {problem}")]
    Invalid { file: PathBuf, key: String, problem: String },
    #[error("{file}: cannot read: {source}")]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{file}: cannot write: {source}")]
    Write { file: PathBuf, source: std::io::Error },
}

pub type Result<T> = std::result::Result<T, ConfigError>;

/// A config that passed every check, with its addresses parsed.
#[derive(Debug, Clone)]
pub struct Checked {
    pub file: PathBuf,
    pub config: Config,
    pub listen: SocketAddr,
    pub board_listen: SocketAddr,
}

/// Reads and checks `file`; a missing file is the defaults, with the first-run set-up to do
/// (`setup.step = "welcome"`, saved with the hook token). Does not write anything.
pub fn load(file: &Path) -> Result<Checked> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut fresh = parse(file, "")?;
            fresh.config.setup.step = SetupStep::Welcome;
            return Ok(fresh);
        }
        Err(e) => return Err(ConfigError::Read { file: file.to_owned(), source: e }),
    };
    parse(file, &text)
}

/// Parses and checks config text; `file` only names it in errors.
pub fn parse(file: &Path, text: &str) -> Result<Checked> {
    let invalid =
        |key: &str, problem: String| ConfigError::Invalid { file: file.to_owned(), key: key.to_owned(), problem };
    let de = toml::Deserializer::parse(text).map_err(|e| invalid("(file)", one_line(e.message())))?;
    let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        invalid(if key == "." { "(file)" } else { &key }, one_line(e.inner().message()))
    })?;
    check(file, config)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::check::token_is_strong;
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("/etc/r.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_is_the_documented_defaults() {
        let c = parse(Path::new("x.toml"), "").unwrap();
        assert_eq!(c.listen.to_string(), "0.0.0.0:8787");
        assert_eq!(c.board_listen.to_string(), "127.0.0.1:8788");
        assert_eq!(c.config.action_target.api_base, "https://api.action-target.net/api/v2/pos");
        assert_eq!(c.config.action_target.api_auth_header, "Authorization");
        assert_eq!(c.config.action_target.poll_seconds, 30);
        assert_eq!(c.config.samna.tolerance_seconds, 300);
        assert_eq!(c.config.purchases.approval_window_seconds, 20);
        assert!(c.config.enviso.hmac_keys.is_empty());
        assert_eq!((c.config.board.ageing_amber_seconds, c.config.board.ageing_red_seconds), (60, 180));
        let n = &c.config.notifications;
        assert!(n.help && n.carrier_hit && n.purchase && n.ending_soon && n.overtime && n.vendor_silent && !n.sound);
        assert_eq!(n.vendor_silent_minutes, 30);
        assert_eq!(c.config.carrier_hits.fee, 0.0);
        let rules = &c.config.purchases.rules;
        use rangedesk_domain::purchase::Rule;
        assert_eq!(
            (rules.time, rules.targets, rules.ammo, rules.rentals, rules.unknown),
            (Rule::Approve, Rule::Approve, Rule::Ask, Rule::Ask, Rule::Ask),
            "DESIGN.md's defaults"
        );
    }

    #[test]
    fn errors_name_file_key_and_problem() {
        assert_eq!(
            err("[server]\nlisten = \"nope\""),
            "/etc/r.toml: server.listen: not an address:port such as 0.0.0.0:8787"
        );
        assert!(
            err("[server]\nlisten = 5").starts_with("/etc/r.toml: server.listen: "),
            "{}",
            err("[server]\nlisten = 5")
        );
        assert!(
            err("[server]\nlisen = \"x\"").starts_with("/etc/r.toml: server.lisen: unknown field"),
            "{}",
            err("[server]\nlisen = \"x\"")
        );
        assert!(
            err("[purchases]\napproval_window_seconds = 61")
                .contains("purchases.approval_window_seconds: must be between 1 and 60")
        );
        assert!(err("[purchases]\napproval_window_seconds = -1").contains("purchases.approval_window_seconds"));
        assert!(
            err("[purchases.rules]\nammo = \"maybe\"").contains("purchases.rules.ammo"),
            "{}",
            err("[purchases.rules]\nammo = \"maybe\"")
        );
        assert!(err("[server]\nboard_listen = \"0.0.0.0:8788\"").contains("server.board_pin: must be set"));
        assert!(err("[server]\ntls_cert = \"a.pem\"").contains("server.tls_key"));
        assert!(err("[server]\ntime_zone = \"Mars/Olympus\"").contains("server.time_zone"));
        assert!(err("[action_target]\nhook_token = \"short\"").contains("action_target.hook_token"));
        assert!(err("[enviso]\nhmac_keys = \"one\"").contains("enviso.hmac_keys"));
        assert!(err("[board]\nageing_red_seconds = 30").contains("board.ageing_red_seconds: must be more than"));
        assert!(err("[board]\nageing_amber_seconds = 0").contains("board.ageing_amber_seconds"));
        // Values that parse but would panic or overflow at run time are refused at the door.
        for (text, key) in [
            ("[server]\nmax_connections = 2305843009213693952", "server.max_connections"),
            ("[action_target]\npoll_seconds = 18446744073709551615", "action_target.poll_seconds"),
            ("[notifications]\nvendor_silent_minutes = 18446744073709551615", "notifications.vendor_silent_minutes"),
            ("[board]\nageing_amber_seconds = 100000\nageing_red_seconds = 200000", "board.ageing_amber_seconds"),
            ("[board]\nageing_red_seconds = 100000", "board.ageing_red_seconds"),
        ] {
            assert!(err(text).contains(key), "{text}: {}", err(text));
        }
        assert!(err("[notifications]\nhelp = \"yes\"").contains("notifications.help"));
        assert!(err("[notifications]\nvendor_silent_minutes = 0").contains("notifications.vendor_silent_minutes"));
        for fee in ["-1", "0.005", "20000", "nan"] {
            assert!(err(&format!("[carrier_hits]\nfee = {fee}")).contains("carrier_hits.fee"), "{fee}");
        }
        assert!(parse(Path::new("x"), "[carrier_hits]\nfee = 2.5").is_ok());
        assert!(err("this is not toml").starts_with("/etc/r.toml: (file): "));
        for e in [err("this is not toml"), err("[server]\nlisten = 5\n")] {
            assert!(!e.contains('\n'), "one line: {e:?}");
        }
    }

    #[test]
    fn lan_board_with_pin_is_fine() {
        assert!(parse(Path::new("x"), "[server]\nboard_listen = \"0.0.0.0:8788\"\nboard_pin = \"482190\"").is_ok());
    }

    #[test]
    fn a_short_pin_or_a_bad_board_host_is_an_error_naming_the_key() {
        let lan = "[server]\nboard_listen = \"0.0.0.0:8788\"\n";
        assert_eq!(
            err(&format!("{lan}board_pin = \"4821\"")),
            "/etc/r.toml: server.board_pin: must be at least 6 characters"
        );
        assert!(err("[server]\nboard_pin = \"12345\"").contains("server.board_pin"), "on loopback too");
        for bad in ["desk-pc.local", "desk pc:8788", "evil.example:0", "x:99999", "-a.local:1", "[zz]:8788"] {
            assert!(
                err(&format!("{lan}board_pin = \"123456\"\nboard_hosts = [\"{bad}\"]")).contains("server.board_hosts"),
                "{bad}"
            );
        }
        let ok = parse(
            Path::new("x"),
            &format!("{lan}board_pin = \"123456\"\nboard_hosts = [\"desk-pc.local:8788\", \"[fe80::1]:8788\"]"),
        );
        assert!(ok.is_ok(), "{ok:?}");
        assert!(err("[server]\nboard_tls = true").contains("server.board_tls"));
        assert!(
            err("[server]\nmax_connections = 8\nmax_connections_per_client = 9").contains("max_connections_per_client")
        );
        let c = parse(Path::new("x"), "").unwrap().config;
        assert_eq!(c.server.per_client_connections(), 256, "a quarter of 1024");
        assert!(!c.board.lan_can_act, "LAN browsers watch unless the manager says otherwise");
    }

    #[test]
    fn hook_token_is_generated_once_and_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rangedesk.toml");
        std::fs::write(&file, "# my range\n[samna]\nsecrets = [\"wh_sec_a\"] # rotated in May\n").unwrap();
        let mut c = load(&file).unwrap();
        ensure_hook_token(&mut c).unwrap();
        let token = c.config.action_target.hook_token.clone();
        assert!(token_is_strong(&token) && token.len() >= 43, "256 bits, URL-safe: {token}");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("# my range") && text.contains("# rotated in May"), "comments kept: {text}");
        let mut again = load(&file).unwrap();
        assert_eq!(again.config.action_target.hook_token, token, "saved");
        ensure_hook_token(&mut again).unwrap();
        assert_eq!(again.config.action_target.hook_token, token, "not regenerated");
        assert_ne!(new_hook_token(), new_hook_token());
    }

    #[test]
    fn api_base_is_https_unless_it_is_this_computer() {
        let base = |b: &str| parse(Path::new("x"), &format!("[action_target]\napi_base = \"{b}\""));
        for refused in [
            "http://api.action-target.net/api/v2/pos",
            "http://127.0.0.1.attacker.example/pos",
            "http://localhost.attacker.example/pos",
            "http://10.0.0.5/pos",
            "http://[::ffff:10.0.0.5]/pos",
            "ftp://api.action-target.net/pos",
            "https://",
            "api.action-target.net/pos",
            "",
        ] {
            let e = base(refused).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("action_target.api_base: "), "{refused:?} must be refused: {e:?}");
        }
        for fine in [
            "https://api.action-target.net/api/v2/pos",
            "HTTPS://API.action-target.net/pos",
            "http://127.0.0.1:9/pos",
            "http://127.250.0.1/pos",
            "http://localhost:9/pos",
            "http://LOCALHOST:9/pos",
            "http://[::1]:9/pos",
        ] {
            assert!(base(fine).is_ok(), "{fine}: {:?}", base(fine).err());
        }
    }

    #[test]
    fn api_auth_header_is_a_header_name_that_does_not_break_the_request() {
        let header = |h: &str| parse(Path::new("x"), &format!("[action_target]\napi_auth_header = \"{h}\""));
        for refused in
            ["", "X Api Key", "X-Key:", "Host", "content-length", "Transfer-Encoding", "CONNECTION", "Content-Type"]
        {
            let e = header(refused).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("action_target.api_auth_header: "), "{refused:?} must be refused: {e:?}");
        }
        for fine in ["Authorization", "X-Api-Key", "x_api_key", "X-Key.v2"] {
            assert!(header(fine).is_ok(), "{fine}: {:?}", header(fine).err());
        }
    }

    #[test]
    fn samna_tolerance_is_at_most_an_hour() {
        for refused in [0, 3601, 86_400_000] {
            let e = parse(Path::new("x"), &format!("[samna]\ntolerance_seconds = {refused}"));
            let e = e.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("samna.tolerance_seconds: "), "{refused} must be refused: {e:?}");
        }
        assert!(parse(Path::new("x"), "[samna]\ntolerance_seconds = 3600").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_with_a_new_hook_token_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rangedesk.toml");
        std::fs::write(&file, "# mine\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut c = load(&file).unwrap();
        ensure_hook_token(&mut c).unwrap();
        let mode = |f: &Path| format!("{:o}", std::fs::metadata(f).unwrap().permissions().mode() & 0o777);
        assert_eq!(mode(&file), "600", "the hook token is a secret: the file is the owner's alone");
        assert!(!file.with_extension("toml.tmp").exists());
        let fresh = dir.path().join("new/rangedesk.toml");
        ensure_hook_token(&mut load(&fresh).unwrap()).unwrap();
        assert_eq!(mode(&fresh), "600", "a new file too");
    }

    #[test]
    fn missing_file_is_created_with_a_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/rangedesk.toml");
        let mut c = load(&file).unwrap();
        assert_eq!(c.config.setup.step, SetupStep::Welcome, "no file: the first-run set-up is to do");
        ensure_hook_token(&mut c).unwrap();
        let again = load(&file).unwrap().config;
        assert!(again.action_target.hook_token.len() >= 43);
        assert_eq!(again.setup.step, SetupStep::Welcome, "saved with the token, so a closed set-up resumes");
        assert_eq!(parse(&file, "").unwrap().config.setup.step, SetupStep::Done, "a file without [setup] is set up");
    }
}
