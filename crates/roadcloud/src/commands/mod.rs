//! One module per subcommand.

pub mod codec;
