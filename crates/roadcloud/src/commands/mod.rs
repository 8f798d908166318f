//! One module per subcommand.

pub mod access;
pub mod bench;
pub mod codec;
pub mod demo;
mod eval_report;
pub mod serve;
pub mod sumo;
pub mod v2x;
