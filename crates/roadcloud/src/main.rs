//! `roadcloud`: the vehicle-road-cloud integration platform's command line.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// roadcloud: a vehicle-road-cloud integration platform for C-V2X pilot zones.
///
/// Speaks the Chinese C-V2X message set (T/CSAE 53-2020 Day I, T/CSAE 157-2020 Day II) in
/// ASN.1 UPER on the wire and JSON for people.
#[derive(Parser)]
#[command(name = "roadcloud", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Decode(commands::codec::DecodeArgs),
    Encode(commands::codec::EncodeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => commands::codec::decode(&args),
        Command::Encode(args) => commands::codec::encode(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
