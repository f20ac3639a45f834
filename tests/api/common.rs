//! The harness: the real service on an ephemeral port, on SQLite (a fresh
//! file per test) or PostgreSQL (a fresh database per test, created from
//! `TEST_DATABASE_URL`), and clients that sign like real ones would.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::sync::Once;

use chrono::{DurationRound, Utc};
use diesel::{Connection, RunQueryDsl};
use ewaybill::config::Config;
use ewaybill::crypto::{KeyPair, canonical_bytes};
use ewaybill::ledger::event_hash::event_hash;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub addr: SocketAddr,
    pub config: Config,
    pub http: reqwest::Client,
    pub admin: Actor,
    pub database_url: String,
    _data_dir: tempfile::TempDir,
    pg_cleanup: Option<(String, String)>,
}

/// A party's user: its key and a fresh access token.
#[derive(Clone)]
pub struct Actor {
    pub party_id: String,
    pub key: KeyPair,
    pub token: String,
    pub reg_no: String,
    pub name: String,
}

impl Actor {
    pub fn key_id(&self) -> String {
        self.key.public_key().key_id()
    }

    pub fn party_ref(&self) -> Value {
        json!({"reg_no": self.reg_no, "country": "LV", "name": self.name})
    }

    /// Signs an act the way a client must: Ed25519 over the JCS bytes of `act`.
    pub fn sign(&self, act_type: &str, waybill_id: Uuid, prev: Option<&str>, body: Value) -> Value {
        let act = json!({
            "type": act_type,
            "waybill_id": waybill_id,
            "prev": prev,
            "key_id": self.key_id(),
            "signed_at": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "body": body,
        });
        sign_envelope(&self.key, act)
    }
}

pub fn sign_envelope(key: &KeyPair, act: Value) -> Value {
    let bytes = canonical_bytes(&act).expect("canonical");
    let signature = key.sign(&bytes).to_base64url();
    json!({"act": act, "signature": signature})
}

/// The hash a client computes to chain its next act.
pub fn hash_of(envelope: &Value) -> String {
    event_hash(&envelope["act"], envelope["signature"].as_str().unwrap()).unwrap()
}

/// A client assertion for `POST /v1/auth/token`.
pub fn assertion(key: &KeyPair, claims: Value) -> String {
    let pem = key.to_pkcs8_pem().unwrap();
    let encoding = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.public_key().key_id());
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, &claims, &encoding).unwrap()
}

pub fn good_claims(key: &KeyPair) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "iss": key.public_key().key_id(), "aud": "ewaybill",
        "iat": now, "exp": now + 120, "jti": Uuid::new_v4().to_string(),
    })
}

/// How a test wants its service started, beyond the defaults.
#[derive(Default)]
pub struct Setup {
    /// Faults injected into the sequencer.
    pub faults: ewaybill::ledger::sequencer::Faults,
    /// Configuration variables added or overridden.
    pub vars: Vec<(&'static str, String)>,
    /// The database URL the service uses, from the test database's URL
    /// (e.g. through a proxy); the test's own connections stay direct.
    pub service_url: Option<UrlMap>,
    /// The test-only key files the service offers as `ewaybill demo` does.
    pub demo_keys: Vec<ewaybill::config::DemoKeyFile>,
}

impl Setup {
    /// Only configuration variables set otherwise.
    pub fn with_vars(vars: &[(&'static str, &str)]) -> Setup {
        Setup {
            vars: vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            ..Setup::default()
        }
    }
}

/// Turns the test database's URL into the one the service uses.
pub type UrlMap = Box<dyn Fn(&str) -> String>;

fn base_config(
    database_url: &str,
    data_dir: &std::path::Path,
    admin: &KeyPair,
    extra: &[(&'static str, String)],
) -> Config {
    let vars = [
        ("DATABASE_URL", database_url.to_owned()),
        ("EWAYBILL_LISTEN", "127.0.0.1:0".to_owned()),
        ("EWAYBILL_DATA_DIR", data_dir.display().to_string()),
        (
            "EWAYBILL_BOOTSTRAP_ADMIN_KEY",
            admin.public_key().to_base64url(),
        ),
        ("EWAYBILL_MAX_BODY_BYTES", "262144".to_owned()),
        ("EWAYBILL_DB_POOL_SIZE", "6".to_owned()),
        // Webhooks: local test receivers, and retries fast enough to watch.
        ("EWAYBILL_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("EWAYBILL_WEBHOOK_BACKOFF_MS", "20".to_owned()),
        ("EWAYBILL_WEBHOOK_MAX_BACKOFF_SECS", "1".to_owned()),
        ("EWAYBILL_WEBHOOK_MAX_ATTEMPTS", "4".to_owned()),
        ("EWAYBILL_WEBHOOK_TIMEOUT_SECS", "5".to_owned()),
        ("EWAYBILL_WEBHOOK_POLL_MS", "100".to_owned()),
    ];
    Config::from_lookup(|name| {
        extra
            .iter()
            .chain(vars.iter())
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            })
    })
    .expect("test config")
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(Setup::default()).await
    }

    pub async fn sqlite_with(setup: Setup) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
        Self::start(url, dir, None, setup).await
    }

    /// `None` when `TEST_DATABASE_URL` is not set, unless CI demands PostgreSQL.
    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(Setup::default()).await
    }

    /// `TEST_DATABASE_URL`, or `None` (see [`TestApp::postgres`]).
    pub fn postgres_base() -> Option<String> {
        let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
            assert!(
                std::env::var("EWAYBILL_REQUIRE_POSTGRES").is_err(),
                "EWAYBILL_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not"
            );
            eprintln!("skipping the PostgreSQL half: TEST_DATABASE_URL is not set");
            return None;
        };
        Some(base)
    }

    pub async fn postgres_with(setup: Setup) -> Option<TestApp> {
        let base = Self::postgres_base()?;
        let name = format!("ewaybill_test_{}", Uuid::new_v4().simple());
        let mut admin = diesel::PgConnection::establish(&base).expect("TEST_DATABASE_URL");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .unwrap();
        let url = replace_db_name(&base, &name);
        let dir = tempfile::tempdir().unwrap();
        Some(Self::start(url, dir, Some((base, name)), setup).await)
    }

    async fn start(
        url: String,
        dir: tempfile::TempDir,
        pg_cleanup: Option<(String, String)>,
        setup: Setup,
    ) -> TestApp {
        show_logs_if_asked();
        let admin_key = KeyPair::generate().unwrap();
        let service_url = setup.service_url.as_ref().map_or(url.clone(), |f| f(&url));
        let mut config = base_config(&service_url, dir.path(), &admin_key, &setup.vars);
        config.demo_keys = setup.demo_keys;
        let (addr, _ledger) = ewaybill::startup::spawn_with(config.clone(), setup.faults)
            .await
            .expect("service starts");
        let http = reqwest::Client::new();
        let mut app = TestApp {
            addr,
            config,
            http,
            admin: Actor {
                party_id: String::new(),
                key: admin_key,
                token: String::new(),
                reg_no: "OPERATOR".into(),
                name: "operator".into(),
            },
            database_url: url,
            _data_dir: dir,
            pg_cleanup,
        };
        app.admin.token = app.token_for(&app.admin.key).await;
        let (_, me) = app.call(&app.admin, Method::GET, "/v1/me", None).await;
        app.admin.party_id = me["id"].as_str().unwrap().to_owned();
        app
    }

    /// Another service instance on the same database and data directory,
    /// sharing this one's admin and tokens (the same service key signs both).
    pub async fn second_instance(&self) -> TestApp {
        let (addr, _ledger) = ewaybill::startup::spawn(self.config.clone())
            .await
            .expect("second instance starts");
        TestApp {
            addr,
            config: self.config.clone(),
            http: self.http.clone(),
            admin: self.admin.clone(),
            database_url: self.database_url.clone(),
            _data_dir: tempfile::tempdir().unwrap(),
            pg_cleanup: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn token_for(&self, key: &KeyPair) -> String {
        let (status, body) = self.exchange(&assertion(key, good_claims(key))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn exchange(&self, assertion: &str) -> (StatusCode, Value) {
        let res = self
            .http
            .post(self.url("/v1/auth/token"))
            .json(&json!({ "assertion": assertion }))
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// An authenticated JSON call.
    pub async fn call(
        &self,
        who: &Actor,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&who.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// An authenticated GET.
    pub async fn get(&self, who: &Actor, path: &str) -> (StatusCode, Value) {
        self.call(who, Method::GET, path, None).await
    }

    /// An authenticated POST of a JSON body.
    pub async fn post(&self, who: &Actor, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(who, Method::POST, path, Some(body)).await
    }

    /// The waybill's signed chain as `who` reads it
    /// (`GET /v1/waybills/{waybill}/events`).
    pub async fn events(&self, who: &Actor, waybill: Uuid) -> (StatusCode, Value) {
        self.get(who, &format!("/v1/waybills/{waybill}/events"))
            .await
    }

    /// An authority records an inspection of the waybill
    /// (`POST /v1/inspect/shipments/{waybill}/inspections`).
    pub async fn record_inspection(
        &self,
        who: &Actor,
        waybill: Uuid,
        body: Value,
    ) -> (StatusCode, Value) {
        self.post(
            who,
            &format!("/v1/inspect/shipments/{waybill}/inspections"),
            body,
        )
        .await
    }

    /// Asserts that the access audit trail, as the operator reads it, holds
    /// an entry for which `entry` is true.
    pub async fn assert_audited(&self, entry: impl Fn(&Value) -> bool) {
        let (_, trail) = self.get(&self.admin, "/v1/audit/access").await;
        assert!(trail.as_array().unwrap().iter().any(entry), "{trail}");
    }

    /// The Prometheus text at `/metrics` (unauthenticated).
    pub async fn metrics(&self) -> String {
        let res = self.http.get(self.url("/metrics")).send().await.unwrap();
        res.text().await.unwrap()
    }

    pub async fn register_party(&self, kind: &str, name: &str) -> Actor {
        let reg_no = format!(
            "{}",
            40_000_000_000u64 + u64::from(rand_u16()) * 1000 + u64::from(rand_u16() % 1000)
        );
        let (status, party) = self
            .post(
                &self.admin,
                "/v1/parties",
                json!({"kind": kind, "name": name, "reg_no": reg_no, "country": "LV"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{party}");
        let party_id = party["id"].as_str().unwrap().to_owned();
        let key = KeyPair::generate().unwrap();
        let (status, body) = self
            .post(
                &self.admin,
                &format!("/v1/parties/{party_id}/keys"),
                json!({"public_key": key.public_key().to_base64url(), "label": "test"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let token = self.token_for(&key).await;
        Actor {
            party_id,
            key,
            token,
            reg_no,
            name: name.to_owned(),
        }
    }

    pub async fn company(&self, name: &str) -> Actor {
        self.register_party("company", name).await
    }

    /// A direct connection to the service's database, as its owner.
    pub fn db(&self) -> ewaybill::storage::DbConnection {
        let url = ewaybill::storage::DatabaseUrl::parse(&self.database_url).unwrap();
        ewaybill::storage::connect(&url).unwrap()
    }
}

/// With `TEST_LOG` set (to anything but `0`), the service's logs are printed
/// with the test's output (captured like `println!`, shown for failing tests
/// or with `--nocapture`), filtered by `RUST_LOG` (default `info`). The
/// service itself installs no subscriber in tests: `telemetry::init` runs
/// only from the command line.
fn show_logs_if_asked() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if std::env::var("TEST_LOG").is_ok_and(|v| v != "0") {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            // Another subscriber already installed is left alone.
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(std::io::stdout().is_terminal())
                .with_test_writer()
                .try_init();
        }
    });
}

/// Asserts that `response` is a problem document with this status and
/// `code`, and, when `paths` is not empty, that its `errors` name exactly
/// these field paths, in the order the service lists them. Returns the
/// problem for further checks.
#[track_caller]
pub fn assert_problem(
    response: &(StatusCode, Value),
    status: StatusCode,
    code: &str,
    paths: &[&str],
) -> Value {
    let (got, problem) = response;
    assert_eq!(*got, status, "{problem}");
    assert_eq!(problem["code"], code, "{problem}");
    if !paths.is_empty() {
        let found: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no errors in {problem}"))
            .iter()
            .map(|e| e["path"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(found, paths, "{problem}");
    }
    problem.clone()
}

fn rand_u16() -> u16 {
    (Uuid::new_v4().as_u128() & 0xffff) as u16
}

pub fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..cut], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((base, name)) = self.pg_cleanup.take()
            && let Ok(mut conn) = diesel::PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// A waybill document a real ERP would send: a brewery ships beer and glasses.
///
/// Its dates are relative to now (issued today, loading one to two hours
/// from now, unloading four hours later; times on the hour), so the
/// shipment is on time whenever the suite runs: fixed dates would make
/// every shipment overdue a few days later and skew the time-dependent
/// risk factors.
pub fn document(number: &str, consignor: &Actor, carrier: &Actor, consignee: &Actor) -> Value {
    // On the hour, so two documents built a moment apart are the same.
    let now = Utc::now()
        .duration_trunc(chrono::TimeDelta::hours(1))
        .expect("an hour divides the day");
    let at = |hours: i64| {
        (now + chrono::TimeDelta::hours(hours)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    json!({
        "number": number,
        "issue_date": today(),
        "transaction_type": "sale",
        "consignor": consignor.party_ref(),
        "consignee": consignee.party_ref(),
        "carrier": carrier.party_ref(),
        "loading": {"address": {"line": "Tērbatas iela 1", "city": "Rīga", "postal_code": "LV-1011", "country": "LV"},
                    "planned_at": at(2)},
        "unloading": {"address": {"line": "Rīgas iela 5", "city": "Valmiera", "country": "LV"},
                      "planned_at": at(6)},
        "transport": {"vehicle_plate": "AB-1234", "vehicle_country": "LV", "driver_name": "Jānis Bērziņš"},
        "currency": "EUR",
        "lines": [
            {"line_no": 1, "description": "Lager beer 0.5 l", "cn_code": "22030001", "quantity": "100",
             "unit": "LTR", "gross_weight_kg": "105.5", "net_weight_kg": "100", "unit_price": "1.20",
             "vat_rate": "21", "amount": "120.00", "packages": 10, "excise_category": "alcohol"},
            {"line_no": 2, "description": "Beer glasses", "quantity": "50", "unit": "C62",
             "gross_weight_kg": "60", "unit_price": "3.333", "vat_rate": "21", "amount": "166.65"}
        ],
        "totals": {"net_amount": "286.65", "vat_amount": "60.20", "gross_amount": "346.85", "gross_weight_kg": "165.5"},
        "references": [{"kind": "invoice", "number": "INV-2026-001", "date": today()}]
    })
}

/// Today's date (UTC) as `YYYY-MM-DD`, the issue date of [`document`].
pub fn today() -> String {
    Utc::now().date_naive().to_string()
}

/// Tomorrow's date (UTC) as `YYYY-MM-DD`: no document of the suite is issued then.
pub fn tomorrow() -> String {
    (Utc::now().date_naive() + chrono::Days::new(1)).to_string()
}

/// A fresh document number.
pub fn number() -> String {
    format!("WB-{}", Uuid::now_v7().simple())
}

/// A signed consignor.issue of a new waybill numbered `number`.
pub fn issue_envelope(
    consignor: &Actor,
    carrier: &Actor,
    consignee: &Actor,
    number: &str,
) -> Value {
    issue_envelope_with_id(Uuid::now_v7(), consignor, carrier, consignee, number)
}

/// [`issue_envelope`] of the waybill `id`.
pub fn issue_envelope_with_id(
    id: Uuid,
    consignor: &Actor,
    carrier: &Actor,
    consignee: &Actor,
    number: &str,
) -> Value {
    consignor.sign(
        "consignor.issue",
        id,
        None,
        document(number, consignor, carrier, consignee),
    )
}

impl TestApp {
    /// Posts a signed consignor.issue to `POST /v1/waybills`.
    pub async fn post_issue(&self, who: &Actor, envelope: &Value) -> (StatusCode, Value) {
        self.post(who, "/v1/waybills", envelope.clone()).await
    }
}

/// Three companies and a waybill issued between them.
pub struct Shipment {
    pub consignor: Actor,
    pub carrier: Actor,
    pub consignee: Actor,
    pub id: Uuid,
    pub head: String,
}

impl TestApp {
    pub async fn parties(&self) -> (Actor, Actor, Actor) {
        (
            self.company("Brewery").await,
            self.company("Carrier").await,
            self.company("Grocery").await,
        )
    }

    /// Issues a waybill between three companies under a fresh id.
    pub async fn issue(
        &self,
        consignor: &Actor,
        carrier: &Actor,
        consignee: &Actor,
    ) -> (Uuid, String) {
        let s = self.shipment_between(consignor, carrier, consignee).await;
        (s.id, s.head)
    }

    /// [`TestApp::issue`], kept as a [`Shipment`] to act on.
    pub async fn shipment_between(
        &self,
        consignor: &Actor,
        carrier: &Actor,
        consignee: &Actor,
    ) -> Shipment {
        let id = Uuid::now_v7();
        let number = format!("WB-{}", id.simple());
        let doc = document(&number, consignor, carrier, consignee);
        self.issue_document(consignor, carrier, consignee, id, doc)
            .await
    }

    /// Signs and posts the consignor.issue of waybill `id` with `doc`, which
    /// must succeed.
    pub async fn issue_document(
        &self,
        consignor: &Actor,
        carrier: &Actor,
        consignee: &Actor,
        id: Uuid,
        doc: Value,
    ) -> Shipment {
        let envelope = consignor.sign("consignor.issue", id, None, doc);
        let (status, body) = self.post_issue(consignor, &envelope).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["event"]["hash"], hash_of(&envelope));
        Shipment {
            consignor: consignor.clone(),
            carrier: carrier.clone(),
            consignee: consignee.clone(),
            id,
            head: hash_of(&envelope),
        }
    }

    pub async fn shipment(&self) -> Shipment {
        let (consignor, carrier, consignee) = self.parties().await;
        let (id, head) = self.issue(&consignor, &carrier, &consignee).await;
        Shipment {
            consignor,
            carrier,
            consignee,
            id,
            head,
        }
    }

    /// The shipment's carrier signs `carrier.accept` with `body` (see
    /// [`TestApp::act`]).
    pub async fn carrier_accept(&self, s: &mut Shipment, body: Value) -> (StatusCode, Value) {
        let carrier = s.carrier.clone();
        self.act(s, &carrier, "carrier.accept", body).await
    }

    /// [`TestApp::carrier_accept`] that must succeed (201); returns the
    /// response body.
    pub async fn carrier_accept_ok(&self, s: &mut Shipment, body: Value) -> Value {
        let carrier = s.carrier.clone();
        self.act_ok(s, &carrier, "carrier.accept", body).await
    }

    /// Signs and posts a later act; on success moves `head` along.
    pub async fn act(
        &self,
        s: &mut Shipment,
        who: &Actor,
        act_type: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let envelope = who.sign(act_type, s.id, Some(&s.head), body);
        let (status, response) = self.post_event(who, s.id, &envelope).await;
        if status == StatusCode::CREATED {
            s.head = hash_of(&envelope);
        }
        (status, response)
    }

    /// [`TestApp::act`] that must succeed (201); returns the response body.
    pub async fn act_ok(
        &self,
        s: &mut Shipment,
        who: &Actor,
        act_type: &str,
        body: Value,
    ) -> Value {
        let (status, response) = self.act(s, who, act_type, body).await;
        assert_eq!(status, StatusCode::CREATED, "{act_type}: {response}");
        response
    }

    /// Posts a signed act, as it is, to `POST /v1/waybills/{waybill}/events`
    /// (no head moves: for acts signed by someone else, or on a stale head).
    pub async fn post_event(
        &self,
        who: &Actor,
        waybill: Uuid,
        envelope: &Value,
    ) -> (StatusCode, Value) {
        self.post(
            who,
            &format!("/v1/waybills/{waybill}/events"),
            envelope.clone(),
        )
        .await
    }
}

/// Runs each listed test on SQLite and on PostgreSQL; after `with VARS;`
/// (the name of a `&[(&str, &str)]` constant beside the tests), with those
/// environment variables set otherwise.
#[macro_export]
macro_rules! on_both_backends {
    (with $vars:ident; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::common::TestApp::sqlite_with($crate::common::Setup::with_vars(super::$vars)).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::postgres_with($crate::common::Setup::with_vars(super::$vars)).await {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::common::TestApp::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::postgres().await {
                        super::$name(app).await
                    }
                }
            )*
        }
    };
}

/// The arguments of `ewaybill verify` against `app`, logged in with the key
/// in `key_file` and trusting `vkey` (the text of `/v1/log/key`).
pub fn verify_args(app: &TestApp, key_file: &std::path::Path, vkey: &str) -> Vec<String> {
    vec![
        "--server".into(),
        format!("http://{}", app.addr),
        "--key".into(),
        key_file.display().to_string(),
        "--vkey".into(),
        vkey.trim().to_owned(),
    ]
}

/// How a finished command went: (success, stdout followed by stderr).
pub fn outcome(out: &std::process::Output) -> (bool, String) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs `ewaybill verify` (the real binary) and returns (success, stdout+stderr).
pub async fn run_verify(args: Vec<String>) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ewaybill"))
            .arg("verify")
            .args(&args)
            .output()
            .expect("run ewaybill verify");
        outcome(&out)
    })
    .await
    .unwrap()
}

impl Actor {
    /// Writes this actor's private key to a file for the command line.
    pub fn key_file(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join(format!("{}.seed", self.party_id));
        std::fs::write(&path, format!("{}\n", &*self.key.seed_base64url())).unwrap();
        path
    }
}

/// An answer kept whole: status, headers and the exact body bytes.
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl TestApp {
    /// An authenticated POST of raw bytes with a content type and extra headers.
    pub async fn post_raw(
        &self,
        who: &Actor,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> RawResponse {
        let mut req = self
            .http
            .post(self.url(path))
            .bearer_auth(&who.token)
            .header("Content-Type", content_type)
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.unwrap();
        RawResponse {
            status: res.status(),
            headers: res.headers().clone(),
            body: res.bytes().await.unwrap().to_vec(),
        }
    }
}
