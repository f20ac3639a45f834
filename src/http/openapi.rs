//! The OpenAPI 3.1 document, generated from the handlers and types. Its
//! operations come from the route list ([`super::routes`]) the server
//! registers; this module adds what is not in any one handler: the info,
//! tags, shared schemas, and the modifiers that document whole classes of
//! operations. The checked-in `openapi/openapi.json` must equal it (a test
//! checks).

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{batch, idempotency};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ewaybill",
        description = "Electronic consignment notes: every act on a waybill is signed by the acting party (Ed25519 over RFC 8785 JSON) and appended to an append-only, hash-chained event log; the current state is a projection of that log.\n\nErrors are RFC 9457 `application/problem+json` with a stable `code`.",
        license(name = "Apache-2.0")
    ),
    components(schemas(
        crate::domain::party::Role,
        crate::domain::act::ReasonBody,
        crate::domain::act::CarrierAcceptBody,
        crate::domain::act::ChangeVehicleBody,
        crate::domain::act::ConsigneeAcceptBody,
        crate::domain::document::WaybillDocument,
        crate::webhooks::WebhookPayload,
        batch::BatchResult,
        batch::BatchItem,
        batch::ItemStatus,
    )),
    tags(
        (name = "auth", description = "Key-based authentication"),
        (name = "parties", description = "Companies, authorities and their keys"),
        (name = "waybills", description = "Signed acts and the waybill lifecycle"),
        (name = "audit", description = "Who among the authorities read what"),
        (name = "inspect", description = "Inspectors: shipment search, the risk list, inspection outcomes (all audited)"),
        (name = "log", description = "The verifiable log: checkpoints, proofs, entries"),
        (name = "notifications", description = "Webhooks (signed, ordered per waybill, retried) and the long-polling feed"),
        (name = "operations", description = "Health and readiness"),
        (name = "demo", description = "Only on a service started by `ewaybill demo`: its test-only key files"),
    )
)]
struct ApiDoc;

/// The document of every operation [`super::routes`] registers: their paths
/// and the schemas they use are collected from the route list, on top of
/// the info, tags and shared schemas above; then the modifiers run, which
/// need every operation in place.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;

    // The app is never started: registering the routes is what collects
    // their operations.
    let (_, mut openapi) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes)
        .split_for_parts();
    let modifiers: [&dyn Modify; 3] = [&BearerAuth, &IdempotencyKeyHeader, &CommonResponses];
    for modifier in modifiers {
        modifier.modify(&mut openapi);
    }
    openapi
}

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

/// The answers that whole classes of operations can give, whatever the
/// handler: every authenticated operation can be refused a token (401),
/// every body can be malformed (400), too large (413), not JSON (415) or
/// of the wrong shape (422),
/// every parameter can fail to parse (400), every keyed POST can meet its
/// key again (409, 422), and everything that needs the database can find
/// it away (503). They are added here, once, so no operation (new ones
/// included) documents fewer answers than it gives; a response the handler
/// documents itself is kept as it is. Responses without a description get
/// the generic one of their status.
struct CommonResponses;

/// Shared responses in `components/responses`: (name, status, description).
const SHARED: &[(&str, &str, &str)] = &[
    (
        "BadRequest",
        "400",
        "A parameter, the JSON body or a header cannot be read (`invalid_path`, `invalid_query`, `invalid_limit`, `malformed_json`, `invalid_idempotency_key`, ...)",
    ),
    (
        "Unauthorized",
        "401",
        "No valid access token (`missing_token`, `invalid_token`, `token_expired`, `key_revoked`)",
    ),
    (
        "NotFound",
        "404",
        "Nothing at this path visible to the caller",
    ),
    (
        "IdempotencyKeyInProgress",
        "409",
        "The first request with this Idempotency-Key is still running (`idempotency_key_in_progress`); retry after `Retry-After` seconds",
    ),
    (
        "PayloadTooLarge",
        "413",
        "The body is larger than the service accepts (`body_too_large`)",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "The body is not `application/json` (`unsupported_media_type`)",
    ),
    (
        "Unprocessable",
        "422",
        "The request is not valid (`validation_failed` with every problem and its path, or `idempotency_key_reused`)",
    ),
    (
        "ServiceUnavailable",
        "503",
        "The database is not reachable right now, or the service is shutting down; retry later",
    ),
];

/// Operations that never touch the database.
const WITHOUT_DATABASE: &[&str] = &["/healthz", "/v1/log/key"];

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, _, description) in SHARED {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    super::problem::PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            components
                .responses
                .insert((*name).to_owned(), RefOr::T(response));
        }
        let shared = |status: &str| {
            SHARED
                .iter()
                .find(|(_, s, _)| *s == status)
                .map(|(name, _, _)| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))))
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|requirements| {
                    serde_json::to_value(requirements)
                        .is_ok_and(|v| v.to_string().contains("\"bearer\""))
                });
                let parameters = operation.parameters.as_deref().unwrap_or_default();
                let in_path = parameters
                    .iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
                let in_query = parameters
                    .iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
                let keyed = parameters.iter().any(|p| matches!(p, RefOr::Ref(_)));
                let body = operation.request_body.is_some();
                let mut wanted = Vec::new();
                if in_path || in_query || body || keyed {
                    wanted.push("400");
                }
                if secured {
                    wanted.push("401");
                }
                if in_path {
                    wanted.push("404");
                }
                if keyed {
                    wanted.extend(["409", "422"]);
                }
                if body {
                    wanted.extend(["413", "415", "422"]);
                }
                if !WITHOUT_DATABASE.contains(&path.as_str()) {
                    wanted.push("503");
                }
                let responses = &mut operation.responses.responses;
                for status in wanted {
                    if let (false, Some(response)) =
                        (responses.contains_key(status), shared(status))
                    {
                        responses.insert(status.to_owned(), response);
                    }
                }
                for (status, response) in responses.iter_mut() {
                    if let RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = generic_description(status).to_owned();
                    }
                }
            }
        }
    }
}

/// What a response without its own description means, by status.
fn generic_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; no content",
        "400" => "A parameter or the body cannot be read; `code` says which",
        "403" => "The caller's kind of party may not do this; `code` says why",
        "404" => "Not found, or not visible to the caller",
        "409" => "Conflicts with the current state; `code` says how",
        "422" => "Not valid; `errors` lists every problem with its path",
        "503" => "Not available right now; retry later",
        _ => "See the problem's `code`",
    }
}

/// The document as pretty JSON with a final newline, as checked in.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
