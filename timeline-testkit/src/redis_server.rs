//! One throwaway Redis server: `redis-server` as a child process on a free
//! loopback port, without persistence, in its own temporary folder.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

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
        let Some(bin) = find_on_path("redis-server") else {
            let message = "`redis-server` is not on PATH: install the Debian package `redis-server`";
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need Redis fail instead of skipping)");
            }
            eprintln!("skipping a Redis test: {message}");
            return None;
        };
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
            let mut server = RedisServer { dir, bin: bin.clone(), port, child: None };
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

    /// The server's URL, `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
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

    /// Spawns `redis-server` and waits for its `PONG`.
    fn launch(&mut self) -> Result<(), String> {
        let log = self.dir.path().join("server.log");
        let mut child = Command::new(&self.bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
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
            if answers_ping(self.port) {
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

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|candidate| candidate.is_file())
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|addr| addr.port()).map_err(|e| format!("no free port: {e}"))
}
