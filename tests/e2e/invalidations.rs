//! Invalidations: described, counted, started and watched by a sysadmin; the workers strike
//! the signatures out and every count falls with them.

use domain::Thresholds;
use persistence::signatures::reconcile_all;
use serde_json::{json, Value};
use tests::{SmtpServer, TestApp};

use crate::journey::{create_sponsored, fault_fields, get_as, person, staff_bearer};

const PETITION: i64 = 900_010;

async fn post_as(app: &TestApp, bearer: &str, path: &str, body: Value) -> tests::TestResponse {
    app.request(
        actix_web::http::Method::POST,
        path,
        &[("authorization", bearer)],
        Some(&body),
    )
    .await
}

/// Signs `PETITION` as `email` from `peer`, and confirms unless told not to.
async fn sign(app: &TestApp, smtp: &SmtpServer, email: &str, peer: &str, confirm: bool) {
    let path = format!("/petitions/{PETITION}/signatures");
    let signed = app
        .post_json_from(&path, &person(&format!("Signer {email}"), email), peer, &[])
        .await;
    assert_eq!(signed.status, 202, "{}", signed.text());
    if confirm {
        app.deliver(smtp);
        let mail = smtp.received_by(email).pop().unwrap();
        let link = mail.link_containing("/verify").unwrap();
        assert_eq!(app.get(&link).await.status, 200);
    }
}

#[actix_web::test]
async fn an_invalidation_strikes_out_what_it_describes_and_the_counts_fall() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    app.open_petition(PETITION, "Plant more trees");
    for n in 1..=3 {
        sign(
            &app,
            &smtp,
            &format!("bot{n}@example.com"),
            &format!("203.0.113.{n}"),
            true,
        )
        .await;
    }
    sign(&app, &smtp, "bot4@example.com", "203.0.113.4", false).await;
    sign(&app, &smtp, "real@example.com", "198.51.100.7", true).await;
    assert_eq!(app.count(), 4);
    let sysadmin = staff_bearer(&app, "sysadmin").await;

    let described = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "Bot flood from one range", "petition_id": PETITION, "ip": "203.0.113.0/24"}),
    )
    .await;
    assert_eq!(described.status, 201, "{}", described.text());
    let described = described.json();
    assert_eq!(described["state"], "pending");
    assert_eq!(described["allowed_actions"], json!(["start", "cancel"]));
    let path = format!("/admin/invalidations/{}", described["id"]);

    let counted = post_as(&app, &sysadmin, &format!("{path}/count"), json!({})).await;
    assert_eq!(counted.status, 200, "{}", counted.text());
    assert_eq!(
        counted.json()["matching_count"],
        4,
        "three confirmed, one pending"
    );
    assert_eq!(app.count(), 0, "counting touches nothing");
    let count = app.get(&format!("/petitions/{PETITION}/count.json")).await;
    assert_eq!(count.json()["signature_count"], 4);

    let started = post_as(&app, &sysadmin, &format!("{path}/start"), json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text());
    assert_eq!(started.json()["state"], "running");
    assert_eq!(app.invalidate(), 4);
    let watched = get_as(&app, &sysadmin, &path).await.json();
    assert_eq!(watched["state"], "completed");
    assert_eq!(watched["invalidated_count"], 4);
    assert_eq!(watched["allowed_actions"], json!([]));
    assert!(watched["finished_at"].is_string());

    let page = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    let attributes = &page["data"]["attributes"];
    assert_eq!(attributes["signature_count"], 1);
    assert_eq!(attributes["signatures_by_country"][0]["signature_count"], 1);
    assert_eq!(
        app.number(&format!(
            "SELECT SUM(signature_count) FROM petition_hourly_signatures WHERE petition_id = {PETITION}"
        )),
        1
    );
    assert_eq!(
        app.number("SELECT COUNT(*) FROM signatures WHERE state = 'invalidated'"),
        4
    );
    let repairs = app
        .db
        .run_blocking(|conn| reconcile_all(conn, &Thresholds::default(), chrono::Utc::now()))
        .unwrap();
    assert_eq!(repairs, vec![], "the counts fell exactly");

    let again = post_as(&app, &sysadmin, &format!("{path}/start"), json!({})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["allowed_actions"], json!([]));
    assert_eq!(
        again.json()["detail"],
        "the invalidation is completed, so you can't start it"
    );
    let log = get_as(&app, &sysadmin, "/admin/audit-log").await.json();
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry| entry["action"].as_str())
        .collect();
    assert!(actions.contains(&"invalidation.describe"));
    assert!(actions.contains(&"invalidation.start"));
}

/// A confirmed signature struck out while still waiting for the counter is taken off the
/// queue, so it never reaches the count, and nothing is taken off for it either.
#[actix_web::test]
async fn a_signature_struck_out_before_it_is_counted_never_counts() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    app.open_petition(PETITION, "Plant more trees");
    sign(&app, &smtp, "real@example.com", "198.51.100.7", true).await;
    assert_eq!(app.count(), 1);
    sign(&app, &smtp, "bot@example.com", "203.0.113.9", true).await;
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let described = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "One bot", "petition_id": PETITION, "ip": "203.0.113.0/24"}),
    )
    .await;
    assert_eq!(described.status, 201, "{}", described.text());
    let path = format!("/admin/invalidations/{}", described.json()["id"]);
    let started = post_as(&app, &sysadmin, &format!("{path}/start"), json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text());

    assert_eq!(app.invalidate(), 1);
    assert_eq!(app.count(), 0, "the struck-out signature left the queue");
    let count = app.get(&format!("/petitions/{PETITION}/count.json")).await;
    assert_eq!(count.json()["signature_count"], 1);
    let repairs = app
        .db
        .run_blocking(|conn| reconcile_all(conn, &Thresholds::default(), chrono::Utc::now()))
        .unwrap();
    assert_eq!(repairs, vec![]);
}

#[actix_web::test]
async fn a_description_is_checked_and_a_pending_invalidation_can_be_cancelled() {
    let app = TestApp::new();
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let moderator = staff_bearer(&app, "moderator").await;
    let refused = post_as(&app, &moderator, "/admin/invalidations", json!({})).await;
    assert_eq!(refused.status, 403);

    let faults = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"petition_id": "seven", "ip": "10.0.0.0/33"}),
    )
    .await;
    assert_eq!(faults.status, 422, "{}", faults.text());
    assert_eq!(fault_fields(&faults), ["petition_id", "summary", "ip"]);
    let nothing = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "Everything", "petition_id": 1}),
    )
    .await;
    assert_eq!(nothing.status, 422);
    assert_eq!(nothing.json()["errors"][0]["field"], "criteria");
    let unknown = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "Spam", "petition_id": 424242, "domain": "spam.example"}),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(unknown.json()["errors"][0]["field"], "petition_id");

    let described = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "Spam", "domain": "*.spam.example"}),
    )
    .await
    .json();
    let path = format!("/admin/invalidations/{}", described["id"]);
    let cancelled = post_as(&app, &sysadmin, &format!("{path}/cancel"), json!({})).await;
    assert_eq!(cancelled.status, 200);
    assert_eq!(cancelled.json()["state"], "cancelled");
    let start = post_as(&app, &sysadmin, &format!("{path}/start"), json!({})).await;
    assert_eq!(start.status, 409);
    assert_eq!(app.invalidate(), 0);
    let listed = get_as(&app, &sysadmin, "/admin/invalidations").await.json();
    assert_eq!(listed[0]["id"], described["id"]);
    assert_eq!(
        get_as(&app, &sysadmin, "/admin/invalidations/999")
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn losing_a_supporter_sends_a_petition_back_to_collecting_them() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create_sponsored(&app, &smtp).await;
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let shown = get_as(&app, &sysadmin, &format!("/admin/petitions/{id}"))
        .await
        .json();
    assert_eq!(shown["state"], "sponsored");

    let described = post_as(
        &app,
        &sysadmin,
        "/admin/invalidations",
        json!({"summary": "Fake supporter", "petition_id": id, "email": "Supporter1@Example.com"}),
    )
    .await
    .json();
    let path = format!("/admin/invalidations/{}/start", described["id"]);
    assert_eq!(post_as(&app, &sysadmin, &path, json!({})).await.status, 200);
    assert_eq!(app.invalidate(), 1);
    let shown = get_as(&app, &sysadmin, &format!("/admin/petitions/{id}"))
        .await
        .json();
    assert_eq!(shown["state"], "validated");
}
