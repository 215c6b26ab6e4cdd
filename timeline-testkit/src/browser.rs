//! [`Browser`]: headless Chromium driven over WebDriver (Debian's
//! `chromium` and `chromium-driver`), for tests of server-rendered pages.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Debian's Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The longest wait for chromedriver to take connections.
const DRIVER_START: Duration = Duration::from_secs(20);

/// Chromium's flags: headless, no sandbox (tests may run as root), and no
/// background traffic to Google's hosts (a closed network refuses it).
const FLAGS: [&str; 12] = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--window-size=1280,900",
];

/// A chromedriver on a free loopback port, killed on drop with the
/// Chromiums it started (its process group), even those of a test that
/// panicked before closing its session; each [`session`](Self::session) is
/// a new headless Chromium with an empty profile.
///
/// ```no_run
/// # async fn test() {
/// let Some(browser) = timeline_testkit::Browser::start() else {
///     return; // chromium or chromium-driver is missing; the message says which
/// };
/// let page = browser.session().await;
/// page.goto("http://127.0.0.1:8080/admin").await.unwrap();
/// page.close().await.unwrap();
/// # }
/// ```
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    url: String,
    profiles: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver, or returns `None` after printing which Debian
    /// package is missing (`chromium`, `chromium-driver`) when `CI` is not
    /// `true`.
    ///
    /// # Panics
    ///
    /// When a package is missing under `CI=true`, and when chromedriver
    /// does not start.
    pub fn start() -> Option<Browser> {
        let missing: Vec<&str> = [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")]
            .into_iter()
            .filter(|(program, _)| !Path::new(program).exists())
            .map(|(_, package)| package)
            .collect();
        if !missing.is_empty() {
            let message = format!("the browser tests need headless Chromium: install {}", missing.join(" "));
            if std::env::var("CI").is_ok_and(|ci| ci == "true") {
                panic!("{message} (CI=true: tests that need it fail instead of skipping)");
            }
            eprintln!("skipping a browser test: {message}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".to_owned()])
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < DRIVER_START, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profiles = tempfile::tempdir().expect("a folder for the browser's profiles");
        Some(Browser { driver, url: format!("http://127.0.0.1:{port}"), profiles })
    }

    /// A new headless Chromium session with an empty profile (no cookies).
    ///
    /// # Panics
    ///
    /// When chromedriver cannot start Chromium.
    pub async fn session(&self) -> Client {
        let profile = tempfile::tempdir_in(self.profiles.path()).expect("a profile folder").keep();
        let mut args: Vec<String> = FLAGS.iter().map(|flag| (*flag).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({ "goog:chromeOptions": { "binary": CHROMIUM, "args": args } });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("chromedriver starts a headless Chromium")
    }

    /// Where the browser tests put their screenshots:
    /// `console-screenshots/` in the target folder of the running test
    /// binary; made when missing.
    pub fn screenshots_dir() -> PathBuf {
        let exe = std::env::current_exe().expect("the test binary's path");
        let target = exe.ancestors().nth(3).map(Path::to_owned).expect("a test binary under target/<profile>/deps");
        let dir = target.join("console-screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots' folder can be made");
        dir
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, which its Chromiums join.
        let group = format!("-{}", self.driver.id());
        let killed = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        if !killed.is_ok_and(|status| status.success()) {
            // Already gone is as good as killed.
            let _ = self.driver.kill();
        }
        let _ = self.driver.wait();
    }
}
