//! The whole life of a petition through the API, on whichever database the suite runs on:
//! creation, supporters, moderation, signing, the government's response, a debate, closing,
//! dissolution and archiving, then anonymisation. Every email is read back from a real SMTP
//! conversation. The clock is fixed and moved on by the test; the time-driven jobs are run
//! at the moments the workers would run them.

use actix_web::http::Method;
use api::clock::Clock;
use chrono::{DateTime, Duration, Timelike, Utc};
use domain::deadline::london_date;
use persistence::anonymisation::anonymise_next_batch;
use persistence::parliaments::dissolve_if_due;
use persistence::petitions::{close_past_deadline, mark_debates_held};
use serde_json::{json, Value};
use tests::smtp::ReceivedMail;
use tests::{SmtpServer, TestApp};

use crate::journey::{
    create, get_as, integration_bearer, mail_titled, moderate, patch_as, person, petition, put_as,
    sign,
};

const PASSWORD: &str = "a long enough password";

/// Signs staff in at the app's clock, as they would again after time has passed.
async fn signed_in(app: &TestApp, role: &str) -> String {
    let email = format!("{role}@staff.example.com");
    format!("Bearer {}", app.sign_in(&email, PASSWORD).await)
}

/// Moves the app's clock to `now`.
fn travel(app: &mut TestApp, now: DateTime<Utc>) {
    app.clock = Clock::Fixed(now);
}

/// The time-driven work at the app's clock: closing, dissolution, debates held.
fn run_clock_jobs(app: &TestApp) {
    let now = app.clock.now();
    app.db
        .run_blocking(move |conn| {
            close_past_deadline(conn, now)?;
            dissolve_if_due(conn, now)?;
            mark_debates_held(conn, london_date(now), now)?;
            Ok(())
        })
        .unwrap();
}

fn subjects(mails: &[ReceivedMail]) -> Vec<String> {
    let mut subjects: Vec<String> = mails
        .iter()
        .filter_map(|mail| mail.header("Subject"))
        .collect();
    subjects.sort();
    subjects
}

async fn public(app: &TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()["data"]["attributes"].clone()
}

#[actix_web::test]
async fn a_petition_lives_from_creation_to_the_archive_through_the_api() {
    let start = Utc::now().with_nanosecond(0).unwrap();
    let mut app = TestApp::new().at(&start.to_rfc3339());
    let smtp = SmtpServer::start();
    app.add_staff("moderator@staff.example.com", "moderator", PASSWORD);
    app.add_staff("sysadmin@staff.example.com", "sysadmin", PASSWORD);
    let sysadmin = signed_in(&app, "sysadmin").await;
    let moderator = signed_in(&app, "moderator").await;
    // Thresholds a test can reach; archiving must copy these onto the parliament.
    let settings = json!({"response_threshold": 8, "debate_threshold": 9});
    let changed = patch_as(&app, &sysadmin, "/admin/settings", settings).await;
    assert_eq!(changed.status, 200, "{}", changed.text());

    // Creation: the creator confirms, then shares the supporter link.
    let mut body = petition("Build a library in every town", "creator@example.com");
    body["creator"]["notify_by_email"] = json!(true);
    let id = create(&app, &body, "192.0.2.10").await;
    let mail = mail_titled(
        &app,
        &smtp,
        "creator@example.com",
        "Please confirm your petition",
    );
    assert_eq!(
        app.get(&mail.link_containing("/verify").unwrap())
            .await
            .status,
        200
    );
    let sponsor_link = mail.link_containing("/sponsors").unwrap();

    // Five supporters confirm, and the creator hears of each.
    for n in 1..=5 {
        let email = format!("supporter{n}@example.com");
        let mut supporter = person(&format!("Supporter {n}"), &email);
        supporter["notify_by_email"] = json!(true);
        let from = format!("198.51.100.{n}");
        let supported = app
            .post_json_from(&sponsor_link, &supporter, &from, &[])
            .await;
        assert_eq!(supported.status, 202, "{}", supported.text());
        let mail = mail_titled(&app, &smtp, &email, "Please confirm your signature");
        assert_eq!(
            app.post(&mail.link_containing("/verify").unwrap())
                .await
                .status,
            200
        );
    }
    app.deliver(&smtp);
    let to_creator = subjects(&smtp.received_by("creator@example.com"));
    let supported = "A supporter signed your petition: Build a library in every town";
    assert_eq!(to_creator.iter().filter(|s| *s == supported).count(), 5);
    let queue = get_as(&app, &moderator, "/admin/petitions?state=in_moderation").await;
    assert_eq!(queue.json()["data"][0]["id"], id, "{}", queue.text());

    // Moderation: published, and the creator and supporters are told.
    let published = moderate(&app, &moderator, id, json!({"action": "publish"})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    for address in ["creator@example.com", "supporter3@example.com"] {
        mail_titled(&app, &smtp, address, "Petition published");
    }
    let deadline: DateTime<Utc> = published.json()["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Signing: three people sign and confirm; the count crosses both thresholds.
    for signer in ["a@example.com", "bb@example.com", "ccc@example.com"] {
        sign(&app, &smtp, id, signer, true, true).await;
    }
    app.count();
    let page = public(&app, &format!("/petitions/{id}.json")).await;
    assert_eq!(page["state"], "open");
    assert_eq!(page["signature_count"], 9);
    assert!(page["response_threshold_reached_at"].is_string());
    assert!(page["debate_threshold_reached_at"].is_string());
    assert_eq!(page["creator_name"], "Creator Person");

    // The government responds through its department's token; signers are emailed.
    let department = integration_bearer(&app, &sysadmin, &["responses:write"]).await;
    let response = json!({
        "summary": "We will fund libraries.",
        "details": "Every town will have one by 2030.",
        "email_signers": true,
    });
    let path = format!("/admin/petitions/{id}/government-response");
    let responded = put_as(&app, &department, &path, response).await;
    assert_eq!(responded.status, 200, "{}", responded.text());
    let mail = mail_titled(&app, &smtp, "a@example.com", "The Government responded");
    assert!(mail.body().contains("Every town will have one by 2030."));

    // Parliament's systems schedule a debate a week away; signers are emailed.
    let parliament_systems = integration_bearer(&app, &sysadmin, &["debates:write"]).await;
    let debate_day = london_date(app.clock.now()) + Duration::days(7);
    let schedule = json!({"scheduled_debate_date": debate_day.to_string(), "email_signers": true});
    let path = format!("/admin/petitions/{id}/debate");
    let scheduled = put_as(&app, &parliament_systems, &path, schedule).await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.text());
    mail_titled(
        &app,
        &smtp,
        "bb@example.com",
        "Parliament will debate this petition",
    );

    // The debate is held; the outcome is recorded the day after.
    travel(&mut app, start + Duration::days(8));
    run_clock_jobs(&app);
    let moderator = signed_in(&app, "moderator").await;
    let held = get_as(&app, &moderator, &format!("/admin/petitions/{id}")).await;
    assert_eq!(held.json()["debate_state"], "debated");
    let outcome = json!({
        "debated": true,
        "debated_on": debate_day.to_string(),
        "overview": "Members agreed libraries matter.",
        "transcript_url": "https://hansard.parliament.uk/debate/1",
        "email_signers": true,
    });
    let path = format!("/admin/petitions/{id}/debate-outcome");
    let recorded = put_as(&app, &parliament_systems, &path, outcome).await;
    assert_eq!(recorded.status, 200, "{}", recorded.text());
    let mail = mail_titled(
        &app,
        &smtp,
        "ccc@example.com",
        "Parliament debated this petition",
    );
    assert!(mail
        .body()
        .contains("Read the transcript: https://hansard.parliament.uk/debate/1"));

    // Closing: the job closes it at its deadline.
    travel(&mut app, deadline + Duration::minutes(1));
    run_clock_jobs(&app);
    let page = public(&app, &format!("/petitions/{id}.json")).await;
    assert_eq!(page["state"], "closed");
    assert_eq!(
        page["closed_at"],
        deadline.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    );
    assert_eq!(page["creator_name"], Value::Null);

    // Dissolution, then archiving with the thresholds in force.
    let sysadmin = signed_in(&app, "sysadmin").await;
    let dissolution = app.clock.now() + Duration::days(1);
    let announce = json!({"dissolution_at": dissolution.to_rfc3339()});
    let announced = put_as(&app, &sysadmin, "/admin/parliament/dissolution", announce).await;
    assert_eq!(announced.status, 200, "{}", announced.text());
    travel(&mut app, dissolution + Duration::hours(1));
    run_clock_jobs(&app);
    let sysadmin = signed_in(&app, "sysadmin").await;
    let archived = app
        .request(
            Method::POST,
            "/admin/parliament/archive",
            &[("authorization", &sysadmin)],
            None,
        )
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text());
    assert_eq!(app.get(&format!("/petitions/{id}.json")).await.status, 404);
    let document = app
        .get(&format!("/archived/petitions/{id}.json"))
        .await
        .json();
    let data = &document["data"];
    assert_eq!(data["type"], "archived-petition");
    assert_eq!(data["parliament"]["response_threshold"], 8);
    assert_eq!(data["parliament"]["debate_threshold"], 9);
    let archived_page = &data["attributes"];
    assert_eq!(archived_page["action"], "Build a library in every town");
    assert_eq!(archived_page["signature_count"], 9);
    assert_eq!(
        archived_page["government_response"]["summary"],
        "We will fund libraries."
    );
    assert_eq!(
        archived_page["debate"]["debated_on"],
        debate_day.to_string()
    );
    assert_eq!(
        archived_page["signatures_by_constituency"][0]["signature_count"],
        9
    );

    // Six months after closing, the signers are anonymised; the archive is unchanged.
    let later = deadline + Duration::days(200);
    while app
        .db
        .run_blocking(move |conn| anonymise_next_batch(conn, 1_000, later))
        .unwrap()
        .is_some()
    {}
    let left = app.number(&format!(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = {id} AND email <> ''"
    ));
    assert_eq!(left, 0);
    let after = app
        .get(&format!("/archived/petitions/{id}.json"))
        .await
        .json();
    assert_eq!(after["data"]["attributes"], document["data"]["attributes"]);

    // Every email went out, through SMTP, once.
    app.deliver(&smtp);
    let outbox = app.outbox();
    assert!(
        outbox.iter().all(|email| email.state == "sent"),
        "{outbox:?}"
    );
    assert_eq!(smtp.received().len(), outbox.len());
}
