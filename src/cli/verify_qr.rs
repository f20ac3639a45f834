//! `ewaybill verify-qr`: checks a roadside QR code's signed payload offline
//! with the service's key (the log's vkey, `GET /v1/log/key`) and prints
//! the summary it carries, true as of its signing time. Exits non-zero on a
//! bad signature, a payload spliced onto another waybill's link, or a
//! malformed payload. Format: [`crate::roadside`] and `docs/roadside.md`.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

use crate::note::VerifierKey;
use crate::roadside::{self, VerifiedPayload};

/// Check a roadside QR code offline.
#[derive(Debug, clap::Args)]
pub struct VerifyQrArgs {
    /// The QR code's whole text (`HTTPS://.../V/TOKEN#EWB2:...`; the payload
    /// is bound to the link's token), a file holding it, or - for standard input.
    pub payload: String,
    /// The log's verifier key (the line `GET /v1/log/key` returns), or a file holding it.
    #[arg(long)]
    pub vkey: String,
    /// Print the verified summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: VerifyQrArgs) -> anyhow::Result<()> {
    let text = read_payload(&args.payload)?;
    let vkey_text = if Path::new(&args.vkey).is_file() {
        std::fs::read_to_string(&args.vkey)
            .with_context(|| format!("cannot read the vkey file {}", args.vkey))?
    } else {
        args.vkey.clone()
    };
    let vkey = VerifierKey::parse(vkey_text.trim()).context("--vkey is not a C2SP verifier key")?;
    let verified = roadside::verify_qr_text(&text, vkey.public_key())
        .context("the QR payload is NOT authentic")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&verified.summary)?);
    } else {
        print!("{}", describe(&verified, &vkey));
    }
    Ok(())
}

fn read_payload(arg: &str) -> anyhow::Result<String> {
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        return Ok(text);
    }
    let trimmed = arg.trim();
    if trimmed.contains('#') {
        return Ok(trimmed.to_owned());
    }
    std::fs::read_to_string(arg)
        .with_context(|| format!("{arg:?} is neither a roadside QR text nor a readable file"))
}

fn describe(v: &VerifiedPayload, vkey: &VerifierKey) -> String {
    let s = &v.summary;
    let party = |p: &roadside::PartySummary| format!("{} ({}, {})", p.name, p.reg_no, p.country);
    let trailer = s
        .trailer_plate
        .as_deref()
        .map(|t| format!(" + {t}"))
        .unwrap_or_default();
    format!(
        "AUTHENTIC as of {issued_at}: signed by the service key of {log} (kid {kid})\n\
         for the link with token {token}\n\
         waybill          {number} ({id})\n\
         status           {status} (version {version}, as of {issued_at})\n\
         issued           {issue_date}\n\
         consignor        {consignor}\n\
         carrier          {carrier}\n\
         consignee        {consignee}\n\
         vehicle          {plate}{trailer} ({vcountry})\n\
         goods            {lines} line(s), {weight} kg gross{excise}\n\
         log              event {index}\n\
         The status may have changed since {issued_at}: check online for the current status (open the link).\n",
        log = vkey.name(),
        kid = v.kid,
        token = v.token,
        number = s.number,
        id = s.id,
        status = s.status,
        version = s.version,
        issued_at = s.issued_at,
        issue_date = s.issue_date,
        consignor = party(&s.consignor),
        carrier = party(&s.carrier),
        consignee = party(&s.consignee),
        plate = s.vehicle_plate,
        vcountry = s.vehicle_country,
        lines = s.goods.lines,
        weight = s.goods.gross_weight_kg,
        excise = if s.goods.excise { ", excise goods" } else { "" },
        index = s.log_index,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::roadside::{GoodsSummary, PartySummary, Summary};

    fn fixture() -> (tempfile::TempDir, String, String) {
        let key = KeyPair::generate().unwrap();
        let vkey = VerifierKey::from_public_key("ewaybill/test", key.public_key())
            .unwrap()
            .to_vkey();
        let token = roadside::new_token().unwrap();
        let party = PartySummary {
            name: "SIA Test".into(),
            reg_no: "40003000001".into(),
            country: "LV".into(),
        };
        let summary = Summary {
            id: "01938a4e-0000-7000-8000-000000000001".into(),
            number: "WB-1".into(),
            status: "issued".into(),
            version: 1,
            log_index: 3,
            issue_date: "2026-11-29".into(),
            consignor: party.clone(),
            consignee: party.clone(),
            carrier: party,
            vehicle_plate: "AB-1234".into(),
            trailer_plate: None,
            vehicle_country: "LV".into(),
            goods: GoodsSummary {
                lines: 1,
                gross_weight_kg: "10".into(),
                excise: false,
            },
            issued_at: "2026-11-29T10:00:00Z".into(),
        };
        let payload =
            roadside::sign_payload(&summary, &token, &key.public_key(), |m| key.sign(m)).unwrap();
        let text = roadside::qr_text("https://e.example", &token, &payload);
        (tempfile::tempdir().unwrap(), vkey, text)
    }

    fn args(payload: String, vkey: String) -> VerifyQrArgs {
        VerifyQrArgs {
            payload,
            vkey,
            json: false,
        }
    }

    #[test]
    fn accepts_the_text_and_files_and_rejects_tampering() {
        let (dir, vkey, text) = fixture();
        assert!(run(args(text.clone(), vkey.clone())).is_ok());
        let (payload_file, vkey_file) = (dir.path().join("qr.txt"), dir.path().join("vkey"));
        std::fs::write(&payload_file, format!("{text}\n")).unwrap();
        std::fs::write(&vkey_file, format!("{vkey}\n")).unwrap();
        let path = |p: &Path| p.display().to_string();
        assert!(run(args(path(&payload_file), path(&vkey_file))).is_ok());

        // One character of the payload changed.
        let last = text.chars().last().unwrap();
        let tampered = format!(
            "{}{}",
            &text[..text.len() - 1],
            if last == 'A' { 'B' } else { 'A' }
        );
        assert!(run(args(tampered, vkey.clone())).is_err());
        let (_, other_vkey, _) = fixture();
        assert!(run(args(text.clone(), other_vkey)).is_err());
        let bare = text.split_once('#').unwrap().1.to_owned();
        assert!(run(args(bare, vkey.clone())).is_err());
        assert!(run(args(path(&dir.path().join("missing")), vkey)).is_err());
    }
}
