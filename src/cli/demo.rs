//! `ewaybill demo`: loads the demo parties, their test-only keys and sample
//! waybills from `fixtures/` through the real API, so a newcomer has
//! something to look at and keys to act with at once. Safe to run again:
//! existing parties, keys and waybills are left as they are.

use crate::problem_code::ProblemCode;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::client::{ApiClient, read_key, sign_act};
use crate::config::DemoKeyFile;
use crate::crypto::KeyPair;

#[derive(Debug, Deserialize)]
pub struct FixtureParty {
    pub handle: String,
    pub kind: String,
    pub name: String,
    pub reg_no: String,
    pub country: String,
    #[serde(default)]
    pub vat_no: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// Path of the test-only key, relative to the fixtures directory.
    pub key: String,
}

#[derive(Debug, Deserialize)]
pub struct Scenario {
    pub document: String,
    pub consignor: String,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
pub struct Step {
    #[serde(rename = "as")]
    pub actor: String,
    pub act: String,
    #[serde(default)]
    pub body: Value,
}

/// The operator's test-only key in the fixtures.
pub fn operator_key_path(fixtures: &Path) -> PathBuf {
    fixtures.join("keys/test-only-operator.seed")
}

/// The command line the demo suggests: log in with a demo key and list
/// waybills. `--server` only when the service is not where the client
/// looks by default, so the line works as printed.
pub fn try_line(key: &Path, base: &str) -> String {
    let server = if base == super::session::DEFAULT_SERVER {
        String::new()
    } else {
        format!(" --server {base}")
    };
    format!(
        "Try: TOKEN=$(ewaybill login --key {}{server}) && curl -s -H \"Authorization: Bearer $TOKEN\" {base}/v1/waybills",
        key.display()
    )
}

/// The demo parties' test-only key files, for the web app's sign-in page
/// (`GET /v1/demo/keys`). Read before the service starts, from the same
/// files [`load`] registers.
pub fn roster(fixtures: &Path) -> anyhow::Result<Vec<DemoKeyFile>> {
    let parties: Vec<FixtureParty> = read_json(&fixtures.join("parties.json"))?;
    parties
        .into_iter()
        .map(|party| {
            let path = fixtures.join(&party.key);
            let key = read_key(&path)?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok(DemoKeyFile {
                key_id: key.public_key().key_id(),
                key_file: text,
                handle: party.handle,
                kind: party.kind,
                name: party.name,
            })
        })
        .collect()
}

/// What was loaded, for the summary.
pub struct Loaded {
    pub parties: Vec<(FixtureParty, String)>,
    pub waybills: Vec<(String, Uuid, String)>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Loads everything through the API at `base`.
pub async fn load(base: &str, fixtures: &Path) -> anyhow::Result<Loaded> {
    let operator = read_key(&operator_key_path(fixtures))?;
    let admin = ApiClient::login(base, &operator)
        .await
        .context("logging in as the demo operator (is the service's operator the fixture key?)")?;
    let parties: Vec<FixtureParty> = read_json(&fixtures.join("parties.json"))?;
    let scenarios: Vec<Scenario> = read_json(&fixtures.join("scenarios.json"))?;

    let mut registered = Vec::new();
    for party in parties {
        let key = read_key(&fixtures.join(&party.key))?;
        let id = ensure_party(&admin, &party).await?;
        ensure_key(&admin, &id, &key, &party.handle).await?;
        registered.push((party, id));
    }

    let mut waybills = Vec::new();
    for scenario in &scenarios {
        let loaded = run_scenario(base, fixtures, &registered, scenario)
            .await
            .with_context(|| format!("scenario {}", scenario.document))?;
        waybills.push(loaded);
    }
    Ok(Loaded {
        parties: registered,
        waybills,
    })
}

async fn ensure_party(admin: &ApiClient, party: &FixtureParty) -> anyhow::Result<String> {
    let body = json!({
        "kind": party.kind, "name": party.name, "reg_no": party.reg_no,
        "country": party.country, "vat_no": party.vat_no, "address": party.address,
    });
    match admin.post("/v1/parties", body).await {
        Ok(created) => Ok(created["id"].as_str().unwrap_or_default().to_owned()),
        Err(e) if e.code() == Some(ProblemCode::PartyExists.as_str()) => {
            let found = admin
                .get(&format!(
                    "/v1/parties?reg_no={}&country={}",
                    party.reg_no, party.country
                ))
                .await?;
            found[0]["id"]
                .as_str()
                .map(str::to_owned)
                .context("party exists but cannot be found")
        }
        Err(e) => Err(e.into()),
    }
}

async fn ensure_key(
    admin: &ApiClient,
    party_id: &str,
    key: &KeyPair,
    label: &str,
) -> anyhow::Result<()> {
    let body = json!({
        "public_key": key.public_key().to_base64url(),
        "label": format!("demo {label} (TEST ONLY)"),
    });
    match admin
        .post(&format!("/v1/parties/{party_id}/keys"), body)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(ProblemCode::KeyExists.as_str()) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn run_scenario(
    base: &str,
    fixtures: &Path,
    parties: &[(FixtureParty, String)],
    scenario: &Scenario,
) -> anyhow::Result<(String, Uuid, String)> {
    let key_of = |handle: &str| -> anyhow::Result<KeyPair> {
        let (party, _) = parties
            .iter()
            .find(|(p, _)| p.handle == handle)
            .with_context(|| format!("no fixture party {handle}"))?;
        Ok(read_key(&fixtures.join(&party.key))?)
    };
    let document: Value = read_json(&fixtures.join(&scenario.document))?;
    let number = document["number"].as_str().unwrap_or_default().to_owned();
    let consignor_key = key_of(&scenario.consignor)?;
    let consignor = ApiClient::login(base, &consignor_key).await?;
    // The same demo waybill gets the same id on every run, so loading twice
    // finds it instead of issuing a duplicate.
    let id = Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!(
            "ewaybill-demo:{}:{number}",
            consignor_key.public_key().key_id()
        )
        .as_bytes(),
    );
    if let Ok(existing) = consignor.get(&format!("/v1/waybills/{id}")).await {
        let status = existing["status"].as_str().unwrap_or_default().to_owned();
        return Ok((number, id, status));
    }
    let envelope = sign_act(
        &consignor_key,
        "consignor.issue",
        id,
        None,
        document,
        Utc::now(),
    )?;
    let mut answer = consignor.post("/v1/waybills", envelope).await?;
    for step in &scenario.steps {
        let key = key_of(&step.actor)?;
        let client = ApiClient::login(base, &key).await?;
        let head = answer["event"]["hash"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let envelope = sign_act(
            &key,
            &step.act,
            id,
            Some(&head),
            step.body.clone(),
            Utc::now(),
        )?;
        answer = client
            .post(&format!("/v1/waybills/{id}/events"), envelope)
            .await
            .with_context(|| format!("{} by {}", step.act, step.actor))?;
    }
    let status = answer["waybill"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    Ok((number, id, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_try_line_names_the_server_unless_it_is_the_default() {
        let key = Path::new("fixtures/keys/brewery.seed");
        let default = try_line(key, "http://127.0.0.1:8080");
        assert!(
            default.starts_with(
                "Try: TOKEN=$(ewaybill login --key fixtures/keys/brewery.seed) && curl"
            ),
            "{default}"
        );
        let other = try_line(key, "http://127.0.0.1:9090");
        assert!(
            other
                .contains("login --key fixtures/keys/brewery.seed --server http://127.0.0.1:9090)"),
            "{other}"
        );
        assert!(
            other.ends_with("http://127.0.0.1:9090/v1/waybills"),
            "{other}"
        );
    }
}
