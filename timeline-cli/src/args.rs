//! The command line: commands and their options.

use std::path::PathBuf;
use std::time::Duration;
use timeline_core::AccountId;

use clap::{Args, Parser, Subcommand};
use timeline_sandbox::SandboxOptions;

/// The environment variables, listed at the end of `--help`.
const ENVIRONMENT: &str = "\
Credentials come from the environment, never from the command line:
  HUBSPOT_ACCESS_TOKEN    a private app token or OAuth access token (events, and templates
                          when no developer key is set)
  HUBSPOT_DEVELOPER_KEY   the developer API key (`hapikey`) for the template calls
  HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, HUBSPOT_REFRESH_TOKEN
                          OAuth credentials, renewed as needed, instead of an access token
  HUBSPOT_OAUTH_API       the OAuth API of the renewals: 2026-03 (the default) or v1

Workflow: `timeline templates pull` → `timeline codegen` (or annotate your own structs with
#[timeline(template = \"…\")]) → cargo build checks every event against its template →
`timeline send` backfills events from NDJSON, checked against the same file.";

/// The exit codes of `send`, listed at the end of its `--help`.
const SEND_EXIT_CODES: &str = "\
Exit codes:
  0  every line was stored (with --dry-run: every line passed the checks)
  1  the run finished and some lines failed; they are in the failures file
  2  the run stopped or was refused: bad arguments, unreadable files, refused credentials, a
     checkpoint that does not fit, or HubSpot unable to take more (the daily limit, an outage;
     rerun the same command to continue)";

/// The highest `--rate-limit`: requests per 10 seconds, far above any
/// HubSpot limit (at most a few hundred).
pub const MAX_RATE_LIMIT: u32 = 100_000;

/// Reads an age: numbers, each with a unit (`s`, `m`, `h`, `d`, `w`), as in
/// `7d`, `12h` or `1d12h`.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let invalid = || format!("{text:?} is not an age such as 7d, 12h, 30m or 1d12h (units: s, m, h, d, w)");
    let mut seconds: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
        let number: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        let unit = rest[digits..].chars().next().ok_or_else(invalid)?;
        let scale = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(invalid()),
        };
        seconds = number.checked_mul(scale).and_then(|part| seconds.checked_add(part)).ok_or_else(invalid)?;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Ok(Duration::from_secs(seconds))
}

/// Typed HubSpot CRM timeline events: pull templates, generate Rust event
/// types from them, and backfill events.
#[derive(Debug, Parser)]
#[command(name = "timeline", version, after_help = ENVIRONMENT)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// What `timeline relay --help` says of the console and `/metrics`.
const RELAY_OPERATORS: &str = "Operators:
  TIMELINE_ADMIN_TOKEN        turns the console on at /admin (log in with it, or send it as a bearer token)
  TIMELINE_ADMIN_READ_TOKEN   a second token that sees the console's pages but cannot act
  /metrics                    Prometheus' text format; asks for one of the two tokens when they are set";

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with an app's event templates.
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Print Rust event types (`#[derive(TimelineEvent)]` structs and `TimelineToken` enums) for template files.
    Codegen(CodegenArgs),
    /// Turn a v3 event template file into an app-event `*-hsmeta.json` definition.
    Migrate(MigrateArgs),
    /// Send events from an NDJSON file, checked against a template file, resumably.
    #[command(after_help = SEND_EXIT_CODES)]
    Send(SendArgs),
    /// Run the local HubSpot stand-in (the options of the `timeline-sandbox` binary).
    Sandbox(SandboxArgs),
    /// Look into a dispatcher's outbox: list what waits and what is dead, retry dead letters, purge old rows.
    Outbox(OutboxArgs),
    /// Serve HubSpot's timeline create paths in front of a dispatcher and its outbox, for HubSpot's
    /// own clients in any language (change only their base URL).
    #[command(after_help = RELAY_OPERATORS)]
    Relay(crate::relay::RelayArgs),
}

/// `timeline templates …`
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Fetch every event template of an app and write each to DIR/ID.json, keys sorted, so diffs are clean.
    Pull(PullArgs),
    /// Create or update the app's templates from template files (as `pull` writes them).
    Push(PushArgs),
}

/// Where the API is.
#[derive(Debug, Clone, Args)]
pub struct Connection {
    /// The API's base URL; plain HTTP only for loopback hosts.
    #[arg(long, env = "HUBSPOT_BASE_URL", default_value = timeline_core::DEFAULT_BASE_URL)]
    pub base_url: String,
}

/// `timeline templates pull`
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The app whose templates to fetch.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    pub app_id: i32,
    /// The folder to write the files to (created if needed).
    #[arg(long, default_value = "timeline")]
    pub out: PathBuf,
    /// Write nothing: compare the app's templates with the files in `--out`, print a diff of every
    /// one that differs, is missing or is extra, and exit 1 if any does (0 when all match).
    #[arg(long)]
    pub check: bool,
    /// The API.
    #[command(flatten)]
    pub connection: Connection,
}

/// `timeline templates push`
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The app whose templates to create or update.
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..))]
    pub app_id: i32,
    /// Template files in HubSpot's get-template JSON (as `pull` writes them). A file whose `id` is
    /// a template of the app updates it; one without an `id`, or with an id the app does not
    /// have, creates a new template.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print what would be created and updated, and send no write.
    #[arg(long)]
    pub dry_run: bool,
    /// The API.
    #[command(flatten)]
    pub connection: Connection,
}

/// `timeline codegen`
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// Template files: HubSpot's get-template JSON (as `pull` writes it) or app-event `*-hsmeta.json`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The folder of the crate that will hold the code; the files' paths are written relative to it.
    #[arg(long, default_value = ".")]
    pub crate_dir: PathBuf,
    /// Generate a v3 timeline event with this template id, checked against an app-event
    /// definition (one FILE only); without it, an app-event definition gives an app-event struct.
    #[arg(long)]
    pub template_id: Option<String>,
}

/// `timeline migrate`
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The v3 event template file: HubSpot's get-template JSON, as `templates pull` writes it.
    pub file: PathBuf,
    /// Where to write the app-event definition (HubSpot finds them as
    /// `src/app/app-events/*-hsmeta.json`) [default: standard output].
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// The definition's `uid` [default: the template's name in snake case].
    #[arg(long)]
    pub uid: Option<String>,
    /// The event type's `config.name`, at most 50 characters [default: the template's name].
    #[arg(long)]
    pub name: Option<String>,
}

/// `timeline send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The template file every event is checked against and sent with: HubSpot's template JSON,
    /// or an app-event definition (`*-hsmeta.json`), whose lines are app events (`eventTypeName`,
    /// `properties`, …) sent to the app-event API.
    #[arg(long)]
    pub template: PathBuf,
    /// The template id to send the lines of an app-event definition file with as v3 timeline
    /// events of that template, instead of as app events.
    #[arg(long)]
    pub template_id: Option<String>,
    /// The events, one JSON object per line (see the README for the line format); `-` reads
    /// standard input, which keeps no checkpoint (a pipe cannot be resumed).
    pub events: PathBuf,
    /// Where progress is recorded for resuming [default: EVENTS.checkpoint]. A run resumes only
    /// while the lines it already sent are unchanged (lines appended since are sent too).
    /// Refused with `-`.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Start from line 1, replacing the checkpoint and the failures file of an earlier run.
    /// Refused with `-`.
    #[arg(long)]
    pub restart: bool,
    /// Where failed lines are written with their reasons, as NDJSON [default: EVENTS.failed.ndjson;
    /// `stdin.failed.ndjson` for `-`; with `--dry-run`, EVENTS.dry-run.failed.ndjson or
    /// `stdin.dry-run.failed.ndjson`].
    #[arg(long)]
    pub failures: Option<PathBuf>,
    /// Check every line (parsing, the template, ids) and write the summary and failures file,
    /// but send nothing: no request is made, not even for OAuth, and no checkpoint is read or
    /// written. Lines are read from line 1.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the final summary as one JSON object on stdout (`lines`, `created`, `failed`,
    /// `resumed_at`, `failures`, `checkpoint`, `dry_run`) and nothing else there; progress and
    /// messages stay on stderr.
    #[arg(long)]
    pub json: bool,
    /// Lines sent between two checkpoints.
    #[arg(long, default_value_t = 1000)]
    pub checkpoint_every: usize,
    /// Events per batch request.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,
    /// Batch requests under way at once.
    #[arg(long, default_value_t = 4)]
    pub max_in_flight: usize,
    /// Requests per 10 seconds the client paces itself to, from 1 to 100000 (HubSpot's app limit by default).
    #[arg(long, default_value_t = 110, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_RATE_LIMIT)))]
    pub rate_limit: u32,
    /// Hide the progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// The API.
    #[command(flatten)]
    pub connection: Connection,
}

/// `timeline sandbox`
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The sandbox's options.
    #[command(flatten)]
    pub options: SandboxOptions,
}

/// `timeline outbox`
#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Which outbox.
    #[command(flatten)]
    pub target: OutboxTarget,
    /// The schema of the Postgres outbox (with `--postgres`) [default: timeline_outbox].
    #[cfg(feature = "postgres")]
    #[arg(long, value_name = "NAME")]
    pub schema: Option<String>,
    /// A PEM file of the CAs the Postgres server's certificate must chain to (with `--postgres`):
    /// the connection is then TLS, verified (`sslmode=verify-full` unless the URL says
    /// `verify-ca`). Without it the URL's `sslmode` and `sslrootcert` decide.
    #[cfg(feature = "postgres")]
    #[arg(long, value_name = "PATH", env = "TIMELINE_POSTGRES_CA_FILE")]
    pub postgres_ca_file: Option<PathBuf>,
    /// What to do with it.
    #[command(subcommand)]
    pub command: OutboxCommand,
}

/// The outbox `timeline outbox` works on: exactly one of its options.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct OutboxTarget {
    /// The SQLite outbox file of a dispatcher (it must exist: a mistyped path is not created).
    #[arg(long, value_name = "PATH")]
    pub sqlite: Option<PathBuf>,
    /// The Postgres database of a dispatcher's Postgres outbox, as `postgres://USER@HOST:PORT/DB`
    /// (its tables must be there: nothing is migrated). Keep the password out of the URL: it is
    /// read from PGPASSWORD or ~/.pgpass. For TLS add `?sslmode=verify-full` (and
    /// `--postgres-ca-file` for a private CA).
    #[cfg(feature = "postgres")]
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

/// `timeline outbox …`
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Print the rows per state, each account's rows (pending, claimed, dead, delivered in the
    /// last hour, oldest undelivered, pause), the dead letters grouped by reason, then the dead
    /// letters (with their reasons), the pending and the claimed rows, oldest first. A SQLite
    /// outbox's claims live in the memory of the process delivering from it: here its rows in
    /// flight show as pending.
    List(OutboxListArgs),
    /// Make dead letters pending again, due now, their attempt numbers kept.
    Retry(OutboxDeadArgs),
    /// Remove dead letters (never a row in another state); an event dropped and emitted again is
    /// sent again.
    Drop(OutboxDeadArgs),
    /// Pause an account: no dispatcher claims its rows, which wait pending, until it is resumed
    /// (its batches under way end normally).
    Pause(OutboxPauseArgs),
    /// Resume a paused account (one paused by hand, or by a dispatcher because its install was
    /// revoked: resume it once it installed the app again).
    Resume(OutboxResumeArgs),
    /// Remove delivered and dead rows settled longer ago than an age (a purged event that is
    /// emitted again is sent again).
    Purge(OutboxPurgeArgs),
}

/// `timeline outbox list`
#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only the rows of this account.
    #[arg(long)]
    pub account: Option<AccountId>,
    /// Only rows in this state (delivered rows are listed only when asked for).
    #[arg(long, value_enum)]
    pub state: Option<OutboxState>,
    /// At most this many rows of each state.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print one JSON object on stdout (`counts`, `accounts`, `rows`) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A row state, as `--state` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutboxState {
    /// Waiting for a claim.
    Pending,
    /// Claimed by a dispatcher, under a lease.
    Claimed,
    /// Delivered, kept until purged.
    Delivered,
    /// A permanent failure.
    Dead,
}

/// Which dead letters `timeline outbox retry` and `timeline outbox drop` take: those every
/// option given matches.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).multiple(true).args(["all", "account", "id", "row", "reason"])))]
pub struct OutboxDeadArgs {
    /// Every dead letter.
    #[arg(long, conflicts_with_all = ["account", "id", "row", "reason"])]
    pub all: bool,
    /// The dead letters of this account.
    #[arg(long)]
    pub account: Option<AccountId>,
    /// The dead letter with this event id.
    #[arg(long)]
    pub id: Option<String>,
    /// The dead letter in this row (as `list` shows it).
    #[arg(long)]
    pub row: Option<i64>,
    /// The dead letters with exactly this reason (as `list` groups them).
    #[arg(long)]
    pub reason: Option<String>,
    /// Print `{"requeued": N}` (retry) or `{"dropped": N}` (drop) on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `timeline outbox pause`
#[derive(Debug, Args)]
pub struct OutboxPauseArgs {
    /// The account.
    #[arg(value_name = "ACCOUNT")]
    pub account: AccountId,
    /// Why, as `list` shows it.
    #[arg(long, default_value = "paused by an operator")]
    pub reason: String,
    /// Print `{"paused": true}` (false: it was paused already) on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `timeline outbox resume`
#[derive(Debug, Args)]
pub struct OutboxResumeArgs {
    /// The account.
    #[arg(value_name = "ACCOUNT")]
    pub account: AccountId,
    /// Print `{"resumed": true}` (false: it was not paused) on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `timeline outbox purge`
#[derive(Debug, Args)]
pub struct OutboxPurgeArgs {
    /// The age past which delivered and dead rows go: a number and a unit, `s`, `m`, `h`, `d` or
    /// `w`, or several (`7d`, `12h`, `1d12h`).
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub older_than: Duration,
    /// Print `{"purged": N, "before": TIME}` on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn send_with_rate_limit(limit: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["timeline", "send", "--template", "t.json", "events.ndjson", "--rate-limit", limit])
    }

    #[test]
    fn the_rate_limit_is_bounded_with_a_clear_message() {
        for refused in ["4294967295", "100001", "0"] {
            let error = send_with_rate_limit(refused).unwrap_err().to_string();
            assert!(error.contains("--rate-limit") && error.contains("1..=100000"), "{error}");
        }
        let accepted = send_with_rate_limit(&MAX_RATE_LIMIT.to_string()).unwrap();
        assert!(matches!(accepted.command, Command::Send(args) if args.rate_limit == MAX_RATE_LIMIT));
    }

    #[test]
    fn ages_read_units_and_sums() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(parse_age("1d12h30m5s"), Ok(Duration::from_secs(86_400 + 12 * 3600 + 30 * 60 + 5)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("0s"), Ok(Duration::ZERO));
        for bad in ["", "7", "d", "7x", "-1d", "1.5h", "99999999999999999999d", "7d 1h"] {
            assert!(parse_age(bad).is_err(), "{bad:?}");
        }
    }
}
