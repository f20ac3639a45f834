//! Unpadded base64url (RFC 4648 §5), the only binary-to-text encoding used
//! for keys, signatures and hashes on the wire.
//!
//! Decoding is deliberately strict: padding, the standard alphabet (`+`, `/`),
//! whitespace and non-zero trailing bits are all rejected, so every byte
//! string has exactly one accepted text form. Lenient decoding would let the
//! same key or signature appear under several spellings, which breaks
//! equality checks, deduplication and key-id lookups.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::CryptoError;

/// Encodes `bytes` as base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url.
///
/// `URL_SAFE_NO_PAD` requires absent padding and (by default) rejects
/// non-zero trailing bits, which is what makes the encoding canonical.
pub fn decode(s: &str) -> Result<Vec<u8>, CryptoError> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| CryptoError::InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_all_lengths() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..data.len() {
            let text = encode(&data[..len]);
            assert!(!text.contains('='));
            assert_eq!(decode(&text).unwrap(), &data[..len]);
        }
    }

    #[test]
    fn uses_url_alphabet() {
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn rejects_padding() {
        assert_eq!(decode("AA=="), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("AAA="), Err(CryptoError::InvalidBase64));
    }

    #[test]
    fn rejects_standard_alphabet() {
        assert_eq!(decode("+/8"), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("ab+c"), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("ab/c"), Err(CryptoError::InvalidBase64));
    }

    #[test]
    fn rejects_whitespace() {
        for s in [" AAAA", "AAAA ", "AA AA", "AAAA\n", "AA\tAA", "AA\r\nAA"] {
            assert_eq!(decode(s), Err(CryptoError::InvalidBase64), "{s:?}");
        }
    }

    #[test]
    fn rejects_non_canonical_trailing_bits() {
        // "AA" is the canonical encoding of [0]; "AB".."AP" carry non-zero
        // bits in the unused low nibble and must not decode to the same byte.
        assert_eq!(decode("AA").unwrap(), vec![0]);
        assert_eq!(decode("AB"), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("AP"), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("AAA").unwrap(), vec![0, 0]);
        assert_eq!(decode("AAB"), Err(CryptoError::InvalidBase64));
    }

    #[test]
    fn rejects_impossible_length() {
        assert_eq!(decode("A"), Err(CryptoError::InvalidBase64));
        assert_eq!(decode("AAAAA"), Err(CryptoError::InvalidBase64));
    }

    #[test]
    fn empty_is_empty() {
        assert_eq!(encode(&[]), "");
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }
}
