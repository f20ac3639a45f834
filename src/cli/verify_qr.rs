//! `ewaybill verify-qr`: checks a roadside QR code's signed payload offline
//! with the service's key (the log's vkey, `GET /v1/log/key`) and prints
//! the summary it carries. Exits non-zero on a bad signature, a payload
//! spliced onto another waybill's link, or a malformed payload. Format:
//! [`crate::roadside`] and `docs/roadside.md`.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

use crate::note::VerifierKey;
use crate::roadside::{self, VerifiedPayload};

/// Check a roadside QR code offline.
#[derive(Debug, clap::Args)]
pub struct VerifyQrArgs {
    /// The QR code's text: the whole link (`https://.../v1/verify/TOKEN#EWB1...`),
    /// the bare `EWB1...` payload, a file holding either, or - for standard input.
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
    if trimmed.starts_with(roadside::PAYLOAD_PREFIX) || trimmed.contains(roadside::VERIFY_PATH) {
        return Ok(trimmed.to_owned());
    }
    std::fs::read_to_string(arg).with_context(|| {
        format!("{arg:?} is neither an EWB1 payload, a verification link nor a readable file")
    })
}

fn describe(v: &VerifiedPayload, vkey: &VerifierKey) -> String {
    let s = &v.summary;
    let party = |p: &roadside::PartySummary| format!("{} ({}, {})", p.name, p.reg_no, p.country);
    let trailer = s
        .trailer_plate
        .as_deref()
        .map(|t| format!(" + {t}"))
        .unwrap_or_default();
    let token = if v.token_checked {
        "the link's token matches the payload"
    } else {
        "bare payload: no link token to match (scan the whole link to check it)"
    };
    format!(
        "AUTHENTIC: signed by the service key of {log} (key id {kid})\n\
         {token}\n\
         waybill          {number} ({id})\n\
         status           {status} (version {version}, as of {issued_at})\n\
         issued           {issue_date}\n\
         consignor        {consignor}\n\
         carrier          {carrier}\n\
         consignee        {consignee}\n\
         vehicle          {plate}{trailer} ({vcountry})\n\
         goods            {lines} line(s), {weight} kg gross{excise}\n\
         head             {head}\n\
         log              event {index} in the checkpoint of size {size}\n\
         The status may have changed since {issued_at}: open the link for the current one.\n",
        log = vkey.name(),
        kid = s.key_id,
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
        head = s.head,
        index = s.log_index,
        size = s.checkpoint_size,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::KeyPair;
    use crate::roadside::{GoodsSummary, PartySummary, Summary};

    fn fixture() -> (tempfile::TempDir, String, String, String) {
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
            head: "00".repeat(32),
            log_index: 3,
            checkpoint_size: 4,
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
            token_sha256: roadside::token_sha256_b64(&token),
            key_id: key.public_key().key_id(),
            issued_at: "2026-11-29T10:00:00Z".into(),
        };
        let payload = roadside::sign_payload(&summary, |m| key.sign(m)).unwrap();
        let link = roadside::qr_text("https://e.example", &token, &payload);
        (tempfile::tempdir().unwrap(), vkey, payload, link)
    }

    fn args(payload: String, vkey: String) -> VerifyQrArgs {
        VerifyQrArgs {
            payload,
            vkey,
            json: false,
        }
    }

    #[test]
    fn accepts_link_payload_and_files_and_rejects_tampering() {
        let (dir, vkey, payload, link) = fixture();
        assert!(run(args(link.clone(), vkey.clone())).is_ok());
        assert!(run(args(payload.clone(), vkey.clone())).is_ok());
        let (payload_file, vkey_file) = (dir.path().join("qr.txt"), dir.path().join("vkey"));
        std::fs::write(&payload_file, format!("{link}\n")).unwrap();
        std::fs::write(&vkey_file, format!("{vkey}\n")).unwrap();
        let path = |p: &Path| p.display().to_string();
        assert!(run(args(path(&payload_file), path(&vkey_file))).is_ok());

        let tampered = payload.replacen("EWB1.", "EWB1.e", 1);
        assert!(run(args(tampered, vkey.clone())).is_err());
        let (_, other_vkey, _, _) = fixture();
        assert!(run(args(link, other_vkey)).is_err());
        assert!(run(args("EWB1.x.y".into(), vkey.clone())).is_err());
        assert!(run(args(path(&dir.path().join("missing")), vkey)).is_err());
    }
}
