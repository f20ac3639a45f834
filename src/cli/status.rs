//! `ewaybill status ID`: where a waybill stands, who is on it and what
//! happened to it.

use std::fmt::Write as _;

use clap::Args;
use serde_json::Value;
use uuid::Uuid;

use super::session::{ServerArgs, get_waybill, human};

#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The waybill id.
    pub waybill: Uuid,
    #[command(flatten)]
    pub server: ServerArgs,
    /// Print the waybill's state as the server returns it (JSON).
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: StatusArgs) -> anyhow::Result<()> {
    let key = args.server.read_key()?;
    let id = args.waybill;
    super::tokio_runtime()?.block_on(async {
        let client = args.server.login(&key).await?;
        let waybill = get_waybill(&client, id).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&waybill)?);
            return Ok(());
        }
        let events = client
            .get(&format!("/v1/waybills/{id}/events"))
            .await
            .map_err(human)?;
        print!("{}", summary(&waybill, &events));
        Ok(())
    })
}

/// The human summary: status, parties, vehicle, goods and the history.
fn summary(waybill: &Value, events: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
    let doc = &waybill["document"];
    let party = |p: &Value| {
        format!(
            "{} ({} {})",
            text(&p["name"]),
            text(&p["country"]),
            text(&p["reg_no"])
        )
    };
    let mut out = String::new();
    let _ = writeln!(out, "waybill    {}", text(&waybill["id"]));
    let _ = writeln!(out, "number     {}", text(&doc["number"]));
    let _ = writeln!(
        out,
        "status     {} (version {}, updated {})",
        text(&waybill["status"]),
        waybill["version"],
        text(&waybill["updated_at"])
    );
    if let Some(reason) = waybill["reason"].as_str() {
        let _ = writeln!(out, "reason     {reason}");
    }
    let _ = writeln!(out, "consignor  {}", party(&doc["consignor"]));
    let _ = writeln!(out, "carrier    {}", party(&doc["carrier"]));
    let _ = writeln!(out, "consignee  {}", party(&doc["consignee"]));
    let transport = &waybill["transport"];
    let trailer = transport["trailer_plate"]
        .as_str()
        .map(|t| format!(", trailer {t}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "vehicle    {} ({}){trailer}",
        text(&transport["vehicle_plate"]),
        text(&transport["vehicle_country"])
    );
    let lines = doc["lines"].as_array().map_or(0, Vec::len);
    let _ = writeln!(
        out,
        "goods      {lines} line{}, {} kg gross, {} {} with VAT",
        if lines == 1 { "" } else { "s" },
        text(&doc["totals"]["gross_weight_kg"]),
        text(&doc["totals"]["gross_amount"]),
        text(&doc["currency"])
    );
    let _ = writeln!(
        out,
        "route      {} -> {}",
        text(&doc["loading"]["address"]["city"]),
        text(&doc["unloading"]["address"]["city"])
    );
    let _ = writeln!(out, "history");
    for (n, event) in events.as_array().into_iter().flatten().enumerate() {
        let act = &event["act"];
        let _ = writeln!(
            out,
            "  {:>2}. {:<24} signed {}  received {}  key {}",
            n + 1,
            text(&act["type"]),
            text(&act["signed_at"]),
            text(&event["received_at"]),
            text(&act["key_id"])
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_names_status_parties_and_history() {
        let party = |name: &str, reg: &str| json!({"name": name, "country": "LV", "reg_no": reg});
        let waybill = json!({
            "id": "0193", "status": "in_transit", "version": 2, "updated_at": "2026-11-30T10:00:00Z",
            "transport": {"vehicle_plate": "AB-1", "vehicle_country": "LV"},
            "document": {
                "number": "WB-1", "currency": "EUR",
                "consignor": party("Brewery", "1"), "carrier": party("Haulage", "2"),
                "consignee": party("Grocery", "3"),
                "lines": [{}, {}],
                "totals": {"gross_weight_kg": "165.5", "gross_amount": "346.85"},
                "loading": {"address": {"city": "Rīga"}}, "unloading": {"address": {"city": "Valmiera"}}
            }
        });
        let events = json!([
            {"received_at": "t1", "act": {"type": "consignor.issue", "signed_at": "s1", "key_id": "k1"}},
            {"received_at": "t2", "act": {"type": "carrier.accept", "signed_at": "s2", "key_id": "k2"}}
        ]);
        let text = summary(&waybill, &events);
        assert!(text.contains("status     in_transit (version 2"), "{text}");
        assert!(text.contains("carrier    Haulage (LV 2)"), "{text}");
        assert!(
            text.contains("2 lines, 165.5 kg gross, 346.85 EUR"),
            "{text}"
        );
        assert!(text.contains(" 2. carrier.accept"), "{text}");
        assert!(text.contains("Rīga -> Valmiera"), "{text}");
    }
}
