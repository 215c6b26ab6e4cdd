//! `timeline`, the command line of [hubspot-timeline](https://docs.rs/hubspot-timeline):
//! pull an app's event templates, generate typed Rust events from them,
//! migrate them to app-event definitions, backfill events from NDJSON, run
//! the local sandbox, look into a dispatcher's outbox, and run the relay.
//!
//! The binary is a thin layer over this library: each command is a
//! function ([`pull::pull`], [`pull::check`], [`push::plan`], [`codegen::generate`], [`migrate::migrate`], [`send::send`], [`outbox::list`], [`relay::run`]) that
//! tests and other programs can call.

#![deny(missing_docs)]

pub mod args;
pub mod canonical_json;
pub mod codegen;
pub mod connection;
pub mod error;
pub mod line_diff;
pub mod migrate;
pub mod outbox;
pub mod pull;
pub mod push;
pub mod relay;
pub mod send;

use std::process::ExitCode;

use args::{
    Cli, CodegenArgs, Command, MigrateArgs, OutboxArgs, OutboxCommand, PullArgs, PushArgs, SandboxArgs, SendArgs,
    TemplatesCommand,
};
use error::CliError;

/// Runs a parsed command line; the exit code is 0 on success, 1 when
/// `send` finished with failed lines or `templates pull --check` found
/// templates that differ from their files.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Templates(TemplatesCommand::Pull(args)) if args.check => run_pull_check(&args).await,
        Command::Templates(TemplatesCommand::Pull(args)) => run_pull(&args).await,
        Command::Templates(TemplatesCommand::Push(args)) => run_push(&args).await,
        Command::Codegen(args) => run_codegen(&args),
        Command::Migrate(args) => run_migrate(&args),
        Command::Send(args) => run_send(&args).await,
        Command::Sandbox(args) => run_sandbox(&args).await,
        Command::Outbox(args) => run_outbox(&args).await,
        Command::Relay(args) => relay::run(&args).await,
    }
}

async fn run_pull(args: &PullArgs) -> Result<ExitCode, CliError> {
    let client = connection::client_builder(&args.connection)?.build()?;
    let pulled = pull::pull(&client, args.app_id, &args.out).await?;
    for file in &pulled.files {
        println!("{}", file.display());
    }
    eprintln!("{} templates, {} changed", pulled.files.len(), pulled.changed);
    Ok(ExitCode::SUCCESS)
}

async fn run_pull_check(args: &PullArgs) -> Result<ExitCode, CliError> {
    let client = connection::client_builder(&args.connection)?.build()?;
    let drift = pull::check(&client, args.app_id, &args.out).await?;
    if drift.is_empty() {
        println!("the {} templates of app {} match the files in {}", drift.matching, args.app_id, args.out.display());
        return Ok(ExitCode::SUCCESS);
    }
    for difference in &drift.differences {
        print!("{}", difference.diff);
    }
    eprintln!(
        "{} of the app's templates and the files in {} differ; run `timeline templates pull` to update the files",
        drift.differences.len(),
        args.out.display()
    );
    Ok(ExitCode::from(1))
}

async fn run_push(args: &PushArgs) -> Result<ExitCode, CliError> {
    let definitions = args.files.iter().map(|file| push::Definition::read(file)).collect::<Result<Vec<_>, _>>()?;
    let client = connection::client_builder(&args.connection)?.build()?;
    let templates = client.templates(args.app_id);
    let plan = push::plan(&templates.list().await?, definitions)?;
    if plan.is_empty() {
        println!("every template is as its file says: nothing to push");
        return Ok(ExitCode::SUCCESS);
    }
    for step in &plan {
        if args.dry_run {
            println!("would {step}");
        } else {
            let done = push::apply(&templates, step).await?;
            println!("{done}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn run_codegen(args: &CodegenArgs) -> Result<ExitCode, CliError> {
    if args.template_id.is_some() && args.files.len() != 1 {
        return Err(CliError::Usage("--template-id goes with exactly one FILE".to_owned()));
    }
    let sources = args
        .files
        .iter()
        .map(|file| codegen::Source::read(file, &args.crate_dir, args.template_id.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    print!("{}", codegen::generate(&sources));
    Ok(ExitCode::SUCCESS)
}

fn run_migrate(args: &MigrateArgs) -> Result<ExitCode, CliError> {
    let options = migrate::Options { uid: args.uid.clone(), name: args.name.clone() };
    let migrated = migrate::migrate_file(&args.file, &options)?;
    for token in &migrated.dropped {
        eprintln!("token `{token}`: its `objectPropertyName` has no place in an app-event property and was left out");
    }
    match &args.out {
        Some(out) => {
            std::fs::write(out, &migrated.text).map_err(CliError::io(out))?;
            eprintln!("app event `{}` written to {}", migrated.uid, out.display());
        }
        None => print!("{}", migrated.text),
    }
    Ok(ExitCode::SUCCESS)
}

async fn run_send(args: &SendArgs) -> Result<ExitCode, CliError> {
    let summary = send::send(args).await?;
    if args.json {
        println!("{}", serde_json::to_string(&summary).unwrap_or_default());
    } else {
        println!(
            "{} lines {}: {} events {}, {} failed{}",
            summary.lines,
            if summary.dry_run { "checked (dry run, nothing sent)" } else { "done" },
            summary.created,
            if summary.dry_run { "would be sent" } else { "stored" },
            summary.failed,
            if summary.failed > 0 { format!(" (see {})", summary.failures.display()) } else { String::new() }
        );
    }
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

async fn run_sandbox(args: &SandboxArgs) -> Result<ExitCode, CliError> {
    let sandbox = args.options.builder().start().await?;
    println!("timeline sandbox listening on {}", sandbox.url());
    timeline_sandbox::stop_signal().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

async fn run_outbox(args: &OutboxArgs) -> Result<ExitCode, CliError> {
    let outbox = outbox::open(args).await?;
    match &args.command {
        OutboxCommand::List(list) => {
            let listing = outbox::list(outbox.as_ref(), list).await?;
            if list.json {
                println!("{}", listing.to_json());
            } else {
                print!("{}", listing.to_text());
            }
        }
        OutboxCommand::Retry(retry) => {
            let requeued = outbox::retry(outbox.as_ref(), retry).await?;
            if retry.json {
                println!("{}", serde_json::json!({ "requeued": requeued }));
            } else {
                println!("{requeued} dead letters are pending again");
            }
        }
        OutboxCommand::Drop(which) => {
            let dropped = outbox::drop_dead(outbox.as_ref(), which).await?;
            if which.json {
                println!("{}", serde_json::json!({ "dropped": dropped }));
            } else {
                println!("{dropped} dead letters dropped");
            }
        }
        OutboxCommand::Pause(pause) => {
            let paused = outbox.pause(pause.account, &pause.reason, std::time::SystemTime::now()).await?;
            if pause.json {
                println!("{}", serde_json::json!({ "paused": paused }));
            } else if paused {
                println!("account {} paused", pause.account);
            } else {
                println!("account {} was paused already", pause.account);
            }
        }
        OutboxCommand::Resume(resume) => {
            let resumed = outbox.resume(resume.account).await?;
            if resume.json {
                println!("{}", serde_json::json!({ "resumed": resumed }));
            } else if resumed {
                println!("account {} resumed", resume.account);
            } else {
                println!("account {} was not paused", resume.account);
            }
        }
        OutboxCommand::Purge(purge) => {
            let (purged, before) = outbox::purge(outbox.as_ref(), purge.older_than).await?;
            let before = outbox::timestamp(before);
            if purge.json {
                println!("{}", serde_json::json!({ "purged": purged, "before": before }));
            } else {
                println!("{purged} delivered and dead rows settled before {before} purged");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
