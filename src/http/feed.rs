//! The feed: for clients that cannot receive webhooks (phones, clients
//! behind NAT), the caller's events in log order from a cursor, with long
//! polling. An event is in a party's feed when the waybill named the party
//! (consignor, carrier or consignee) once the act took effect; the index is
//! written by the sequencer in the event's own transaction.

use crate::domain::ids::{LogIndex, WaybillId};
use crate::problem_code::ProblemCode;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::storage::events::EventRow;
use crate::storage::feed as feed_index;

use super::access::require_company;
use super::auth::Caller;
use super::cursor::CursorCodec;
use super::input::Query;
use super::problem::{ApiError, Problem};
use super::state::AppState;
use crate::views::event::EventView;

/// Longest a request may wait for new events.
pub const MAX_WAIT_SECS: u64 = 30;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// `next_cursor` of the previous answer; absent: from the beginning
    /// (or from now, with `from=now`).
    pub after: Option<String>,
    /// `now`: start after the caller's newest event instead of from the
    /// beginning, for a client that wants only what happens next (a page
    /// that just read a waybill). Not together with `after`.
    #[param(inline)]
    pub from: Option<FeedStart>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200, default = 50)]
    pub limit: Option<u32>,
    /// Seconds to wait when there is nothing new yet (0 to 30, default 0):
    /// the answer comes as soon as an event arrives.
    #[param(minimum = 0, maximum = 30, default = 0)]
    pub wait: Option<u64>,
}

/// Where a feed without a cursor starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FeedStart {
    /// After the caller's newest event.
    Now,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedItem {
    pub waybill_id: String,
    /// The act type, e.g. `consignee.accept`.
    pub event_type: String,
    /// The event exactly as `GET /v1/waybills/{id}/events` shows it.
    pub event: EventView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass as `after` next time; present even when `items` is empty.
    pub next_cursor: String,
}

/// The feed's cursor: the page cursor's encoding with its own prefix, so a
/// listing's cursor is refused here.
const FEED_CURSOR: CursorCodec = CursorCodec::new(
    "feed:",
    "after must be a next_cursor from a previous feed answer",
);

/// The caller's events after a cursor, oldest first; can long-poll.
#[utoipa::path(
    get, path = "/v1/feed", tag = "notifications",
    params(FeedQuery),
    responses(
        (status = 200, body = FeedPage),
        (status = 400, description = "Bad cursor, limit or wait", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/feed")]
#[tracing::instrument(skip_all, fields(party = %caller.party_id))]
pub async fn feed(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    require_company(
        &caller,
        "the feed carries the events of a company's own waybills",
    )?;
    let query = query.into_inner();
    let limit = super::page_limit(query.limit, 50, 200)?;
    let wait = query.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECS {
        return Err(ApiError::bad_request(
            ProblemCode::InvalidWait,
            format!("wait must be 0 to {MAX_WAIT_SECS} seconds"),
        ));
    }
    let after = match (query.after.as_deref(), query.from) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                ProblemCode::InvalidCursor,
                "give either after (a cursor) or from=now, not both",
            ));
        }
        (Some(cursor), None) => Some(FEED_CURSOR.decode(cursor)?),
        (None, Some(FeedStart::Now)) => {
            let party = caller.party_id.clone();
            state
                .db(move |conn| Ok(feed_index::latest(conn, &party)?))
                .await?
                .map(|seq| seq.get())
        }
        (None, None) => None,
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let poll = Duration::from_millis(state.config.webhooks.poll_ms);
    let mut committed = state.sequencer.committed();
    let rows = loop {
        // Seen before the read: a commit landing after it still wakes us.
        committed.borrow_and_update();
        let party = caller.party_id.clone();
        let rows = state
            .db(move |conn| {
                Ok(feed_index::after(
                    conn,
                    &party,
                    after.map(LogIndex::from),
                    i64::from(limit),
                )?)
            })
            .await?;
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline {
            break rows;
        }
        // Woken by this instance's commits; the timer catches events that
        // another instance on the same database wrote.
        let nap = tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + poll));
        tokio::pin!(nap);
        tokio::select! {
            changed = committed.changed() => {
                if changed.is_err() {
                    (&mut nap).await;
                }
            }
            _ = &mut nap => {}
        }
    };
    let next_cursor = FEED_CURSOR.encode(rows.last().map_or(after.unwrap_or(-1), |r| r.seq.get()));
    let items = rows.into_iter().map(item).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(FeedPage { items, next_cursor }))
}

fn item(row: EventRow) -> Result<FeedItem, ApiError> {
    Ok(FeedItem {
        waybill_id: row
            .waybill_id
            .clone()
            .map(WaybillId::into_string)
            .unwrap_or_default(),
        event_type: row.act_type.clone(),
        event: EventView::from_row(row)?,
    })
}

/// This module's routes, served and documented together (see
/// [`super::routes`]).
pub(super) fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(feed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let decode = |c: &str| FEED_CURSOR.decode(c);
        let encode = |seq| FEED_CURSOR.encode(seq);
        assert_eq!(decode(&encode(41)).unwrap(), 41);
        assert_eq!(decode(&encode(-1)).unwrap(), -1);
        assert!(decode("junk!").is_err());
        // A waybill-listing cursor is not a feed cursor.
        assert!(decode(&super::super::cursor::encode_cursor(3)).is_err());
    }
}
