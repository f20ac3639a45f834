//! The roadside page tells the truth at a glance: authenticity and whether
//! the waybill is valid for a vehicle on the road now, in words, in JSON and
//! in HTML; unknown links and rate limiting get a page a person can read,
//! and 429 says when to come back.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Shipment, TestApp};

crate::on_both_backends!(
    every_status_has_its_verdict_in_json_and_html,
    unknown_and_forged_links_get_a_not_valid_page,
    an_unacceptable_accept_header_is_406,
);

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn token(app: &TestApp, s: &Shipment) -> String {
    let (status, content) = app
        .get(&s.carrier, &format!("/v1/waybills/{}/qr?format=json", s.id))
        .await;
    assert_eq!(status, StatusCode::OK, "{content}");
    let url = content["verify_url"].as_str().unwrap();
    url.rsplit_once("/V/").unwrap().1.to_owned()
}

/// The verification link's answer, asked for `accept` (`None`: no Accept
/// header at all).
async fn verify_response(app: &TestApp, token: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = app.http.get(app.url(&format!("/v1/verify/{token}")));
    if let Some(accept) = accept {
        req = req.header("Accept", accept);
    }
    req.send().await.unwrap()
}

/// (status, content type, body) of the verification link.
async fn verify(app: &TestApp, token: &str, accept: &str) -> (StatusCode, String, String) {
    let res = verify_response(app, token, Some(accept)).await;
    let status = res.status();
    let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
    (status, ctype, res.text().await.unwrap())
}

/// Checks the verdict for one waybill in both representations.
async fn assert_verdict(app: &TestApp, s: &Shipment, status: &str, valid: bool, words: &str) {
    let token = token(app, s).await;
    let (code, ctype, body) = verify(app, &token, "application/json").await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert_eq!(ctype, "application/json");
    let view: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(view["waybill"]["status"], status, "{view}");
    assert_eq!(view["authentic"], true, "{view}");
    assert_eq!(view["valid_for_transport"], valid, "{status}: {view}");
    let verdict = view["verdict"].as_str().unwrap();
    assert!(verdict.contains(words), "{status}: {verdict}");
    if valid {
        assert!(verdict.starts_with("AUTHENTIC and VALID"), "{verdict}");
    } else {
        assert!(verdict.starts_with("Authentic, but"), "{verdict}");
        assert!(verdict.contains("NOT VALID for transport"), "{verdict}");
    }

    let (code, ctype, html) = verify(app, &token, BROWSER).await;
    assert_eq!(code, StatusCode::OK);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    // The headline is the verdict, green only when the goods may be on the road.
    let headline = html
        .split_once("<h1")
        .and_then(|(_, rest)| rest.split_once("</h1>"))
        .map(|(h, _)| h)
        .unwrap_or_else(|| panic!("no headline: {html}"));
    assert!(headline.contains(verdict), "{headline} / {verdict}");
    if valid {
        assert!(headline.starts_with(" class=ok>"), "{headline}");
    } else {
        assert!(headline.starts_with(" class=bad>"), "{headline}");
        assert!(!html.contains("class=ok"), "{html}");
        assert!(!html.contains("✔"), "{html}");
    }
}

/// A fresh shipment taken through `steps`: (role, act type, body).
async fn shipment_after(app: &TestApp, steps: &[(&str, &str, Value)]) -> Shipment {
    let mut s = app.shipment().await;
    for (role, act_type, body) in steps {
        let who = match *role {
            "consignor" => s.consignor.clone(),
            "carrier" => s.carrier.clone(),
            _ => s.consignee.clone(),
        };
        let (status, response) = app.act(&mut s, &who, act_type, body.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{act_type}: {response}");
    }
    s
}

async fn every_status_has_its_verdict_in_json_and_html(app: TestApp) {
    let accept = ("carrier", "carrier.accept", json!({}));
    let shortfall = json!({"lines": [{"line_no": 1, "received_quantity": "95"}]});
    let cases = [
        ("issued", true, "ISSUED", vec![]),
        ("in_transit", true, "IN TRANSIT", vec![accept.clone()]),
        (
            "delivered",
            false,
            "already DELIVERED",
            vec![accept.clone(), ("consignee", "consignee.accept", json!({}))],
        ),
        (
            "partially_accepted",
            false,
            "DELIVERED (partially accepted)",
            vec![accept.clone(), ("consignee", "consignee.accept", shortfall)],
        ),
        (
            "rejected",
            false,
            "REJECTED",
            vec![
                accept.clone(),
                (
                    "consignee",
                    "consignee.reject",
                    json!({"reason": "wrong goods"}),
                ),
            ],
        ),
        (
            "declined",
            false,
            "DECLINED",
            vec![("carrier", "carrier.decline", json!({"reason": "no trucks"}))],
        ),
        (
            "cancelled",
            false,
            "CANCELLED",
            vec![(
                "consignor",
                "consignor.cancel",
                json!({"reason": "withdrawn"}),
            )],
        ),
    ];
    for (status, valid, words, steps) in cases {
        let s = shipment_after(&app, &steps).await;
        assert_verdict(&app, &s, status, valid, words).await;
    }
}

async fn unknown_and_forged_links_get_a_not_valid_page(app: TestApp) {
    let s = app.shipment().await;
    let genuine = token(&app, &s).await;
    let unknown = ewaybill::roadside::new_token().unwrap();
    let forged = format!(
        "{}{}",
        &genuine[..25],
        if genuine.ends_with('A') { "Q" } else { "A" }
    );
    for bad in [
        unknown.as_str(),
        forged.as_str(),
        "not-a-token",
        &s.id.to_string(),
    ] {
        let (status, ctype, html) = verify(&app, bad, BROWSER).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
        assert!(ctype.starts_with("text/html"), "{bad}: {ctype}");
        assert!(
            html.contains("NOT VALID: this link is not a waybill of this service"),
            "{bad}: {html}"
        );
        assert!(!html.contains("class=ok"), "{html}");
        // A program still gets the problem document.
        let (status, ctype, body) = verify(&app, bad, "application/json").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(ctype, "application/problem+json");
        let problem: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["code"], "token_not_found");
    }
    assert_eq!(verify(&app, &genuine, BROWSER).await.0, StatusCode::OK);
}

async fn an_unacceptable_accept_header_is_406(app: TestApp) {
    let s = app.shipment().await;
    let token = token(&app, &s).await;
    let (status, ctype, body) = verify(&app, &token, "image/png").await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE, "{body}");
    assert_eq!(ctype, "application/problem+json");
    // The QR endpoint negotiates the same way: SVG by Accept, else 406.
    let qr = |accept: &'static str| {
        app.http
            .get(app.url(&format!("/v1/waybills/{}/qr", s.id)))
            .bearer_auth(&s.carrier.token)
            .header("Accept", accept)
            .send()
    };
    let res = qr("image/svg+xml;q=0.9, image/png;q=0.1").await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let res = qr("image/*").await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    let res = qr("text/html").await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_ACCEPTABLE);
}

/// A small bucket that refills slowly, to reach 429 at once.
mod limited {
    use super::*;

    const LIMITED: &[(&str, &str)] = &[
        ("EWAYBILL_ROADSIDE_BURST", "2"),
        ("EWAYBILL_ROADSIDE_PER_MINUTE", "1"),
    ];

    crate::on_both_backends!(with LIMITED; rate_limiting_says_when_to_come_back);

    async fn rate_limiting_says_when_to_come_back(app: TestApp) {
        assert_eq!(app.config.roadside_burst, 2);
        let s = app.shipment().await;
        let token = token(&app, &s).await;
        for _ in 0..2 {
            assert_eq!(
                verify(&app, &token, "application/json").await.0,
                StatusCode::OK
            );
        }
        let res = verify_response(&app, &token, None).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        // One request a minute: the next token is most of a minute away.
        assert!((30..=60).contains(&retry_after), "{retry_after}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "rate_limited");
        assert_eq!(problem["retry_after"], retry_after);

        // A browser gets a page saying so, and that it says nothing about the waybill.
        let res = verify_response(&app, &token, Some(BROWSER)).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(res.headers().contains_key("retry-after"));
        let html = res.text().await.unwrap();
        assert!(html.contains("NOT CHECKED: too many checks"), "{html}");
        assert!(!html.contains("class=ok"), "{html}");
    }
}
