//! `timeline`, the command line of [hubspot-timeline](https://docs.rs/hubspot-timeline):
//! pull an app's event templates, generate typed Rust events from them,
//! backfill events from NDJSON, and run the local sandbox.
//!
//! The binary is a thin layer over this library: each command is a
//! function ([`pull::pull`], [`codegen::generate`], [`send::send`]) that
//! tests and other programs can call.

#![deny(missing_docs)]

pub mod args;
pub mod canonical_json;
pub mod codegen;
pub mod connection;
pub mod error;
pub mod pull;
pub mod send;

use std::process::ExitCode;

use args::{Cli, CodegenArgs, Command, PullArgs, SandboxArgs, SendArgs, TemplatesCommand};
use error::CliError;

/// Runs a parsed command line; the exit code is 0 on success, 1 when
/// `send` finished with failed lines.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Templates(TemplatesCommand::Pull(args)) => run_pull(&args).await,
        Command::Codegen(args) => run_codegen(&args),
        Command::Send(args) => run_send(&args).await,
        Command::Sandbox(args) => run_sandbox(&args).await,
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

async fn run_send(args: &SendArgs) -> Result<ExitCode, CliError> {
    let summary = send::send(args).await?;
    println!(
        "{} lines done: {} events stored, {} failed{}",
        summary.lines,
        summary.created,
        summary.failed,
        if summary.failed > 0 { format!(" (see {})", summary.failures.display()) } else { String::new() }
    );
    Ok(if summary.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

async fn run_sandbox(args: &SandboxArgs) -> Result<ExitCode, CliError> {
    let sandbox = args.options.builder().start().await?;
    println!("timeline sandbox listening on {}", sandbox.url());
    timeline_sandbox::stop_signal().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
