//! The OpenAPI 3.1 document, generated from the handlers and types. The
//! checked-in `openapi/openapi.json` must equal it (a test checks).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, auth, health, inspect, log, parties, risk, waybills};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ewaybill",
        description = "Electronic consignment notes: every act on a waybill is signed by the acting party (Ed25519 over RFC 8785 JSON) and appended to an append-only, hash-chained event log; the current state is a projection of that log.\n\nErrors are RFC 9457 `application/problem+json` with a stable `code`.",
        license(name = "Apache-2.0")
    ),
    paths(
        auth::issue_token,
        parties::create_party,
        parties::list_parties,
        parties::get_party,
        parties::me,
        parties::register_key,
        parties::list_keys,
        parties::revoke_key,
        waybills::issue,
        waybills::append,
        waybills::get_waybill,
        waybills::list_events,
        super::ubl::receipt_advice,
        waybills::list_waybills,
        audit::access_trail,
        inspect::shipments,
        inspect::record_inspection,
        inspect::list_inspections,
        risk::risk_list,
        log::log_key,
        log::latest_checkpoint,
        log::checkpoints,
        log::inclusion,
        log::consistency,
        log::entries,
        log::event_proof,
        super::roadside::waybill_qr,
        super::roadside::verify_token,
        super::webhooks::create_webhook,
        super::webhooks::list_webhooks,
        super::webhooks::get_webhook,
        super::webhooks::delete_webhook,
        super::webhooks::list_deliveries,
        super::feed::feed,
        health::healthz,
        health::readyz,
    ),
    components(schemas(
        crate::domain::act::ReasonBody,
        crate::domain::act::CarrierAcceptBody,
        crate::domain::act::ChangeVehicleBody,
        crate::domain::act::ConsigneeAcceptBody,
        crate::domain::document::WaybillDocument,
        crate::webhooks::WebhookPayload,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Key-based authentication"),
        (name = "parties", description = "Companies, authorities and their keys"),
        (name = "waybills", description = "Signed acts and the waybill lifecycle"),
        (name = "audit", description = "Who among the authorities read what"),
        (name = "inspect", description = "Inspectors: shipment search, the risk list, inspection outcomes (all audited)"),
        (name = "log", description = "The verifiable log: checkpoints, proofs, entries"),
        (name = "notifications", description = "Webhooks (signed, ordered per waybill, retried) and the long-polling feed"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /v1/auth/token (EdDSA JWT, short-lived)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON with a final newline, as checked in.
pub fn document_json() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
