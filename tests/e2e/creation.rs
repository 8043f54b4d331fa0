//! Creating a petition and gathering its supporters, through the API alone, with every email
//! read back from a real SMTP conversation.

use domain::Thresholds;
use persistence::signatures::{confirm_all, ConfirmOutcome, ConfirmRequest};
use serde_json::json;
use tests::{SmtpServer, TestApp};

use crate::journey::{create, create_confirmed, newest_mail, person, petition, support};

fn state_of(app: &TestApp, id: i64) -> String {
    let states = ["pending", "validated", "sponsored", "open"];
    let code = app.number(&format!(
        "SELECT CASE state WHEN 'pending' THEN 0 WHEN 'validated' THEN 1 \
         WHEN 'sponsored' THEN 2 WHEN 'open' THEN 3 ELSE 9 END FROM petitions WHERE id = {id}"
    ));
    states
        .get(usize::try_from(code).unwrap())
        .map_or("other".to_owned(), |state| (*state).to_owned())
}

#[actix_web::test]
async fn a_petition_is_created_confirmed_and_supported_into_the_moderation_queue() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create(
        &app,
        &petition("Plant a tree for every child", "creator@example.com"),
        "192.0.2.1",
    )
    .await;
    assert_eq!(state_of(&app, id), "pending");
    assert_eq!(app.get(&format!("/petitions/{id}.json")).await.status, 404);

    let mail = newest_mail(&app, &smtp, "creator@example.com");
    assert!(mail
        .header("Subject")
        .unwrap()
        .contains("Plant a tree for every child"));
    assert!(mail.header("List-Unsubscribe").is_some());
    let verify = mail.link_containing("/verify").unwrap();
    let sponsor_link = mail.link_containing("/sponsors").unwrap();
    assert!(sponsor_link.starts_with(&format!("/petitions/{id}/sponsors?token=")));

    // No supporters until the creator has confirmed.
    let early = app
        .post_json_from(
            &sponsor_link,
            &person("Eager", "eager@example.com"),
            "198.51.100.200",
            &[],
        )
        .await;
    assert_eq!(early.status, 409, "{}", early.text());
    assert!(early.json()["detail"].as_str().unwrap().contains("creator"));

    let confirmed = app.get(&verify).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    assert_eq!(confirmed.json()["petition_id"], id);
    assert_eq!(state_of(&app, id), "validated");
    // Following the link again changes nothing.
    assert_eq!(app.get(&verify).await.status, 200);

    for n in 1..=4 {
        assert_eq!(support(&app, &smtp, &sponsor_link, n).await, 202);
    }
    assert_eq!(state_of(&app, id), "validated");
    assert_eq!(support(&app, &smtp, &sponsor_link, 5).await, 202);
    assert_eq!(state_of(&app, id), "sponsored");
    assert_eq!(
        app.number(&format!(
            "SELECT COUNT(*) FROM petitions WHERE id = {id} \
             AND moderation_threshold_reached_at IS NOT NULL"
        )),
        1
    );

    // The creator heard once of each supporter, by name.
    app.deliver(&smtp);
    let to_creator = smtp.received_by("creator@example.com");
    let supported: Vec<_> = to_creator
        .iter()
        .filter(|mail| mail.header("Subject").unwrap().contains("supporter"))
        .collect();
    assert_eq!(supported.len(), 5);
    for n in 1..=5 {
        assert!(
            supported.iter().any(|mail| mail
                .body()
                .contains(&format!("Supporter {n} has supported"))),
            "an email about supporter {n}"
        );
    }

    // The creator and the supporters are counted like any confirmed signer.
    app.count();
    assert_eq!(
        app.number(&format!(
            "SELECT signature_count FROM petitions WHERE id = {id}"
        )),
        6
    );
}

#[actix_web::test]
async fn every_fault_in_a_new_petition_is_named() {
    let app = TestApp::new();
    let response = app
        .post_json(
            "/petitions",
            &json!({
                "background": "x".repeat(301),
                "additional_details": 7,
                "creator": {"name": "=cmd", "email": "not an email", "uk_citizenship": true},
            }),
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.text());
    assert_eq!(
        response.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let body = response.json();
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "action",
            "additional_details",
            "background",
            "creator.email",
            "creator.name",
            "creator.postcode"
        ]
    );
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("background must be 300 characters or fewer"));

    let no_creator = app
        .post_json(
            "/petitions",
            &json!({"action": "A", "background": "B", "creator": "me"}),
        )
        .await;
    assert_eq!(no_creator.status, 422);
    assert!(no_creator.text().contains("creator must be an object"));
    assert_eq!(app.number("SELECT COUNT(*) FROM petitions"), 0);
}

#[actix_web::test]
async fn similar_open_petitions_are_offered_to_the_creator() {
    let app = TestApp::new();
    app.open_petition(900_001, "Plant more trees in our cities");
    app.open_petition(900_002, "Lower the voting age");
    let response = app
        .post_json(
            "/petitions",
            &petition("Plant trees along every street", "c@example.com"),
        )
        .await;
    assert_eq!(response.status, 202, "{}", response.text());
    let similar = response.json()["similar_petitions"].clone();
    let ids: Vec<i64> = similar
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [900_001]);
    assert_eq!(
        similar[0]["links"]["self"],
        "https://petitions.test/petitions/900001.json"
    );
    // A new petition takes the next id after the imported ones.
    assert!(response.json()["petition_id"].as_i64().unwrap() > 900_002);
}

#[actix_web::test]
async fn supporter_links_are_refused_clearly_when_they_can_not_be_used() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let (id, sponsor_link) = create_confirmed(&app, &smtp).await;

    let wrong = app
        .post_json(
            &format!("/petitions/{id}/sponsors?token=wrong"),
            &person("S", "s@example.com"),
        )
        .await;
    assert_eq!(wrong.status, 404);
    let no_token = app
        .post_json(
            &format!("/petitions/{id}/sponsors"),
            &person("S", "s@example.com"),
        )
        .await;
    assert_eq!(no_token.status, 400);
    let bad_fields = app
        .post_json(
            &sponsor_link,
            &json!({"name": "S", "uk_citizenship": false}),
        )
        .await;
    assert_eq!(bad_fields.status, 422);

    // Twenty confirmed supporters fill it; the twenty-first is refused.
    for n in 1..=20 {
        assert_eq!(support(&app, &smtp, &sponsor_link, n).await, 202);
    }
    let full = app
        .post_json_from(
            &sponsor_link,
            &person("Late", "late@example.com"),
            "198.51.100.99",
            &[],
        )
        .await;
    assert_eq!(full.status, 409);
    assert!(full.json()["detail"].as_str().unwrap().contains("20"));

    app.execute(&format!(
        "UPDATE petitions SET state = 'open' WHERE id = {id}"
    ));
    let published = app
        .post_json_from(
            &sponsor_link,
            &person("Late", "late@example.com"),
            "198.51.100.99",
            &[],
        )
        .await;
    assert_eq!(published.status, 409);
    assert!(published.json()["detail"]
        .as_str()
        .unwrap()
        .contains("sign it instead"));
}

/// Over the creation rate, a petition is shadow-banned: its creator is answered and emailed
/// as usual, but confirming leaves it pending, so it never reaches moderation.
#[actix_web::test]
async fn creating_too_fast_from_one_address_is_shadow_banned() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let first = create(&app, &petition("First idea", "a@example.com"), "192.0.2.7").await;
    let second = create(&app, &petition("Second idea", "b@example.com"), "192.0.2.7").await;
    let elsewhere = create(&app, &petition("Third idea", "c@example.com"), "192.0.2.8").await;
    for (id, email) in [
        (first, "a@example.com"),
        (second, "b@example.com"),
        (elsewhere, "c@example.com"),
    ] {
        let mail = newest_mail(&app, &smtp, email);
        let confirmed = app.get(&mail.link_containing("/verify").unwrap()).await;
        assert_eq!(confirmed.status, 200, "petition {id}");
    }
    assert_eq!(state_of(&app, first), "validated");
    assert_eq!(state_of(&app, second), "pending");
    assert_eq!(state_of(&app, elsewhere), "validated");
}

/// The same supporter's link followed twice in one group (a mail scanner and the supporter)
/// validates them once and tells the creator once.
#[actix_web::test]
async fn a_supporter_confirming_twice_at_once_is_reported_once() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let (_, sponsor_link) = create_confirmed(&app, &smtp).await;
    let response = app
        .post_json_from(
            &sponsor_link,
            &person("Supporter", "s@example.com"),
            "198.51.100.1",
            &[],
        )
        .await;
    assert_eq!(response.status, 202);
    let verify = newest_mail(&app, &smtp, "s@example.com")
        .link_containing("/verify")
        .unwrap();
    // /signatures/ID/verify?token=TOKEN
    let (path, token) = verify.split_once("?token=").unwrap();
    let signature_id: i64 = path.split('/').nth(2).unwrap().parse().unwrap();
    let request = ConfirmRequest {
        signature_id,
        token: token.to_owned(),
    };
    let outcomes = app
        .db
        .run_blocking(|conn| {
            confirm_all(
                conn,
                &[request.clone(), request.clone()],
                &Thresholds::default(),
                chrono::Utc::now(),
            )
        })
        .unwrap();
    assert!(matches!(outcomes[1], ConfirmOutcome::Confirmed(_)));
    assert_eq!(
        app.number("SELECT COUNT(*) FROM email_outbox WHERE kind = 'sponsor_supported'"),
        1
    );
}
