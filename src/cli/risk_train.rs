//! `ewaybill risk train`: learn new weights from the inspections recorded
//! in the service's database and write them as a new model version.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use crate::domain::inspection::InspectionOutcome;
use crate::risk::config::ModelConfig;
use crate::risk::factor::Factor;
use crate::risk::live::LiveRisk;
use crate::risk::train::{Example, TrainConfig, train, weighted_rate};
use crate::storage::{connect, risk as store, time};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where to write the new model file (never overwritten).
    #[arg(long, short)]
    pub out: PathBuf,
    /// The model to start from (default: the service's built-in model).
    #[arg(long, env = "EWAYBILL_RISK_MODEL")]
    pub model: Option<PathBuf>,
    /// The new model's version (default: ledger-<date>-trained-<n>).
    #[arg(long)]
    pub version: Option<String>,
    /// L2 penalty on the weights.
    #[arg(long, default_value_t = TrainConfig::default().l2)]
    pub l2: f64,
}

pub fn run(args: TrainArgs, config: &crate::config::Config) -> anyhow::Result<()> {
    anyhow::ensure!(
        !args.out.exists(),
        "{} exists; a model version is never overwritten",
        args.out.display()
    );
    let base = match &args.model {
        Some(path) => ModelConfig::load(path)?,
        None => ModelConfig::default_model()?,
    };
    crate::startup::open_database(config)?;
    let mut conn = connect(&config.database).context("connecting to the database")?;
    let live = LiveRisk::new(Arc::new(base.clone()));
    let caught = live.catch_up(&mut conn)?;
    let now = time::now();
    let mut examples = Vec::new();
    let mut skipped = 0usize;
    for (inspection, assessment) in store::inspections_for_training(&mut conn)? {
        let inputs: Option<BTreeMap<Factor, f64>> = match &assessment {
            Some(a) => serde_json::from_str(&a.inputs).ok(),
            None => inspection
                .waybill_id
                .parse()
                .ok()
                .and_then(|id| caught.engine.assess(&id, now))
                .map(|a| a.inputs),
        };
        // Stops chosen neither by the ranking nor at random ("other") have
        // no known selection probability: they stand for themselves only.
        let probability = inspection
            .selection_probability
            .as_deref()
            .and_then(|p| p.parse::<f64>().ok())
            .unwrap_or(1.0);
        match inputs {
            Some(inputs) => examples.push((
                inspection.selection.clone(),
                Example {
                    inputs,
                    irregular: InspectionOutcome::parse(&inspection.outcome)?
                        == InspectionOutcome::Irregularity,
                    selection_probability: probability,
                },
            )),
            None => skipped += 1,
        }
    }
    drop(caught);
    let n = examples.len();
    let version = args
        .version
        .unwrap_or_else(|| format!("ledger-{}-trained-{n}", now.format("%Y.%m.%d-%H%M")));
    let plain: Vec<Example> = examples.iter().map(|(_, e)| e.clone()).collect();
    let model = train(
        &base,
        &plain,
        TrainConfig {
            l2: args.l2,
            ..TrainConfig::default()
        },
        version,
        now,
    )?;
    let header = format!(
        "# Learned by `ewaybill risk train` on {} from {n} inspections; see [training].\n# Serve it with EWAYBILL_RISK_MODEL={}\n\n",
        now.to_rfc3339(),
        args.out.display()
    );
    std::fs::write(&args.out, header + &model.to_toml()?)
        .with_context(|| format!("writing {}", args.out.display()))?;

    println!(
        "trained {} from {n} inspections ({skipped} skipped: waybill not scorable)",
        model.version
    );
    for kind in ["random", "ranking"] {
        let of_kind: Vec<&Example> = examples
            .iter()
            .filter(|(s, _)| s == kind)
            .map(|(_, e)| e)
            .collect();
        if let Some(rate) = weighted_rate(&of_kind) {
            println!(
                "  {kind:<8} stops: {:>5}, irregularity rate (weighted by 1/selection probability): {:.1}%",
                of_kind.len(),
                rate * 100.0
            );
        }
    }
    println!("  {:<26} {:>8} {:>8}", "factor", "before", "after");
    println!("  {:<26} {:>8.3} {:>8.3}", "bias", base.bias, model.bias);
    for f in Factor::ALL {
        println!(
            "  {:<26} {:>8.3} {:>8.3}",
            f.as_str(),
            base.weight(f),
            model.weight(f)
        );
    }
    println!("written to {}", args.out.display());
    Ok(())
}
