//! Slow clients cannot pin connections: a body that does not arrive within
//! `EWAYBILL_BODY_TIMEOUT_SECS` gets 408 and its connection is closed, and
//! many such clients at once do not stop others being served.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::common::TestApp;

/// A client that sends a request head announcing `length` bytes of body,
/// then only `sent` of them.
fn open_slow(addr: SocketAddr, head: &str, length: usize, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    let request =
        format!("{head}Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(sent).unwrap();
    stream
}

fn post_head(path: &str, token: &str, extra: &str) -> String {
    format!("POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n{extra}")
}

/// Reads until the server closes the connection or `within` passes.
/// Returns what was read and whether the connection was closed.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let deadline = Instant::now() + within;
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (String::from_utf8_lossy(&text).into_owned(), false);
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&text).into_owned(), true),
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (String::from_utf8_lossy(&text).into_owned(), false);
            }
            // A reset after the answer is a close too.
            Err(_) => return (String::from_utf8_lossy(&text).into_owned(), true),
        }
    }
}

fn assert_408(answer: &str, closed: bool) {
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(lower.contains("connection: close"), "{answer}");
    assert!(answer.contains("\"code\":\"body_timeout\""), "{answer}");
    assert!(closed, "the connection stays open after the 408: {answer}");
}

/// A body trickled byte by byte, or stopped halfway, on every kind of
/// reader: the JSON extractor, the Idempotency-Key layer, the bulk reader.
mod trickle {
    use super::*;

    const SHORT: &[(&str, &str)] = &[("EWAYBILL_BODY_TIMEOUT_SECS", "2")];

    crate::on_both_backends!(with SHORT; a_late_body_gets_408_and_the_connection_closes);

    async fn a_late_body_gets_408_and_the_connection_closes(app: TestApp) {
        let company = app.company("Slow ERP").await;
        let timeout = Duration::from_secs(app.config.body_timeout_secs);
        assert_eq!(timeout, Duration::from_secs(2));
        let cases = [
            (post_head("/v1/waybills", &company.token, ""), true),
            (post_head("/v1/waybills", &company.token, ""), false),
            (
                post_head(
                    "/v1/waybills",
                    &company.token,
                    "Idempotency-Key: slow-1\r\n",
                ),
                true,
            ),
            (post_head("/v1/waybills:batch", &company.token, ""), false),
        ];
        for (head, trickle) in cases {
            let addr = app.addr;
            let (answer, closed, elapsed) = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let mut stream = open_slow(addr, &head, 10_000, b"{\"act\":");
                if trickle {
                    // One byte every 100 ms, far short of the announced length.
                    let mut writer = stream.try_clone().unwrap();
                    std::thread::spawn(move || {
                        for _ in 0..100 {
                            std::thread::sleep(Duration::from_millis(100));
                            if writer.write_all(b" ").is_err() {
                                break;
                            }
                        }
                    });
                }
                let (answer, closed) =
                    read_until_closed(&mut stream, timeout + Duration::from_secs(8));
                (answer, closed, started.elapsed())
            })
            .await
            .unwrap();
            assert_408(&answer, closed);
            // The contract: an answer at the deadline, not when the client gives up.
            assert!(elapsed >= timeout, "{elapsed:?}");
            assert!(elapsed < timeout + Duration::from_secs(5), "{elapsed:?}");
        }

        // A body that arrives in time is served as always.
        let (status, body) = app.get(&company, "/v1/me").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let res = app
            .http
            .post(app.url("/v1/waybills"))
            .bearer_auth(&company.token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

/// Fifty clients stop sending their bodies; everyone else is still served
/// while those connections wait for their deadline.
mod crowd {
    use super::*;

    const LONG: &[(&str, &str)] = &[("EWAYBILL_BODY_TIMEOUT_SECS", "10")];

    crate::on_both_backends!(with LONG; fifty_stalled_bodies_do_not_stop_other_clients);

    async fn fifty_stalled_bodies_do_not_stop_other_clients(app: TestApp) {
        let (consignor, carrier, consignee) = app.parties().await;
        let addr = app.addr;
        let (token, login) = (consignor.token.clone(), "/v1/auth/token");
        let mut stalled = tokio::task::spawn_blocking(move || {
            (0..50)
                .map(|i| {
                    // Half on an authenticated write, half on the token exchange.
                    let head = if i % 2 == 0 {
                        post_head("/v1/waybills", &token, "")
                    } else {
                        format!("POST {login} HTTP/1.1\r\nHost: test\r\n")
                    };
                    open_slow(addr, &head, 5_000, b"{")
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        let opened = Instant::now();

        // Others: a read, a login and a signed write all succeed meanwhile.
        let (status, body) = app.get(&consignor, "/v1/me").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let _fresh = app.token_for(&carrier.key).await;
        let (id, _) = app.issue(&consignor, &carrier, &consignee).await;
        let (status, _) = app.get(&consignor, &format!("/v1/waybills/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let served_after = opened.elapsed();

        let timeout = Duration::from_secs(app.config.body_timeout_secs);
        // They were served while every stalled connection still waited.
        assert!(served_after < timeout, "{served_after:?}");
        stalled = tokio::task::spawn_blocking(move || {
            for stream in &mut stalled {
                stream
                    .set_read_timeout(Some(Duration::from_millis(20)))
                    .unwrap();
                let mut byte = [0u8; 1];
                match stream.read(&mut byte) {
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    other => panic!("a stalled connection was answered early: {other:?}"),
                }
            }
            stalled
        })
        .await
        .unwrap();

        // Then each gets its 408 and is closed.
        let answers = tokio::task::spawn_blocking(move || {
            stalled
                .iter_mut()
                .map(|stream| read_until_closed(stream, timeout + Duration::from_secs(10)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap();
        for (answer, closed) in answers {
            assert_408(&answer, closed);
        }
        assert!(opened.elapsed() < timeout + Duration::from_secs(10));
    }
}
