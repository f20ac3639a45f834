use super::*;
use crate::crypto::KeyPair;

fn summary(key: &KeyPair, token: &str) -> Summary {
    let party = |name: &str| PartySummary {
        name: name.into(),
        reg_no: "40003000001".into(),
        country: "LV".into(),
    };
    Summary {
        id: "01938a4e-0000-7000-8000-000000000001".into(),
        number: "BR-2026-000141".into(),
        status: "in_transit".into(),
        version: 2,
        head: "ab".repeat(32),
        log_index: 41,
        checkpoint_size: 42,
        issue_date: "2026-11-29".into(),
        consignor: party("SIA Alus Darītava Ltd with a fairly long company name"),
        consignee: party("SIA Grocery"),
        carrier: party("SIA Baltic Carrier"),
        vehicle_plate: "AB-1234".into(),
        trailer_plate: Some("T-987".into()),
        vehicle_country: "LV".into(),
        goods: GoodsSummary {
            lines: 2,
            gross_weight_kg: "165.5".into(),
            excise: true,
        },
        token_sha256: token_sha256_b64(token),
        key_id: key.public_key().key_id(),
        issued_at: "2026-11-29T10:00:00Z".into(),
    }
}

fn signed(key: &KeyPair, token: &str) -> String {
    sign_payload(&summary(key, token), |m| key.sign(m)).unwrap()
}

#[test]
fn round_trip_bare_payload_and_link() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let payload = signed(&key, &token);
    assert!(payload.starts_with("EWB1."));

    let bare = verify_qr_text(&payload, &key.public_key()).unwrap();
    assert_eq!(bare.summary, summary(&key, &token));
    assert!(!bare.token_checked);

    let link = qr_text("https://ewaybill.example/", &token, &payload);
    assert!(link.starts_with("https://ewaybill.example/v1/verify/"));
    let full = verify_qr_text(&format!("  {link}\n"), &key.public_key()).unwrap();
    assert_eq!(full.token.as_deref(), Some(token.as_str()));
    assert!(full.token_checked);
}

#[test]
fn tampered_payloads_are_rejected() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let payload = signed(&key, &token);
    let (_, body, sig) = {
        let mut p = payload.split('.');
        (p.next().unwrap(), p.next().unwrap(), p.next().unwrap())
    };

    // A changed plate, re-encoded: the signature no longer matches.
    let mut forged = summary(&key, &token);
    forged.vehicle_plate = "XX-0001".into();
    let forged_body = base64url::encode(&canonical_bytes_of(&forged).unwrap());
    let tampered = format!("EWB1.{forged_body}.{sig}");
    assert_eq!(
        verify_qr_text(&tampered, &key.public_key()),
        Err(RoadsideError::BadSignature)
    );

    // One flipped character of the body or the signature.
    for (i, part) in [body, sig].iter().enumerate() {
        let mut chars: Vec<char> = part.chars().collect();
        chars[5] = if chars[5] == 'A' { 'B' } else { 'A' };
        let changed: String = chars.into_iter().collect();
        let text = if i == 0 {
            format!("EWB1.{changed}.{sig}")
        } else {
            format!("EWB1.{body}.{changed}")
        };
        assert!(verify_qr_text(&text, &key.public_key()).is_err(), "{i}");
    }

    // Another key (a forger's own) is refused.
    let other = KeyPair::generate().unwrap();
    assert_eq!(
        verify_qr_text(&payload, &other.public_key()),
        Err(RoadsideError::BadSignature)
    );

    // A forger signing with its own key and naming the real key id.
    let mut claims_real = summary(&key, &token);
    claims_real.key_id = key.public_key().key_id();
    let by_other = sign_payload(&claims_real, |m| other.sign(m)).unwrap();
    assert!(verify_qr_text(&by_other, &key.public_key()).is_err());

    // Signed by the right key but naming another key id.
    let mut wrong_kid = summary(&key, &token);
    wrong_kid.key_id = other.public_key().key_id();
    let text = sign_payload(&wrong_kid, |m| key.sign(m)).unwrap();
    assert!(matches!(
        verify_qr_text(&text, &key.public_key()),
        Err(RoadsideError::WrongKey { .. })
    ));
}

#[test]
fn malformed_payloads_are_rejected() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let payload = signed(&key, &token);
    let pk = key.public_key();
    for text in [
        "",
        "hello",
        "EWB1",
        "EWB1.abc",
        "EWB2.abc.def",
        &payload.replacen("EWB1", "EWB2", 1),
        &format!("{payload}.extra"),
        &format!("{payload}="),
        "https://x/v1/verify/short#EWB1.a.b",
        &format!("https://x/other/{token}#{payload}"),
    ] {
        assert!(verify_qr_text(text, &pk).is_err(), "{text:?}");
    }
    // Valid signature over a body that is not canonical JSON.
    let body = base64url::encode(br#"{ "id": "x" }"#);
    let input = format!("EWB1.{body}");
    let text = format!("{input}.{}", key.sign(input.as_bytes()).to_base64url());
    assert!(matches!(
        verify_qr_text(&text, &pk),
        Err(RoadsideError::Malformed(_))
    ));
}

#[test]
fn a_payload_spliced_onto_another_waybills_link_is_rejected() {
    let key = KeyPair::generate().unwrap();
    let (token_a, token_b) = (new_token().unwrap(), new_token().unwrap());
    let payload_b = signed(&key, &token_b);
    let spliced = qr_text("https://e.example", &token_a, &payload_b);
    assert_eq!(
        verify_qr_text(&spliced, &key.public_key()),
        Err(RoadsideError::TokenMismatch)
    );
}

#[test]
fn tokens_are_random_and_well_formed() {
    let a = new_token().unwrap();
    let b = new_token().unwrap();
    assert_ne!(a, b);
    assert!(is_token_syntax(&a));
    assert_eq!(a.len(), TOKEN_CHARS);
    assert!(!is_token_syntax("short"));
    assert!(is_token_syntax("AAAAAAAAAAAAAAAAAAAAAA"));
    assert!(
        !is_token_syntax("AAAAAAAAAAAAAAAAAAAAAB"),
        "non-canonical trailing bits"
    );
    assert!(!is_token_syntax(&"+".repeat(22)));
    assert_eq!(token_lookup_hash(&a).len(), 64);
}

#[test]
fn sealed_tokens_unseal_only_with_the_service_key_and_their_waybill() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let hash = token_lookup_hash(&token);
    let sealed = seal_token("w1", &token, |m| key.sign(m)).unwrap();
    assert_ne!(sealed, token);
    assert_eq!(
        unseal_token("w1", &hash, &sealed, |m| key.sign(m)).as_deref(),
        Some(token.as_str())
    );
    let other = KeyPair::generate().unwrap();
    assert_eq!(unseal_token("w1", &hash, &sealed, |m| other.sign(m)), None);
    assert_eq!(unseal_token("w2", &hash, &sealed, |m| key.sign(m)), None);
}

#[test]
fn a_realistic_payload_fits_a_qr_code() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = qr_text(
        "https://ewaybill.example.gov.lv",
        &token,
        &signed(&key, &token),
    );
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).unwrap();
    assert!(
        code.version().width() <= 117,
        "{:?} for {} bytes",
        code.version(),
        text.len()
    );
    let png = qr_png(&text).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(qr_svg(&text).unwrap().contains("<svg"));
}
