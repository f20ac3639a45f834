//! `ewaybill issue waybill.json`: check a document locally, sign it as the
//! consignor and issue it.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use serde_json::Value;
use uuid::Uuid;

use crate::client::{ApiClient, ClientError, sign_act};
use crate::domain::act::parse_body;
use crate::domain::complete::{Computed, complete_document};
use crate::domain::field_error::FieldError;
use crate::domain::lifecycle::ActType;

use super::session::{ServerArgs, human};

/// How long one write may take before it is retried with the same key.
pub(super) const WRITE_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts of one write when the server cannot be reached.
const ATTEMPTS: u32 = 3;

#[derive(Args, Debug)]
pub struct IssueArgs {
    /// The waybill document (JSON, the body of consignor.issue); - for standard input.
    pub file: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Issue under this waybill id instead of a new one.
    #[arg(long)]
    pub waybill: Option<Uuid>,
    /// Print the server's whole answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: IssueArgs) -> anyhow::Result<()> {
    let mut document = super::read_body(Some(&args.file))?;
    let computed = complete_document(&mut document);
    if !computed.is_empty() {
        eprintln!("{}", describe_computed(&computed));
    }
    check_locally(ActType::ConsignorIssue, &document)
        .with_context(|| format!("{} is not a valid waybill document", args.file.display()))?;
    let key = args.server.read_key()?;
    let id = args.waybill.unwrap_or_else(Uuid::now_v7);
    super::tokio_runtime()?.block_on(async {
        let client = args.server.login(&key).await?;
        let envelope = sign_act(&key, "consignor.issue", id, None, document, Utc::now())?;
        let answer = post_act(&client, "/v1/waybills", &envelope)
            .await
            .map_err(|e| {
                let transient = e.is_transient();
                let e = human(e);
                if transient {
                    e.context(format!(
                        "waybill {id} may or may not have been issued; check with \
                         `ewaybill status {id}`, or issue it again with --waybill {id}"
                    ))
                } else {
                    e
                }
            })?;
        print_accepted(&answer, args.json)
    })
}

/// What was filled in, for the sender to see (and check) before signing.
fn describe_computed(computed: &[Computed]) -> String {
    let mut text = String::from("computed what the document leaves out:");
    for c in computed {
        text.push_str("\n  ");
        text.push_str(&c.to_string());
    }
    text
}

/// Parses and checks an act body the way the server will, and lists every
/// problem found.
pub(super) fn check_locally(act_type: ActType, body: &Value) -> anyhow::Result<()> {
    match parse_body(act_type, body) {
        Ok(_) => Ok(()),
        Err(errors) => bail!("{}", list_errors(&errors)),
    }
}

pub(super) fn list_errors(errors: &[FieldError]) -> String {
    let mut text = format!(
        "{} problem{}:",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for error in errors {
        text.push_str("\n  - ");
        text.push_str(&error.to_string());
    }
    text
}

/// Posts a signed act, retrying a lost or failed answer with the same
/// `Idempotency-Key` so the act is never applied twice.
pub(super) async fn post_act(
    client: &ApiClient,
    path: &str,
    envelope: &Value,
) -> Result<Value, ClientError> {
    let body = envelope.to_string().into_bytes();
    let mut attempt = 1;
    loop {
        match client
            .post_idempotent(path, body.clone(), WRITE_TIMEOUT)
            .await
        {
            Err(e) if e.is_transient() && attempt < ATTEMPTS => {
                eprintln!("{}; sending it again", e.describe());
                tokio::time::sleep(Duration::from_secs(1 << attempt)).await;
                attempt += 1;
            }
            answer => return answer,
        }
    }
}

/// The summary of an `ActAccepted` answer.
pub(super) fn print_accepted(answer: &Value, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(answer)?);
        return Ok(());
    }
    let waybill = &answer["waybill"];
    let text = |v: &Value| v.as_str().unwrap_or("?").to_owned();
    println!("waybill:    {}", text(&waybill["id"]));
    println!("number:     {}", text(&waybill["document"]["number"]));
    println!(
        "status:     {} (version {})",
        text(&waybill["status"]),
        waybill["version"]
    );
    println!("head:       {}", text(&waybill["head"]));
    let receipt = &answer["receipt"];
    println!(
        "receipt:    log index {} in a tree of {} (checkpoint and inclusion proof: --json)",
        receipt["log_index"], receipt["tree_size"]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::test_fixtures::brewery;
    use serde_json::json;

    #[test]
    fn local_check_lists_every_problem() {
        let mut document = brewery();
        check_locally(ActType::ConsignorIssue, &document).unwrap();
        document["lines"][0]["cn_code"] = json!("2203");
        document["currency"] = json!("EURO");
        let err = check_locally(ActType::ConsignorIssue, &document)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("2 problems:"), "{err}");
        assert!(err.contains("lines[0].cn_code"), "{err}");
        assert!(err.contains("currency"), "{err}");
    }

    #[test]
    fn amounts_and_totals_left_out_are_computed_and_shown() {
        let mut document = brewery();
        document["lines"][0]
            .as_object_mut()
            .unwrap()
            .remove("amount");
        document.as_object_mut().unwrap().remove("totals");
        assert!(check_locally(ActType::ConsignorIssue, &document).is_err());
        let computed = complete_document(&mut document);
        check_locally(ActType::ConsignorIssue, &document).unwrap();
        let shown = describe_computed(&computed);
        assert!(
            shown.starts_with("computed what the document leaves out:"),
            "{shown}"
        );
        assert!(shown.contains("\n  lines[0].amount = "), "{shown}");
        assert!(shown.contains("\n  totals.gross_amount = "), "{shown}");
        assert!(!shown.contains("lines[1].amount"), "{shown}");
    }
}
