//! Certificates made in process for the throwaway servers' TLS: a
//! certificate authority and a server certificate it signed, as PEM files.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tempfile::TempDir;

/// The names the server certificate is valid for.
const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A certificate authority of its own and a server certificate it signed
/// for `localhost` and `127.0.0.1`, written as PEM files to a temporary
/// folder (removed on drop).
///
/// Give it to [`RedisServer::start_tls`](crate::RedisServer::start_tls) or
/// [`PgServer::start_tls`](crate::PgServer::start_tls); a client trusts the
/// server through [`ca_file`](Self::ca_file). Another `TestCertificates`
/// is a wrong CA for the same server.
///
/// ```
/// let certificates = timeline_testkit::TestCertificates::new();
/// let ca = std::fs::read_to_string(certificates.ca_file()).unwrap();
/// assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
#[derive(Debug)]
pub struct TestCertificates {
    dir: TempDir,
}

impl TestCertificates {
    /// Makes a CA and a server certificate with new keys.
    ///
    /// # Panics
    ///
    /// When the keys or certificates cannot be made or written.
    pub fn new() -> TestCertificates {
        let dir = tempfile::Builder::new().prefix("timeline-testkit-tls-").tempdir().expect("a temporary folder");
        let ca_key = KeyPair::generate().expect("a CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "timeline-testkit CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("a server key");
        let names: Vec<String> = SERVER_NAMES.iter().map(|name| (*name).to_owned()).collect();
        let mut server_params = CertificateParams::new(names).expect("server parameters");
        server_params.distinguished_name.push(DnType::CommonName, "localhost");
        let server_cert = server_params.signed_by(&server_key, &issuer).expect("the server certificate");

        let certificates = TestCertificates { dir };
        write(&certificates.ca_file(), &ca_cert.pem());
        write(&certificates.cert_file(), &server_cert.pem());
        write(&certificates.key_file(), &server_key.serialize_pem());
        certificates
    }

    /// The CA's certificate (PEM): what a client trusts.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// The server's certificate (PEM), signed by the CA.
    pub fn cert_file(&self) -> PathBuf {
        self.dir.path().join("server.crt")
    }

    /// The server's private key (PEM, PKCS #8).
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("server.key")
    }
}

impl Default for TestCertificates {
    fn default() -> Self {
        TestCertificates::new()
    }
}

fn write(path: &Path, pem: &str) {
    std::fs::write(path, pem).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
