//! Moderation through the staff API: the queue, decisions checked by the transition table,
//! the emails they send, and the audit trail they leave.

use serde_json::json;
use tests::{SmtpServer, TestApp};

use crate::journey::{
    create, create_sponsored, get_as, mail_titled, moderate, petition, staff_bearer,
};

#[actix_web::test]
async fn a_sponsored_petition_is_published_and_its_creator_and_supporters_are_told() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create_sponsored(&app, &smtp).await;
    let moderator = staff_bearer(&app, "moderator").await;

    let queue = get_as(&app, &moderator, "/admin/petitions?state=in_moderation").await;
    assert_eq!(queue.status, 200, "{}", queue.text());
    let queue = queue.json();
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["data"][0]["id"], id);
    assert_eq!(queue["data"][0]["state"], "sponsored");
    assert_eq!(
        queue["data"][0]["allowed_actions"],
        json!(["publish", "reject", "flag", "dormant"])
    );

    let published = moderate(&app, &moderator, id, json!({"action": "publish"})).await;
    assert_eq!(published.status, 200, "{}", published.text());
    let published = published.json();
    assert_eq!(published["state"], "open");
    assert!(published["opened_at"].is_string());
    assert!(published["deadline"].is_string());

    let public = app.get(&format!("/petitions/{id}.json")).await;
    assert_eq!(public.status, 200, "{}", public.text());
    let attributes = &public.json()["data"]["attributes"];
    assert_eq!(attributes["state"], "open");
    assert!(attributes["opened_at"].is_string());

    let to_creator = mail_titled(&app, &smtp, "c@example.com", "Petition published");
    assert_eq!(
        to_creator.header("Subject").unwrap(),
        "Petition published: Fund libraries"
    );
    assert!(to_creator.body().contains("Your petition"));
    assert!(to_creator
        .link_containing(&format!("/petitions/{id}"))
        .is_some());
    for n in 1..=5 {
        let address = format!("supporter{n}@example.com");
        let to_supporter = mail_titled(&app, &smtp, &address, "Petition published");
        assert!(to_supporter.body().contains("The petition you supported"));
    }

    // Published once: publishing again is refused and sends nothing more.
    let again = moderate(&app, &moderator, id, json!({"action": "publish"})).await;
    assert_eq!(again.status, 409);
    app.deliver(&smtp);
    // To confirm, one per supporter, and published: nothing more.
    assert_eq!(smtp.received_by("c@example.com").len(), 7);
}

#[actix_web::test]
async fn refused_decisions_say_why_and_name_what_is_allowed() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let pending = create(&app, &petition("Fund parks", "p@example.com"), "192.0.2.9").await;
    let moderator = staff_bearer(&app, "moderator").await;

    let refused = moderate(&app, &moderator, pending, json!({"action": "publish"})).await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert_eq!(
        refused.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let refused = refused.json();
    assert!(refused["detail"]
        .as_str()
        .unwrap()
        .contains("the creator has not confirmed"));
    assert_eq!(refused["allowed_actions"], json!(["reject"]));

    let faults = |body: serde_json::Value| {
        let app = &app;
        let moderator = &moderator;
        async move {
            let response = moderate(app, moderator, pending, body).await;
            assert_eq!(response.status, 422, "{}", response.text());
            response.json()["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|error| error["field"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(faults(json!({"action": "approve"})).await, ["action"]);
    assert_eq!(
        faults(json!({"action": "reject"})).await,
        ["rejection.code"]
    );
    assert_eq!(
        faults(json!({"action": "reject", "rejection": {"code": "no-such-reason"}})).await,
        ["rejection.code"]
    );
    assert_eq!(
        faults(json!({"action": "reject", "rejection": {"code": "duplicate", "details": "x".repeat(4001)}}))
            .await,
        ["rejection.details"]
    );

    let missing = moderate(&app, &moderator, 999_999, json!({"action": "publish"})).await;
    assert_eq!(missing.status, 404);

    // Removing is for sysadmins, and a removed petition is gone.
    let not_yours = moderate(&app, &moderator, pending, json!({"action": "remove"})).await;
    assert_eq!(not_yours.status, 403, "{}", not_yours.text());
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let removed = moderate(&app, &sysadmin, pending, json!({"action": "remove"})).await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert_eq!(removed.json()["allowed_actions"], json!([]));
    assert_eq!(
        app.get(&format!("/petitions/{pending}.json")).await.status,
        410
    );
    let nothing_left = moderate(&app, &sysadmin, pending, json!({"action": "restore"})).await;
    assert_eq!(nothing_left.status, 409);
    assert_eq!(nothing_left.json()["allowed_actions"], json!([]));
    drop(smtp);
}

#[actix_web::test]
async fn a_taken_down_petition_is_gone_and_only_a_sysadmin_can_put_it_back() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create_sponsored(&app, &smtp).await;
    let moderator = staff_bearer(&app, "moderator").await;
    let opened = moderate(&app, &moderator, id, json!({"action": "publish"}))
        .await
        .json();

    let taken_down = moderate(
        &app,
        &moderator,
        id,
        json!({"action": "reject", "rejection": {"code": "offensive", "details": "A joke."}}),
    )
    .await;
    assert_eq!(taken_down.status, 200, "{}", taken_down.text());
    assert_eq!(taken_down.json()["state"], "hidden");
    assert_eq!(app.get(&format!("/petitions/{id}.json")).await.status, 410);
    let told = mail_titled(&app, &smtp, "c@example.com", "Petition rejected");
    assert_eq!(
        told.header("Subject").unwrap(),
        "Petition rejected: Fund libraries"
    );
    assert!(told.body().contains("Offensive or a joke"));
    assert!(told.body().contains("A joke."));

    let moderator_restores = moderate(&app, &moderator, id, json!({"action": "restore"})).await;
    assert_eq!(moderator_restores.status, 403);
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let restored = moderate(&app, &sysadmin, id, json!({"action": "restore"})).await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    let restored = restored.json();
    assert_eq!(restored["state"], "open");
    assert_eq!(
        restored["deadline"], opened["deadline"],
        "the original deadline"
    );
    assert_eq!(restored["rejection"], json!(null));
    assert_eq!(app.get(&format!("/petitions/{id}.json")).await.status, 200);

    // Every decision is in the audit log, newest first, with the state before and after.
    let log = get_as(
        &app,
        &sysadmin,
        &format!("/admin/audit-log?petition_id={id}"),
    )
    .await;
    let log = log.json();
    let actions: Vec<&str> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["petition.restore", "petition.reject", "petition.publish"]
    );
    assert_eq!(log["data"][1]["before"]["state"], "open");
    assert_eq!(log["data"][1]["after"]["state"], "hidden");
    assert_eq!(log["data"][1]["after"]["rejection"]["code"], "offensive");
}

#[actix_web::test]
async fn a_public_rejection_shows_its_reason() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create_sponsored(&app, &smtp).await;
    let moderator = staff_bearer(&app, "moderator").await;
    let flagged = moderate(&app, &moderator, id, json!({"action": "flag"})).await;
    assert_eq!(flagged.json()["state"], "flagged");
    let rejected = moderate(
        &app,
        &moderator,
        id,
        json!({"action": "reject", "rejection": {"code": "duplicate", "details": "See petition 1."}}),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text());
    let public = app.get(&format!("/petitions/{id}.json")).await;
    assert_eq!(public.status, 200, "{}", public.text());
    let attributes = &public.json()["data"]["attributes"];
    assert_eq!(attributes["state"], "rejected");
    assert_eq!(
        attributes["rejection"],
        json!({"code": "duplicate", "details": "See petition 1."})
    );
    assert!(attributes["rejected_at"].is_string());
    for n in 1..=5 {
        let address = format!("supporter{n}@example.com");
        let told = mail_titled(&app, &smtp, &address, "Petition rejected");
        assert!(told.body().contains("Duplicate petition"));
    }
}

#[actix_web::test]
async fn staff_find_petitions_by_facet_and_search() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let queued = create_sponsored(&app, &smtp).await;
    let collecting = create(
        &app,
        &petition("Protect hedgehogs", "h@example.com"),
        "192.0.2.20",
    )
    .await;
    let overdue = create(
        &app,
        &petition("Repair the pier", "r@example.com"),
        "192.0.2.21",
    )
    .await;
    let nearly = create(
        &app,
        &petition("Light the towpath", "l@example.com"),
        "192.0.2.22",
    )
    .await;
    let days_ago = |days: i64| {
        let at = app.clock.now() - chrono::Duration::days(days);
        at.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()
    };
    for (id, days) in [(overdue, 15), (nearly, 12)] {
        app.execute(&format!(
            "UPDATE petitions SET state = 'sponsored', moderation_threshold_reached_at = '{}' \
             WHERE id = {id}",
            days_ago(days)
        ));
    }
    let reviewer = staff_bearer(&app, "reviewer").await;
    let ids = |path: String| {
        let app = &app;
        let reviewer = &reviewer;
        async move {
            let response = get_as(app, reviewer, &path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text());
            response.json()["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|petition| petition["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    let facet = |name: &str| format!("/admin/petitions?state={name}");
    assert_eq!(ids(facet("in_moderation")).await, [overdue, nearly, queued]);
    assert_eq!(ids(facet("overdue")).await, [overdue]);
    assert_eq!(ids(facet("nearly_overdue")).await, [nearly]);
    assert_eq!(ids(facet("collecting_sponsors")).await, [collecting]);
    assert_eq!(ids(facet("open")).await, Vec::<i64>::new());
    assert_eq!(
        ids(format!("/admin/petitions?q={collecting}")).await,
        [collecting]
    );
    assert_eq!(
        ids("/admin/petitions?q=hedgehogs".to_owned()).await,
        [collecting]
    );
    assert_eq!(
        ids("/admin/petitions?count=2".to_owned()).await.len(),
        2,
        "paged"
    );

    // A reviewer sees everything but may decide nothing.
    let one = get_as(&app, &reviewer, &format!("/admin/petitions/{queued}")).await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(one.json()["allowed_actions"], json!([]));
    let refused = moderate(&app, &reviewer, queued, json!({"action": "publish"})).await;
    assert_eq!(refused.status, 403);

    let typo = get_as(&app, &reviewer, "/admin/petitions?state=moderated").await;
    assert_eq!(typo.status, 400);
    assert!(typo.json()["detail"]
        .as_str()
        .unwrap()
        .contains("in_moderation"));
    let missing = get_as(&app, &reviewer, "/admin/petitions/424242").await;
    assert_eq!(missing.status, 404);
}

#[actix_web::test]
async fn sysadmins_manage_rejection_reasons_and_a_reason_in_use_stays() {
    let app = TestApp::new();
    let pending = create(&app, &petition("Fund parks", "p@example.com"), "192.0.2.9").await;
    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let moderator = staff_bearer(&app, "moderator").await;
    let reasons = "/admin/rejection-reasons";
    let reason = json!({
        "code": "not-a-petition",
        "title": "Not a petition",
        "description": "It did not ask for anything.",
        "hidden": false,
    });
    let add = |bearer: &str, body: serde_json::Value| {
        let bearer = bearer.to_owned();
        let app = &app;
        async move {
            app.request(
                actix_web::http::Method::POST,
                reasons,
                &[("authorization", bearer.as_str())],
                Some(&body),
            )
            .await
        }
    };
    assert_eq!(add(&moderator, reason.clone()).await.status, 403);
    let added = add(&sysadmin, reason.clone()).await;
    assert_eq!(added.status, 201, "{}", added.text());
    assert_eq!(add(&sysadmin, reason).await.status, 409);
    let bad = add(&sysadmin, json!({"code": "Bad Code", "hidden": "no"})).await;
    assert_eq!(bad.status, 422);
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["code", "title", "description", "hidden"]);

    let rejected = moderate(
        &app,
        &moderator,
        pending,
        json!({"action": "reject", "rejection": {"code": "not-a-petition"}}),
    )
    .await;
    assert_eq!(rejected.status, 200, "{}", rejected.text());

    let one = format!("{reasons}/not-a-petition");
    let in_use = app
        .request(
            actix_web::http::Method::DELETE,
            &one,
            &[("authorization", sysadmin.as_str())],
            None,
        )
        .await;
    assert_eq!(in_use.status, 409, "{}", in_use.text());
    let reworded = crate::journey::put_as(
        &app,
        &sysadmin,
        &one,
        json!({"title": "Not a request", "description": "It asked for nothing.", "hidden": false}),
    )
    .await;
    assert_eq!(reworded.status, 200, "{}", reworded.text());

    let unused = app
        .request(
            actix_web::http::Method::DELETE,
            &format!("{reasons}/honours"),
            &[("authorization", sysadmin.as_str())],
            None,
        )
        .await;
    assert_eq!(unused.status, 204, "{}", unused.text());
    let listed = get_as(&app, &moderator, reasons).await.json();
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|reason| reason["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"honours"));
    assert!(codes.contains(&"not-a-petition"));
    let log = get_as(&app, &sysadmin, "/admin/audit-log?count=3")
        .await
        .json();
    assert_eq!(log["data"][0]["action"], "rejection_reason.delete");
    assert_eq!(log["data"][1]["action"], "rejection_reason.update");
    assert_eq!(log["data"][1]["after"]["title"], "Not a request");
}
