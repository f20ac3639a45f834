//! Putting the service together: database, migrations, keys, the sequencer,
//! the HTTP server. Tests start the very same service through [`spawn`].

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{App, HttpServer, dev::Server, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::config::Config;
use crate::crypto::{PublicKey, ServiceKey, install_strict_eddsa_provider};
use crate::domain::party::PartyKind;
use crate::http::state::AppState;
use crate::http::tokens::TokenIssuer;
use crate::ledger::binding;
use crate::ledger::commands::NewParty;
use crate::ledger::integrity::{LogHealth, scan_leaves};
use crate::ledger::merkle_log::{self, LogIdentity};
use crate::ledger::sequencer::Faults;
use crate::ledger::{Command, Sequencer, SequencerConfig};
use crate::metrics::LedgerMetrics;
use crate::storage::{DbPool, keys, migrations, open_pool, parties};

/// Registration of the operator party created at bootstrap.
pub const OPERATOR_REG_NO: &str = "OPERATOR";
pub const OPERATOR_COUNTRY: &str = "ZZ";

/// Everything the HTTP app needs, ready to serve.
pub struct Ledger {
    pub state: web::Data<AppState>,
    pub prometheus: PrometheusMetrics,
    /// Whether the service key was created on this start.
    pub service_key_created: bool,
}

/// Opens the database and applies migrations.
pub fn open_database(config: &Config) -> anyhow::Result<DbPool> {
    let pool = open_pool(
        &config.database,
        config.pool_size,
        std::time::Duration::from_millis(config.db_connect_timeout_ms),
    )
    .with_context(|| format!("opening {}", config.database.display()))?;
    let mut conn = pool.get().context("connecting to the database")?;
    let applied = migrations::run_pending(&mut conn)?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(pool)
}

/// Opens storage, loads keys, starts the sequencer, bootstraps the operator.
pub async fn prepare(config: Config) -> anyhow::Result<Ledger> {
    prepare_with(config, Faults::default()).await
}

/// [`prepare`] with faults injected into the sequencer (tests only).
#[doc(hidden)]
pub async fn prepare_with(config: Config, faults: Faults) -> anyhow::Result<Ledger> {
    install_strict_eddsa_provider().context("installing the JWT crypto provider")?;
    let pool = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || open_database(&config)).await??
    };
    let (service_key, created) = ServiceKey::load_or_create(&config.data_dir)
        .with_context(|| format!("service key in {}", config.data_dir.display()))?;
    let service_key = Arc::new(service_key);

    let registry = prometheus::Registry::new();
    let ledger_metrics = LedgerMetrics::register(&registry)?;
    let webhook_metrics = crate::metrics::WebhookMetrics::register(&registry)?;
    let prometheus = PrometheusMetricsBuilder::new("ewaybill")
        .registry(registry)
        .endpoint("/metrics")
        // Label by route pattern; unknown paths share one label so scanners
        // cannot blow up the metric cardinality.
        .mask_unmatched_patterns("UNKNOWN")
        .build()
        .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;

    let identity = Arc::new(LogIdentity::new(
        config.log_origin.clone(),
        service_key.clone(),
    ));
    {
        // Refuse a data directory whose key signs another database's log;
        // integrate anything logged before the tree existed, then refuse to
        // serve if the stored tree no longer matches its last checkpoint.
        let (pool, identity) = (pool.clone(), identity.clone());
        let data_dir = config.data_dir.clone();
        let database = config.database.display();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = pool.get()?;
            let plan = binding::check(&mut conn, &data_dir, &identity, &database)?;
            let integrated = merkle_log::backfill(&mut conn, &identity)?;
            if integrated > 0 {
                tracing::info!(integrated, "events integrated into the Merkle tree");
            }
            if let Some(checkpoint) = merkle_log::check_tree(&mut conn, &identity)? {
                tracing::info!(
                    size = checkpoint.size,
                    "log tree matches its latest signed checkpoint"
                );
            }
            let bound = binding::record(&mut conn, &data_dir, plan, &identity, &database)?;
            tracing::info!(log_id = %bound.log_id, origin = %bound.origin, "the service key signs this log");
            Ok(())
        })
        .await??;
    }
    let sequencer = Sequencer::start(
        pool.clone(),
        service_key.clone(),
        identity.clone(),
        ledger_metrics.clone(),
        SequencerConfig {
            max_batch: config.max_batch,
            faults,
            ..SequencerConfig::default()
        },
    )?;
    crate::webhooks::spawn_worker(
        pool.clone(),
        service_key.clone(),
        config.webhooks.clone(),
        webhook_metrics,
        sequencer.committed(),
    )?;
    let log_health = Arc::new(LogHealth::default());
    spawn_integrity_scan(
        pool.clone(),
        log_health.clone(),
        ledger_metrics.log_consistent.clone(),
    );
    let tokens = TokenIssuer::new(&service_key, config.access_token_ttl_secs);
    let risk_model = match &config.risk_model {
        Some(path) => crate::risk::config::ModelConfig::load(path)?,
        None => crate::risk::config::ModelConfig::default_model()?,
    };
    tracing::info!(model = %risk_model.version, "risk model loaded");
    let risk = Arc::new(crate::risk::live::LiveRisk::new(Arc::new(risk_model)));
    spawn_risk_warm_up(pool.clone(), risk.clone());
    let roadside_limiter = crate::rate_limit::Limiter::new(config.roadside_rate_limit());
    let state = web::Data::new(AppState {
        pool,
        roadside_limiter,
        sequencer,
        service_key,
        log: identity,
        log_health,
        tokens,
        config: Arc::new(config),
        risk,
    });
    if let Some(admin_key) = state.config.bootstrap_admin_key {
        bootstrap_operator(&state, admin_key).await?;
    }
    Ok(Ledger {
        state,
        prometheus,
        service_key_created: created,
    })
}

/// Reads the ledger into the risk engine in the background, so that the
/// first inspector's risk list does not wait for a large database.
fn spawn_risk_warm_up(pool: DbPool, risk: Arc<crate::risk::live::LiveRisk>) {
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let outcome = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            risk.catch_up(&mut conn)
                .map(|c| c.engine.len())
                .map_err(|e| e.to_string())
        });
        match outcome {
            Ok(shipments) => tracing::info!(
                shipments,
                seconds = started.elapsed().as_secs_f64(),
                "risk engine read the ledger"
            ),
            // Not fatal: the first risk query will try again and report.
            Err(e) => tracing::warn!(error = %e, "risk engine warm-up failed"),
        }
    });
}

/// Checks in the background that every stored event still matches the leaf
/// the signed tree committed to; a mismatch makes the service unready.
fn spawn_integrity_scan(pool: DbPool, health: Arc<LogHealth>, gauge: prometheus::IntGauge) {
    tokio::task::spawn_blocking(move || {
        let outcome = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
            let size = merkle_log::tree_size(&mut conn).map_err(|e| e.to_string())?;
            scan_leaves(&mut conn, size).map_err(|e| e.to_string())
        });
        match outcome {
            Ok(None) => {
                health.set_consistent();
                gauge.set(1);
                tracing::info!("every stored event matches the signed Merkle tree");
            }
            Ok(Some((index, problem))) => {
                let problem = format!("log entry {index}: {problem}");
                tracing::error!(%problem, "THE EVENT LOG IS INCONSISTENT WITH ITS SIGNED TREE");
                health.set_inconsistent(problem);
                gauge.set(0);
            }
            Err(e) => {
                tracing::error!(error = %e, "the log integrity scan could not run");
                health.set_inconsistent(format!("the integrity scan failed: {e}"));
                gauge.set(0);
            }
        }
    });
}

/// Creates the operator party with the bootstrap admin key, once. Safe to
/// run on every start, and resumable if a previous start stopped halfway.
pub async fn bootstrap_operator(state: &AppState, admin_key: PublicKey) -> anyhow::Result<()> {
    let pool = state.pool.clone();
    let operator = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut conn = pool.get()?;
        Ok(parties::find_by_registration(
            &mut conn,
            OPERATOR_REG_NO,
            OPERATOR_COUNTRY,
        )?)
    })
    .await??;
    let operator_id = match operator {
        Some(p) => p.id,
        None => {
            let outcome = state
                .sequencer
                .submit(Command::CreateParty {
                    party: NewParty {
                        kind: PartyKind::Operator,
                        name: "ewaybill operator".into(),
                        reg_no: OPERATOR_REG_NO.into(),
                        country: OPERATOR_COUNTRY.into(),
                        vat_no: None,
                        address: None,
                    },
                    requested_by: "bootstrap".into(),
                })
                .await?;
            match outcome.outcome {
                crate::ledger::Outcome::Party { party, .. } => party.id,
                _ => anyhow::bail!("unexpected outcome creating the operator"),
            }
        }
    };
    let pool = state.pool.clone();
    let id = operator_id.clone();
    let has_keys = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
        let mut conn = pool.get()?;
        Ok(!keys::of_party(&mut conn, &id)?.is_empty())
    })
    .await??;
    if has_keys {
        tracing::debug!("operator exists with keys; EWAYBILL_BOOTSTRAP_ADMIN_KEY not needed");
        return Ok(());
    }
    state
        .sequencer
        .submit(Command::RegisterKey {
            party_id: operator_id,
            public_key: admin_key,
            label: "bootstrap admin".into(),
            requested_by: "bootstrap".into(),
        })
        .await?;
    tracing::info!(key_id = %admin_key.key_id(), "operator admin key registered");
    Ok(())
}

/// Builds the HTTP server on an already bound listener.
pub fn server(ledger: &Ledger, listener: std::net::TcpListener) -> anyhow::Result<Server> {
    let state = ledger.state.clone();
    let prometheus = ledger.prometheus.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(
                crate::http::idempotency::middleware,
            ))
            .wrap(actix_web::middleware::from_fn(crate::http::body::deadline))
            .wrap(prometheus.clone())
            .wrap(TracingLogger::<crate::http::request_log::RequestLog>::new())
            .app_data(state.clone())
            .configure(crate::http::configure)
    })
    // The head must arrive within 5 s (the body has its own deadline,
    // `EWAYBILL_BODY_TIMEOUT_SECS`); a closing connection gets 1 s.
    .client_request_timeout(std::time::Duration::from_secs(5))
    .client_disconnect_timeout(std::time::Duration::from_secs(1))
    .listen(listener)?
    .run();
    Ok(server)
}

/// Starts the service in the background on `config.listen` (port 0 picks a
/// free port) and returns where it listens. For tests and embedding.
pub async fn spawn(config: Config) -> anyhow::Result<(SocketAddr, Ledger)> {
    spawn_with(config, Faults::default()).await
}

/// [`spawn`] with faults injected into the sequencer (tests only).
#[doc(hidden)]
pub async fn spawn_with(config: Config, faults: Faults) -> anyhow::Result<(SocketAddr, Ledger)> {
    let listener = std::net::TcpListener::bind(config.listen)
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let ledger = prepare_with(config, faults).await?;
    let server = server(&ledger, listener)?;
    tokio::spawn(server);
    Ok((addr, ledger))
}

/// Runs the service until it is stopped (Ctrl-C / SIGTERM).
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(config.listen)
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let data_dir = config.data_dir.clone();
    let database = config.database.display();
    let ledger = prepare(config).await?;
    let key = ledger.state.service_key.clone();
    tracing::info!(
        listen = %addr,
        database = %database,
        data_dir = %data_dir.display(),
        service_key = %key.path().display(),
        service_key_id = %key.key_id(),
        created = ledger.service_key_created,
        "ewaybill ready"
    );
    println!("ewaybill listening on http://{addr}");
    println!("  database:    {database}");
    println!("  data dir:    {}", data_dir.display());
    println!(
        "  service key: {} (key id {})",
        key.path().display(),
        key.key_id()
    );
    println!("  API docs:    http://{addr}/docs/  (OpenAPI at /openapi.json)");
    if ledger.state.config.public_url.is_none() {
        tracing::warn!(
            fallback = %format!("http://{addr}"),
            "EWAYBILL_PUBLIC_URL is not set: roadside QR links point at the listen address, which a phone on the road cannot open; set it in production (an https:// URL)"
        );
        println!(
            "  warning: no EWAYBILL_PUBLIC_URL set; roadside QR links point at http://{addr} (set an https:// URL in production)"
        );
    }
    if ledger.state.config.bootstrap_admin_key.is_none() {
        println!(
            "  note: no EWAYBILL_BOOTSTRAP_ADMIN_KEY set; without an operator nobody can register parties (try `ewaybill demo`)"
        );
    }
    server(&ledger, listener)?.await?;
    Ok(())
}
