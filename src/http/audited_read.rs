//! Writing the access audit trail: every audited read (an authority's
//! waybill reads, searches and risk lists, the log's entries) is recorded
//! here, before its data is returned. The trail is read back through
//! [`super::audit`]; who is audited is decided in [`super::access`].

use serde::Serialize;

use crate::domain::ids::WaybillId;
use crate::storage::audit::{self, AccessRecord};
use crate::storage::{DbConnection, time};

use super::auth::Caller;
use super::problem::ApiError;

/// The query of an audited read as it is stored: a filter struct
/// serialized as compact JSON with its keys sorted at every level, so every
/// record has the same shape whatever the field order of the struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedQuery(String);

impl AuditedQuery {
    /// The stored text of `query`.
    pub fn of(query: &impl Serialize) -> Result<Self, ApiError> {
        // Through `Value`, whose maps keep their keys sorted.
        serde_json::to_value(query)
            .map(|value| Self(value.to_string()))
            .map_err(|e| ApiError::internal_from(e, "serializing an audited query"))
    }
}

/// Records that an authority (or auditor) read something. Called before the
/// data is returned: no record, no data.
pub(crate) fn record_access(
    conn: &mut DbConnection,
    caller: &Caller,
    action: &str,
    waybill_id: Option<&WaybillId>,
    query: Option<AuditedQuery>,
    result_count: Option<i64>,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        &AccessRecord {
            id: uuid::Uuid::now_v7().to_string(),
            at: time::to_db(time::now()),
            party_id: caller.party_id.clone(),
            key_id: caller.key_id.clone(),
            action: action.to_owned(),
            waybill_id: waybill_id.cloned(),
            query: query.map(|q| q.0),
            result_count,
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Nested {
        zeta: u8,
        alpha: Option<&'static str>,
    }

    #[derive(Serialize)]
    struct Query {
        size: u64,
        index: u64,
        inner: Nested,
    }

    #[test]
    fn audited_queries_have_sorted_keys_at_every_level() {
        let query = Query {
            size: 7,
            index: 3,
            inner: Nested {
                zeta: 1,
                alpha: None,
            },
        };
        let Ok(AuditedQuery(text)) = AuditedQuery::of(&query) else {
            panic!("serializable");
        };
        assert_eq!(
            text,
            r#"{"index":3,"inner":{"alpha":null,"zeta":1},"size":7}"#
        );
    }
}
