//! Views: stored records as clients see them. They are shared by the HTTP
//! API, the feed and the webhook worker, so they live below `http` and
//! know nothing of it.

pub mod event;
pub mod pdf;
pub mod waybill;
