//! Signing, confirming and unsubscribing, with every email read back from a real SMTP
//! conversation.

use std::time::Duration;

use api::mail::StepTimes;
use serde_json::{json, Value};
use tests::smtp::Refusal;
use tests::{SmtpServer, TestApp};

const PETITION: i64 = 900_001;

fn signer(name: &str, email: &str, postcode: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "postcode": postcode,
        "uk_citizenship": true,
        "notify_by_email": true,
    })
}

fn path(id: i64) -> String {
    format!("/petitions/{id}/signatures")
}

/// Signs from its own address (so no rate limit is involved) and checks the answer.
async fn sign(app: &TestApp, body: &Value, from: &str) {
    let response = app.post_json_from(&path(PETITION), body, from, &[]).await;
    assert_eq!(response.status, 202, "{}", response.text());
    assert!(response.json()["message"]
        .as_str()
        .unwrap()
        .contains("email"));
}

/// Delivers, and returns the one new email to `address`.
fn only_new_mail(
    app: &TestApp,
    smtp: &SmtpServer,
    address: &str,
    before: usize,
) -> tests::smtp::ReceivedMail {
    app.deliver(smtp);
    let mails = smtp.received_by(address);
    assert_eq!(mails.len(), before + 1, "one new email to {address}");
    mails.last().unwrap().clone()
}

fn signatures_stored(app: &TestApp) -> i64 {
    app.number(&format!(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = {PETITION}"
    ))
}

#[actix_web::test]
async fn a_signature_counts_once_confirmed_with_its_country_constituency_and_region() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();

    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "sw1a 1aa"),
        "192.0.2.10",
    )
    .await;
    let mail = only_new_mail(&app, &smtp, "ada@example.com", 0);
    assert!(mail.header("Subject").unwrap().contains("Plant more trees"));
    let unsubscribe = mail.header("List-Unsubscribe").unwrap();
    assert!(
        unsubscribe.starts_with("<https://petitions.test/signatures/"),
        "{unsubscribe}"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );

    // Not counted until confirmed.
    app.count();
    let count = app
        .get(&format!("/petitions/{PETITION}/count.json"))
        .await
        .json();
    assert_eq!(count["signature_count"], 0);

    let verify = mail
        .link_containing("/verify?token=")
        .expect("a confirmation link");
    let confirmed = app.get(&verify).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    let body = confirmed.json();
    assert_eq!(body["petition_id"], PETITION);
    assert_eq!(body["constituency"]["ons_code"], "E14001172");
    assert_eq!(
        body["constituency"]["name"],
        "Cities of London and Westminster"
    );
    assert!(body["constituency"]["mp"].is_string());

    // A mail scanner fetching the link first, then the signer clicking it (by POST too).
    assert_eq!(app.get(&verify).await.json(), body);
    assert_eq!(app.post(&verify).await.json(), body);
    assert_eq!(app.count(), 1);
    assert_eq!(app.count(), 0, "nothing is counted twice");

    let count = app
        .get(&format!("/petitions/{PETITION}/count.json"))
        .await
        .json();
    assert_eq!(count["signature_count"], 1);
    let petition = app.get(&format!("/petitions/{PETITION}.json")).await.json();
    let attributes = &petition["data"]["attributes"];
    assert_eq!(attributes["signature_count"], 1);
    assert_eq!(
        attributes["signatures_by_country"],
        json!([{"name": "United Kingdom", "code": "GB", "signature_count": 1}])
    );
    assert_eq!(
        attributes["signatures_by_constituency"][0]["ons_code"],
        "E14001172"
    );
    assert_eq!(
        attributes["signatures_by_region"],
        json!([{"name": "London", "ons_code": "E12000007", "signature_count": 1}])
    );
}

#[actix_web::test]
async fn overseas_signers_and_unknown_postcodes_count_with_no_constituency() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    let overseas = json!({
        "name": "Marie Curie", "email": "marie@example.fr", "location_code": "FR",
        "uk_citizenship": true,
    });
    sign(&app, &overseas, "192.0.2.11").await;
    // A well-formed postcode that no lookup knows is still accepted.
    sign(
        &app,
        &signer("New Build", "new@example.com", "ZZ99 9ZZ"),
        "192.0.2.12",
    )
    .await;
    app.deliver(&smtp);
    for address in ["marie@example.fr", "new@example.com"] {
        let mail = &smtp.received_by(address)[0];
        let confirmed = app
            .get(&mail.link_containing("/verify").unwrap())
            .await
            .json();
        assert_eq!(confirmed["constituency"], Value::Null);
    }
    app.count();
    let attributes =
        app.get(&format!("/petitions/{PETITION}.json")).await.json()["data"]["attributes"].clone();
    assert_eq!(attributes["signature_count"], 2);
    assert_eq!(attributes["signatures_by_constituency"], json!([]));
    let countries: Vec<&str> = attributes["signatures_by_country"]
        .as_array()
        .unwrap()
        .iter()
        .map(|country| country["code"].as_str().unwrap())
        .collect();
    assert_eq!(countries, ["FR", "GB"]);
}

#[actix_web::test]
async fn duplicates_follow_the_household_rule_and_never_reveal_themselves() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();

    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.20",
    )
    .await;
    only_new_mail(&app, &smtp, "ada@example.com", 0);
    // The same person again, in other letter case: not stored, and the confirmation
    // email comes again because the first is still pending.
    sign(
        &app,
        &signer("ADA  lovelace", "Ada@Example.com", "SW1A 1AA"),
        "192.0.2.21",
    )
    .await;
    let again = only_new_mail(&app, &smtp, "ada@example.com", 1);
    assert!(again
        .header("Subject")
        .unwrap()
        .starts_with("Please confirm"));
    assert_eq!(signatures_stored(&app), 1);

    // Confirmed, a duplicate is told it has already signed.
    app.get(&again.link_containing("/verify").unwrap()).await;
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "M1 1AE"),
        "192.0.2.22",
    )
    .await;
    let notice = only_new_mail(&app, &smtp, "ada@example.com", 2);
    assert!(notice
        .header("Subject")
        .unwrap()
        .starts_with("You have already signed"));
    assert!(notice.link_containing("/verify").is_none());
    assert_eq!(signatures_stored(&app), 1);

    // Someone else at the same address may share the email, once.
    sign(
        &app,
        &signer("Charles Babbage", "ada@example.com", "SW1A1AA"),
        "192.0.2.23",
    )
    .await;
    assert_eq!(signatures_stored(&app), 2);
    sign(
        &app,
        &signer("Byron", "ada@example.com", "SW1A 1AA"),
        "192.0.2.24",
    )
    .await;
    assert_eq!(signatures_stored(&app), 2);

    // Plus-extensions and Gmail's dots make no new mailbox.
    sign(
        &app,
        &signer("Grace Hopper", "grace.hopper@gmail.com", "EH99 1SP"),
        "192.0.2.25",
    )
    .await;
    sign(
        &app,
        &signer(
            "Grace Hopper",
            "gracehopper+petitions@googlemail.com",
            "EH99 1SP",
        ),
        "192.0.2.26",
    )
    .await;
    assert_eq!(signatures_stored(&app), 3);
}

#[actix_web::test]
async fn every_fault_in_the_form_is_named() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");

    let response = app.post_json(&path(PETITION), &json!({})).await;
    assert_eq!(response.status, 422);
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let fields: Vec<String> = response.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["name", "email", "postcode", "uk_citizenship"]);

    let wrong = json!({
        "name": "Visit www.spam.example", "email": 42, "postcode": "SW1A 1AA",
        "location_code": "XX", "uk_citizenship": "yes",
    });
    let problem = app.post_json(&path(PETITION), &wrong).await.json();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "location_code", "uk_citizenship"]);
    assert!(problem["detail"].as_str().unwrap().contains("web address"));

    let malformed = app
        .send_raw(&path(PETITION), "{\"name\": ", "application/json")
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json()["errors"][0]["field"], "body");
    assert_detail_contains(&malformed, "not valid JSON");
    assert_eq!(signatures_stored(&app), 0);
}

fn assert_detail_contains(response: &tests::TestResponse, words: &str) {
    let problem = response.json();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(words), "{detail:?} says {words:?}");
}

#[actix_web::test]
async fn a_body_that_is_not_a_json_form_is_told_how_to_send_one() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let form = signer("Ada Lovelace", "ada@example.com", "SW1A 1AA");

    let as_text = app
        .send_raw(&path(PETITION), &form.to_string(), "text/plain")
        .await;
    assert_eq!(as_text.status, 415);
    assert_eq!(as_text.json()["errors"][0]["field"], "body");
    assert_detail_contains(&as_text, "Content-Type: application/json");

    let list = app
        .send_raw(&path(PETITION), "[1, 2]", "application/json")
        .await;
    assert_eq!(list.status, 422);
    assert_eq!(list.json()["errors"][0]["field"], "body");
    assert_detail_contains(&list, "must be a JSON object");

    // Far longer than any form's fields allow: refused before it is parsed.
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(300 * 1024));
    let too_large = app
        .send_raw(&path(PETITION), &huge, "application/json")
        .await;
    assert_eq!(too_large.status, 413);
    assert_eq!(too_large.json()["errors"][0]["field"], "body");
    assert_detail_contains(&too_large, "the most this service reads is 262144");

    assert_eq!(signatures_stored(&app), 0);
    assert_eq!(app.post_json(&path(PETITION), &form).await.status, 202);
}

#[actix_web::test]
async fn only_open_petitions_take_signatures() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    app.import(include_str!("../../api/seed/official/751154.json"));
    let body = signer("Ada Lovelace", "ada@example.com", "SW1A 1AA");

    assert_eq!(app.post_json(&path(424_242), &body).await.status, 404);
    assert_eq!(
        app.post_json("/petitions/abc/signatures", &body)
            .await
            .status,
        400
    );
    let rejected = app.post_json(&path(751_154), &body).await;
    assert_eq!(rejected.status, 409);
    assert!(rejected.json()["detail"]
        .as_str()
        .unwrap()
        .contains("rejected"));

    app.execute(&format!(
        "UPDATE petitions SET deadline = '2020-01-01 00:00:00' WHERE id = {PETITION}"
    ));
    let closed = app.post_json(&path(PETITION), &body).await;
    assert_eq!(closed.status, 409);
    assert!(closed.json()["detail"].as_str().unwrap().contains("closed"));
    app.execute(&format!(
        "UPDATE petitions SET state = 'removed' WHERE id = {PETITION}"
    ));
    assert_eq!(app.post_json(&path(PETITION), &body).await.status, 410);
    assert_eq!(signatures_stored(&app), 0);
}

#[actix_web::test]
async fn confirmation_stays_possible_for_a_day_after_closing() {
    let app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.30",
    )
    .await;
    sign(
        &app,
        &signer("Alan Turing", "alan@example.com", "SW1A 1AA"),
        "192.0.2.31",
    )
    .await;
    app.deliver(&smtp);
    let link = |address| {
        smtp.received_by(address)[0]
            .link_containing("/verify")
            .unwrap()
    };

    // The petition closes an hour after they signed.
    app.execute(&format!(
        "UPDATE petitions SET deadline = '2026-06-01 13:00:00' WHERE id = {PETITION}"
    ));
    let within_a_day = app.clone_at("2026-06-02T12:59:00Z");
    assert_eq!(within_a_day.get(&link("ada@example.com")).await.status, 200);
    let too_late = app
        .clone_at("2026-06-02T13:01:00Z")
        .get(&link("alan@example.com"))
        .await;
    assert_eq!(too_late.status, 410);
    assert!(too_late.json()["detail"]
        .as_str()
        .unwrap()
        .contains("24 hours"));
}

#[actix_web::test]
async fn links_with_a_wrong_token_find_nothing() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.40",
    )
    .await;
    app.deliver(&smtp);
    let link = smtp.received_by("ada@example.com")[0]
        .link_containing("/verify")
        .unwrap();
    let (base, token) = link.split_once("token=").unwrap();
    let forged = format!("{base}token={}", token.chars().rev().collect::<String>());
    assert_eq!(app.get(&forged).await.status, 404);
    assert_eq!(
        app.get("/signatures/999999/verify?token=abc").await.status,
        404
    );
    let no_token = app.get("/signatures/1/verify").await;
    assert_eq!(no_token.status, 400);
    assert_eq!(no_token.json()["errors"][0]["field"], "token");
    assert_detail_contains(&no_token, "token is required");
    let not_an_id = app.get("/signatures/x/verify?token=abc").await;
    assert_eq!(not_an_id.status, 400);
    assert_eq!(not_an_id.json()["errors"][0]["field"], "signature_id");
    assert_detail_contains(&not_an_id, "\"x\" is not a signature id");
    app.count();
    assert_eq!(
        app.get(&format!("/petitions/{PETITION}/count.json"))
            .await
            .json()["signature_count"],
        0
    );
}

#[actix_web::test]
async fn one_click_unsubscribe() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.50",
    )
    .await;
    app.deliver(&smtp);
    let header = smtp.received_by("ada@example.com")[0]
        .header("List-Unsubscribe")
        .unwrap();
    let link = header
        .trim_matches(['<', '>'])
        .trim_start_matches(tests::PUBLIC_URL)
        .to_owned();
    let subscribed = || app.number("SELECT COUNT(*) FROM signatures WHERE notify_by_email");
    assert_eq!(subscribed(), 1);
    let done = app.post(&link).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(subscribed(), 0);
    assert_eq!(
        app.post(&link).await.status,
        200,
        "unsubscribing twice is fine"
    );
    let forged = link.replace("token=", "token=0");
    assert_eq!(app.post(&forged).await.status, 404);
}

#[actix_web::test]
async fn a_connection_the_server_closed_is_replaced_and_no_message_is_lost() {
    let app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    smtp.hang_up_after_each_message();
    for n in 0..3 {
        let email = format!("signer{n}@example.com");
        sign(
            &app,
            &signer("A Signer", &email, "SW1A 1AA"),
            &format!("192.0.2.7{n}"),
        )
        .await;
    }
    // One connection, so the second and third messages find the last one closed.
    let mailer = api::mail::Mailer::new(Some(&smtp.url()), 1, std::env::temp_dir()).unwrap();
    let report = app.deliver_with(&mailer);
    assert_eq!((report.sent, report.retrying, report.failed), (3, 0, 0));
    for n in 0..3 {
        assert_eq!(smtp.received_by(&format!("signer{n}@example.com")).len(), 1);
    }
    assert_eq!(smtp.received().len(), 3);
}

#[actix_web::test]
async fn mail_goes_through_whether_or_not_the_server_offers_pipelining_and_chunking() {
    let app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    for (n, offered) in ["pipelining chunking", "pipelining", "chunking", "neither"]
        .into_iter()
        .enumerate()
    {
        // Told not to offer one, the server refuses a client that uses it all the same.
        let smtp = SmtpServer::start();
        if !offered.contains("pipelining") {
            smtp.without_pipelining();
        }
        if !offered.contains("chunking") {
            smtp.without_chunking();
        }
        let emails: Vec<String> = (0..3)
            .map(|m| format!("signer{n}-{m}@example.com"))
            .collect();
        for (m, email) in emails.iter().enumerate() {
            let from = format!("192.0.2.{}", 100 + 10 * n + m);
            sign(&app, &signer("A Signer", email, "SW1A 1AA"), &from).await;
        }
        // One connection, so the three messages follow each other on it.
        let mailer = api::mail::Mailer::new(Some(&smtp.url()), 1, std::env::temp_dir()).unwrap();
        let report = app.deliver_with(&mailer);
        assert_eq!(
            (report.sent, report.retrying, report.failed),
            (3, 0, 0),
            "offered {offered}"
        );
        for email in &emails {
            let mail = &smtp.received_by(email)[0];
            assert!(
                mail.link_containing("/verify?token=").is_some(),
                "offered {offered}: {}",
                mail.data
            );
            assert!(
                mail.body().contains("Plant more trees"),
                "offered {offered}"
            );
        }
        assert_eq!(
            smtp.pipelined_commands() > 0,
            offered.contains("pipelining"),
            "offered {offered}: commands go together exactly when the server allows it"
        );
    }
}

#[actix_web::test]
async fn a_step_starts_no_message_once_its_time_is_up_so_its_claim_cannot_lapse_mid_send() {
    let app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    let emails = ["s1@example.com", "s2@example.com", "s3@example.com"];
    for (n, email) in emails.iter().enumerate() {
        let from = format!("192.0.2.{}", 80 + n);
        sign(&app, &signer("A Signer", email, "SW1A 1AA"), &from).await;
    }
    smtp.take_over_each_message(Duration::from_millis(500));
    // One connection, and time to start two messages a step: the third is left untried, and
    // released rather than left claimed until the lease runs out.
    let mailer = api::mail::Mailer::new(Some(&smtp.url()), 1, std::env::temp_dir())
        .unwrap()
        .with_step_times(StepTimes {
            start_messages_for: Duration::from_millis(750),
            finish_messages_within: Duration::from_secs(60),
        });
    let first = app.deliver_with(&mailer);
    assert_eq!((first.sent, first.untried), (2, 1));
    let untried = app.outbox().into_iter().find(|row| row.state == "pending");
    assert_eq!(
        untried.map(|row| row.attempts),
        Some(0),
        "{:?}",
        app.outbox()
    );

    let second = app.deliver_with(&mailer);
    assert_eq!((second.sent, second.untried), (1, 0));
    for email in emails {
        assert_eq!(smtp.received_by(email).len(), 1, "{email}");
    }
}

#[actix_web::test]
async fn a_message_still_going_when_its_step_must_finish_is_given_up_to_be_retried_later() {
    let mut app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    let mailer = api::mail::Mailer::new(Some(&smtp.url()), 1, std::env::temp_dir())
        .unwrap()
        .with_step_times(StepTimes {
            start_messages_for: Duration::from_secs(60),
            finish_messages_within: Duration::from_millis(500),
        });
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.90",
    )
    .await;
    // Ada's message leaves the connection open, so the next step reuses it.
    assert_eq!(app.deliver_with(&mailer).sent, 1);

    sign(
        &app,
        &signer("Bob Signer", "bob@example.com", "SW1A 2AA"),
        "192.0.2.91",
    )
    .await;
    smtp.take_over_each_message(Duration::from_secs(2));
    let step = app.deliver_with(&mailer);
    assert_eq!((step.sent, step.retrying), (0, 1));
    let bob = app.outbox().into_iter().find(|row| row.state == "pending");
    let error = bob.as_ref().and_then(|row| row.last_error.as_deref());
    assert!(
        error.is_some_and(|error| error.contains("no answer in time")),
        "{:?}",
        app.outbox()
    );

    // The server may have taken it as it was given up, so it is sent again only after the
    // backoff, never at once on another connection.
    smtp.take_over_each_message(Duration::ZERO);
    assert_eq!(app.deliver_with(&mailer).claimed(), 0);
    app.clock = api::clock::Clock::Fixed("2026-06-01T12:00:31Z".parse().unwrap());
    assert_eq!(app.deliver_with(&mailer).sent, 1);
}

/// Makes recording a failed delivery fail, as a database outage in the middle of a batch
/// would.
fn refuse_to_record_failures(app: &TestApp) {
    if app.database.is_postgres() {
        app.execute(
            "CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the database is down'; END $$; \
             CREATE TRIGGER refuse_failures BEFORE UPDATE ON email_outbox FOR EACH ROW \
             WHEN (NEW.last_error IS NOT NULL) EXECUTE FUNCTION refuse_update();",
        );
    } else {
        app.execute(
            "CREATE TRIGGER refuse_failures BEFORE UPDATE ON email_outbox \
             WHEN NEW.last_error IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, 'the database is down'); END;",
        );
    }
}

fn allow_recording_failures(app: &TestApp) {
    app.execute(if app.database.is_postgres() {
        "DROP TRIGGER refuse_failures ON email_outbox"
    } else {
        "DROP TRIGGER refuse_failures"
    });
}

#[actix_web::test]
async fn an_email_sent_is_recorded_even_when_recording_a_failure_in_its_batch_fails() {
    let mut app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    smtp.refuse_next("ada@example.com", &[Refusal::Temporary]);
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.70",
    )
    .await;
    sign(
        &app,
        &signer("Bob Signer", "bob@example.com", "SW1A 2AA"),
        "192.0.2.71",
    )
    .await;
    refuse_to_record_failures(&app);

    let mailer = api::mail::Mailer::new(Some(&smtp.url()), 2, std::env::temp_dir()).unwrap();
    assert!(app.try_deliver_with(&mailer).is_err());
    assert_eq!(smtp.received_by("bob@example.com").len(), 1);
    let bob = app.outbox().into_iter().find(|row| row.state == "sent");
    assert!(bob.is_some(), "{:?}", app.outbox());

    // Once the outage is over and Ada's claim has lapsed, she gets hers and Bob nothing more.
    allow_recording_failures(&app);
    app.clock = api::clock::Clock::Fixed("2026-06-01T12:10:00Z".parse().unwrap());
    assert_eq!(app.deliver_with(&mailer).sent, 1);
    assert_eq!(smtp.received_by("ada@example.com").len(), 1);
    assert_eq!(smtp.received_by("bob@example.com").len(), 1);
}

#[actix_web::test]
async fn temporary_failures_are_retried_with_backoff_and_permanent_ones_recorded() {
    let mut app = TestApp::new().at("2026-06-01T12:00:00Z");
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    smtp.refuse_next("ada@example.com", &[Refusal::Temporary]);
    smtp.refuse_next("nobody@example.com", &[Refusal::Permanent]);
    sign(
        &app,
        &signer("Ada Lovelace", "ada@example.com", "SW1A 1AA"),
        "192.0.2.60",
    )
    .await;
    sign(
        &app,
        &signer("Nobody", "nobody@example.com", "SW1A 1AA"),
        "192.0.2.61",
    )
    .await;

    let first = app.deliver(&smtp);
    assert_eq!((first.sent, first.retrying, first.failed), (0, 1, 1));
    let outbox = app.outbox();
    assert_eq!(outbox[0].state, "pending");
    assert!(outbox[0].last_error.as_deref().unwrap().contains("451"));
    assert_eq!(outbox[1].state, "failed");
    assert!(outbox[1].last_error.as_deref().unwrap().contains("550"));

    // Not due again until the backoff has passed.
    assert_eq!(app.deliver(&smtp).claimed(), 0);
    app.clock = api::clock::Clock::Fixed("2026-06-01T12:00:31Z".parse().unwrap());
    assert_eq!(app.deliver(&smtp).sent, 1);
    assert_eq!(smtp.received_by("ada@example.com").len(), 1);
    assert!(smtp.received_by("nobody@example.com").is_empty());

    // Sent is sent: nothing goes twice, and the failure is not retried.
    app.clock = api::clock::Clock::Fixed("2026-06-02T12:00:00Z".parse().unwrap());
    assert_eq!(app.deliver(&smtp).claimed(), 0);
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(app.outbox()[0].attempts, 2);
}
