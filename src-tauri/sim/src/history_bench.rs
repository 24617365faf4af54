//! stub
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, value_name = "DIR")]
    pub data_dir: PathBuf,
}

pub async fn run(_o: Options, _command: String) -> anyhow::Result<String> {
    anyhow::bail!("todo")
}
