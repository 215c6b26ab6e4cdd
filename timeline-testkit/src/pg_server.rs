//! One throwaway Postgres server: found binaries, `initdb`, `pg_ctl start`
//! and `pg_ctl stop`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

use crate::TestCertificates;

/// How many free ports [`PgServer::start`] tries before it gives up (another
/// process may take a port between our probe and the server's bind).
const START_ATTEMPTS: u32 = 5;

/// The superuser `initdb` creates; connections are trusted (loopback only).
const SUPERUSER: &str = "postgres";

/// Settings for a server whose data does not outlive the tests: loopback
/// only, no Unix socket (its default folder is not ours to write), no fsync.
const SETTINGS: &[&str] = &[
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "max_connections = 300",
    "shared_buffers = 32MB",
];

/// Lines of `pg_hba.conf` for a server that takes TLS connections only: the
/// superuser is trusted, every other role gives its password.
const TLS_ONLY_HBA: &str = "hostssl all postgres 127.0.0.1/32 trust\n\
                            hostssl all all 127.0.0.1/32 scram-sha-256\n";

/// A throwaway Postgres server on 127.0.0.1, in its own temporary folder;
/// stopped and removed on drop.
///
/// When the tests run as root (Postgres refuses to), `initdb` and `pg_ctl`
/// run as `nobody` through `runuser`, in a folder `nobody` owns.
#[derive(Debug)]
pub struct PgServer {
    dir: TempDir,
    bin: PathBuf,
    run_as: Option<&'static str>,
    port: u16,
    running: bool,
    /// The CA file a client trusts, for a server started with TLS.
    tls_ca_file: Option<PathBuf>,
}

impl PgServer {
    /// Starts a server, or returns `None` (having printed why) when the
    /// Postgres binaries are not installed and `CI` is not `true`.
    ///
    /// # Panics
    ///
    /// When the binaries are missing under `CI=true`, and when they are there
    /// but the server does not start.
    pub fn start() -> Option<PgServer> {
        PgServer::start_with(None)
    }

    /// Starts a server that takes TLS connections only, with the server
    /// certificate of `certificates` (a plaintext connection is refused:
    /// `pg_hba.conf` has `hostssl` lines only). The superuser `postgres` is
    /// trusted; roles made by [`create_role`](Self::create_role) log in with
    /// their password. [`url`](Self::url) asks for `sslmode=verify-full`
    /// against the CA of `certificates`. Returns `None` where
    /// [`start`](Self::start) does.
    ///
    /// # Panics
    ///
    /// Where [`start`](Self::start) does.
    pub fn start_tls(certificates: &TestCertificates) -> Option<PgServer> {
        PgServer::start_with(Some(certificates))
    }

    fn start_with(tls: Option<&TestCertificates>) -> Option<PgServer> {
        let Some(bin) = find_bin_dir() else {
            let message = "Postgres's `initdb` and `pg_ctl` are neither on PATH nor under \
                           /usr/lib/postgresql/*/bin: install the Debian package `postgresql`";
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need Postgres fail instead of skipping)");
            }
            eprintln!("skipping a Postgres test: {message}");
            return None;
        };
        let run_as = is_root().then_some("nobody");
        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            match PgServer::try_start(&bin, run_as, tls) {
                Ok(server) => return Some(server),
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the throwaway Postgres server did not start: {last_failure}");
    }

    fn try_start(bin: &Path, run_as: Option<&'static str>, tls: Option<&TestCertificates>) -> Result<PgServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("timeline-testkit-pg-")
            .tempdir()
            .map_err(|e| format!("no temporary folder: {e}"))?;
        if let Some(user) = run_as {
            let chown = Command::new("chown").arg(user).arg(dir.path()).output().map_err(|e| format!("chown: {e}"))?;
            check("chown", &chown)?;
        }
        let data = dir.path().join("data");
        let mut server =
            PgServer { dir, bin: bin.to_path_buf(), run_as, port: free_port()?, running: false, tls_ca_file: None };
        let initdb = server
            .tool("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"])
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        check("initdb", &initdb)?;
        let mut conf = SETTINGS.join("\n");
        conf.push_str(&format!("\nport = {}\n", server.port));
        if let Some(certificates) = tls {
            server.turn_tls_on(&data, certificates)?;
            conf.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        }
        let conf_path = data.join("postgresql.auto.conf");
        std::fs::write(&conf_path, conf).map_err(|e| format!("{}: {e}", conf_path.display()))?;
        let log = server.dir.path().join("server.log");
        let start = server
            .tool("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "start"])
            .output()
            .map_err(|e| format!("pg_ctl start: {e}"))?;
        if let Err(failure) = check("pg_ctl start", &start) {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{failure}\nserver log:\n{log}"));
        }
        server.running = true;
        Ok(server)
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of `database` on this server, as its superuser; for a server
    /// started with TLS, with `sslmode=verify-full` and `sslrootcert` naming
    /// the CA file.
    pub fn url(&self, database: &str) -> String {
        let url = format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port);
        match &self.tls_ca_file {
            Some(ca) => format!("{url}?sslmode=verify-full&sslrootcert={}", ca.display()),
            None => url,
        }
    }

    /// Creates a role that logs in with `password` (on a server started
    /// with TLS, by its password; others trust every role). `name` must be
    /// a plain identifier and `password` hold no `'`.
    ///
    /// # Panics
    ///
    /// When `name` or `password` is not as above, or the server refuses.
    pub async fn create_role(&self, name: &str, password: &str) {
        assert!(is_identifier(name), "not a plain role name: {name:?}");
        assert!(!password.contains('\''), "a password with a quote");
        let mut admin = PgConnection::connect(&self.url("postgres")).await.expect("connect to the throwaway server");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE ROLE \"{name}\" LOGIN SUPERUSER PASSWORD '{password}'")))
            .await
            .expect("create role");
        admin.close().await.expect("close the admin connection");
    }

    /// Creates the database `name` (dropping one of that name first) and
    /// returns its URL. `name` must be a plain identifier (letters, digits,
    /// `_`).
    ///
    /// # Panics
    ///
    /// When `name` is not a plain identifier or the server refuses.
    pub async fn create_database(&self, name: &str) -> String {
        assert!(is_identifier(name), "not a plain database name: {name:?}");
        let mut admin = PgConnection::connect(&self.url("postgres")).await.expect("connect to the throwaway server");
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
            .await
            .expect("drop database");
        admin.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).await.expect("create database");
        admin.close().await.expect("close the admin connection");
        self.url(name)
    }

    /// Copies the server's certificate and key into `data` (the key readable
    /// by the server's user only, as Postgres demands) and makes
    /// `pg_hba.conf` take TLS connections only.
    fn turn_tls_on(&mut self, data: &Path, certificates: &TestCertificates) -> Result<(), String> {
        let copy = |from: PathBuf, to: PathBuf| {
            std::fs::copy(&from, &to).map(drop).map_err(|e| format!("{} to {}: {e}", from.display(), to.display()))
        };
        let ca = self.dir.path().join("ca.crt");
        copy(certificates.ca_file(), ca.clone())?;
        copy(certificates.cert_file(), data.join("server.crt"))?;
        copy(certificates.key_file(), data.join("server.key"))?;
        let hba = data.join("pg_hba.conf");
        std::fs::write(&hba, TLS_ONLY_HBA).map_err(|e| format!("{}: {e}", hba.display()))?;
        let key = data.join("server.key");
        if let Some(user) = self.run_as {
            let chown = Command::new("chown")
                .arg(user)
                .args([&key, &data.join("server.crt"), &hba])
                .output()
                .map_err(|e| format!("chown: {e}"))?;
            check("chown", &chown)?;
        }
        std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", key.display()))?;
        self.tls_ca_file = Some(ca);
        Ok(())
    }

    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        // A failure here leaves a server whose folder is removed below; it
        // stops by itself when it notices (postmaster.pid gone).
        let _ = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

/// The folder holding `initdb` and `pg_ctl`: on PATH first, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian's packages put them there).
fn find_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    });
    if let Some(dir) = on_path {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether `name` is a plain SQL identifier: letters, digits and `_`, at
/// most 63 bytes.
fn is_identifier(name: &str) -> bool {
    !name.is_empty() && name.len() <= 63 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| format!("no free port: {e}"))
}

fn check(what: &str, output: &Output) -> Result<(), String> {
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
