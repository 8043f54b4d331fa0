//! Parliaments: announcing dissolution, telling signers once, closing and stopping petitions
//! at the dissolution, archiving with the thresholds in force, opening the next parliament,
//! and anonymising signers six months after their petition stopped collecting.

use actix_web::http::Method;
use api::clock::Clock;
use chrono::{DateTime, Duration, Timelike, Utc};
use domain::deadline::london_date;
use persistence::anonymisation::anonymise_next_batch;
use persistence::parliaments::dissolve_if_due;
use persistence::petitions::close_past_deadline;
use serde_json::json;
use tests::{SmtpServer, TestApp, TestResponse};

use crate::journey::{
    create_confirmed_as, create_sponsored_as, fault_fields, get_as, moderate, patch_as, published,
    put_as, sign,
};

const DISSOLUTION_SUBJECT: &str = "Parliament is being dissolved";

fn millis(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

async fn post_as(app: &TestApp, bearer: &str, path: &str) -> TestResponse {
    app.request(Method::POST, path, &[("authorization", bearer)], None)
        .await
}

async fn announce(app: &TestApp, sysadmin: &str, at: DateTime<Utc>) -> TestResponse {
    put_as(
        app,
        sysadmin,
        "/admin/parliament/dissolution",
        json!({
            "dissolution_at": at.to_rfc3339(),
            "message": "Polling day is Thursday 4 July.",
        }),
    )
    .await
}

/// Runs the time-driven work at `now` as the workers would; returns (closed, stopped).
fn run_clock_jobs(app: &TestApp, now: DateTime<Utc>) -> (usize, usize) {
    app.db
        .run_blocking(move |conn| {
            let closed = close_past_deadline(conn, now)?;
            let dissolved = dissolve_if_due(conn, now)?;
            Ok((closed + dissolved.closed, dissolved.stopped))
        })
        .unwrap()
}

#[actix_web::test]
async fn dissolution_closes_open_petitions_early_stops_the_rest_and_tells_each_address_once() {
    let mut app = TestApp::new();
    let smtp = SmtpServer::start();
    let (first, moderator, sysadmin) = published(&app).await;
    let second = create_sponsored_as(
        &app,
        &smtp,
        ("Open more libraries", "s@example.com", "192.0.2.2"),
    )
    .await;
    let opened = moderate(&app, &moderator, second, json!({"action": "publish"})).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let (published_late, _) =
        create_confirmed_as(&app, &smtp, ("Mend roads", "late@example.com", "192.0.2.3")).await;
    let (never_published, _) = create_confirmed_as(
        &app,
        &smtp,
        ("Plant hedges", "never@example.com", "192.0.2.4"),
    )
    .await;
    // a@ signed both open petitions and asked for updates; bb@ asked for none.
    sign(&app, &smtp, first, "a@example.com", true, true).await;
    sign(&app, &smtp, second, "a@example.com", true, true).await;
    sign(&app, &smtp, second, "bb@example.com", false, true).await;
    sign(&app, &smtp, second, "ccc@example.com", true, true).await;
    app.count();

    // Announced to the second, as people do.
    let dissolution = (app.clock.now() + Duration::minutes(10))
        .with_nanosecond(0)
        .unwrap();
    let past = announce(&app, &sysadmin, app.clock.now() - Duration::minutes(1)).await;
    assert_eq!(past.status, 422, "{}", past.text());
    assert_eq!(fault_fields(&past), ["dissolution_at"]);
    let announced = announce(&app, &sysadmin, dissolution).await;
    assert_eq!(announced.status, 200, "{}", announced.text());
    assert_eq!(announced.json()["deadlines_brought_forward"], 2);
    assert_eq!(announced.json()["parliament"]["phase"], "dissolving");
    let later = announce(&app, &sysadmin, dissolution + Duration::days(1)).await;
    assert_eq!(later.status, 409, "{}", later.text());
    let page = app.get(&format!("/petitions/{first}.json")).await.json();
    assert_eq!(
        page["data"]["attributes"]["closing_date"],
        london_date(dissolution).to_string(),
        "an open petition now closes at the dissolution"
    );
    let published_now = moderate(
        &app,
        &moderator,
        published_late,
        json!({"action": "publish"}),
    )
    .await;
    assert_eq!(published_now.status, 200, "{}", published_now.text());
    let deadline = published_now.json()["deadline"].as_str().unwrap().parse();
    assert_eq!(deadline, Ok(dissolution));

    // Each subscribed address hears once, however many open petitions it signed.
    let notice = "/admin/parliament/dissolution/emails";
    let started = post_as(&app, &sysadmin, notice).await;
    assert_eq!(started.status, 202, "{}", started.text());
    assert_eq!(post_as(&app, &sysadmin, notice).await.status, 409);
    app.deliver(&smtp);
    app.deliver(&smtp);
    let notices = |address: &str| {
        smtp.received_by(address)
            .into_iter()
            .filter(|mail| {
                mail.header("Subject")
                    .is_some_and(|subject| subject.starts_with(DISSOLUTION_SUBJECT))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(notices("a@example.com").len(), 1);
    assert_eq!(notices("ccc@example.com").len(), 1);
    assert_eq!(notices("bb@example.com").len(), 0, "asked for no updates");
    for creator in ["c@example.com", "s@example.com", "late@example.com"] {
        assert_eq!(notices(creator).len(), 1, "creators hear of it: {creator}");
    }
    assert_eq!(notices("never@example.com").len(), 0, "not open");
    let mail = &notices("a@example.com")[0];
    assert!(mail.body().contains("Polling day is Thursday 4 July."));
    assert!(mail.header("List-Unsubscribe").is_some());
    let status = get_as(&app, &moderator, "/admin/parliament").await.json();
    assert_eq!(status["notice"]["queued"], 5);
    assert_eq!(status["notice"]["sent"], 5);

    // The dissolution comes: the job closes what is open at that instant and stops the rest.
    let after = dissolution + Duration::minutes(1);
    assert_eq!(run_clock_jobs(&app, dissolution), (0, 0), "not before it");
    assert_eq!(run_clock_jobs(&app, after), (3, 1));
    assert_eq!(run_clock_jobs(&app, after), (0, 0), "once");
    app.clock = Clock::Fixed(after);
    let closed = app.get(&format!("/petitions/{first}.json")).await.json();
    assert_eq!(closed["data"]["attributes"]["state"], "closed");
    assert_eq!(
        closed["data"]["attributes"]["closed_at"],
        millis(dissolution)
    );
    let stopped = get_as(
        &app,
        &moderator,
        &format!("/admin/petitions/{never_published}"),
    )
    .await;
    assert_eq!(stopped.json()["state"], "stopped");
    let creating = app
        .post_json(
            "/petitions",
            &crate::journey::petition("Plant trees", "t@example.com"),
        )
        .await;
    assert_eq!(creating.status, 409, "{}", creating.text());
    assert_eq!(
        get_as(&app, &moderator, "/admin/parliament").await.json()["phase"],
        "dissolved"
    );

    // Archiving copies the thresholds in force onto the parliament.
    let settings = patch_as(
        &app,
        &sysadmin,
        "/admin/settings",
        json!({"response_threshold": 20000}),
    )
    .await;
    assert_eq!(settings.status, 200, "{}", settings.text());
    let archived = post_as(&app, &sysadmin, "/admin/parliament/archive").await;
    assert_eq!(archived.status, 200, "{}", archived.text());
    assert_eq!(archived.json()["petitions_archived"], 4);
    let period = format!("2024-{}", london_date(dissolution).format("%Y"));
    assert_eq!(archived.json()["parliament"]["period"], period);
    let page = app.get(&format!("/archived/petitions/{first}.json")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(page["data"]["type"], "archived-petition");
    assert_eq!(page["data"]["parliament"]["period"], period);
    assert_eq!(page["data"]["parliament"]["response_threshold"], 20000);
    assert_eq!(page["data"]["attributes"]["action"], "Fund libraries");
    assert_eq!(page["data"]["attributes"]["signature_count"], 7);
    assert_eq!(
        app.get(&format!("/petitions/{first}.json")).await.status,
        404
    );
    let listed = app
        .get(&format!(
            "/archived/petitions.json?parliament={}",
            archived.json()["parliament"]["id"]
        ))
        .await
        .json();
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        3,
        "stopped ones are not public"
    );
    assert_eq!(
        get_as(&app, &moderator, "/admin/parliament").await.status,
        404
    );
    assert_eq!(
        post_as(&app, &sysadmin, "/admin/parliament/archive")
            .await
            .status,
        404
    );

    // The next parliament opens after the dissolution, and petitions are taken again.
    let too_early = app
        .request(
            Method::POST,
            "/admin/parliaments",
            &[("authorization", &sysadmin)],
            Some(&json!({"government": "Labour", "opening_at": dissolution.to_rfc3339()})),
        )
        .await;
    assert_eq!(too_early.status, 422, "{}", too_early.text());
    assert_eq!(fault_fields(&too_early), ["opening_at"]);
    let next = app
        .request(
            Method::POST,
            "/admin/parliaments",
            &[("authorization", &sysadmin)],
            Some(&json!({"government": "Labour", "opening_at": after.to_rfc3339()})),
        )
        .await;
    assert_eq!(next.status, 201, "{}", next.text());
    assert_eq!(next.json()["phase"], "sitting");
    let creating = app
        .post_json(
            "/petitions",
            &crate::journey::petition("Plant trees", "t@example.com"),
        )
        .await;
    assert_eq!(creating.status, 202, "{}", creating.text());
}

#[actix_web::test]
async fn signers_are_anonymised_six_months_after_their_petition_closed_and_counts_stay() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let (id, moderator, _) = published(&app).await;
    sign(&app, &smtp, id, "a@example.com", true, true).await;
    app.count();
    let deadline: DateTime<Utc> = get_as(&app, &moderator, &format!("/admin/petitions/{id}"))
        .await
        .json()["deadline"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(run_clock_jobs(&app, deadline + Duration::days(1)), (1, 0));
    let anonymise = |now: DateTime<Utc>| {
        let mut wiped = 0;
        while let Some(batch) = app
            .db
            .run_blocking(move |conn| anonymise_next_batch(conn, 2, now))
            .unwrap()
        {
            wiped += batch;
        }
        wiped
    };
    let identifiable = format!(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = {id} AND (name <> '' OR email <> '' \
         OR canonical_email <> '' OR postcode IS NOT NULL OR ip_address IS NOT NULL)"
    );
    assert_eq!(anonymise(deadline + Duration::days(180)), 0, "not yet");
    assert_eq!(app.number(&identifiable), 7);
    assert_eq!(anonymise(deadline + Duration::days(190)), 7);
    assert_eq!(app.number(&identifiable), 0);
    assert_eq!(anonymise(deadline + Duration::days(200)), 0, "once");

    let page = app.get(&format!("/petitions/{id}.json")).await.json();
    assert_eq!(page["data"]["attributes"]["signature_count"], 7);
    let constituencies = page["data"]["attributes"]["signatures_by_constituency"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(constituencies, 1, "breakdowns stay");
    let repairs = app
        .db
        .run_blocking(|conn| {
            persistence::signatures::reconcile_all(conn, &domain::Thresholds::default(), Utc::now())
        })
        .unwrap();
    assert!(repairs.is_empty(), "{repairs:?}");
}
