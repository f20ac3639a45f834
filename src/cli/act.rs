//! `ewaybill act ID TYPE`: sign a later act on a waybill (accept, decline,
//! correct, cancel, change vehicle, ...) chained to its current head.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use uuid::Uuid;

use crate::client::sign_act;
use crate::domain::lifecycle::ActType;

use super::issue::{check_locally, post_act, print_accepted};
use super::session::{ServerArgs, get_waybill, human};

#[derive(Args, Debug)]
pub struct ActArgs {
    /// The waybill id.
    pub waybill: Uuid,
    /// The act type: consignor.correct, consignor.cancel, carrier.accept,
    /// carrier.decline, carrier.change_vehicle, consignee.accept or consignee.reject.
    #[arg(value_name = "TYPE")]
    pub act_type: String,
    /// The act body as JSON: a file, or - for standard input. Default {}.
    #[arg(long, short)]
    pub body: Option<PathBuf>,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print the server's whole answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ActArgs) -> anyhow::Result<()> {
    let act_type = parse_act_type(&args.act_type)?;
    let body = super::read_body(args.body.as_deref())?;
    check_locally(act_type, &body)
        .with_context(|| format!("the body of {} is not valid", act_type.as_str()))?;
    let key = args.server.read_key()?;
    let id = args.waybill;
    super::tokio_runtime()?.block_on(async {
        let client = args.server.login(&key).await?;
        let waybill = get_waybill(&client, id).await?;
        let Some(head) = waybill["head"].as_str() else {
            bail!("the server's answer for waybill {id} has no head");
        };
        let envelope = sign_act(&key, act_type.as_str(), id, Some(head), body, Utc::now())?;
        let answer = post_act(&client, &format!("/v1/waybills/{id}/events"), &envelope)
            .await
            .map_err(human)
            .with_context(|| format!("{} on waybill {id}", act_type.as_str()))?;
        print_accepted(&answer, args.json)
    })
}

fn parse_act_type(text: &str) -> anyhow::Result<ActType> {
    match ActType::parse(text).ok() {
        Some(ActType::ConsignorIssue) => {
            bail!("consignor.issue starts a waybill: use `ewaybill issue FILE`")
        }
        Some(act_type) => Ok(act_type),
        None => {
            let known: Vec<_> = ActType::ALL
                .iter()
                .filter(|t| **t != ActType::ConsignorIssue)
                .map(|t| t.as_str())
                .collect();
            bail!("unknown act type {text:?}; one of: {}", known.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn act_types_are_checked_before_anything_is_sent() {
        assert_eq!(
            parse_act_type("carrier.accept").unwrap(),
            ActType::CarrierAccept
        );
        let err = parse_act_type("carrier.acept").unwrap_err().to_string();
        assert!(err.contains("carrier.accept"), "{err}");
        assert!(parse_act_type("consignor.issue").is_err());
    }

    #[test]
    fn bodies_are_checked_locally() {
        check_locally(ActType::CarrierAccept, &json!({})).unwrap();
        assert!(check_locally(ActType::ConsignorCancel, &json!({})).is_err());
        check_locally(
            ActType::ConsignorCancel,
            &json!({"reason": "order withdrawn"}),
        )
        .unwrap();
    }
}
