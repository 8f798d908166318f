//! One module per subcommand.

pub mod bench;
pub mod codec;
pub mod demo;
pub mod serve;
pub mod sumo;
