//! The waybill summary: what a listing shows of each waybill. Listings,
//! inspections and the risk list show waybills this way.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::document::PartyRef;
use crate::domain::lifecycle::Status;
use crate::domain::projection::WaybillState;

/// What a listing shows of each waybill.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaybillSummary {
    pub id: Uuid,
    pub number: String,
    pub status: Status,
    pub version: u64,
    pub head: String,
    pub issue_date: chrono::NaiveDate,
    pub consignor: PartyRef,
    pub carrier: PartyRef,
    pub consignee: PartyRef,
    pub vehicle_plate: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<WaybillState> for WaybillSummary {
    fn from(s: WaybillState) -> Self {
        Self {
            id: s.id,
            number: s.document.number,
            status: s.status,
            version: s.version,
            head: s.head,
            issue_date: s.document.issue_date,
            consignor: s.document.consignor,
            carrier: s.document.carrier,
            consignee: s.document.consignee,
            vehicle_plate: s.transport.vehicle_plate,
            updated_at: s.updated_at,
        }
    }
}
