//! `ewaybill fixtures generate`: synthetic traffic with planted irregular
//! patterns, written in the fixtures format `ewaybill demo --fixtures DIR`
//! loads through the real API (for a demo or benchmark database).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use clap::{Args, Subcommand};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::crypto::KeyPair;
use crate::risk::generator::{GeneratorConfig, Traffic, generate};

#[derive(Debug, Args)]
pub struct FixturesArgs {
    #[command(subcommand)]
    pub command: FixturesCommand,
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Generate a month of traffic between a few thousand companies, with
    /// planted irregular patterns (docs/risk.md).
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 20_000)]
    pub waybills: usize,
    /// First day of the month of traffic (YYYY-MM-DD).
    #[arg(long)]
    pub start: Option<NaiveDate>,
    /// Write fixtures here (parties, TEST-ONLY keys, waybills, scenarios,
    /// labels); without it, only a summary is printed.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: FixturesArgs) -> anyhow::Result<()> {
    let FixturesCommand::Generate(a) = args.command;
    anyhow::ensure!(a.waybills >= 100, "--waybills must be at least 100");
    let mut config = GeneratorConfig::new(a.seed, a.waybills);
    if let Some(day) = a.start {
        config.start = Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    let traffic = generate(config);
    print_summary(&traffic);
    if let Some(dir) = &a.out {
        write_fixtures(&traffic, a.seed, dir)?;
        println!(
            "fixtures written to {}; load them with: ewaybill demo --fixtures {}",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}

fn print_summary(traffic: &Traffic) {
    let mut patterns: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &traffic.shipments {
        *patterns
            .entry(s.pattern.map_or("none", |p| p.as_str()))
            .or_default() += 1;
    }
    let irregular = traffic.shipments.iter().filter(|s| s.irregular).count();
    println!(
        "{} companies, {} waybills, {} acts; {} irregular ({:.2}%)",
        traffic.companies.len(),
        traffic.shipments.len(),
        traffic
            .shipments
            .iter()
            .map(|s| s.acts.len())
            .sum::<usize>(),
        irregular,
        100.0 * irregular as f64 / traffic.shipments.len().max(1) as f64
    );
    for (pattern, n) in patterns {
        println!("  {pattern:<22} {n}");
    }
}

fn write_fixtures(traffic: &Traffic, seed: u64, dir: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !dir.join("parties.json").exists(),
        "{} already holds fixtures; choose an empty directory",
        dir.display()
    );
    std::fs::create_dir_all(dir.join("keys"))?;
    std::fs::create_dir_all(dir.join("waybills"))?;
    // Keys derive from the seed, so the same command gives the same keys:
    // they are as public as the seed, TEST ONLY.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6B65_7973);
    let mut key = || {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        KeyPair::from_seed(&bytes)
    };
    let write_key = |name: &str, k: &KeyPair| -> anyhow::Result<String> {
        let rel = format!("keys/test-only-{name}.seed");
        std::fs::write(dir.join(&rel), format!("{}\n", k.seed_base64url().as_str()))?;
        Ok(rel)
    };
    write_key("operator", &key())?;
    let mut parties = Vec::with_capacity(traffic.companies.len());
    for c in &traffic.companies {
        let rel = write_key(&c.handle, &key())?;
        let r = c.party_ref();
        parties.push(json!({
            "handle": c.handle, "kind": "company", "name": c.name, "reg_no": c.reg_no,
            "country": r.country, "address": r.address, "key": rel,
        }));
    }
    let mut scenarios = Vec::with_capacity(traffic.shipments.len());
    let mut labels = String::from("number,pattern,irregular\n");
    for s in &traffic.shipments {
        let file = format!("waybills/{}.json", s.document.number);
        std::fs::write(dir.join(&file), serde_json::to_string_pretty(&s.document)?)?;
        let steps: Vec<Value> = s
            .acts
            .iter()
            .skip(1)
            .map(|a| {
                json!({
                    "as": traffic.companies[a.actor].handle,
                    "act": a.act_type.as_str(),
                    "body": a.body,
                })
            })
            .collect();
        let consignor = s.acts.first().map(|a| a.actor).unwrap_or_default();
        scenarios.push(json!({
            "document": file,
            "consignor": traffic.companies[consignor].handle,
            "steps": steps,
        }));
        labels.push_str(&format!(
            "{},{},{}\n",
            s.document.number,
            s.pattern.map_or("", |p| p.as_str()),
            s.irregular
        ));
    }
    std::fs::write(
        dir.join("parties.json"),
        serde_json::to_string_pretty(&parties)?,
    )?;
    std::fs::write(
        dir.join("scenarios.json"),
        serde_json::to_string_pretty(&scenarios)?,
    )?;
    std::fs::write(dir.join("labels.csv"), labels)?;
    std::fs::write(
        dir.join("README.md"),
        format!(
            "# Generated traffic (seed {seed})\n\n**TEST ONLY.** The keys in keys/ derive from the seed: anyone can\nrecreate them. Never register them on a production service.\n\nMade by `ewaybill fixtures generate`; load with `ewaybill demo --fixtures <this directory>`.\n`labels.csv` says which waybills carry a planted irregular pattern (docs/risk.md).\nThe service stamps acts with its own clock when loading, so the timing in\nthe documents is kept but the acts happen when loaded.\n"
        ),
    )
    .context("writing README.md")?;
    Ok(())
}
