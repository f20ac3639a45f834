//! The catalog of problem codes: every `code` the API can answer with, its
//! exact wire text and the HTTP status it is sent with.
//!
//! It lives below `http` so that the server (`http::problem::ApiError`
//! takes a [`ProblemCode`], never a free string) and the client (which
//! branches on the codes it reads back) share one list: a typo cannot
//! break the contract, and a code cannot drift to another status.
//!
//! A few wire codes are sent with two statuses, because two different
//! refusals share a name (a revoked key is 403 when an act is signed with
//! it and 401 when a token or an assertion rests on it). Each pairing is
//! its own variant, so the status still follows from the variant; the
//! unit tests pin which wire codes may be shared.

use actix_web::http::StatusCode;

/// Declares the catalog once: the enum, its wire text, its status and the
/// list of every variant, all from the same lines.
macro_rules! problem_codes {
    ($( $(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])? $variant:ident = $code:literal, $status:ident; )*) => {
        /// A problem code of the API: its wire text ([`ProblemCode::as_str`])
        /// and its HTTP status ([`ProblemCode::status`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $( $(#[doc = $doc])* $(#[cfg($cfg)])? $variant, )*
        }

        impl ProblemCode {
            /// Every code of the catalog, in catalog order.
            pub const ALL: &'static [ProblemCode] = &[ $( $(#[cfg($cfg)])? ProblemCode::$variant, )* ];

            /// The code as it appears in `code` and in the `type` URI.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $(#[cfg($cfg)])? ProblemCode::$variant => $code, )*
                }
            }

            /// The HTTP status this code is sent with.
            pub const fn status(self) -> StatusCode {
                match self {
                    $( $(#[cfg($cfg)])? ProblemCode::$variant => StatusCode::$status, )*
                }
            }
        }
    };
}

problem_codes! {
    // Requests the API cannot read (400).
    MalformedJson = "malformed_json", BAD_REQUEST;
    DuplicateMember = "duplicate_member", BAD_REQUEST;
    UnreadableBody = "unreadable_body", BAD_REQUEST;
    InvalidQuery = "invalid_query", BAD_REQUEST;
    InvalidPath = "invalid_path", BAD_REQUEST;
    InvalidCursor = "invalid_cursor", BAD_REQUEST;
    InvalidLimit = "invalid_limit", BAD_REQUEST;
    InvalidRange = "invalid_range", BAD_REQUEST;
    InvalidFormat = "invalid_format", BAD_REQUEST;
    InvalidWait = "invalid_wait", BAD_REQUEST;
    InvalidCn = "invalid_cn", BAD_REQUEST;
    InvalidPlate = "invalid_plate", BAD_REQUEST;
    InvalidSizes = "invalid_sizes", BAD_REQUEST;
    InvalidIdempotencyKey = "invalid_idempotency_key", BAD_REQUEST;
    IndexOutOfRange = "index_out_of_range", BAD_REQUEST;
    SizeBeyondTree = "size_beyond_tree", BAD_REQUEST;
    RoleNotApplicable = "role_not_applicable", BAD_REQUEST;
    /// A witness's add-checkpoint body is not the tlog-witness format.
    MalformedAddCheckpoint = "malformed_add_checkpoint", BAD_REQUEST;

    // Credentials (401).
    MissingToken = "missing_token", UNAUTHORIZED;
    InvalidToken = "invalid_token", UNAUTHORIZED;
    TokenExpired = "token_expired", UNAUTHORIZED;
    InvalidAssertion = "invalid_assertion", UNAUTHORIZED;
    AssertionExpired = "assertion_expired", UNAUTHORIZED;
    AssertionNotYetValid = "assertion_not_yet_valid", UNAUTHORIZED;
    AssertionLifetimeTooLong = "assertion_lifetime_too_long", UNAUTHORIZED;
    AssertionReplayed = "assertion_replayed", UNAUTHORIZED;
    InvalidAudience = "invalid_audience", UNAUTHORIZED;
    InvalidIssuer = "invalid_issuer", UNAUTHORIZED;
    /// An assertion names a key this ledger does not have.
    CredentialKeyUnknown = "unknown_key", UNAUTHORIZED;
    /// A token or an assertion rests on a revoked key.
    CredentialKeyRevoked = "key_revoked", UNAUTHORIZED;
    /// An assertion's signature does not verify.
    AssertionSignatureInvalid = "invalid_signature", UNAUTHORIZED;

    // Refusals of the caller (403).
    Forbidden = "forbidden", FORBIDDEN;
    UnknownKey = "unknown_key", FORBIDDEN;
    KeyRevoked = "key_revoked", FORBIDDEN;
    WrongPartyForRole = "wrong_party_for_role", FORBIDDEN;
    NotACompany = "not_a_company", FORBIDDEN;
    NotCarrierOrConsignor = "not_carrier_or_consignor", FORBIDDEN;
    SignerNotCaller = "signer_not_caller", FORBIDDEN;
    /// A witness got a checkpoint without a valid signature by the log.
    CheckpointNotSigned = "checkpoint_not_signed", FORBIDDEN;

    // Things that do not exist (404).
    NoSuchRoute = "no_such_route", NOT_FOUND;
    WaybillNotFound = "waybill_not_found", NOT_FOUND;
    PartyNotFound = "party_not_found", NOT_FOUND;
    KeyNotFound = "key_not_found", NOT_FOUND;
    EventNotFound = "event_not_found", NOT_FOUND;
    EntryNotFound = "entry_not_found", NOT_FOUND;
    TokenNotFound = "token_not_found", NOT_FOUND;
    WebhookNotFound = "webhook_not_found", NOT_FOUND;
    NoCheckpoint = "no_checkpoint", NOT_FOUND;
    NotDemo = "not_demo", NOT_FOUND;
    /// A tlog tile or entry bundle the tree has not reached.
    TileNotFound = "tile_not_found", NOT_FOUND;
    /// A witness does not witness this log.
    UnknownLog = "unknown_log", NOT_FOUND;

    // Content negotiation and bodies.
    NotAcceptable = "not_acceptable", NOT_ACCEPTABLE;
    BodyTimeout = "body_timeout", REQUEST_TIMEOUT;
    BodyTooLarge = "body_too_large", PAYLOAD_TOO_LARGE;
    BatchTooLarge = "batch_too_large", PAYLOAD_TOO_LARGE;
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;

    // Conflicts with the ledger's state (409).
    WaybillExists = "waybill_exists", CONFLICT;
    ActReplayed = "act_replayed", CONFLICT;
    StalePrev = "stale_prev", CONFLICT;
    IllegalTransition = "illegal_transition", CONFLICT;
    DuplicateNumber = "duplicate_number", CONFLICT;
    PartyExists = "party_exists", CONFLICT;
    KeyExists = "key_exists", CONFLICT;
    KeyAlreadyRevoked = "key_already_revoked", CONFLICT;
    LastActiveKey = "last_active_key", CONFLICT;
    NoReceipt = "no_receipt", CONFLICT;
    TooManyWebhooks = "too_many_webhooks", CONFLICT;
    IdempotencyKeyInProgress = "idempotency_key_in_progress", CONFLICT;

    // Content the API understood and refuses (422).
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY;
    InvalidSignature = "invalid_signature", UNPROCESSABLE_ENTITY;
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY;
    /// A witness got a checkpoint that does not extend the one it cosigned.
    InconsistentCheckpoint = "inconsistent_checkpoint", UNPROCESSABLE_ENTITY;

    // Come back later (429).
    RateLimited = "rate_limited", TOO_MANY_REQUESTS;

    // The server's side (5xx).
    InternalError = "internal_error", INTERNAL_SERVER_ERROR;
    /// A bulk request's answers could not be built.
    BatchAnswerFailed = "batch_answer_failed", INTERNAL_SERVER_ERROR;
    /// The same, because the connection to the database was lost.
    BatchAnswerUnavailable = "batch_answer_failed", SERVICE_UNAVAILABLE;
    DatabaseUnavailable = "database_unavailable", SERVICE_UNAVAILABLE;
    OutcomeUnknown = "outcome_unknown", SERVICE_UNAVAILABLE;
    ShuttingDown = "shutting_down", SERVICE_UNAVAILABLE;

    /// Only for the request log's own test.
    #[cfg(test)]
    TestInvalidDocument = "invalid_document", UNPROCESSABLE_ENTITY;
}

impl ProblemCode {
    /// The variants whose wire text is `code` (two when a code is shared
    /// between statuses, none for a code this API does not send).
    pub fn named(code: &str) -> impl Iterator<Item = ProblemCode> + '_ {
        Self::ALL
            .iter()
            .copied()
            .filter(move |c| c.as_str() == code)
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<ProblemCode> for &str {
    fn eq(&self, other: &ProblemCode) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<&str> for ProblemCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn readme_table() -> BTreeMap<String, Vec<u16>> {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme.find("<!-- problem-codes -->").unwrap();
        let end = readme.find("<!-- /problem-codes -->").unwrap();
        let mut table = BTreeMap::<String, Vec<u16>>::new();
        for line in readme[start..end].lines() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if let [_, status, code, ..] = cells[..]
                && let (Ok(status), Some(code)) = (
                    status.parse::<u16>(),
                    code.strip_prefix('`').and_then(|c| c.strip_suffix('`')),
                )
            {
                table.entry(code.to_owned()).or_default().push(status);
            }
        }
        table
    }

    /// README's table of codes is the catalog, row for row: the catalog is
    /// the source, the table its documentation.
    #[test]
    fn readme_documents_exactly_the_catalog() {
        let mut catalog = BTreeMap::<String, Vec<u16>>::new();
        for code in ProblemCode::ALL {
            if *code == ProblemCode::TestInvalidDocument {
                continue;
            }
            catalog
                .entry(code.as_str().to_owned())
                .or_default()
                .push(code.status().as_u16());
        }
        let mut readme = readme_table();
        for statuses in catalog.values_mut().chain(readme.values_mut()) {
            statuses.sort_unstable();
        }
        assert_eq!(readme, catalog);
    }

    /// Only these wire codes name two refusals with different statuses; a
    /// new code gets one status.
    #[test]
    fn shared_codes_are_known() {
        let mut seen = BTreeSet::new();
        let shared: BTreeSet<&str> = ProblemCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| !seen.insert(*c))
            .collect();
        assert_eq!(
            shared,
            BTreeSet::from([
                "batch_answer_failed",
                "invalid_signature",
                "key_revoked",
                "unknown_key"
            ])
        );
        for code in ProblemCode::ALL {
            let statuses: BTreeSet<u16> = ProblemCode::named(code.as_str())
                .map(|c| c.status().as_u16())
                .collect();
            assert_eq!(
                statuses.len(),
                ProblemCode::named(code.as_str()).count(),
                "{code} is listed twice with one status"
            );
        }
    }

    #[test]
    fn codes_are_snake_case() {
        for code in ProblemCode::ALL {
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
        }
    }
}
