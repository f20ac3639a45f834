use super::*;
use crate::crypto::KeyPair;
use crate::domain::complete::complete_document;
use crate::domain::lifecycle::Status;
use crate::domain::projection::WaybillState;
use crate::domain::test_fixtures::waybill_json;
use crate::domain::validation::check_document;

/// The base every size measurement uses (a plausible production host).
const BASE: &str = "https://ewaybill.example.gov.lv";

fn summary() -> Summary {
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
        log_index: 41,
        issue_date: "2026-11-29".into(),
        consignor: party("SIA Alus Darītava"),
        carrier: party("SIA Baltic Carrier"),
        consignee: party("SIA Grocery"),
        vehicle_plate: "AB-1234".into(),
        trailer_plate: Some("T-987".into()),
        vehicle_country: "LV".into(),
        goods: GoodsSummary {
            lines: 2,
            gross_weight_kg: "165.5".into(),
            excise: true,
        },
        issued_at: "2026-11-29T10:00:00Z".into(),
    }
}

fn signed(key: &KeyPair, token: &str, summary: &Summary) -> String {
    let payload = sign_payload(summary, token, &key.public_key(), |m| key.sign(m)).unwrap();
    qr_text(BASE, token, &payload)
}

#[test]
fn round_trip() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = signed(&key, &token, &summary());
    assert!(
        text.starts_with("HTTPS://EWAYBILL.EXAMPLE.GOV.LV/V/"),
        "{text}"
    );
    assert!(text.contains("#EWB2:"), "{text}");
    assert!(!text.contains(' '), "a space breaks the link: {text}");
    let verified = verify_qr_text(&format!("  {text}\n"), &key.public_key()).unwrap();
    assert_eq!(verified.summary, summary());
    assert_eq!(verified.token, token);
    assert_eq!(
        verified.kid,
        hex::encode(key_id_bytes(&key.public_key()).unwrap())
    );
    // A phone may lowercase what is case-insensitive; the token survives.
    let lower = text.replacen(
        "HTTPS://EWAYBILL.EXAMPLE.GOV.LV/V/",
        "https://ewaybill.example.gov.lv/v/",
        1,
    );
    let lower = lower.replacen(&token, &token.to_ascii_lowercase(), 1);
    assert!(verify_qr_text(&lower, &key.public_key()).is_ok());
}

#[test]
fn every_one_character_change_fails() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = signed(&key, &token, &summary());
    let alphabet: Vec<char> = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:"
        .chars()
        .collect();
    let start = text.find(LINK_PATH).unwrap() + LINK_PATH.len();
    let chars: Vec<char> = text.chars().collect();
    let mut changed = 0;
    for i in start..chars.len() {
        if chars[i] == '#' || (i > 0 && chars[i - 1] == '%') || chars[i] == '%' {
            continue;
        }
        let mut other = chars.clone();
        let at = alphabet.iter().position(|&c| c == chars[i]).unwrap_or(0);
        other[i] = alphabet[(at + 1) % alphabet.len()];
        let other: String = other.into_iter().collect();
        if other.eq_ignore_ascii_case(&text) && i < text.find('#').unwrap() {
            continue;
        }
        assert!(
            verify_qr_text(&other, &key.public_key()).is_err(),
            "changing character {i} of {text} went unnoticed"
        );
        changed += 1;
    }
    assert!(changed > 200, "{changed}");
}

#[test]
fn forgeries_are_rejected() {
    let key = KeyPair::generate().unwrap();
    let other = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = signed(&key, &token, &summary());

    // Another key (a forger's own) is refused, whatever kid it names.
    assert!(matches!(
        verify_qr_text(&text, &other.public_key()),
        Err(RoadsideError::WrongKey { .. })
    ));
    let forged = sign_payload(&summary(), &token, &key.public_key(), |m| other.sign(m)).unwrap();
    assert_eq!(
        verify_qr_text(&qr_text(BASE, &token, &forged), &key.public_key()),
        Err(RoadsideError::BadSignature)
    );

    // A payload moved onto another waybill's link.
    let token_b = new_token().unwrap();
    let payload_b = split_qr_text(&signed(&key, &token_b, &summary()))
        .unwrap()
        .payload;
    assert_eq!(
        verify_qr_text(&qr_text(BASE, &token, &payload_b), &key.public_key()),
        Err(RoadsideError::BadSignature)
    );
}

#[test]
fn malformed_texts_are_rejected() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = signed(&key, &token, &summary());
    let payload = split_qr_text(&text).unwrap().payload;
    let pk = key.public_key();
    for bad in [
        String::new(),
        "hello".into(),
        payload.clone(),
        format!("{BASE}/V/{token}"),
        format!("{BASE}/V/SHORT#{payload}"),
        format!("{BASE}/X/{token}#{payload}"),
        text.replacen("#EWB2:", "#EWB1:", 1),
        format!("{text}A"),
        format!("{text}%41"),
        format!("{BASE}/V/{token}#EWB2:"),
        format!("{BASE}/V/{token}#EWB2:lowercase"),
    ] {
        assert!(verify_qr_text(&bad, &pk).is_err(), "{bad:?}");
    }
}

/// A COSE_Sign1 built by hand, signed correctly, but not as the format says.
fn hand_built(key: &KeyPair, token: &str, protected: coset::Header, body: Vec<u8>) -> String {
    use coset::TaggedCborSerializable;
    use std::io::Write;
    let aad = token_bytes(token).unwrap();
    let cose = coset::CoseSign1Builder::new()
        .protected(protected)
        .payload(body)
        .create_signature(&aad, |tbs| key.sign(tbs).to_bytes().to_vec())
        .build()
        .to_tagged_vec()
        .unwrap();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&cose).unwrap();
    let payload = format!("{PAYLOAD_PREFIX}{}", base45::encode(z.finish().unwrap()));
    qr_text(BASE, token, &payload)
}

#[test]
fn signed_but_off_format_payloads_are_rejected() {
    use coset::{HeaderBuilder, iana};
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let kid = key_id_bytes(&key.public_key()).unwrap();
    let good_header = || {
        HeaderBuilder::new()
            .algorithm(iana::Algorithm::EdDSA)
            .key_id(kid.clone())
            .build()
    };
    let body = summary().to_cbor().unwrap();
    let pk = key.public_key();
    assert!(verify_qr_text(&hand_built(&key, &token, good_header(), body.clone()), &pk).is_ok());

    let es256 = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(kid.clone())
        .build();
    let extra = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.clone())
        .content_format(iana::CoapContentFormat::Cbor)
        .build();
    for header in [es256, extra] {
        assert!(verify_qr_text(&hand_built(&key, &token, header, body.clone()), &pk).is_err());
    }
    // Not deterministic CBOR: the same map with a key out of order, or an
    // unknown key.
    let mut value: ciborium::Value = ciborium::from_reader(body.as_slice()).unwrap();
    if let ciborium::Value::Map(m) = &mut value {
        m.swap(0, 1);
    }
    let mut shuffled = Vec::new();
    ciborium::into_writer(&value, &mut shuffled).unwrap();
    if let ciborium::Value::Map(m) = &mut value {
        m.swap(0, 1);
        m.push((99.into(), true.into()));
    }
    let mut unknown = Vec::new();
    ciborium::into_writer(&value, &mut unknown).unwrap();
    for body in [shuffled, unknown, b"not cbor".to_vec()] {
        assert!(matches!(
            verify_qr_text(&hand_built(&key, &token, good_header(), body), &pk),
            Err(RoadsideError::Malformed(_))
        ));
    }
}

#[test]
fn tokens_are_random_base32() {
    let a = new_token().unwrap();
    let b = new_token().unwrap();
    assert_ne!(a, b);
    assert_eq!(a.len(), TOKEN_CHARS);
    assert!(
        a.chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    );
    assert!(is_token_syntax(&a));
    assert!(is_token_syntax(&a.to_ascii_lowercase()));
    assert_eq!(canonical_token(&a.to_ascii_lowercase()), Some(a.clone()));
    assert_eq!(
        token_lookup_hash(&a.to_ascii_lowercase()),
        token_lookup_hash(&a)
    );
    assert!(!is_token_syntax("short"));
    assert!(is_token_syntax(&"A".repeat(26)));
    assert!(
        !is_token_syntax(&format!("{}B", "A".repeat(25))),
        "non-canonical trailing bits"
    );
    assert!(!is_token_syntax(&"1".repeat(26)));
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
fn fit_cuts_at_a_character_boundary() {
    assert_eq!(summary::fit("SIA Alus", 32), "SIA Alus");
    let cut = summary::fit(&"ā".repeat(30), 40);
    assert!(cut.len() <= 40 && cut.ends_with(summary::CUT_MARK), "{cut}");
    assert_eq!(cut.chars().count(), 19);
}

// ------------------------------------------------------------ the bound

/// A waybill document from JSON, completed and validated as the service
/// does it.
fn document(mut json: serde_json::Value) -> crate::domain::document::WaybillDocument {
    complete_document(&mut json);
    check_document(&json).unwrap_or_else(|e| panic!("not a valid waybill: {e:?}"))
}

fn state(document: crate::domain::document::WaybillDocument) -> WaybillState {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T07:00:00Z")
        .unwrap()
        .to_utc();
    let mut state = WaybillState::issued(
        uuid::Uuid::now_v7(),
        Status::InTransit,
        "ab".repeat(32),
        document,
        at,
    );
    state.version = 2;
    state
}

/// The QR version of a waybill's code, checking that it verifies, and
/// whether the summary had to cut a text.
fn version_of(state: &WaybillState) -> (i16, bool) {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let qr = signed_qr(
        state,
        1_000_041,
        chrono::Utc::now(),
        BASE,
        &token,
        &key.public_key(),
        |m| key.sign(m),
    )
    .unwrap();
    let verified = verify_qr_text(&qr.text, &key.public_key()).unwrap();
    assert_eq!(verified.summary, qr.summary);
    assert_eq!(qr_version(&qr.text).unwrap(), qr.version);
    let s = &qr.summary;
    let cut = [
        &s.number,
        &s.consignor.name,
        &s.carrier.name,
        &s.consignee.name,
        &s.consignor.reg_no,
        &s.carrier.reg_no,
        &s.consignee.reg_no,
    ]
    .iter()
    .any(|t| t.ends_with(summary::CUT_MARK));
    (qr.version, cut)
}

/// Characters that make text long in bytes and hard to compress.
fn awkward(n: usize, seed: u32) -> String {
    let pool: Vec<char> = "ĀČĒĢĪĶĻŅŠŪŽāčēģīķļņšūž€中文字𝔘𝔫𝔦𝔠𝔬𝔡𝔢ÆØÅßÞ"
        .chars()
        .collect();
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            pool[(x as usize) % pool.len()]
        })
        .collect()
}

#[test]
fn every_fixture_and_the_longest_waybill_fit_version_15() {
    let dir = format!("{}/fixtures/waybills", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    let mut table = String::new();
    let mut worst_fixture = 0;
    for name in &names {
        let (v, cut) = version_of(&state(document(waybill_json(name))));
        table.push_str(&format!(
            "{name}: QR version {v} (level M), names cut: {cut}\n"
        ));
        worst_fixture = worst_fixture.max(v);
        assert!(!cut, "{name}: a fixture's summary is whole\n{table}");
    }

    // The issue's typical waybill: three goods lines, a trailer, Latvian
    // names with diacritics.
    let mut typical = waybill_json("brewery-beer.json");
    typical["consignor"]["name"] = "SIA Valmieras Alus Darītava".into();
    typical["carrier"]["name"] = "SIA Baltijas Pārvadājumi".into();
    typical["consignee"]["name"] = "SIA Pārtikas Tīkls Ķekava".into();
    let typical_state = state(document(typical));
    assert_eq!(typical_state.document.lines.len(), 3);
    assert!(typical_state.transport.trailer_plate.is_some());
    let (v_typical, cut) = version_of(&typical_state);
    table.push_str(&format!(
        "typical (3 lines, trailer, Latvian names): QR version {v_typical}, names cut: {cut}\n"
    ));

    // The longest valid waybill: every field the summary holds at its
    // validation limit, in characters that take 2 to 4 bytes.
    let mut longest = waybill_json("brewery-beer.json");
    longest["number"] = awkward(64, 1).into();
    for (i, role) in ["consignor", "carrier", "consignee"].iter().enumerate() {
        longest[role]["name"] = awkward(200, 10 + i as u32).into();
        longest[role]["reg_no"] = awkward(64, 20 + i as u32).into();
    }
    longest["transport"]["vehicle_plate"] = "ŽČ-ŠŽ ČŠ-ŽČ ŠŽ-Č".into();
    longest["transport"]["trailer_plate"] = "ŠŽ-ČŠ ŽČ-ŠŽ ČŠ-Ž".into();
    let mut lines = longest["lines"].as_array().unwrap().clone();
    for line in &mut lines {
        line["gross_weight_kg"] = "99999999999.999999".into();
        line["net_weight_kg"] = "1".into();
    }
    longest["lines"] = lines.into();
    longest.as_object_mut().unwrap().remove("totals");
    let longest_state = state(document(longest));
    let (v_longest, cut) = version_of(&longest_state);
    table.push_str(&format!(
        "longest valid waybill: QR version {v_longest}, names cut: {cut}\n"
    ));
    println!("{table}");

    // Version 10 at level M (311 alphanumeric characters) cannot hold a
    // 64-byte signature, a 128-bit token link and three parties: see
    // docs/roadside.md. What holds is the version 15 bound.
    assert!(v_typical <= MAX_QR_VERSION, "{table}");
    assert!(worst_fixture <= MAX_QR_VERSION, "{table}");
    assert!(v_longest <= MAX_QR_VERSION, "{table}");
    assert!(cut, "the longest waybill is cut to fit\n{table}");
}

#[test]
fn images_render() {
    let key = KeyPair::generate().unwrap();
    let token = new_token().unwrap();
    let text = signed(&key, &token, &summary());
    let png = qr_png(&text).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(qr_svg(&text).unwrap().contains("<svg"));
}
