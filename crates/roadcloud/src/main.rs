//! `roadcloud`: the vehicle-road-cloud integration platform's command line.

mod commands;
mod settings;

// mimalloc: the allocator the codec benchmarks measure with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// Turns transparent huge pages off for this process. mimalloc asks for them on its heap
/// (`madvise(MADV_HUGEPAGE)`), so each 2 MB of the heap touched for the first time is
/// zeroed whole, on the thread that touched it: as misbehaviour detection's indexes grew
/// in the first seconds of `bench/mqtt/compare.sh`, single inserts on the world's writer
/// took 4 to 50 ms, and the stage shed BSMs behind them (0.03 to 0.3 % at 65,400 msgs/s,
/// none with this; docs/misbehaviour.md#cost). Latency-bound servers (Redis, MongoDB) ask
/// the same of the system; this asks it of the process only (prctl `PR_SET_THP_DISABLE`).
#[cfg(target_os = "linux")]
fn no_transparent_huge_pages() {
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!("transparent huge pages stay on: {e}");
    }
}

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
    Serve(commands::serve::ServeArgs),
    Demo(commands::demo::DemoArgs),
    Bench(commands::bench::BenchArgs),
    Sim(commands::sumo::SimArgs),
    Eval(commands::sumo::EvalArgs),
    EvalGreenWave(commands::green_wave::GreenWaveArgs),
    EvalSds(commands::sds_eval::SdsEvalArgs),
    EvalMerge(commands::merge_eval::MergeEvalArgs),
    EvalCip(commands::cip_eval::CipEvalArgs),
    Pki(commands::access::PkiArgs),
    Devices(commands::access::DevicesArgs),
    Users(commands::access::UsersArgs),
    Sign(commands::v2x::SignArgs),
    Verify(commands::v2x::VerifyArgs),
}

/// The node's settings that only a config file sets: the applications' tables and the
/// extra sources.
const NODE_TABLES: &[&str] = &["apps", "sources"];

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ROADCLOUD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    #[cfg(target_os = "linux")]
    no_transparent_huge_pages();
    let result = match cli.command {
        Command::Decode(args) => commands::codec::decode(&args),
        Command::Sign(args) => commands::v2x::sign_one(&args),
        Command::Verify(args) => commands::v2x::verify_one(&args),
        Command::Encode(args) => commands::codec::encode(&args),
        Command::Serve(args) => match &args.config {
            Some(path) => {
                let sub = matches
                    .subcommand_matches("serve")
                    .expect("serve was matched");
                settings::merge(&args.node, sub, path, NODE_TABLES).and_then(commands::serve::run)
            }
            None => commands::serve::run(args.node),
        },
        Command::Demo(mut args) => match &args.serve.config {
            Some(path) => {
                let sub = matches
                    .subcommand_matches("demo")
                    .expect("demo was matched");
                settings::merge(&args.serve.node, sub, path, NODE_TABLES).and_then(|node| {
                    args.serve.node = node;
                    commands::demo::run(&args)
                })
            }
            None => commands::demo::run(&args),
        },
        Command::Bench(args) => commands::bench::run(&args),
        Command::Sim(args) => commands::sumo::sim(&args),
        Command::Eval(args) => commands::sumo::eval(&args),
        Command::EvalGreenWave(args) => commands::green_wave::run(&args),
        Command::EvalSds(args) => commands::sds_eval::run(&args),
        Command::EvalMerge(args) => commands::merge_eval::run(&args),
        Command::EvalCip(args) => commands::cip_eval::run(&args),
        Command::Pki(args) => commands::access::pki(&args),
        Command::Devices(args) => commands::access::devices(&args),
        Command::Users(args) => commands::access::users(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    /// The documented example config holds every setting, and its values are the defaults.
    #[test]
    fn the_example_config_is_the_defaults() {
        use clap::FromArgMatches;
        let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../roadcloud.example.toml");
        let parse = |argv: &[&str]| {
            let m = super::Cli::command().try_get_matches_from(argv).unwrap();
            let super::Command::Serve(args) = super::Cli::from_arg_matches(&m).unwrap().command
            else {
                panic!("serve")
            };
            (args, m)
        };
        let (defaults, _) = parse(&["roadcloud", "serve"]);
        let (args, m) = parse(&["roadcloud", "serve", "--config", example]);
        let merged = super::settings::merge(
            &args.node,
            m.subcommand_matches("serve").unwrap(),
            args.config.as_ref().unwrap(),
            super::NODE_TABLES,
        )
        .unwrap();
        assert_eq!(format!("{merged:?}"), format!("{:?}", defaults.node));
        let text = std::fs::read_to_string(example).unwrap();
        let keys: Vec<String> = toml::Table::try_from(&defaults.node)
            .unwrap()
            .keys()
            .cloned()
            .collect();
        for k in keys {
            assert!(
                text.contains(&format!("{k} =")),
                "{k} is not in the example"
            );
        }
    }
}
