//! RFC 8785 JSON Canonicalization Scheme (JCS).
//!
//! Signatures are computed over canonical bytes so that a document can be
//! re-serialized by any party (in any language) and still verify. On top of
//! what `serde_json_canonicalizer` does, integers outside the I-JSON safe
//! range (±(2^53−1)) are rejected: JCS serializes numbers as IEEE-754
//! doubles, so a JavaScript or other RFC 8785 implementation would print
//! such an integer differently (or lose precision) and signatures would stop
//! verifying across implementations. Put large integers in strings.
//!
//! Parsing is not done here; note that `serde_json` already rejects lone
//! surrogates such as `"\uDEAD"` (pinned by a test below) but silently keeps
//! the last value of a duplicated object key.

use serde::Serialize;
use serde_json::Value;

use super::CryptoError;

/// Largest integer magnitude that round-trips through an IEEE-754 double
/// (I-JSON, RFC 7493 §2.2).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Canonical RFC 8785 bytes of a JSON value.
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>, CryptoError> {
    check_safe_integers(value)?;
    serde_json_canonicalizer::to_vec(value).map_err(non_canonical)
}

/// Canonical RFC 8785 bytes of any serializable value.
///
/// Serializes directly (not via `serde_json::to_value`) because `to_value`
/// silently turns NaN/Infinity into `null`, whereas the canonicalizer
/// reports them as errors. The `Value` is then built only to check integer
/// ranges.
pub fn canonical_bytes_of<T: Serialize>(v: &T) -> Result<Vec<u8>, CryptoError> {
    let bytes = serde_json_canonicalizer::to_vec(v).map_err(non_canonical)?;
    let value = serde_json::to_value(v).map_err(non_canonical)?;
    check_safe_integers(&value)?;
    Ok(bytes)
}

fn non_canonical(e: serde_json::Error) -> CryptoError {
    CryptoError::NonCanonicalJson(e.to_string())
}

/// Rejects integers JCS would have to round through a double.
fn check_safe_integers(value: &Value) -> Result<(), CryptoError> {
    match value {
        Value::Number(n) => {
            let out_of_range = if let Some(u) = n.as_u64() {
                u > MAX_SAFE_INTEGER
            } else if let Some(i) = n.as_i64() {
                i.unsigned_abs() > MAX_SAFE_INTEGER
            } else {
                // Stored as f64: JCS formats it exactly like JavaScript does.
                false
            };
            if out_of_range {
                return Err(CryptoError::NonCanonicalJson(format!(
                    "integer {n} is outside the I-JSON safe range ±(2^53-1); encode it as a string"
                )));
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_safe_integers),
        Value::Object(map) => map.values().try_for_each(check_safe_integers),
        Value::Null | Value::Bool(_) | Value::String(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_vectors;
    use serde_json::json;

    const CYBERPHONE: &str = "jcs/cyberphone-json-canonicalization/testdata";
    const CYBERPHONE_FILES: [&str; 6] = [
        "arrays",
        "french",
        "structures",
        "unicode",
        "values",
        "weird",
    ];

    #[test]
    fn cyberphone_vectors_byte_for_byte() {
        for name in CYBERPHONE_FILES {
            let input = test_vectors::read(&format!("{CYBERPHONE}/input/{name}.json"));
            let expected = test_vectors::read(&format!("{CYBERPHONE}/output/{name}.json"));
            let outhex = test_vectors::read(&format!("{CYBERPHONE}/outhex/{name}.txt"));
            let outhex: String = String::from_utf8(outhex)
                .unwrap()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let expected_from_hex = hex::decode(outhex).unwrap();
            assert_eq!(expected, expected_from_hex, "{name}: output vs outhex");

            let value: Value = serde_json::from_slice(&input).unwrap();
            let got = canonical_bytes(&value).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
                "{name}"
            );
            assert_eq!(got, expected, "{name}");
            // The generic entry point agrees.
            assert_eq!(canonical_bytes_of(&value).unwrap(), expected, "{name}");
        }
    }

    #[test]
    fn rfc8785_appendix_b_numbers() {
        let doc = test_vectors::read_json("jcs/rfc8785/rfc8785-appendixB-numbers.json");
        let vectors = doc["vectors"].as_array().unwrap();
        assert!(vectors.len() > 20, "suspiciously few number vectors");
        let (mut finite, mut non_finite) = (0, 0);
        for v in vectors {
            let hex_bits = v["ieee754_hex"].as_str().unwrap();
            let bits = u64::from_str_radix(hex_bits, 16).unwrap();
            let f = f64::from_bits(bits);
            match v["expected"].as_str() {
                Some(expected) => {
                    let n = serde_json::Number::from_f64(f)
                        .unwrap_or_else(|| panic!("{hex_bits} should be finite"));
                    let got = canonical_bytes(&Value::Number(n)).unwrap();
                    assert_eq!(String::from_utf8(got).unwrap(), expected, "{hex_bits}");
                    // Serializing the f64 directly gives the same text.
                    let got = canonical_bytes_of(&f).unwrap();
                    assert_eq!(String::from_utf8(got).unwrap(), expected, "{hex_bits}");
                    finite += 1;
                }
                None => {
                    assert!(v["expected"].is_null());
                    assert!(!f.is_finite(), "{hex_bits} expected non-finite");
                    // serde_json cannot even represent NaN/Infinity as a Number...
                    assert!(serde_json::Number::from_f64(f).is_none(), "{hex_bits}");
                    // ...and canonicalizing the raw f64 is an error, not `null`.
                    assert!(
                        matches!(
                            canonical_bytes_of(&f),
                            Err(CryptoError::NonCanonicalJson(_))
                        ),
                        "{hex_bits}"
                    );
                    non_finite += 1;
                }
            }
        }
        assert_eq!(non_finite, 2);
        assert_eq!(finite + non_finite, vectors.len());
    }

    #[test]
    fn lone_surrogate_is_rejected_by_parser() {
        assert!(serde_json::from_str::<Value>(r#""\uDEAD""#).is_err());
        assert!(serde_json::from_str::<Value>(r#"{"a":"\uD800x"}"#).is_err());
        // A proper pair is fine and canonicalizes to the raw UTF-8 character.
        let v: Value = serde_json::from_str(r#""\uD83D\uDE00""#).unwrap();
        assert_eq!(canonical_bytes(&v).unwrap(), "\"😀\"".as_bytes());
    }

    #[test]
    fn negative_zero_is_zero() {
        let n = serde_json::Number::from_f64(-0.0).unwrap();
        assert_eq!(canonical_bytes(&Value::Number(n)).unwrap(), b"0");
        assert_eq!(canonical_bytes_of(&-0.0f64).unwrap(), b"0");
        let v: Value = serde_json::from_str("-0.0").unwrap();
        assert_eq!(canonical_bytes(&v).unwrap(), b"0");
    }

    #[test]
    fn sorts_keys_and_strips_whitespace() {
        let v: Value = serde_json::from_str(r#"{ "b" : [1, 2.50, true], "a" : null }"#).unwrap();
        assert_eq!(
            canonical_bytes(&v).unwrap(),
            br#"{"a":null,"b":[1,2.5,true]}"#
        );
    }

    #[test]
    fn struct_and_value_agree() {
        #[derive(Serialize)]
        struct Act {
            zeta: u32,
            alpha: &'static str,
            amount: f64,
        }
        let act = Act {
            zeta: 7,
            alpha: "x",
            amount: 1e21,
        };
        let bytes = canonical_bytes_of(&act).unwrap();
        assert_eq!(bytes, br#"{"alpha":"x","amount":1e+21,"zeta":7}"#);
        assert_eq!(
            canonical_bytes(&serde_json::to_value(&act).unwrap()).unwrap(),
            bytes
        );
    }

    #[test]
    fn integers_outside_safe_range_are_rejected() {
        let max = MAX_SAFE_INTEGER;
        assert_eq!(
            canonical_bytes(&json!(max)).unwrap(),
            max.to_string().as_bytes()
        );
        assert_eq!(
            canonical_bytes(&json!(-(max as i64))).unwrap(),
            format!("-{max}").as_bytes()
        );
        for bad in [
            json!(max + 1),
            json!(-(max as i64) - 1),
            json!(u64::MAX),
            json!(i64::MIN),
        ] {
            assert!(
                matches!(canonical_bytes(&bad), Err(CryptoError::NonCanonicalJson(_))),
                "{bad}"
            );
            assert!(matches!(
                canonical_bytes(&json!({ "nested": [bad] })),
                Err(CryptoError::NonCanonicalJson(_))
            ));
        }
        assert!(matches!(
            canonical_bytes_of(&(1u64 << 60)),
            Err(CryptoError::NonCanonicalJson(_))
        ));
        // The same magnitude as a double is fine: it is formatted like JavaScript.
        assert_eq!(
            canonical_bytes_of(&2f64.powi(68)).unwrap(),
            b"295147905179352830000"
        );
    }

    #[test]
    fn non_string_map_keys_are_rejected() {
        let mut m = std::collections::BTreeMap::new();
        m.insert(vec![1u8], 1u8);
        assert!(matches!(
            canonical_bytes_of(&m),
            Err(CryptoError::NonCanonicalJson(_))
        ));
    }
}
