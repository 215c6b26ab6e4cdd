//! One throwaway Redis server: `redis-server` as a child process on a free
//! loopback port, without persistence, in its own temporary folder.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::TestCertificates;

/// How many free ports [`RedisServer::start`] tries before it gives up
/// (another process may take a port between our probe and the server's bind).
const START_ATTEMPTS: u32 = 5;

/// How long a started server has to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A throwaway Redis server on 127.0.0.1 (`--save "" --appendonly no`), a
/// child process killed on drop.
///
/// [`stop`](Self::stop) and [`start_again`](Self::start_again) take it down
/// and bring it back on the same port, so clients reconnect: an outage, for
/// the tests of what a client does while Redis is away.
///
/// ```no_run
/// let Some(mut redis) = timeline_testkit::RedisServer::start() else {
///     return; // redis-server is not installed here; the message says so
/// };
/// let url = redis.url(); // redis://127.0.0.1:PORT
/// redis.stop();
/// redis.start_again();
/// # let _ = url;
/// ```
#[derive(Debug)]
pub struct RedisServer {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
    /// The certificate files of a server started with TLS.
    tls: Option<TlsFiles>,
}

/// Where a TLS server's certificates are (copies of a [`TestCertificates`]'s).
#[derive(Debug, Clone)]
struct TlsFiles {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl RedisServer {
    /// Starts a server, or returns `None` (having printed why) when
    /// `redis-server` is not installed and `CI` is not `true`.
    ///
    /// # Panics
    ///
    /// When the binary is missing under `CI=true`, and when it is there but
    /// the server does not start.
    pub fn start() -> Option<RedisServer> {
        RedisServer::start_with(None)
    }

    /// Starts a server that speaks TLS only (`--port 0 --tls-port PORT`,
    /// clients not asked for certificates), with the server certificate of
    /// `certificates`; [`url`](Self::url) is then `rediss://127.0.0.1:PORT`.
    /// Returns `None` where [`start`](Self::start) does, and (having said
    /// why) when this `redis-server` was built without TLS and `CI` is not
    /// `true`.
    ///
    /// # Panics
    ///
    /// Where [`start`](Self::start) does, and when the build lacks TLS under
    /// `CI=true`.
    pub fn start_tls(certificates: &TestCertificates) -> Option<RedisServer> {
        RedisServer::start_with(Some(certificates))
    }

    fn start_with(certificates: Option<&TestCertificates>) -> Option<RedisServer> {
        let Some(bin) = find_on_path("redis-server") else {
            let message = "`redis-server` is not on PATH: install the Debian package `redis-server`";
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need Redis fail instead of skipping)");
            }
            eprintln!("skipping a Redis test: {message}");
            return None;
        };
        if certificates.is_some() && !speaks_tls(&bin) {
            let message = format!(
                "{} was built without TLS (it does not know --tls-port): install the Debian package \
                 `redis-server`, which is built with it",
                bin.display()
            );
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need Redis over TLS fail instead of skipping)");
            }
            eprintln!("skipping a Redis TLS test: {message}");
            return None;
        }
        let mut last_failure = String::new();
        for _ in 0..START_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("timeline-testkit-redis-")
                .tempdir()
                .unwrap_or_else(|e| panic!("no temporary folder: {e}"));
            let port = match free_port() {
                Ok(port) => port,
                Err(failure) => {
                    last_failure = failure;
                    continue;
                }
            };
            let tls = match certificates.map(|certificates| copy_certificates(certificates, dir.path())).transpose() {
                Ok(tls) => tls,
                Err(failure) => panic!("{failure}"),
            };
            let mut server = RedisServer { dir, bin: bin.clone(), port, child: None, tls };
            match server.launch() {
                Ok(()) => return Some(server),
                Err(failure) => last_failure = failure,
            }
        }
        panic!("the throwaway Redis server did not start: {last_failure}");
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's URL: `redis://127.0.0.1:PORT`, or `rediss://…` for a
    /// server started with TLS.
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Whether the server is running (not [`stop`](Self::stop)ped).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Kills the server and waits for it to exit: its port refuses
    /// connections until [`start_again`](Self::start_again). Its data is lost
    /// (nothing is saved). Nothing happens when it is stopped already.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, empty, and waits until it
    /// answers `PING`. Nothing happens when it is running.
    ///
    /// # Panics
    ///
    /// When it does not start (the port was taken meanwhile, say).
    pub fn start_again(&mut self) {
        if self.child.is_none() {
            self.launch().unwrap_or_else(|failure| panic!("the throwaway Redis server did not start again: {failure}"));
        }
    }

    /// Spawns `redis-server` and waits until it is ready: its `PONG`, or
    /// (with TLS) the line of its log that says so.
    fn launch(&mut self) -> Result<(), String> {
        let log = self.dir.path().join("server.log");
        let port = self.port.to_string();
        let mut command = Command::new(&self.bin);
        match &self.tls {
            None => command.args(["--port", &port]),
            Some(tls) => command
                .args(["--port", "0", "--tls-port", &port, "--tls-auth-clients", "no", "--tls-cert-file"])
                .arg(&tls.cert)
                .arg("--tls-key-file")
                .arg(&tls.key)
                .arg("--tls-ca-cert-file")
                .arg(&tls.ca),
        };
        // A restart starts a new log, so that readiness is read from this run's.
        let _ = std::fs::remove_file(&log);
        let mut child = command
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--logfile"])
            .arg(&log)
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.bin.display()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let ready = match self.tls {
                None => answers_ping(self.port),
                Some(_) => std::fs::read_to_string(&log).is_ok_and(|log| log.contains("Ready to accept connections")),
            };
            if ready {
                self.child = Some(child);
                return Ok(());
            }
            let exited = child.try_wait().map_err(|e| format!("redis-server: {e}"))?;
            if exited.is_some() || Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!(
                    "redis-server did not answer PING on port {} (exit: {exited:?})\nserver log:\n{log}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether a server on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut answer = [0u8; 7];
    stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
}

/// Whether `redis-server` knows the TLS options: a build without TLS calls
/// `--tls-port` a bad directive, one with TLS complains only that it was
/// told to listen nowhere.
fn speaks_tls(bin: &std::path::Path) -> bool {
    Command::new(bin).args(["--port", "0", "--tls-port", "0"]).stdin(Stdio::null()).output().is_ok_and(|output| {
        let said = [output.stdout, output.stderr].concat();
        !String::from_utf8_lossy(&said).contains("Bad directive")
    })
}

/// Copies the certificate files into the server's folder, so they live as
/// long as the server does.
fn copy_certificates(certificates: &TestCertificates, dir: &std::path::Path) -> Result<TlsFiles, String> {
    let files = TlsFiles { ca: dir.join("ca.crt"), cert: dir.join("server.crt"), key: dir.join("server.key") };
    for (from, to) in [
        (certificates.ca_file(), &files.ca),
        (certificates.cert_file(), &files.cert),
        (certificates.key_file(), &files.key),
    ] {
        std::fs::copy(&from, to).map_err(|e| format!("{} to {}: {e}", from.display(), to.display()))?;
    }
    Ok(files)
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| format!("no free port: {e}"))
}
