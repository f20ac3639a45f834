//! The request-log middleware: every request ends with one line. Refusals
//! (4xx) are expected and logged at info with method, path, status and
//! problem code; failures (5xx) at error (their cause is logged where they
//! happen); the rest at debug. The error's `Debug` form, which
//! `tracing-actix-web` would dump at WARN for every 4xx, is never logged.
//! It lives with HTTP because it reads the [`ApiError`]'s problem code.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use crate::http::problem::ApiError;

/// The request span of [`tracing_actix_web::TracingLogger`], ended by one
/// short line per request.
pub struct RequestLog;

impl RootSpanBuilder for RequestLog {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing_actix_web::root_span!(request)
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let (status, error, method, path) = match outcome {
            Ok(response) => (
                response.status(),
                response.response().error(),
                response.request().method().as_str(),
                response.request().path(),
            ),
            Err(error) => (error.as_response_error().status_code(), Some(error), "", ""),
        };
        span.record("http.status_code", status.as_u16());
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
        let problem = error.and_then(|e| e.as_error::<ApiError>());
        let code = problem.map_or("", |p| p.code.as_str());
        let status = status.as_u16();
        match StatusCode::from_u16(status) {
            Ok(s) if s.is_server_error() => {
                // Display only: the cause was logged where it happened.
                let error = error.map(ToString::to_string).unwrap_or_default();
                tracing::error!(method, path, status, code, %error, "request failed");
            }
            Ok(s) if s.is_client_error() => {
                tracing::info!(method, path, status, code, "request refused");
            }
            _ => tracing::debug!(method, path, status, "request served"),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::problem_code::ProblemCode;
    use actix_web::{App, HttpResponse, test, web};
    use std::sync::{Arc, Mutex};
    use tracing_actix_web::TracingLogger;

    /// A log writer whose output a test can read (`captured.0`).
    #[derive(Clone, Default)]
    pub(crate) struct Captured(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn refused() -> Result<HttpResponse, ApiError> {
        let mut error = ApiError::new(
            ProblemCode::TestInvalidDocument,
            "the document has problems",
        );
        // A large problem document must not end up in the log.
        error.detail.push_str(&" and more".repeat(500));
        Err(error)
    }

    async fn failed() -> Result<HttpResponse, ApiError> {
        Err(ApiError::new(ProblemCode::InternalError, "something broke"))
    }

    #[actix_web::test]
    async fn refusals_are_one_info_line_and_failures_an_error() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestLog>::new())
                .route("/refused", web::post().to(refused))
                .route("/failed", web::get().to(failed)),
        )
        .await;
        let res =
            test::call_service(&app, test::TestRequest::post().uri("/refused").to_request()).await;
        assert_eq!(res.status().as_u16(), 422);
        let res =
            test::call_service(&app, test::TestRequest::get().uri("/failed").to_request()).await;
        assert_eq!(res.status().as_u16(), 500);

        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        let refused = lines[0];
        assert!(refused.contains(" INFO "), "{refused}");
        for part in [
            "method=\"POST\"",
            "path=\"/refused\"",
            "status=422",
            "code=\"invalid_document\"",
        ] {
            assert!(refused.contains(part), "{part} not in {refused}");
        }
        assert!(!refused.contains("and more"), "{refused}");
        assert!(refused.len() < 1000, "{} bytes", refused.len());
        let failed = lines[1];
        assert!(failed.contains(" ERROR "), "{failed}");
        assert!(failed.contains("status=500"), "{failed}");
        assert!(failed.contains("something broke"), "{failed}");
        assert!(!text.contains(" WARN "), "{text}");
    }
}
