//! The risk list as a service, apart from HTTP: which shipments an
//! authority is offered for stopping (filtered, ranked, the random share
//! drawn) and the scores shown with search hits. Every score served is
//! kept as a risk assessment row (model version and inputs, so it can be
//! reproduced) that a later inspection can name.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::ids::{AssessmentId, PartyId, WaybillId};
use crate::domain::lifecycle::Status;
use crate::storage::risk::{self as store, AssessmentRow};
use crate::storage::{DbConnection, StorageError, time};

use super::live::LiveRisk;
use super::rng::SplitMix64;
use super::score::{Assessment, Band};
use super::selection::{Selected, select};
use super::shipment::Shipment;
use crate::domain::selection::Selection;

/// Which shipments a risk list ranks, and how many it offers. Serialized
/// as the `filters` of the list's audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskFilter {
    /// Leading digits of a CN code one of the lines must have.
    pub cn: Option<String>,
    /// `Some(true)`: only shipments with excise goods.
    pub excise: Option<bool>,
    /// How many shipments the list offers.
    pub limit: usize,
    pub status: Status,
}

impl RiskFilter {
    /// Whether `s` is one of the shipments the list ranks.
    pub fn matches(&self, s: &Shipment) -> bool {
        s.status == self.status
            && (self.excise != Some(true) || s.lines.iter().any(|l| l.excise.is_some()))
            && self.cn.as_deref().is_none_or(|cn| {
                s.lines
                    .iter()
                    .any(|l| l.cn_code.as_deref().is_some_and(|c| c.starts_with(cn)))
            })
    }
}

/// A drawn risk list, its assessments already kept.
#[derive(Debug)]
pub struct RiskDraw {
    pub model_version: String,
    pub generated_at: DateTime<Utc>,
    /// Share of the list drawn at random from below the top.
    pub random_share: f64,
    /// How many shipments matched the filter and were ranked.
    pub ranked: usize,
    /// Each offered shipment with the assessment row kept for it.
    pub items: Vec<(Selected, AssessmentRow)>,
}

/// Ranks the shipments `filter` matches, draws the list (`seed` drives
/// the random share) and keeps an assessment for each item, by `party_id`.
pub fn draw(
    conn: &mut DbConnection,
    live: &LiveRisk,
    filter: &RiskFilter,
    seed: u64,
    party_id: &PartyId,
) -> Result<RiskDraw, StorageError> {
    let now = time::now();
    let caught = live.catch_up(conn)?;
    let engine = &caught.engine;
    let model = engine.model().clone();
    let ranked = engine.rank(|s| filter.matches(s), now);
    drop(caught);
    let ranked_count = ranked.len();
    let mut rng = SplitMix64::new(seed);
    let selected = select(ranked, filter.limit, model.random_share, &mut rng);
    let rows: Vec<AssessmentRow> = selected
        .iter()
        .map(|s| assessment_row(&s.assessment, s.selection.get(), s.probability, party_id))
        .collect();
    store::insert_assessments(conn, &rows)?;
    Ok(RiskDraw {
        model_version: model.version.clone(),
        generated_at: now,
        random_share: model.random_share,
        ranked: ranked_count,
        items: selected.into_iter().zip(rows).collect(),
    })
}

/// The brief risk shown with each search hit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RiskBrief {
    pub assessment_id: String,
    pub score: u8,
    pub band: Band,
    pub model_version: String,
    /// The strongest reason, if any factor applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_reason: Option<String>,
}

/// Scores search hits and keeps each score as an assessment, so that a
/// stop found by search can name the score it saw.
pub fn brief_for(
    conn: &mut DbConnection,
    live: &LiveRisk,
    party_id: &PartyId,
    ids: &[uuid::Uuid],
) -> Result<Vec<Option<RiskBrief>>, StorageError> {
    let now = time::now();
    let assessments: Vec<Option<Assessment>> = {
        let caught = live.catch_up(conn)?;
        ids.iter().map(|id| caught.engine.assess(id, now)).collect()
    };
    let rows: Vec<AssessmentRow> = assessments
        .iter()
        .flatten()
        .map(|a| assessment_row(a, Selection::Search, 1.0, party_id))
        .collect();
    store::insert_assessments(conn, &rows)?;
    let mut rows = rows.into_iter();
    Ok(assessments
        .into_iter()
        .map(|a| {
            let a = a?;
            let row = rows.next()?;
            Some(RiskBrief {
                assessment_id: row.id.into_string(),
                score: a.score,
                band: a.band,
                model_version: a.model_version,
                top_reason: a.reasons.into_iter().next().map(|r| r.detail),
            })
        })
        .collect())
}

fn assessment_row(
    a: &Assessment,
    selection: Selection,
    probability: f64,
    party: &PartyId,
) -> AssessmentRow {
    AssessmentRow {
        id: AssessmentId::new(),
        waybill_id: WaybillId::from(a.waybill_id),
        model_version: a.model_version.clone(),
        score: i32::from(a.score),
        band: a.band.as_str().to_owned(),
        inputs: serde_json::to_string(&a.inputs).unwrap_or_default(),
        reasons: serde_json::to_string(&a.reasons).unwrap_or_default(),
        selection: selection.as_str().to_owned(),
        selection_probability: probability_text(probability),
        party_id: party.clone(),
        assessed_at: time::to_db(a.assessed_at),
    }
}

/// A probability as a decimal string with enough digits for weighting.
fn probability_text(p: f64) -> String {
    let text = format!("{:.8}", p.clamp(0.0, 1.0));
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    if trimmed.is_empty() || trimmed == "0" {
        "0.00000001".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::probability_text;

    #[test]
    fn probabilities_as_decimal_strings() {
        assert_eq!(probability_text(1.0), "1");
        assert_eq!(probability_text(0.07), "0.07");
        assert_eq!(probability_text(3.5 / 950.0), "0.00368421");
        assert_eq!(probability_text(1e-12), "0.00000001");
    }
}
