//! Webhooks and the feed: deliveries to a local receiver, signed by the
//! service key and verified the way a receiver would; retries after
//! failures; order per waybill; privacy between parties; the long-polling
//! feed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use ewaybill::crypto::PublicKey;
use ewaybill::note::VerifierKey;
use ewaybill::webhooks::verify_delivery;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Actor, Shipment, TestApp, assert_problem, document};

crate::on_both_backends!(
    events_arrive_signed_in_order_and_match_the_chain,
    failed_attempts_are_retried_and_later_events_wait,
    a_receiver_that_keeps_failing_ends_failed,
    webhooks_are_private_to_their_party,
    registration_is_validated,
    feed_returns_only_the_callers_events_in_order,
    long_poll_returns_as_soon_as_an_event_arrives,
    a_feed_from_now_starts_after_the_callers_newest_event,
    a_replaced_carrier_is_told_no_more_and_refused_acts_tell_nobody,
    two_instances_do_not_send_twice,
);

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inbox {
    got: Vec<Received>,
    /// Per path: how many more requests to answer 500.
    failures: HashMap<String, usize>,
}

/// A partner's endpoint on a local port: records every request, answers
/// 500 while told to fail, 200 otherwise.
#[derive(Clone)]
struct Receiver {
    addr: std::net::SocketAddr,
    inbox: Arc<Mutex<Inbox>>,
}

async fn record(
    req: HttpRequest,
    body: web::Bytes,
    inbox: web::Data<Mutex<Inbox>>,
) -> HttpResponse {
    let mut inbox = inbox.lock().unwrap();
    let path = req.path().to_owned();
    inbox.got.push(Received {
        path: path.clone(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
    });
    match inbox.failures.get_mut(&path) {
        Some(n) if *n > 0 => {
            *n -= 1;
            HttpResponse::InternalServerError().body("not today")
        }
        _ => HttpResponse::Ok().finish(),
    }
}

impl Receiver {
    async fn start() -> Receiver {
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let data = web::Data::from(inbox.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(record))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver { addr, inbox }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn fail_first(&self, path: &str, n: usize) {
        self.inbox
            .lock()
            .unwrap()
            .failures
            .insert(path.to_owned(), n);
    }

    fn received(&self, path: &str) -> Vec<Received> {
        let inbox = self.inbox.lock().unwrap();
        inbox
            .got
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` has seen `n` requests whose answer was 200
    /// (counting the ones told to fail is the caller's business).
    async fn wait_for(&self, path: &str, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received(path);
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{path}: {} requests of {n} after 20 s",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The service's signing key as a receiver obtains it: the log's verifier
/// key from `GET /v1/log/key`.
async fn service_key(app: &TestApp, who: &Actor) -> PublicKey {
    let res = app
        .http
        .get(app.url("/v1/log/key"))
        .bearer_auth(&who.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let vkey = res.text().await.unwrap();
    *VerifierKey::parse(vkey.trim()).unwrap().public_key()
}

async fn register(app: &TestApp, who: &Actor, url: &str, types: &[&str]) -> Value {
    let (status, body) = app
        .post(
            who,
            "/v1/webhooks",
            json!({"url": url, "event_types": types, "description": "ERP"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// Polls the deliveries endpoint until `done` holds for its items.
async fn deliveries_when(
    app: &TestApp,
    who: &Actor,
    webhook: &Value,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let path = format!(
        "/v1/webhooks/{}/deliveries",
        webhook["id"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.get(who, &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let items = body["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "deliveries never settled: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn accept(app: &TestApp, s: &mut Shipment) {
    let carrier = s.carrier.clone();
    app.act_ok(s, &carrier, "carrier.accept", json!({"reservations": []}))
        .await;
}

async fn events_arrive_signed_in_order_and_match_the_chain(app: TestApp) {
    let receiver = Receiver::start().await;
    let (consignor, carrier, consignee) = app.parties().await;
    let all = register(&app, &consignor, &receiver.url("/erp"), &["*"]).await;
    assert_eq!(all["event_types"], json!(["*"]));
    let only = register(
        &app,
        &carrier,
        &receiver.url("/fleet"),
        &["consignee.accept", "carrier.accept"],
    )
    .await;
    assert_eq!(
        only["event_types"],
        json!(["carrier.accept", "consignee.accept"])
    );

    let mut s = app.shipment_between(&consignor, &carrier, &consignee).await;
    accept(&app, &mut s).await;
    app.act_ok(
        &mut s,
        &carrier,
        "carrier.change_vehicle",
        json!({"vehicle_plate": "KX-9876", "vehicle_country": "LV", "reason": "breakdown"}),
    )
    .await;
    app.act_ok(&mut s, &consignee, "consignee.accept", json!({}))
        .await;

    let erp = receiver.wait_for("/erp", 4).await;
    let fleet = receiver.wait_for("/fleet", 2).await;
    let (_, chain) = app.events(&consignor, s.id).await;
    let key = service_key(&app, &consignor).await;

    let types: Vec<String> = erp
        .iter()
        .map(|r| r.json()["event_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "consignor.issue",
            "carrier.accept",
            "carrier.change_vehicle",
            "consignee.accept"
        ]
    );
    for (i, r) in erp.iter().enumerate() {
        // What a receiver must do: check the key id and the signature over
        // the body exactly as it arrived.
        verify_delivery(
            &key,
            r.header("Ewaybill-Key-Id"),
            r.header("Ewaybill-Signature"),
            &r.body,
        )
        .unwrap_or_else(|e| panic!("delivery {i} does not verify: {e}"));
        let body = r.json();
        assert_eq!(body["event"], chain[i], "the event as the chain shows it");
        assert_eq!(body["waybill_id"], s.id.to_string());
        assert_eq!(body["webhook_id"], all["id"]);
        assert_eq!(r.header("Ewaybill-Event-Seq"), body["seq"].to_string());
        assert_eq!(r.header("Ewaybill-Delivery-Id"), body["delivery_id"]);
        assert_eq!(r.header("Ewaybill-Delivery-Attempt"), "1");
        assert_eq!(r.header("content-type"), "application/json");
    }
    // A body altered in transit no longer verifies.
    let mut forged = erp[1].body.clone();
    let at = forged.iter().position(|b| *b == b'1').unwrap();
    forged[at] = b'2';
    assert!(
        verify_delivery(
            &key,
            erp[1].header("Ewaybill-Key-Id"),
            erp[1].header("Ewaybill-Signature"),
            &forged
        )
        .is_err()
    );

    let fleet_types: Vec<Value> = fleet
        .iter()
        .map(|r| r.json()["event_type"].clone())
        .collect();
    assert_eq!(
        fleet_types,
        [json!("carrier.accept"), json!("consignee.accept")]
    );
    assert_eq!(fleet[0].json()["event"], chain[1]);

    let items = deliveries_when(&app, &consignor, &all, |items| {
        items.len() == 4 && items.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    assert_eq!(items[0]["event_type"], "consignee.accept", "newest first");
    assert_eq!(items[0]["attempts"], 1);
    assert_eq!(items[0]["last_status_code"], 200);
    assert!(items[0].get("next_attempt_at").is_none());
    // The consignee registered nothing and got nothing; the carrier's
    // filter held.
    assert_eq!(receiver.received("/fleet").len(), 2);
}

async fn failed_attempts_are_retried_and_later_events_wait(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.fail_first("/erp", 3);
    let (consignor, carrier, consignee) = app.parties().await;
    let hook = register(&app, &consignor, &receiver.url("/erp"), &["*"]).await;
    let mut s = app.shipment_between(&consignor, &carrier, &consignee).await;
    accept(&app, &mut s).await;

    // Three refusals of the issue, then the issue, then the acceptance.
    let got = receiver.wait_for("/erp", 5).await;
    let seqs: Vec<i64> = got
        .iter()
        .map(|r| r.json()["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs[..4], [seqs[0]; 4], "the first event is retried alone");
    assert!(
        seqs[4] > seqs[0],
        "the next event waits for the first: {seqs:?}"
    );
    let attempts: Vec<&str> = got[..4]
        .iter()
        .map(|r| r.header("Ewaybill-Delivery-Attempt"))
        .collect();
    assert_eq!(attempts, ["1", "2", "3", "4"]);
    // A retry is the same delivery, byte for byte.
    assert!(got[..4].iter().all(|r| r.body == got[0].body));
    assert_eq!(
        got[0].header("Ewaybill-Delivery-Id"),
        got[3].header("Ewaybill-Delivery-Id")
    );

    let items = deliveries_when(&app, &consignor, &hook, |items| {
        items.len() == 2 && items.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let issue = &items[1];
    assert_eq!(issue["event_type"], "consignor.issue");
    assert_eq!(issue["attempts"], 4);
    assert_eq!(issue["last_status_code"], 200);
    assert!(issue.get("last_error").is_none());
    assert_eq!(items[0]["attempts"], 1);

    // Filtering by state and paging.
    let path = format!(
        "/v1/webhooks/{}/deliveries?limit=1",
        hook["id"].as_str().unwrap()
    );
    let (_, page) = app.get(&consignor, &path).await;
    assert_eq!(page["items"][0]["event_type"], "carrier.accept");
    let next = format!("{path}&cursor={}", page["next_cursor"].as_str().unwrap());
    let (_, page) = app.get(&consignor, &next).await;
    assert_eq!(page["items"][0]["event_type"], "consignor.issue");
    let pending = format!(
        "/v1/webhooks/{}/deliveries?state=pending",
        hook["id"].as_str().unwrap()
    );
    let (_, page) = app.get(&consignor, &pending).await;
    assert_eq!(page["items"], json!([]));

    let metrics = app.metrics().await;
    for line in [
        r#"ewaybill_webhook_attempts_total{outcome="retry"} 3"#,
        r#"ewaybill_webhook_attempts_total{outcome="delivered"} 2"#,
    ] {
        assert!(metrics.contains(line), "{line} not in /metrics");
    }
}

async fn a_receiver_that_keeps_failing_ends_failed(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.fail_first("/down", usize::MAX);
    let (consignor, carrier, consignee) = app.parties().await;
    let hook = register(
        &app,
        &consignor,
        &receiver.url("/down"),
        &["consignor.issue"],
    )
    .await;
    app.shipment_between(&consignor, &carrier, &consignee).await;

    // The test configuration allows 4 attempts.
    let items = deliveries_when(&app, &consignor, &hook, |items| {
        items.len() == 1 && items[0]["state"] == "failed"
    })
    .await;
    assert_eq!(items[0]["attempts"], 4);
    assert_eq!(items[0]["last_status_code"], 500);
    assert_eq!(items[0]["last_error"], "HTTP 500");
    assert!(items[0].get("next_attempt_at").is_none());
    assert_eq!(receiver.received("/down").len(), 4);

    // Nobody listening at all: the error says why.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/gone", closed.local_addr().unwrap());
    drop(closed);
    let dead = register(&app, &carrier, &dead_url, &["*"]).await;
    app.shipment_between(&consignor, &carrier, &consignee).await;
    let items = deliveries_when(&app, &carrier, &dead, |items| {
        items.len() == 1 && items[0]["state"] == "failed"
    })
    .await;
    assert!(items[0].get("last_status_code").is_none());
    assert!(
        !items[0]["last_error"].as_str().unwrap().is_empty(),
        "{}",
        items[0]
    );
}

async fn webhooks_are_private_to_their_party(app: TestApp) {
    let owner = app.company("Brewery").await;
    let other = app.company("Rival").await;
    let hook = register(&app, &owner, "http://127.0.0.1:9/h", &["*"]).await;
    let id = hook["id"].as_str().unwrap();
    assert_eq!(hook["signing_key_id"].as_str().unwrap().len(), 43);

    for path in [
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
    ] {
        let (status, body) = app.get(&other, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
        assert_eq!(body["code"], "webhook_not_found");
    }
    let (status, _) = app
        .call(&other, Method::DELETE, &format!("/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get(&other, "/v1/webhooks").await;
    assert_eq!(list["items"], json!([]));

    let (status, list) = app.get(&owner, "/v1/webhooks").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["description"], "ERP");
    let (status, got) = app.get(&owner, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["url"], "http://127.0.0.1:9/h");

    // The operator is no company: it registers nothing.
    let (status, body) = app
        .post(
            &app.admin,
            "/v1/webhooks",
            json!({"url": "https://example.com/h", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, _) = app
        .call(&owner, Method::DELETE, &format!("/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get(&owner, &format!("/v1/webhooks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn registration_is_validated(app: TestApp) {
    let owner = app.company("Brewery").await;
    let bad =
        json!({"url": "ftp://example.com/h", "event_types": ["carrier.accept", "carrier.fly"]});
    assert_problem(
        &app.post(&owner, "/v1/webhooks", bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        &["url", "event_types[1]"],
    );

    let (status, body) = app
        .post(
            &owner,
            "/v1/webhooks",
            json!({"url": "https://example.com/h", "event_types": []}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["path"], "event_types");

    let (status, body) = app
        .post(
            &owner,
            "/v1/webhooks",
            json!({"url": "https://example.com/h"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    for i in 0..10 {
        register(&app, &owner, &format!("https://example.com/{i}"), &["*"]).await;
    }
    assert_problem(
        &app.post(
            &owner,
            "/v1/webhooks",
            json!({"url": "https://example.com/11", "event_types": ["*"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "too_many_webhooks",
        &[],
    );
}

async fn feed_page(app: &TestApp, who: &Actor, query: &str) -> Value {
    let (status, body) = app.get(who, &format!("/v1/feed{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn seqs(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["event"]["seq"].as_i64().unwrap())
        .collect()
}

async fn feed_returns_only_the_callers_events_in_order(app: TestApp) {
    let (brewery, carrier, grocery) = app.parties().await;
    let (other_carrier, other_shop) = (app.company("Trucks").await, app.company("Shop").await);
    let mut first = app.shipment_between(&brewery, &carrier, &grocery).await;
    let second = app
        .shipment_between(&brewery, &other_carrier, &other_shop)
        .await;
    accept(&app, &mut first).await;

    let page = feed_page(&app, &brewery, "").await;
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["waybill_id"].as_str().unwrap())
        .collect();
    let (a, b) = (first.id.to_string(), second.id.to_string());
    assert_eq!(ids, [a.as_str(), b.as_str(), a.as_str()]);
    let all = seqs(&page);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "log order: {all:?}");
    assert_eq!(page["items"][2]["event_type"], "carrier.accept");

    // The carrier of the first waybill sees nothing of the second.
    let page = feed_page(&app, &carrier, "").await;
    assert_eq!(seqs(&page), [all[0], all[2]]);
    let page = feed_page(&app, &other_shop, "").await;
    assert_eq!(seqs(&page), [all[1]]);
    // The event is the one the chain holds.
    let (_, chain) = app
        .get(&other_shop, &format!("/v1/waybills/{}/events", second.id))
        .await;
    assert_eq!(page["items"][0]["event"], chain[0]);

    // Pages of one, each cursor taking up where the last stopped.
    let mut cursor = String::new();
    let mut walked = Vec::new();
    loop {
        let page = feed_page(&app, &brewery, &format!("?limit=1{cursor}")).await;
        if page["items"].as_array().unwrap().is_empty() {
            // The cursor at the end stays put, ready for the next poll.
            assert_eq!(
                format!("&after={}", page["next_cursor"].as_str().unwrap()),
                cursor
            );
            break;
        }
        walked.extend(seqs(&page));
        cursor = format!("&after={}", page["next_cursor"].as_str().unwrap());
    }
    assert_eq!(walked, all);

    assert_problem(
        &app.get(&brewery, "/v1/feed?after=bogus").await,
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
        &[],
    );
    assert_problem(
        &app.get(&brewery, "/v1/feed?wait=31").await,
        StatusCode::BAD_REQUEST,
        "invalid_wait",
        &[],
    );
    let (status, _) = app.get(&app.admin, "/v1/feed").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_feed_from_now_starts_after_the_callers_newest_event(app: TestApp) {
    let (brewery, carrier, grocery) = app.parties().await;
    // A party without events yet: from now is from the beginning.
    let page = feed_page(&app, &grocery, "?from=now").await;
    assert_eq!(seqs(&page), Vec::<i64>::new());
    let fresh = page["next_cursor"].as_str().unwrap().to_owned();

    let mut shipment = app.shipment_between(&brewery, &carrier, &grocery).await;
    let issued = seqs(&feed_page(&app, &grocery, "").await);
    assert_eq!(issued.len(), 1);
    // The cursor taken before the issue sees it; from now does not.
    let page = feed_page(&app, &grocery, &format!("?after={fresh}")).await;
    assert_eq!(seqs(&page), issued);
    let page = feed_page(&app, &grocery, "?from=now").await;
    assert_eq!(seqs(&page), Vec::<i64>::new(), "{page}");
    let now = page["next_cursor"].as_str().unwrap().to_owned();

    // The next act arrives after the from-now cursor.
    accept(&app, &mut shipment).await;
    let page = feed_page(&app, &grocery, &format!("?after={now}")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["items"][0]["event_type"], "carrier.accept");

    assert_problem(
        &app.get(&grocery, &format!("/v1/feed?from=now&after={now}"))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_cursor",
        &[],
    );
    let (status, body) = app.get(&grocery, "/v1/feed?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

async fn long_poll_returns_as_soon_as_an_event_arrives(app: TestApp) {
    let (brewery, carrier, grocery) = app.parties().await;
    let bystander = app.company("Bystander").await;
    let mut s = app.shipment_between(&brewery, &carrier, &grocery).await;
    let page = feed_page(&app, &grocery, "").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();

    // Nothing new: the request waits out `wait`, then answers empty, its
    // cursor where it was.
    let page = feed_page(&app, &grocery, &format!("?after={cursor}&wait=1")).await;
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["next_cursor"], cursor);

    // Two requests that may wait as long as allowed: first a bystander's,
    // whom no event concerns, then the grocery's. The carrier's accept
    // answers the grocery at once; the bystander, woken by the same commit,
    // finds nothing and goes on waiting. Were the grocery answered only at
    // its deadline, the bystander's earlier deadline would have answered
    // it first. No clock is read: the bystander's wait is the reference.
    let poll = |who: &Actor, query: String| {
        let (http, url, token) = (
            app.http.clone(),
            app.url(&format!("/v1/feed{query}")),
            who.token.clone(),
        );
        tokio::spawn(async move {
            let res = http.get(url).bearer_auth(token).send().await.unwrap();
            res.json::<Value>().await.unwrap()
        })
    };
    let idle = poll(&bystander, "?wait=30".to_owned());
    let waiting = poll(&grocery, format!("?after={cursor}&wait=30"));
    // Time for both to reach the service; no assertion rests on it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "answered before any event");
    accept(&app, &mut s).await;
    let page = waiting.await.unwrap();
    assert_eq!(page["items"][0]["event_type"], "carrier.accept", "{page}");
    assert!(
        !idle.is_finished(),
        "the bystander was answered first: the event did not end the grocery's wait"
    );
    idle.abort();
}

async fn two_instances_do_not_send_twice(app: TestApp) {
    let second = app.second_instance().await;
    let receiver = Receiver::start().await;
    let (consignor, carrier, consignee) = app.parties().await;
    register(&app, &consignor, &receiver.url("/erp"), &["*"]).await;
    let mut expected = 0;
    for i in 0..6 {
        let via = if i % 2 == 0 { &app } else { &second };
        let mut s = via.shipment_between(&consignor, &carrier, &consignee).await;
        accept(via, &mut s).await;
        expected += 2;
    }
    receiver.wait_for("/erp", expected).await;
    // Give a would-be duplicate time to arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.received("/erp");
    let mut ids: Vec<String> = got
        .iter()
        .map(|r| r.header("Ewaybill-Delivery-Id").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "a delivery was sent twice");
    assert_eq!(got.len(), expected);
}

async fn a_replaced_carrier_is_told_no_more_and_refused_acts_tell_nobody(app: TestApp) {
    let receiver = Receiver::start().await;
    let (brewery, first_carrier, grocery) = app.parties().await;
    let second_carrier = app.company("Second carrier").await;
    register(&app, &first_carrier, &receiver.url("/first"), &["*"]).await;
    register(&app, &second_carrier, &receiver.url("/second"), &["*"]).await;
    let mut s = app
        .shipment_between(&brewery, &first_carrier, &grocery)
        .await;
    let body = app
        .act_ok(
            &mut s,
            &first_carrier,
            "carrier.decline",
            json!({"reason": "no trucks"}),
        )
        .await;
    let number = body["waybill"]["document"]["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let corrected = document(&number, &brewery, &second_carrier, &grocery);
    app.act_ok(&mut s, &brewery, "consignor.correct", corrected)
        .await;
    // Refused acts leave no trace in anyone's feed or outbox.
    let (status, _) = app
        .act(&mut s, &first_carrier, "carrier.accept", json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .act(&mut s, &grocery, "consignee.accept", json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let types = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["event_type"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = feed_page(&app, &first_carrier, "").await;
    assert_eq!(types(&first), ["consignor.issue", "carrier.decline"]);
    let second = feed_page(&app, &second_carrier, "").await;
    assert_eq!(types(&second), ["consignor.correct"]);
    let consignee = feed_page(&app, &grocery, "").await;
    assert_eq!(
        types(&consignee),
        ["consignor.issue", "carrier.decline", "consignor.correct"]
    );

    let got = receiver.wait_for("/second", 1).await;
    assert_eq!(got[0].json()["event_type"], "consignor.correct");
    receiver.wait_for("/first", 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received("/first").len(), 2);
    assert_eq!(receiver.received("/second").len(), 1);
}
