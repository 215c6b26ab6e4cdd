//! `timeline-sandbox` as a child process, so that the client's memory and
//! CPU figures do not include the server's.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running sandbox; stopped with SIGTERM when dropped.
pub struct SandboxProcess {
    child: Child,
    url: String,
}

impl SandboxProcess {
    /// Starts the binary with a rate limit of `rate_limit` per `window` and
    /// the `extra` arguments, and waits for the URL it prints first.
    pub fn start(
        bin: &Path,
        templates: &Path,
        rate_limit: u32,
        window: Duration,
        extra: &[String],
    ) -> Result<Self, String> {
        let mut child = Command::new(bin)
            .args(["--port", "0", "--templates"])
            .arg(templates)
            .args(["--rate-limit", &rate_limit.to_string(), "--rate-window-ms", &window.as_millis().to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .map_err(|error| {
                format!(
                    "cannot start {}: {error}; build it first with `cargo build --release -p timeline-sandbox`",
                    bin.display()
                )
            })?;
        let stdout = child.stdout.take().ok_or("the sandbox has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map_err(|error| format!("reading the sandbox URL: {error}"))?;
        let url = line.split_whitespace().last().unwrap_or_default().to_owned();
        if !url.starts_with("http://") {
            let _ = child.kill();
            return Err(format!("the sandbox printed `{}` instead of its URL", line.trim()));
        }
        Ok(SandboxProcess { child, url })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The sandbox's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        // SAFETY: kill only sends a signal to the child this value owns.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}
