//! Settings from a TOML file, overridden by flags.
//!
//! Every setting of a command is a flag; `--config FILE` reads the same settings from a TOML
//! file whose keys are the flags' names without the dashes in front (`http-listen = "..."`).
//! A flag given on the command line wins over the file, and the file over the defaults.

use anyhow::{Context, Result, bail};
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;

/// `args` (parsed with their defaults) with every key of the TOML file `path` that was not
/// given on the command line put in, and the tables (or arrays of tables) named in `tables`
/// (settings without a flag).
pub fn merge<T: Serialize + DeserializeOwned + clap::Args>(
    args: &T,
    matches: &ArgMatches,
    path: &Path,
    tables: &[&str],
) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let file: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    let mut merged = toml::Table::try_from(args).context("cannot represent the settings")?;
    let known: Vec<String> = T::augment_args(clap::Command::new("settings"))
        .get_arguments()
        .map(|a| a.get_id().as_str().replace('_', "-"))
        .filter(|k| k != "config")
        .collect();
    for (key, value) in file {
        // Settings that are tables (e.g. `[apps.FCW]`) or arrays of tables (`[[sources]]`)
        // have no flag: the file alone sets them.
        if (value.is_table() || value.is_array()) && tables.contains(&key.as_str()) {
            merged.insert(key, value);
            continue;
        }
        if !known.contains(&key) {
            bail!(
                "{}: unknown setting {key:?}; the settings are: {}",
                path.display(),
                known.join(", ")
            );
        }
        let id = key.replace('-', "_");
        if matches.value_source(&id) != Some(ValueSource::CommandLine) {
            merged.insert(key, value);
        }
    }
    merged
        .try_into()
        .with_context(|| format!("{}: a setting has the wrong form", path.display()))
}
