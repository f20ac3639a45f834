//! Writing the access audit trail: every audited read (an authority's
//! waybill reads, searches and risk lists, the log's entries) is recorded
//! here, before its data is returned. The trail is read back through
//! [`super::audit`]; who is audited is decided in [`super::access`].

use crate::storage::audit::{self, AccessRecord};
use crate::storage::{DbConnection, time};

use super::auth::Caller;
use super::problem::ApiError;

/// Records that an authority (or auditor) read something. Called before the
/// data is returned: no record, no data.
pub(crate) fn record_access(
    conn: &mut DbConnection,
    caller: &Caller,
    action: &str,
    waybill_id: Option<&str>,
    query: Option<String>,
    result_count: Option<i64>,
) -> Result<(), ApiError> {
    audit::record(
        conn,
        &AccessRecord {
            id: uuid::Uuid::now_v7().to_string(),
            at: time::to_db(time::now()),
            party_id: caller.party_id.to_string(),
            key_id: caller.key_id.to_string(),
            action: action.to_owned(),
            waybill_id: waybill_id.map(str::to_owned),
            query,
            result_count,
        },
    )?;
    Ok(())
}
