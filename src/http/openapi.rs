//! The OpenAPI 3.1 document, generated from the handlers and types. The
//! checked-in `openapi/openapi.json` must equal it (a test checks).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, auth, batch, health, idempotency, inspect, log, parties, waybills};

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
        batch::issue_batch,
        batch::events_batch,
        waybills::get_waybill,
        waybills::list_events,
        waybills::list_waybills,
        audit::access_trail,
        inspect::shipments,
        inspect::record_inspection,
        inspect::list_inspections,
        log::log_key,
        log::latest_checkpoint,
        log::checkpoints,
        log::inclusion,
        log::consistency,
        log::entries,
        log::event_proof,
        super::roadside::waybill_qr,
        super::roadside::verify_token,
        health::healthz,
        health::readyz,
    ),
    components(schemas(
        crate::domain::act::ReasonBody,
        crate::domain::act::CarrierAcceptBody,
        crate::domain::act::ChangeVehicleBody,
        crate::domain::act::ConsigneeAcceptBody,
        crate::domain::document::WaybillDocument,
    )),
    modifiers(&BearerAuth, &IdempotencyKeyHeader),
    tags(
        (name = "auth", description = "Key-based authentication"),
        (name = "parties", description = "Companies, authorities and their keys"),
        (name = "waybills", description = "Signed acts and the waybill lifecycle"),
        (name = "audit", description = "Who among the authorities read what"),
        (name = "inspect", description = "Inspectors: shipment search (audited)"),
        (name = "log", description = "The verifiable log: checkpoints, proofs, entries"),
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

/// Every authenticated POST takes `Idempotency-Key` (one middleware does
/// it for all, see [`idempotency`]), so it is documented once, as a shared
/// parameter, and referenced from every such operation, new ones included.
struct IdempotencyKeyHeader;

impl Modify for IdempotencyKeyHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Ref, RefOr, Required, Type};

        const NAME: &str = "IdempotencyKey";
        let parameter = ParameterBuilder::new()
            .name(idempotency::HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(format!(
                "Makes the POST safe to retry: a retry with the same key and the same body gets the first answer byte for byte, with `{}: true`, and nothing is done twice. The same key with another body or path is 422 `idempotency_key_reused`; while the first request runs, 409 `idempotency_key_in_progress`. Keys are scoped to the caller and kept {} hours; 4xx answers are kept, 5xx are not. 1 to {} printable ASCII characters (else 400 `invalid_idempotency_key`).",
                idempotency::REPLAYED,
                idempotency::RETENTION_HOURS,
                idempotency::MAX_KEY_LEN,
            )))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(idempotency::MAX_KEY_LEN))
                    .pattern(Some("^[ -~]+$")),
            ))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .parameters
            .insert(NAME.to_owned(), RefOr::T(parameter));
        for (path, item) in openapi.paths.paths.iter_mut() {
            // The token exchange has no caller to scope a key to.
            if path == "/v1/auth/token" {
                continue;
            }
            if let Some(post) = item.post.as_mut() {
                post.parameters
                    .get_or_insert_with(Vec::new)
                    .push(RefOr::Ref(Ref::new(format!(
                        "#/components/parameters/{NAME}"
                    ))));
            }
        }
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
