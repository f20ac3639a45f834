//! Page cursors: the opaque `cursor` a listing returns for its next page,
//! and reading it back. Every paged listing uses the same encoding; the feed
//! uses it too, with its own prefix, so that one kind of cursor is never
//! taken for the other.

use crate::problem_code::ProblemCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::problem::ApiError;

/// One kind of cursor: the prefix its text carries, and what the problem
/// says when a cursor of another kind (or junk) comes back.
pub(crate) struct CursorCodec {
    prefix: &'static str,
    problem: &'static str,
}

/// The paged listings' cursor.
pub(crate) const PAGE_CURSOR: CursorCodec =
    CursorCodec::new("seq:", "cursor must come from a previous page");

impl CursorCodec {
    pub(crate) const fn new(prefix: &'static str, problem: &'static str) -> Self {
        Self { prefix, problem }
    }

    pub(crate) fn encode(&self, seq: i64) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}{seq}", self.prefix))
    }

    pub(crate) fn decode(&self, cursor: &str) -> Result<i64, ApiError> {
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix(self.prefix).and_then(|n| n.parse().ok()))
            .ok_or_else(|| ApiError::bad_request(ProblemCode::InvalidCursor, self.problem))
    }
}

pub(crate) fn encode_cursor(seq: i64) -> String {
    PAGE_CURSOR.encode(seq)
}

pub(crate) fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    PAGE_CURSOR.decode(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_junk() {
        assert_eq!(decode_cursor(&encode_cursor(42)).unwrap(), 42);
        assert!(decode_cursor("junk!").is_err());
        assert!(
            decode_cursor(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("x:1")).is_err()
        );
    }
}
