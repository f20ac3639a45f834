//! Timestamps are stored as naive UTC with microsecond precision, the finest
//! both backends keep, so what is read back equals what was written.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// Now, at the precision the database keeps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn to_db(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

pub fn from_db(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
