//! HubSpot's official clients, installed for the tests that point them at
//! our servers: `@hubspot/api-client` (Node) and `hubspot-api-client`
//! (Python), at the versions pinned for the benchmarks
//! (`benches/peers/node/package-lock.json`,
//! `benches/peers/python/requirements.txt`), under
//! `target/official-clients/` from the npm and Python registries.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// The workspace's root, where the pins are.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// The scripts that drive the clients.
const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/clients");

/// Which official client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfficialClient {
    /// `@hubspot/api-client`, with its `basePath` set.
    Node,
    /// `hubspot-api-client`, with its configuration's `host` set.
    Python,
}

/// What happened to one batch an official client sent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BatchOutcome {
    /// The batch's position.
    pub batch: usize,
    /// The answer's HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// The client's error message, when it raised one.
    pub message: Option<String>,
    /// The ids of the inputs a 207 answer refused, as the client read its
    /// `errors` (the Node client; empty for the Python one, which reads no
    /// 2xx body).
    #[serde(default, rename = "refusedIds")]
    pub refused_ids: Vec<String>,
}

/// The installed clients; see [`OfficialClients::install`].
///
/// ```no_run
/// use timeline_testkit::{OfficialClient, OfficialClients};
/// let Some(clients) = OfficialClients::install() else {
///     return; // node, npm or python3 with venv is missing; the message says which
/// };
/// let batches = r#"[[{"eventTemplateId": "1001298", "id": "a-1", "objectId": "5100001",
///     "tokens": {"petName": "Rex"}}]]"#;
/// let outcomes = clients.send_batches(OfficialClient::Node, "http://127.0.0.1:40123", "token", batches, 1);
/// assert_eq!(outcomes[0].status, Some(201));
/// ```
#[derive(Debug, Clone)]
pub struct OfficialClients {
    dir: PathBuf,
}

impl OfficialClients {
    /// Installs both clients once per target folder (later calls, from any
    /// test process, find them installed), or returns `None` after printing
    /// which Debian package is missing (`nodejs`, `npm`, `python3-venv`)
    /// when `CI` is not `true`.
    ///
    /// # Panics
    ///
    /// When a runtime is missing under `CI=true`, and when an install fails.
    pub fn install() -> Option<OfficialClients> {
        let missing: Vec<&str> = [
            ("node", &["--version"][..], "nodejs"),
            ("npm", &["--version"][..], "npm"),
            ("python3", &["-m", "venv", "--help"][..], "python3-venv"),
        ]
        .into_iter()
        .filter(|(program, args, _)| !runs(Command::new(program).args(*args)))
        .map(|(_, _, package)| package)
        .collect();
        if !missing.is_empty() {
            let message = format!(
                "HubSpot's official clients need node, npm and python3 with venv: install {}",
                missing.join(" ")
            );
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need them fail instead of skipping)");
            }
            eprintln!("skipping a test with HubSpot's official clients: {message}");
            return None;
        }
        let dir = target_dir().join("official-clients");
        std::fs::create_dir_all(&dir).expect("the clients' folder can be made");
        // One installer at a time across test processes; the others wait, then find it done.
        let lock = File::create(dir.join("install.lock")).expect("the install lock can be made");
        lock.lock().expect("the install lock can be taken");
        let done = dir.join("installed");
        if !done.exists() {
            install_node(&dir.join("node"));
            install_python(&dir.join("venv"));
            File::create(&done).expect("the install is recorded");
        }
        Some(OfficialClients { dir })
    }

    /// Sends `batches` (a JSON array of batches, each an array of v3 inputs
    /// as HubSpot's batch create takes them, `timestamp` as text) with
    /// `client` pointed at `base_url`, `concurrency` batches at a time (the
    /// Python script sends one at a time), and returns each batch's outcome.
    ///
    /// # Panics
    ///
    /// When the script fails or prints no outcomes.
    pub fn send_batches(
        &self,
        client: OfficialClient,
        base_url: &str,
        access_token: &str,
        batches: &str,
        concurrency: usize,
    ) -> Vec<BatchOutcome> {
        let file = tempfile::NamedTempFile::new().expect("a temporary file for the batches");
        std::fs::write(file.path(), batches).expect("the batches are written");
        let mut command = match client {
            OfficialClient::Node => {
                let mut node = Command::new("node");
                node.env("NODE_PATH", self.dir.join("node/node_modules"))
                    .arg(Path::new(SCRIPTS).join("send_batches.js"))
                    .args([base_url, access_token])
                    .arg(file.path())
                    .arg(concurrency.to_string());
                node
            }
            OfficialClient::Python => {
                let mut python = Command::new(self.dir.join("venv/bin/python"));
                python.arg(Path::new(SCRIPTS).join("send_batches.py")).args([base_url, access_token]).arg(file.path());
                python
            }
        };
        let output = command.stderr(Stdio::inherit()).output().expect("the client's runtime starts");
        assert!(output.status.success(), "the {client:?} client's script failed: {:?}", output.status);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "the {client:?} client's script printed no outcomes ({error}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }
}

/// Whether `command` runs and succeeds (its output dropped).
fn runs(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}

/// The target folder the running test binary was built in (`target/<profile>/deps/<test>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(3).map(Path::to_owned).expect("a test binary under target/<profile>/deps")
}

/// `npm ci` of the pinned Node client into `dir`.
fn install_node(dir: &Path) {
    std::fs::create_dir_all(dir).expect("the Node client's folder can be made");
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(Path::new(WORKSPACE).join("benches/peers/node").join(file), dir.join(file))
            .expect("the Node client's pins are copied");
    }
    let installed = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("npm starts");
    assert!(installed.success(), "npm ci of @hubspot/api-client failed: {installed:?}");
}

/// A virtual environment at `dir` with the pinned Python client.
fn install_python(dir: &Path) {
    let made = Command::new("python3").args(["-m", "venv"]).arg(dir).status().expect("python3 starts");
    assert!(made.success(), "python3 -m venv failed: {made:?}");
    let installed = Command::new(dir.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(Path::new(WORKSPACE).join("benches/peers/python/requirements.txt"))
        .status()
        .expect("pip starts");
    assert!(installed.success(), "pip install of hubspot-api-client failed: {installed:?}");
}
