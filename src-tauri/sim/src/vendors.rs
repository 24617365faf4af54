//! `rangedesk-sim serve` and `rangedesk-sim scenario`: the vendor simulator (`rangedesk-simulator`)
//! on the command line. `serve` runs a fake Action Target API (with the playground's `simulate`
//! endpoints) until ctrl-c; `scenario` also plays a scenario's deliveries from all three vendors
//! at a running rangedesk and prints what happened as JSON.

use clap::Args;
use rangedesk_simulator::{SimConfig, Simulator, Targets};
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Where the fake Action Target API listens (port 0 picks a free one)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8790")]
    pub listen: SocketAddr,
    /// The API key the fake API expects, sent as `<auth-header>: Bearer <key>`
    #[arg(long, default_value = rangedesk_demo::DEMO_API_KEY)]
    pub api_key: String,
    #[arg(long, default_value = "Authorization")]
    pub auth_header: String,
    /// Share (0.0–1.0) of Action Target webhooks to lose, as a lossy network would
    #[arg(long, default_value_t = 0.0)]
    pub drop_share: f64,
    /// Simulated seconds per real second
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 24)]
    pub lanes: usize,
}

#[derive(Args, Debug)]
pub struct TargetArgs {
    /// rangedesk's public listener, e.g. http://127.0.0.1:8787; the vendors' paths are added
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// rangedesk's `action_target.hook_token`
    #[arg(long, default_value = "")]
    pub hook_token: String,
    #[arg(long, default_value = rangedesk_demo::DEMO_ENVISO_KEY)]
    pub enviso_key: String,
    #[arg(long, default_value = rangedesk_demo::DEMO_SAMNA_SECRET)]
    pub samna_secret: String,
}

impl SimArgs {
    fn config(&self) -> anyhow::Result<SimConfig> {
        if !(0.0..=1.0).contains(&self.drop_share) {
            anyhow::bail!(crate::usage::Usage("--drop-share must be between 0 and 1".into()));
        }
        if !(self.speed > 0.0 && self.speed.is_finite()) {
            anyhow::bail!(crate::usage::Usage("--speed must be a positive number".into()));
        }
        Ok(SimConfig {
            listen: self.listen,
            api_key: self.api_key.clone(),
            auth_header: self.auth_header.clone(),
            drop_share: self.drop_share,
            speed: self.speed,
            seed: self.seed,
            lanes: self.lanes,
        })
    }
}

impl TargetArgs {
    fn targets(&self) -> anyhow::Result<Option<Targets>> {
        let Some(base) = self.target.as_deref().map(|t| t.trim_end_matches('/')) else { return Ok(None) };
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            anyhow::bail!(crate::usage::Usage(format!("--target {base}: not an http(s) URL")));
        }
        if self.hook_token.is_empty() {
            anyhow::bail!(crate::usage::Usage("--hook-token is required with --target (see rangedesk.toml)".into()));
        }
        let hook = format!("{base}/hooks/action-target/{}", self.hook_token);
        Ok(Some(Targets {
            action_target_products: format!("{hook}/products"),
            action_target_webhook: hook,
            enviso: format!("{base}/hooks/enviso"),
            enviso_key: self.enviso_key.clone(),
            samna: format!("{base}/hooks/samna"),
            samna_secret: self.samna_secret.clone(),
        }))
    }
}

async fn start(sim: &SimArgs, target: &TargetArgs) -> anyhow::Result<Simulator> {
    let targets = target.targets()?;
    let s = Simulator::start(sim.config()?)
        .await
        .map_err(|e| crate::usage::Usage(format!("--listen {}: {e}", sim.listen)))?;
    if let Some(t) = targets {
        s.set_targets(t);
    }
    eprintln!("rangedesk-sim: fake Action Target API on {} (set action_target.api_base to it)", s.api_base());
    Ok(s)
}

/// Serves the fake Action Target API until ctrl-c or SIGTERM.
pub async fn serve(sim: SimArgs, target: TargetArgs) -> anyhow::Result<()> {
    let s = start(&sim, &target).await?;
    rangedesk_core::shutdown_signal().await;
    s.shutdown().await;
    Ok(())
}

/// Plays scenario `name` at the target until it ends (or ctrl-c), then prints its report.
pub async fn scenario(name: String, sim: SimArgs, target: TargetArgs) -> anyhow::Result<()> {
    if target.target.is_none() {
        anyhow::bail!(crate::usage::Usage("--target is required: where should the deliveries go?".into()));
    }
    let s = start(&sim, &target).await?;
    let report = s.run_scenario(&name, rangedesk_core::shutdown_signal()).await.map_err(|e| match e {
        rangedesk_simulator::SimError::UnknownScenario(_) => anyhow::Error::new(crate::usage::Usage(e.to_string())),
        other => anyhow::Error::new(other),
    })?;
    s.shutdown().await;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
