//! Staff sign-in, tokens, integration tokens, and the authorisation matrix over every staff
//! route the OpenAPI document lists.

use actix_web::http::Method;
use api::auth::{TokenKeys, AUDIENCE};
use chrono::{DateTime, Duration, Utc};
use domain::access::StaffRole;
use serde_json::{json, Value};
use tests::{TestApp, TestResponse, PUBLIC_URL};

const PASSWORD: &str = "a long enough password";
const NOW: &str = "2026-11-22T10:00:00Z";

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn get_as(app: &TestApp, path: &str, token: &str) -> TestResponse {
    app.get_with(path, &[("authorization", &bearer(token))])
        .await
}

async fn login(app: &TestApp, email: &str, password: &str) -> TestResponse {
    app.post_json(
        "/admin/login",
        &json!({"email": email, "password": password}),
    )
    .await
}

#[actix_web::test]
async fn staff_sign_in_use_their_token_and_sign_out() {
    let app = TestApp::new().at(NOW);
    app.add_staff("Mod@Example.com", "moderator", PASSWORD);

    let response = login(&app, "mod@example.com", PASSWORD).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );
    let session = response.json();
    assert_eq!(session["role"], "moderator");
    let expires: DateTime<Utc> = session["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expires,
        NOW.parse::<DateTime<Utc>>().unwrap() + Duration::minutes(30)
    );
    let token = session["token"].as_str().unwrap().to_owned();

    let me = get_as(&app, "/admin/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.text());
    assert_eq!(me.json()["role"], "moderator");
    assert!(me.json()["subject"].as_str().unwrap().starts_with("staff:"));

    let out = app
        .request(
            Method::POST,
            "/admin/logout",
            &[("authorization", &bearer(&token))],
            None,
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.text());
    let after = get_as(&app, "/admin/me", &token).await;
    assert_eq!(after.status, 401);
    assert_eq!(after.header("www-authenticate").as_deref(), Some("Bearer"));
}

#[actix_web::test]
async fn wrong_passwords_and_unknown_emails_are_refused_alike() {
    let app = TestApp::new().at(NOW);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    let wrong = login(&app, "mod@example.com", "not the password").await;
    let unknown = login(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(wrong.json()["detail"], unknown.json()["detail"]);
    let missing = app.post_json("/admin/login", &json!({"email": 1})).await;
    assert_eq!(missing.status, 422);
    let fields: Vec<String> = missing.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_owned())
        .collect();
    // The password left out is named too, not only the email of the wrong type.
    assert_eq!(fields, ["email", "password"]);
}

#[actix_web::test]
async fn five_failed_sign_ins_lock_the_account_for_a_while() {
    let app = TestApp::new().at(NOW);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    for _ in 0..5 {
        assert_eq!(login(&app, "mod@example.com", "guess").await.status, 401);
    }
    let locked = login(&app, "mod@example.com", PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", locked.text());
    assert!(locked.header("retry-after").is_some());

    let later = app.at("2026-11-22T10:16:00Z");
    assert_eq!(login(&later, "mod@example.com", PASSWORD).await.status, 200);
}

#[actix_web::test]
async fn failed_sign_ins_made_at_once_each_count_and_lock_at_the_fifth() {
    let app = TestApp::new().at(NOW);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    let guess = || login(&app, "mod@example.com", "guess");
    let answers = tokio::join!(
        guess(),
        guess(),
        guess(),
        guess(),
        guess(),
        guess(),
        guess(),
        guess()
    );
    let answers = [
        answers.0, answers.1, answers.2, answers.3, answers.4, answers.5, answers.6, answers.7,
    ];
    let refused = |status: u16| answers.iter().filter(|a| a.status == status).count();
    assert_eq!((refused(401), refused(429)), (5, 3));
    let locked = login(&app, "mod@example.com", PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", locked.text());
}

#[actix_web::test]
async fn a_new_role_applies_to_the_next_request_and_removal_ends_access_at_once() {
    let app = TestApp::new().at(NOW);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    let token = app.sign_in("mod@example.com", PASSWORD).await;
    let me = get_as(&app, "/admin/me", &token).await;
    assert_eq!(me.json()["role"], "moderator", "{}", me.text());

    app.change_staff_role("mod@example.com", "reviewer")
        .unwrap();
    let settings = app
        .request(
            Method::PATCH,
            "/admin/settings",
            &[("authorization", &bearer(&token))],
            Some(&json!({"trending_enabled": false})),
        )
        .await;
    assert_eq!(settings.status, 403);
    assert_eq!(
        get_as(&app, "/admin/me", &token).await.json()["role"],
        "reviewer"
    );

    app.remove_staff("mod@example.com").unwrap();
    assert_eq!(get_as(&app, "/admin/me", &token).await.status, 401);
    assert_eq!(login(&app, "mod@example.com", PASSWORD).await.status, 401);
    assert!(
        app.remove_staff("mod@example.com").is_err(),
        "already removed"
    );
    assert!(app
        .change_staff_role("nobody@example.com", "sysadmin")
        .is_err());

    // Added again, they start afresh with the role given now.
    app.add_staff("mod@example.com", "sysadmin", PASSWORD);
    let token = app.sign_in("mod@example.com", PASSWORD).await;
    assert_eq!(
        get_as(&app, "/admin/me", &token).await.json()["role"],
        "sysadmin"
    );
    let sysadmin = app.sign_in("mod@example.com", PASSWORD).await;
    let log = get_as(&app, "/admin/audit-log", &sysadmin).await.json();
    let actions: Vec<&str> = log["data"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    for action in ["staff.add", "staff.change_role", "staff.remove"] {
        assert!(actions.contains(&action), "{action} in {log}");
    }
}

#[actix_web::test]
async fn a_staff_token_expires_after_its_lifetime() {
    let app = TestApp::new().at(NOW);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    let token = app.sign_in("mod@example.com", PASSWORD).await;
    let app = app.at("2026-11-22T10:29:00Z");
    assert_eq!(get_as(&app, "/admin/me", &token).await.status, 200);
    let app = app.at("2026-11-22T10:30:01Z");
    let expired = get_as(&app, "/admin/me", &token).await;
    assert_eq!(expired.status, 401);
    assert!(expired.text().contains("expired"));
}

#[actix_web::test]
async fn integration_tokens_do_exactly_their_scope_until_revoked() {
    let app = TestApp::new().at(NOW);
    app.add_staff("root@example.com", "sysadmin", PASSWORD);
    app.add_staff("mod@example.com", "moderator", PASSWORD);
    let root = app.sign_in("root@example.com", PASSWORD).await;
    let moderator = app.sign_in("mod@example.com", PASSWORD).await;
    let auth = bearer(&root);
    let issue = |body: Value, token: String| {
        let app = &app;
        async move {
            app.request(
                Method::POST,
                "/admin/integration-tokens",
                &[("authorization", &bearer(&token))],
                Some(&body),
            )
            .await
        }
    };

    let refused = issue(
        json!({"name": "Cabinet Office", "scopes": ["responses:write"]}),
        moderator.clone(),
    )
    .await;
    assert_eq!(refused.status, 403);
    let invalid = issue(
        json!({"name": "", "scopes": ["everything"], "valid_days": 0}),
        root.clone(),
    )
    .await;
    assert_eq!(invalid.status, 422, "{}", invalid.text());
    assert_eq!(invalid.json()["errors"].as_array().unwrap().len(), 3);

    let issued = issue(
        json!({"name": "Cabinet Office", "scopes": ["responses:write"], "valid_days": 90}),
        root.clone(),
    )
    .await;
    assert_eq!(issued.status, 201, "{}", issued.text());
    let issued = issued.json();
    let system = issued["token"].as_str().unwrap().to_owned();
    let id = issued["id"].as_str().unwrap().to_owned();
    assert_eq!(issued["scopes"], json!(["responses:write"]));
    let expires: DateTime<Utc> = issued["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expires,
        NOW.parse::<DateTime<Utc>>().unwrap() + Duration::days(90)
    );

    // A system is not staff: staff-only routes refuse it, signed in or not.
    assert_eq!(get_as(&app, "/admin/me", &system).await.status, 403);
    assert_eq!(
        get_as(&app, "/admin/integration-tokens", &system)
            .await
            .status,
        403
    );

    let listed = get_as(&app, "/admin/integration-tokens", &root).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json()[0]["id"], id);
    assert!(
        listed.json()[0].get("token").is_none(),
        "the secret is shown once"
    );

    let path = format!("/admin/integration-tokens/{id}");
    let revoked = app
        .request(Method::DELETE, &path, &[("authorization", &auth)], None)
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(get_as(&app, "/admin/me", &system).await.status, 401);
    let unknown = app
        .request(
            Method::DELETE,
            "/admin/integration-tokens/nope",
            &[("authorization", &auth)],
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);

    // Both actions are in the audit log, newest first, with who did them and to what.
    let log = get_as(&app, "/admin/audit-log?count=1", &root).await;
    assert_eq!(log.status, 200, "{}", log.text());
    let log = log.json();
    assert_eq!(log["data"][0]["action"], "integration_token.revoke");
    assert_eq!(log["data"][0]["subject"], id.as_str());
    assert!(log["data"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("staff:"));
    let next = log["next"].as_str().unwrap().replace(PUBLIC_URL, "");
    let older = get_as(&app, &next, &root).await.json();
    assert_eq!(older["data"][0]["action"], "integration_token.issue");
    assert_eq!(older["data"][0]["after"]["name"], "Cabinet Office");
    let bad_count = get_as(&app, "/admin/audit-log?count=0", &root).await;
    assert_eq!(bad_count.status, 400);
}

/// base64url without padding, as JWTs are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, byte)| n | (u32::from(*byte) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// A token for staff account `id` with `role`, signed with `secret`, with `claims` changed.
fn forged(secret: &str, id: i64, role: &str, change: impl Fn(&mut Value)) -> String {
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "iss": PUBLIC_URL, "aud": AUDIENCE, "sub": format!("staff:{id}"), "role": role,
        "iat": now, "exp": now + 600, "jti": uuid::Uuid::new_v4().to_string(),
    });
    change(&mut claims);
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// Every staff route in the OpenAPI document, with the least role its security entry names.
fn staff_routes() -> Vec<(Method, String, StaffRole)> {
    let document = serde_json::to_value(api::openapi::document()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(security) = operation.get("security") else {
                continue;
            };
            let role = security[0]["staff_token"][0].as_str().unwrap();
            let concrete = path
                .replace("{token_id}", "no-such-token")
                .replace("{code}", "no-such-reason")
                .replace("{acronym}", "NOSUCH")
                .replace("{id}", "1");
            routes.push((
                method.to_uppercase().parse().unwrap(),
                concrete,
                StaffRole::parse(role).unwrap(),
            ));
        }
    }
    routes
}

#[actix_web::test]
async fn every_staff_route_refuses_every_bad_token_and_admits_its_role() {
    let app = TestApp::new();
    let ids: Vec<(StaffRole, i64)> = StaffRole::ALL
        .iter()
        .map(|role| {
            let email = format!("{role}@example.com");
            (*role, app.add_staff(&email, role.as_str(), PASSWORD))
        })
        .collect();
    let sysadmin_id = ids[2].1;
    // Signing in starts the service, which makes its signing key.
    let sysadmin_token = app.sign_in("sysadmin@example.com", PASSWORD).await;
    let secret = app
        .db
        .run_blocking(|conn| persistence::staff::service_secret(conn, "jwt-signing-key"))
        .unwrap()
        .expect("the service made its signing key");
    let revoked = app.sign_in("sysadmin@example.com", PASSWORD).await;
    app.request(
        Method::POST,
        "/admin/logout",
        &[("authorization", &bearer(&revoked))],
        None,
    )
    .await;
    let keys = TokenKeys::new(secret.as_bytes(), PUBLIC_URL, Duration::minutes(30));
    let (expired, _) = keys
        .issue_staff(
            sysadmin_id,
            StaffRole::Sysadmin,
            "expired".to_owned(),
            Utc::now() - Duration::hours(1),
        )
        .unwrap();
    let header_none = base64url(br#"{"alg":"none","typ":"JWT"}"#);
    let valid_claims = sysadmin_token.split('.').nth(1).unwrap();
    let bad_tokens: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("malformed", Some("not-a-jwt".to_owned())),
        ("expired", Some(expired)),
        (
            "wrong signature",
            Some(forged(
                "another secret of thirty-two chars!",
                sysadmin_id,
                "sysadmin",
                |_| {},
            )),
        ),
        ("alg none", Some(format!("{header_none}.{valid_claims}."))),
        (
            "wrong audience",
            Some(forged(&secret, sysadmin_id, "sysadmin", |claims| {
                claims["aud"] = json!("someone-else");
            })),
        ),
        ("revoked", Some(revoked)),
    ];

    let routes = staff_routes();
    assert!(routes.len() >= 5, "{routes:?}");
    for (method, path, needed) in &routes {
        for (what, token) in &bad_tokens {
            let header = token.as_deref().map(bearer);
            let headers: Vec<(&str, &str)> = header
                .iter()
                .map(|value| ("authorization", value.as_str()))
                .collect();
            let response = app.request(method.clone(), path, &headers, None).await;
            assert_eq!(
                response.status,
                401,
                "{method} {path} with {what}: {}",
                response.text()
            );
        }
        // Fresh sign-ins for each route: signing out with one revokes it.
        for (role, _) in &ids {
            let auth = bearer(&app.sign_in(&format!("{role}@example.com"), PASSWORD).await);
            let response = app
                .request(
                    method.clone(),
                    path,
                    &[("authorization", &auth)],
                    Some(&json!({})),
                )
                .await;
            // Answers for one member of staff are never kept by a cache, refusals included.
            assert_eq!(
                response.header("cache-control").as_deref(),
                Some("no-store"),
                "{method} {path} as {role}"
            );
            if role.includes(*needed) {
                assert!(
                    ![401, 403].contains(&response.status.as_u16()),
                    "{method} {path} as {role}: {}",
                    response.text()
                );
            } else {
                assert_eq!(response.status, 403, "{method} {path} as {role}");
            }
        }
    }
}
