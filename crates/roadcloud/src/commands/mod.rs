//! One module per subcommand.

pub mod access;
mod attack_eval;
pub mod bench;
pub mod cip_eval;
pub mod codec;
pub mod demo;
mod eval_report;
pub mod green_wave;
pub mod merge_eval;
pub mod sds_eval;
pub mod serve;
pub mod sumo;
pub mod v2x;
