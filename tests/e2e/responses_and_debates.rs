//! Government responses and debates, recorded by the departments' and Parliament's systems
//! with scoped tokens, and shown in the public JSON.

use chrono::Duration;
use domain::deadline::london_date;
use serde_json::json;
use tests::{SmtpServer, TestApp};

use crate::journey::{
    create, get_as, integration_bearer, mail_titled, petition, published, put_as, sign,
};

#[actix_web::test]
async fn a_department_responds_and_parliament_debates_with_their_own_tokens() {
    let app = TestApp::new();
    let (id, _, sysadmin) = published(&app).await;
    let department = integration_bearer(&app, &sysadmin, &["responses:write"]).await;
    let parliament = integration_bearer(&app, &sysadmin, &["debates:write"]).await;
    let today = london_date(app.clock.now());
    let path = |what: &str| format!("/admin/petitions/{id}/{what}");

    let response = json!({
        "summary": "The Government will fund libraries.",
        "details": "In full: we will.",
        "responded_on": today.to_string(),
    });
    let not_theirs = put_as(
        &app,
        &parliament,
        &path("government-response"),
        response.clone(),
    )
    .await;
    assert_eq!(not_theirs.status, 403);
    let saved = put_as(&app, &department, &path("government-response"), response).await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let attributes = &saved.json()["data"]["attributes"];
    assert_eq!(
        attributes["government_response"]["summary"],
        "The Government will fund libraries."
    );
    assert_eq!(
        attributes["government_response"]["responded_on"],
        today.to_string()
    );
    assert!(attributes["government_response_at"].is_string());

    let public = app.get(&format!("/petitions/{id}.json")).await.json();
    assert_eq!(
        public["data"]["attributes"]["government_response"]["details"],
        "In full: we will."
    );

    let date_of_debate = today + Duration::days(30);
    let scheduled = put_as(
        &app,
        &parliament,
        &path("debate"),
        json!({"scheduled_debate_date": date_of_debate.to_string()}),
    )
    .await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.text());
    let attributes = &scheduled.json()["data"]["attributes"];
    assert_eq!(
        attributes["scheduled_debate_date"],
        date_of_debate.to_string()
    );

    let outcome = json!({
        "debated": true,
        "debated_on": today.to_string(),
        "overview": "MPs debated funding for libraries.",
        "transcript_url": "https://hansard.parliament.uk/debates/1",
        "video_url": "https://parliamentlive.tv/event/1",
    });
    let recorded = put_as(&app, &parliament, &path("debate-outcome"), outcome).await;
    assert_eq!(recorded.status, 200, "{}", recorded.text());
    let public = app.get(&format!("/petitions/{id}.json")).await.json();
    let attributes = &public["data"]["attributes"];
    assert_eq!(
        attributes["debate"]["transcript_url"],
        "https://hansard.parliament.uk/debates/1"
    );
    assert_eq!(attributes["debate"]["debated_on"], today.to_string());
    assert!(attributes["debate_outcome_at"].is_string());
    let listed = app.get("/petitions.json?state=debated").await.json();
    assert_eq!(listed["data"][0]["id"], id);

    // Once debated, it can't be scheduled again; the outcome itself may be corrected.
    let again = put_as(
        &app,
        &parliament,
        &path("debate"),
        json!({"scheduled_debate_date": date_of_debate.to_string()}),
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text());

    let log = get_as(
        &app,
        &sysadmin,
        &format!("/admin/audit-log?petition_id={id}"),
    )
    .await
    .json();
    let entries: Vec<(&str, &str)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["action"].as_str().unwrap(),
                entry["actor"].as_str().unwrap().split(':').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("petition.debate_outcome", "integration"),
            ("petition.debate_scheduled", "integration"),
            ("petition.government_response", "integration"),
            ("petition.publish", "staff"),
        ]
    );
}

#[actix_web::test]
async fn bad_responses_and_debates_are_refused_and_name_each_fault() {
    let app = TestApp::new();
    let (id, moderator, sysadmin) = published(&app).await;
    let tomorrow = london_date(app.clock.now()) + Duration::days(1);
    let fields = |response: tests::TestResponse| {
        assert_eq!(response.status, 422, "{}", response.text());
        response.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|error| error["field"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let path = format!("/admin/petitions/{id}/government-response");
    let bad = json!({"details": "x".repeat(6001), "responded_on": tomorrow.to_string()});
    assert_eq!(
        fields(put_as(&app, &moderator, &path, bad).await),
        ["summary", "details", "responded_on"]
    );
    let path = format!("/admin/petitions/{id}/debate-outcome");
    let bad =
        json!({"debated": true, "video_url": "http://parliamentlive.tv/1", "transcript_url": 7});
    assert_eq!(
        fields(put_as(&app, &moderator, &path, bad).await),
        ["debated_on", "transcript_url", "video_url"]
    );
    let path = format!("/admin/petitions/{id}/debate");
    let bad = json!({"scheduled_debate_date": "next Tuesday"});
    assert_eq!(
        fields(put_as(&app, &moderator, &path, bad).await),
        ["scheduled_debate_date"]
    );

    let smtp = SmtpServer::start();
    let unpublished = create(&app, &petition("Fund parks", "p@example.com"), "192.0.2.9").await;
    let refused = put_as(
        &app,
        &sysadmin,
        &format!("/admin/petitions/{unpublished}/government-response"),
        json!({"summary": "No."}),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.json()["detail"]
        .as_str()
        .unwrap()
        .contains("pending"));
    let missing = put_as(
        &app,
        &sysadmin,
        "/admin/petitions/987654/government-response",
        json!({"summary": "No."}),
    )
    .await;
    assert_eq!(missing.status, 404);
    drop(smtp);
}

#[actix_web::test]
async fn signers_who_asked_for_updates_are_emailed_once_per_mailing() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let (id, moderator, _) = published(&app).await;
    sign(&app, &smtp, id, "a@example.com", true, true).await;
    sign(&app, &smtp, id, "bb@example.com", true, true).await;
    sign(&app, &smtp, id, "ccc@example.com", true, true).await;
    sign(&app, &smtp, id, "dddd@example.com", false, true).await;
    sign(&app, &smtp, id, "eeeee@example.com", true, false).await;

    let saved = put_as(
        &app,
        &moderator,
        &format!("/admin/petitions/{id}/government-response"),
        json!({"summary": "We will fund libraries.", "email_signers": true}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    app.deliver(&smtp);
    app.deliver(&smtp);
    let responded = |address: &str| {
        smtp.received_by(address)
            .iter()
            .filter(|mail| {
                mail.header("Subject").as_deref()
                    == Some("The Government responded: Fund libraries")
            })
            .count()
    };
    for subscribed in ["a@example.com", "bb@example.com", "ccc@example.com"] {
        assert_eq!(responded(subscribed), 1, "{subscribed}");
    }
    for left_out in ["dddd@example.com", "eeeee@example.com", "c@example.com"] {
        assert_eq!(responded(left_out), 0, "{left_out}");
    }
    let mail = mail_titled(&app, &smtp, "a@example.com", "The Government responded");
    assert!(mail.body().contains("We will fund libraries."));
    assert!(mail.header("List-Unsubscribe").is_some());

    let progress = get_as(&app, &moderator, &format!("/admin/petitions/{id}/emails")).await;
    assert_eq!(progress.status, 200, "{}", progress.text());
    let progress = progress.json();
    assert_eq!(progress[0]["kind"], "government_response");
    assert_eq!(progress[0]["queued"], 3);
    assert_eq!(progress[0]["sent"], 3);
    assert!(progress[0]["finished_queueing_at"].is_string());

    // Other business goes on the petition's page and, by default, to the same signers.
    let business = app
        .request(
            actix_web::http::Method::POST,
            &format!("/admin/petitions/{id}/emails"),
            &[("authorization", moderator.as_str())],
            Some(&json!({"subject": "A committee inquiry", "body": "MPs are looking into this."})),
        )
        .await;
    assert_eq!(business.status, 200, "{}", business.text());
    let page = app.get(&format!("/petitions/{id}.json")).await.json();
    let other = &page["data"]["attributes"]["other_parliamentary_business"][0];
    assert_eq!(other["subject"], "A committee inquiry");
    let told = mail_titled(&app, &smtp, "bb@example.com", "A committee inquiry");
    assert!(told.body().contains("MPs are looking into this."));
}

#[actix_web::test]
async fn a_mailing_resumes_where_it_stopped_and_never_emails_anyone_twice() {
    use persistence::mailings::queue_next_batch;

    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let (id, moderator, _) = published(&app).await;
    for email in ["a@example.com", "bb@example.com", "ccc@example.com"] {
        sign(&app, &smtp, id, email, true, true).await;
    }
    let scheduled = put_as(
        &app,
        &moderator,
        &format!("/admin/petitions/{id}/debate"),
        json!({"scheduled_debate_date": "2099-01-05", "email_signers": true}),
    )
    .await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.text());

    let now = app.clock.now();
    let batch = |size: i64| {
        app.db
            .run_blocking(|conn| queue_next_batch(conn, size, now))
            .unwrap()
    };
    // A worker queues two signers, then "crashes"; the next picks up from the third.
    assert_eq!(batch(2), 2);
    assert_eq!(batch(2), 1);
    assert_eq!(batch(2), 0);
    // Even if the cursor were lost, nobody is queued twice.
    app.execute("UPDATE signer_mailings SET queued_through = 0, finished_at = NULL");
    while batch(2) > 0 {}
    let mailing_rows = app.number("SELECT COUNT(*) FROM email_outbox WHERE mailing_id IS NOT NULL");
    let distinct = app.number(
        "SELECT COUNT(DISTINCT signature_id) FROM email_outbox WHERE mailing_id IS NOT NULL",
    );
    assert_eq!((mailing_rows, distinct), (3, 3));
    app.deliver(&smtp);
    let told = mail_titled(&app, &smtp, "ccc@example.com", "Parliament will debate");
    assert!(told.body().contains("Monday 5 January 2099"));
}
