//! Site settings changed at run time: thresholds, pausing signature collection (and the
//! deadline extensions it earns), and switching off trending and breakdowns.

use actix_web::http::Method;
use chrono::TimeDelta;
use persistence::settings::extend_paused_deadlines;
use serde_json::{json, Value};
use tests::{SmtpServer, TestApp, TestResponse};

use crate::journey::{create_confirmed, fault_fields, get_as, person, staff_bearer};

const PETITION: i64 = 900_020;

async fn change(app: &TestApp, bearer: &str, body: Value) -> TestResponse {
    app.request(
        Method::PATCH,
        "/admin/settings",
        &[("authorization", bearer)],
        Some(&body),
    )
    .await
}

async fn sign(app: &TestApp, email: &str, peer: &str) -> TestResponse {
    let path = format!("/petitions/{PETITION}/signatures");
    app.post_json_from(&path, &person("A Signer", email), peer, &[])
        .await
}

#[actix_web::test]
async fn new_thresholds_apply_to_counting_and_costly_reads_can_be_switched_off() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    app.open_petition(PETITION, "Plant more trees");
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let reviewer = staff_bearer(&app, "reviewer").await;

    let shown = get_as(&app, &reviewer, "/admin/settings").await;
    assert_eq!(shown.status, 200, "{}", shown.text());
    let shown = shown.json();
    assert_eq!(shown["response_threshold"], 10_000);
    assert_eq!(shown["collection_paused"], false);

    let faults = change(
        &app,
        &sysadmin,
        json!({"response_threshold": "many", "debate_threshold": 50, "duration_months": 0}),
    )
    .await;
    assert_eq!(faults.status, 422, "{}", faults.text());
    assert_eq!(fault_fields(&faults), ["response_threshold"]);
    let faults = change(
        &app,
        &sysadmin,
        json!({"debate_threshold": 50, "duration_months": 0}),
    )
    .await;
    assert_eq!(
        fault_fields(&faults),
        ["debate_threshold", "duration_months"]
    );

    for nothing in [json!({}), json!({"response_treshold": 2})] {
        let refused = change(&app, &sysadmin, nothing).await;
        assert_eq!(refused.status, 400, "{}", refused.text());
        assert_eq!(refused.json()["errors"][0]["field"], "body");
    }

    let changed = change(
        &app,
        &sysadmin,
        json!({"response_threshold": 2, "debate_threshold": 1000, "trending_enabled": false, "breakdowns_enabled": false}),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(changed.json()["response_threshold"], 2);
    assert_eq!(changed.json()["max_sponsors"], 20, "what is left out stays");

    for n in 1..=2 {
        let signed = sign(&app, &format!("s{n}@example.com"), &format!("10.0.0.{n}")).await;
        assert_eq!(signed.status, 202);
    }
    app.deliver(&smtp);
    for mail in smtp.received() {
        let link = mail.link_containing("/verify").unwrap();
        assert_eq!(app.get(&link).await.status, 200);
    }
    // The background counter reads the settings as the service does.
    let thresholds = app
        .db
        .run_blocking(persistence::settings::load_settings)
        .unwrap()
        .thresholds;
    app.db
        .run_blocking(move |conn| {
            persistence::signatures::count_confirmed(conn, 100, &thresholds, chrono::Utc::now())
        })
        .unwrap();
    let count = app
        .get(&format!("/petitions/{PETITION}/count.json"))
        .await
        .json();
    assert_eq!(count["signature_count"], 2);
    assert!(count["response_threshold_reached_at"].is_string());

    let page = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    assert_eq!(
        page["data"]["attributes"]["signatures_by_country"],
        json!([])
    );
    let trending = app.get("/trending.json").await.json();
    assert_eq!(trending["data"], json!([]));

    change(
        &app,
        &sysadmin,
        json!({"breakdowns_enabled": true, "trending_enabled": true}),
    )
    .await;
    let page = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    assert_eq!(
        page["data"]["attributes"]["signatures_by_country"][0]["signature_count"],
        2
    );
    let log = get_as(&app, &sysadmin, "/admin/audit-log").await.json();
    assert!(log["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|entry| entry["action"] == "settings.change"));
}

#[actix_web::test]
async fn pausing_refuses_signatures_and_each_midnight_paused_extends_the_deadlines() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    app.open_petition(PETITION, "Plant more trees");
    let (sponsored, sponsor_link) = create_confirmed(&app, &smtp).await;
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let closing_date = |page: &Value| page["data"]["attributes"]["closing_date"].clone();
    let before = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    let first_closing = closing_date(&before);
    assert!(first_closing.is_string());

    let paused = change(&app, &sysadmin, json!({"collection_paused": true})).await;
    assert_eq!(paused.status, 200, "{}", paused.text());
    assert_eq!(paused.json()["collection_paused"], true);
    let refused = sign(&app, "late@example.com", "10.0.0.9").await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert!(refused.json()["detail"]
        .as_str()
        .unwrap()
        .contains("paused"));
    let supporter = app
        .post_json_from(
            &sponsor_link,
            &person("Supporter", "sup@example.com"),
            "10.0.0.8",
            &[],
        )
        .await;
    assert_eq!(
        supporter.status, 503,
        "petition {sponsored} takes no supporters either"
    );

    // Two London midnights later (the job may run any number of times), two more days.
    let later = app.clock.now() + TimeDelta::days(2);
    let extend = |at| {
        app.db
            .run_blocking(move |conn| extend_paused_deadlines(conn, at))
            .unwrap()
    };
    assert_eq!(extend(later), 1);
    assert_eq!(extend(later), 0, "each midnight counts once");
    assert_eq!(extend(later + TimeDelta::minutes(5)), 0);
    let after = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    let moved = |date: &Value| {
        chrono::NaiveDate::parse_from_str(date.as_str().unwrap(), "%Y-%m-%d").unwrap()
    };
    assert_eq!(
        moved(&closing_date(&after)) - moved(&first_closing),
        TimeDelta::days(2)
    );

    let resumed = change(&app, &sysadmin, json!({"collection_paused": false})).await;
    assert_eq!(resumed.json()["collection_paused"], false);
    assert_eq!(
        sign(&app, "back@example.com", "10.0.0.10").await.status,
        202
    );
    assert_eq!(
        extend(later + TimeDelta::days(3)),
        0,
        "nothing while collecting"
    );
}
