//! The work the clock drives: closing at the deadline, and debates held once their day passes.

use chrono::Duration;
use domain::deadline::london_date;
use persistence::petitions::{close_past_deadline, mark_debates_held};
use serde_json::json;
use tests::TestApp;

use crate::journey::{get_as, published, put_as};

#[actix_web::test]
async fn a_petition_closes_at_its_deadline_once_however_often_the_job_runs() {
    let app = TestApp::new();
    let (id, moderator, _) = published(&app).await;
    let staff_view = get_as(&app, &moderator, &format!("/admin/petitions/{id}"))
        .await
        .json();
    let deadline: chrono::DateTime<chrono::Utc> =
        staff_view["deadline"].as_str().unwrap().parse().unwrap();

    let close = |at| {
        app.db
            .run_blocking(move |conn| close_past_deadline(conn, at))
            .unwrap()
    };
    assert_eq!(close(deadline), 0, "still signable in its last millisecond");
    // The job was down for a week: it catches up, and closes the petition at its deadline.
    assert_eq!(close(deadline + Duration::days(7)), 1);
    assert_eq!(close(deadline + Duration::days(8)), 0);

    let closed = get_as(&app, &moderator, &format!("/admin/petitions/{id}"))
        .await
        .json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_at"], staff_view["deadline"]);
    let public = app.get(&format!("/petitions/{id}.json")).await.json();
    assert_eq!(public["data"]["attributes"]["state"], "closed");
}

#[actix_web::test]
async fn a_scheduled_debate_is_marked_held_once_its_day_has_passed() {
    let app = TestApp::new();
    let (id, moderator, _) = published(&app).await;
    let today = london_date(app.clock.now());
    let day = today + Duration::days(3);
    let scheduled = put_as(
        &app,
        &moderator,
        &format!("/admin/petitions/{id}/debate"),
        json!({"scheduled_debate_date": day.to_string()}),
    )
    .await;
    assert_eq!(scheduled.status, 200, "{}", scheduled.text());

    let now = app.clock.now();
    let held = |today| {
        app.db
            .run_blocking(move |conn| mark_debates_held(conn, today, now))
            .unwrap()
    };
    assert_eq!(held(day), 0, "not during the day of the debate");
    assert_eq!(held(day + Duration::days(1)), 1);
    assert_eq!(held(day + Duration::days(2)), 0);
    let staff_view = get_as(&app, &moderator, &format!("/admin/petitions/{id}"))
        .await
        .json();
    assert_eq!(staff_view["debate_state"], "debated");
    let listed = app.get("/petitions.json?state=debated").await.json();
    assert_eq!(listed["data"][0]["id"], id);
}
