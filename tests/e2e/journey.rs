//! Steps of a petition's life through the API, shared by the tests of each stage.

use actix_web::http::Method;
use serde_json::{json, Value};
use tests::{SmtpServer, TestApp, TestResponse};

pub(crate) fn person(name: &str, email: &str) -> Value {
    json!({
        "name": name,
        "email": email,
        "postcode": "SW1A 1AA",
        "uk_citizenship": true,
    })
}

pub(crate) fn petition(action: &str, creator_email: &str) -> Value {
    json!({
        "action": action,
        "background": "Trees give shade and clean the air.",
        "additional_details": "",
        "creator": person("Creator Person", creator_email),
    })
}

/// Creates a petition from `from` and returns its id.
pub(crate) async fn create(app: &TestApp, body: &Value, from: &str) -> i64 {
    let response = app.post_json_from("/petitions", body, from, &[]).await;
    assert_eq!(response.status, 202, "{}", response.text());
    response.json()["petition_id"].as_i64().unwrap()
}

/// Delivers, and returns the newest email to `address`.
pub(crate) fn newest_mail(
    app: &TestApp,
    smtp: &SmtpServer,
    address: &str,
) -> tests::smtp::ReceivedMail {
    app.deliver(smtp);
    smtp.received_by(address)
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("no email to {address}"))
}

/// Signs up a supporter through the creator's link and confirms them through their email.
pub(crate) async fn support(app: &TestApp, smtp: &SmtpServer, link: &str, n: usize) -> u16 {
    let email = format!("supporter{n}@example.com");
    let from = format!("198.51.100.{n}");
    let response = app
        .post_json_from(link, &person(&format!("Supporter {n}"), &email), &from, &[])
        .await;
    if response.status != 202 {
        return response.status.as_u16();
    }
    let mail = newest_mail(app, smtp, &email);
    let verify = mail.link_containing("/verify").unwrap();
    assert_eq!(app.post(&verify).await.status, 200);
    202
}

/// Creates "Fund libraries" for c@example.com and confirms it; returns its id and the
/// supporter link from the creator's email.
pub(crate) async fn create_confirmed(app: &TestApp, smtp: &SmtpServer) -> (i64, String) {
    let creator = ("Fund libraries", "c@example.com", "192.0.2.1");
    create_confirmed_as(app, smtp, creator).await
}

/// A petition's action, its creator's email, and the address they create it from (one
/// address creating many petitions at once looks like abuse).
pub(crate) type Creator<'a> = (&'a str, &'a str, &'a str);

/// Creates a petition and confirms it; returns its id and the supporter link.
pub(crate) async fn create_confirmed_as(
    app: &TestApp,
    smtp: &SmtpServer,
    (action, creator, from): Creator<'_>,
) -> (i64, String) {
    let id = create(app, &petition(action, creator), from).await;
    let mail = newest_mail(app, smtp, creator);
    app.get(&mail.link_containing("/verify").unwrap()).await;
    (id, mail.link_containing("/sponsors").unwrap())
}

/// Creates "Fund libraries" and gathers the five supporters that put it in the moderation
/// queue; returns its id.
pub(crate) async fn create_sponsored(app: &TestApp, smtp: &SmtpServer) -> i64 {
    create_sponsored_as(app, smtp, ("Fund libraries", "c@example.com", "192.0.2.1")).await
}

/// Creates a petition and gathers the five supporters that put it in the moderation queue;
/// returns its id.
pub(crate) async fn create_sponsored_as(
    app: &TestApp,
    smtp: &SmtpServer,
    creator: Creator<'_>,
) -> i64 {
    let (id, sponsor_link) = create_confirmed_as(app, smtp, creator).await;
    for n in 1..=5 {
        assert_eq!(support(app, smtp, &sponsor_link, n).await, 202);
    }
    id
}

/// A new member of staff with `role`, signed in: the `Authorization` header value.
pub(crate) async fn staff_bearer(app: &TestApp, role: &str) -> String {
    const PASSWORD: &str = "a long enough password";
    let email = format!("{role}@staff.example.com");
    app.add_staff(&email, role, PASSWORD);
    format!("Bearer {}", app.sign_in(&email, PASSWORD).await)
}

/// Asks for a moderation decision as `bearer`.
pub(crate) async fn moderate(
    app: &TestApp,
    bearer: &str,
    id: i64,
    decision: Value,
) -> TestResponse {
    app.request(
        Method::POST,
        &format!("/admin/petitions/{id}/moderation"),
        &[("authorization", bearer)],
        Some(&decision),
    )
    .await
}

/// GETs `path` as `bearer`.
pub(crate) async fn get_as(app: &TestApp, bearer: &str, path: &str) -> TestResponse {
    app.request(Method::GET, path, &[("authorization", bearer)], None)
        .await
}

/// Delivers, and returns the newest email to `address` whose subject starts with `subject`.
/// Emails are sent in parallel, so the order they arrive in says nothing.
pub(crate) fn mail_titled(
    app: &TestApp,
    smtp: &SmtpServer,
    address: &str,
    subject: &str,
) -> tests::smtp::ReceivedMail {
    app.deliver(smtp);
    smtp.received_by(address)
        .into_iter()
        .rev()
        .find(|mail| {
            mail.header("Subject")
                .is_some_and(|s| s.starts_with(subject))
        })
        .unwrap_or_else(|| panic!("no email to {address} titled {subject:?}"))
}

/// A token issued by `sysadmin` to a system with `scopes`: the `Authorization` header value.
pub(crate) async fn integration_bearer(app: &TestApp, sysadmin: &str, scopes: &[&str]) -> String {
    let issued = app
        .request(
            Method::POST,
            "/admin/integration-tokens",
            &[("authorization", sysadmin)],
            Some(&json!({"name": "A system", "scopes": scopes})),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text());
    format!("Bearer {}", issued.json()["token"].as_str().unwrap())
}

/// PUTs `body` to `path` as `bearer`.
pub(crate) async fn put_as(app: &TestApp, bearer: &str, path: &str, body: Value) -> TestResponse {
    app.request(Method::PUT, path, &[("authorization", bearer)], Some(&body))
        .await
}

/// A published petition, and a moderator's and a sysadmin's bearers.
pub(crate) async fn published(app: &TestApp) -> (i64, String, String) {
    let smtp = SmtpServer::start();
    let id = create_sponsored(app, &smtp).await;
    let moderator = staff_bearer(app, "moderator").await;
    let opened = moderate(app, &moderator, id, json!({"action": "publish"})).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    (id, moderator, staff_bearer(app, "sysadmin").await)
}

/// PATCHes `body` to `path` as `bearer`.
pub(crate) async fn patch_as(app: &TestApp, bearer: &str, path: &str, body: Value) -> TestResponse {
    app.request(
        Method::PATCH,
        path,
        &[("authorization", bearer)],
        Some(&body),
    )
    .await
}

/// The fields a 422 names, in order.
pub(crate) fn fault_fields(response: &TestResponse) -> Vec<String> {
    response.json()["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|error| error["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Signs `id` as `email`, asking for updates or not, and confirms unless told not to.
pub(crate) async fn sign(
    app: &TestApp,
    smtp: &SmtpServer,
    id: i64,
    email: &str,
    updates: bool,
    confirm: bool,
) {
    let local = email.split('@').next().unwrap();
    let mut body = person(&format!("Signer {local}"), email);
    body["notify_by_email"] = json!(updates);
    let ip = format!("203.0.113.{}", email.len());
    let signed = app
        .post_json_from(&format!("/petitions/{id}/signatures"), &body, &ip, &[])
        .await;
    assert_eq!(signed.status, 202, "{}", signed.text());
    if confirm {
        let mail = mail_titled(app, smtp, email, "Please confirm your signature");
        let confirmed = app.get(&mail.link_containing("/verify").unwrap()).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    }
}
