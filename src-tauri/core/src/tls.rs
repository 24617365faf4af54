//! The server certificate: `server.tls_cert` and `server.tls_key` read and built into one rustls
//! config. The start and the settings screens both call [`server_config`], so a pair the screens
//! save is a pair the next start can serve.
//!
//! Promises: only a regular file of at most [`MAX_PEM_BYTES`] is read (never a device or a pipe
//! that would never end); a refusal names the key at fault and never repeats the file's content,
//! so pointing a path at `/etc/shadow` cannot read it back.

use std::path::Path;
use std::sync::Arc;

/// No certificate chain or key comes near this; anything larger is not one.
pub const MAX_PEM_BYTES: u64 = 1024 * 1024;

/// Why a certificate or key cannot be used, for the key it names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {problem}")]
pub struct TlsError {
    /// `server.tls_cert` or `server.tls_key`.
    pub key: &'static str,
    pub problem: String,
}

/// Reads the PEM certificate chain at `cert` and the private key at `key` and builds the server's
/// TLS config, checking that the key belongs to the certificate.
pub fn server_config(cert: &str, key: &str) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let fail = |key: &'static str, path: &str, problem: &str| TlsError { key, problem: format!("{path}: {problem}") };
    let cert_pem = read_pem(cert).map_err(|p| fail("server.tls_cert", cert, &p))?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| fail("server.tls_cert", cert, "is not a PEM certificate"))?;
    if certs.is_empty() {
        return Err(fail("server.tls_cert", cert, "no certificate found (expected -----BEGIN CERTIFICATE-----)"));
    }
    let key_pem = read_pem(key).map_err(|p| fail("server.tls_key", key, &p))?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| fail("server.tls_key", key, "no PEM private key found (expected -----BEGIN PRIVATE KEY-----)"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, private))
        .map_err(|e| fail("server.tls_key", key, &format!("does not work with the certificate: {e}")))?;
    Ok(Arc::new(config))
}

/// The file's bytes, or a problem in words that never quote them.
fn read_pem(path: &str) -> Result<Vec<u8>, String> {
    let p = Path::new(path);
    let meta = std::fs::metadata(p).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("is not a file".into());
    }
    if meta.len() > MAX_PEM_BYTES {
        return Err(format!("is larger than {} KiB, too large for a certificate or key", MAX_PEM_BYTES / 1024));
    }
    std::fs::read(p).map_err(|e| format!("cannot read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(dir: &Path, name: &str) -> (String, String) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let (c, k) = (dir.join(format!("{name}.crt")), dir.join(format!("{name}.key")));
        std::fs::write(&c, cert.cert.pem()).unwrap();
        std::fs::write(&k, cert.signing_key.serialize_pem()).unwrap();
        (c.display().to_string(), k.display().to_string())
    }

    #[test]
    fn a_pair_builds_and_each_fault_names_its_key_without_quoting_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path(), "a");
        let (other_cert, other_key) = pair(dir.path(), "b");
        assert!(server_config(&cert, &key).is_ok());
        assert!(server_config(&other_cert, &other_key).is_ok());
        let secret = dir.path().join("shadow");
        std::fs::write(&secret, "root:$6$secrethash:19000:0:99999:7:::\n-----BEGIN nope\n").unwrap();
        let secret = secret.display().to_string();
        let dir_path = dir.path().display().to_string();
        for (c, k, want) in [
            (secret.as_str(), key.as_str(), "server.tls_cert"),
            ("/no/such.crt", key.as_str(), "server.tls_cert"),
            (dir_path.as_str(), key.as_str(), "server.tls_cert"),
            ("/dev/zero", key.as_str(), "server.tls_cert"),
            (cert.as_str(), secret.as_str(), "server.tls_key"),
            (cert.as_str(), "/no/such.key", "server.tls_key"),
            (cert.as_str(), other_key.as_str(), "server.tls_key"),
            (cert.as_str(), cert.as_str(), "server.tls_key"),
        ] {
            let e = server_config(c, k).err().unwrap_or_else(|| panic!("{c} {k} must be refused"));
            assert_eq!(e.key, want, "{c} {k}: {e}");
            assert!(!e.problem.contains("secrethash") && !e.problem.contains("nope"), "never the content: {e}");
        }
    }
}
