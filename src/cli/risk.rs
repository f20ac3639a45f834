//! `ewaybill risk ...`: evaluating and training the risk models.
//!
//! `ewaybill risk eval [--seeds 5] [--waybills 20000] [--train]` measures the
//! ledger risk ranking on generated traffic with planted irregularities
//! (precision and recall at 1, 2, 5, 10%, AUC-PR, against a random ranking).
//! `ewaybill risk train` learns new weights from recorded inspections.
//!
//! `ewaybill risk eval-kcs --data DIR [--seeds 5]` trains the gradient
//! boosting risk model on the Korea Customs Service synthetic declarations
//! and prints precision@5% / @10% and AUC-PR on the test split beside the
//! published baselines (see `docs/risk-kcs.md`).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::risk::kcs::dataset::load_kcs;
use crate::risk::kcs::features::FeatureConfig;
use crate::risk::kcs::model::BoosterConfig;
use crate::risk::kcs::{EvalConfig, evaluate, format_report};
use crate::risk::{config::ModelConfig, eval};

/// Learned risk scoring.
#[derive(Debug, Args)]
pub struct RiskArgs {
    #[command(subcommand)]
    pub command: RiskCommand,
}

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Evaluate the ledger risk ranking on generated traffic with planted
    /// irregular patterns, averaged over several seeds.
    Eval(LedgerEvalArgs),
    /// Learn new weights from the inspections recorded in the database
    /// (DATABASE_URL) and write them as a new model version.
    Train(super::risk_train::TrainArgs),
    /// Evaluate the risk model on the KCS synthetic declarations
    /// (train 2020, valid 2021-Q1, test 2021-Q2).
    EvalKcs(EvalKcsArgs),
}

#[derive(Debug, Args)]
pub struct LedgerEvalArgs {
    /// Seeds 1..=N of the traffic generator.
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Waybills per seed (a month of traffic).
    #[arg(long, default_value_t = 20_000)]
    pub waybills: usize,
    /// The model file (default: the one shipped with the service).
    #[arg(long, env = "EWAYBILL_RISK_MODEL")]
    pub model: Option<PathBuf>,
    /// Also learn weights from the simulated inspections of days 8-18 and
    /// compare both models on days 19-30.
    #[arg(long)]
    pub train: bool,
}

#[derive(Debug, Args)]
pub struct EvalKcsArgs {
    /// Directory holding df_syn_{train,valid,test}_eng.csv.
    #[arg(long, default_value = "../shared/data/customs-synthetic/kcs-2022")]
    pub data: PathBuf,
    /// Number of seeds (0, 1, ...): fold assignment and booster sampling.
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Fit the test model on train only (default: train + valid).
    #[arg(long)]
    pub train_only: bool,
    /// Boosting rounds.
    #[arg(long, default_value_t = BoosterConfig::default().iterations)]
    pub iterations: usize,
    /// Learning rate.
    #[arg(long, default_value_t = BoosterConfig::default().learning_rate)]
    pub learning_rate: f32,
    /// Maximum tree depth.
    #[arg(long, default_value_t = BoosterConfig::default().max_depth)]
    pub max_depth: usize,
    /// Row subsample per tree.
    #[arg(long, default_value_t = BoosterConfig::default().subsample)]
    pub subsample: f32,
    /// Column subsample per tree.
    #[arg(long, default_value_t = BoosterConfig::default().colsample_bytree)]
    pub colsample: f64,
    /// Minimum hessian sum in a leaf.
    #[arg(long, default_value_t = BoosterConfig::default().min_leaf_weight)]
    pub min_leaf_weight: f32,
    /// L2 regularisation of leaf weights.
    #[arg(long, default_value_t = BoosterConfig::default().l2)]
    pub l2: f32,
    /// Target-encoding smoothing m.
    #[arg(long, default_value_t = FeatureConfig::default().smoothing)]
    pub smoothing: f64,
    /// Out-of-fold target-encoding folds.
    #[arg(long, default_value_t = FeatureConfig::default().folds)]
    pub folds: usize,
    /// Leave out the entity count features.
    #[arg(long)]
    pub no_counts: bool,
    /// Leave out the date features.
    #[arg(long)]
    pub no_dates: bool,
    /// Use only the paper's features (an ablation).
    #[arg(long)]
    pub paper_features: bool,
}

impl EvalKcsArgs {
    fn config(&self) -> EvalConfig {
        EvalConfig {
            seeds: (0..self.seeds).collect(),
            features: FeatureConfig {
                folds: self.folds,
                smoothing: self.smoothing,
                counts: !self.no_counts,
                dates: !self.no_dates,
                extended: !self.paper_features,
            },
            booster: BoosterConfig {
                iterations: self.iterations,
                learning_rate: self.learning_rate,
                max_depth: self.max_depth,
                l2: self.l2,
                min_leaf_weight: self.min_leaf_weight,
                subsample: self.subsample,
                colsample_bytree: self.colsample,
                ..BoosterConfig::default()
            },
            refit_on_train_valid: !self.train_only,
        }
    }
}

pub fn run(args: RiskArgs) -> anyhow::Result<()> {
    match args.command {
        RiskCommand::Train(a) => {
            let config = crate::config::Config::from_env()?;
            super::risk_train::run(a, &config)
        }
        RiskCommand::Eval(a) => {
            anyhow::ensure!(a.seeds > 0, "--seeds must be at least 1");
            anyhow::ensure!(a.waybills >= 1000, "--waybills must be at least 1000");
            let model = match &a.model {
                Some(path) => ModelConfig::load(path)?,
                None => ModelConfig::default_model()?,
            };
            let config = eval::EvalConfig {
                seeds: (1..=a.seeds).collect(),
                waybills: a.waybills,
                train: a.train,
                ..eval::EvalConfig::default()
            };
            let results = eval::evaluate(std::sync::Arc::new(model.clone()), &config)?;
            print!("{}", eval::format_report(&model, &config, &results));
            Ok(())
        }
        RiskCommand::EvalKcs(a) => {
            anyhow::ensure!(a.seeds > 0, "--seeds must be at least 1");
            anyhow::ensure!(a.folds >= 2, "--folds must be at least 2");
            let splits = load_kcs(&a.data)?;
            let report = evaluate(&splits, &a.config())?;
            print!("{}", format_report(&report));
            Ok(())
        }
    }
}
