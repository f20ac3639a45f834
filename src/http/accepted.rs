//! The answer to an accepted act: the new state, the event as signed and
//! the log's receipt. Issuing, appending and batches answer with it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::projection::WaybillState;
use crate::views::event::EventView;

use super::receipts::LogReceipt;

/// The answer to an accepted act.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActAccepted {
    pub waybill: WaybillState,
    pub event: EventView,
    pub receipt: LogReceipt,
}
