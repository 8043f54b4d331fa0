//! Staff edits: the petitioners' words before publication, the committee note at any time,
//! filing under departments and topics, and the private note.

use serde_json::json;
use tests::{SmtpServer, TestApp};

use crate::journey::{
    create_sponsored, fault_fields, get_as, moderate, patch_as, published, put_as, staff_bearer,
};

#[actix_web::test]
async fn a_moderator_edits_the_words_before_publication_and_only_the_note_after() {
    let app = TestApp::new();
    let smtp = SmtpServer::start();
    let id = create_sponsored(&app, &smtp).await;
    let moderator = staff_bearer(&app, "moderator").await;
    let path = format!("/admin/petitions/{id}");

    let edited = patch_as(
        &app,
        &moderator,
        &path,
        json!({"action": "  Fund public libraries  ", "additional_details": null}),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.text());
    let edited = edited.json();
    assert_eq!(edited["action"], "Fund public libraries");
    assert_eq!(edited["additional_details"], json!(null));
    assert_eq!(edited["background"], "Trees give shade and clean the air.");

    let faults = patch_as(
        &app,
        &moderator,
        &path,
        json!({"action": "", "committee_note": "n".repeat(801), "background": 7}),
    )
    .await;
    assert_eq!(faults.status, 422, "{}", faults.text());
    assert_eq!(
        fault_fields(&faults),
        ["action", "background", "committee_note"]
    );
    assert_eq!(
        patch_as(&app, &moderator, &path, json!({})).await.status,
        400
    );

    assert_eq!(
        moderate(&app, &moderator, id, json!({"action": "publish"}))
            .await
            .status,
        200
    );
    let public = app.get("/petitions.json?q=public%20libraries").await;
    assert_eq!(
        public.json()["data"][0]["id"],
        id,
        "the search sees the edit"
    );

    let too_late = patch_as(&app, &moderator, &path, json!({"action": "Something else"})).await;
    assert_eq!(too_late.status, 409, "{}", too_late.text());
    assert!(too_late.json()["detail"]
        .as_str()
        .unwrap()
        .contains("only change before it is published"));

    let note = "The committee has written to the department.";
    let noted = patch_as(&app, &moderator, &path, json!({"committee_note": note})).await;
    assert_eq!(noted.status, 200, "{}", noted.text());
    let page = app.get(&format!("/petitions/{id}.json")).await.json();
    let attributes = &page["data"]["attributes"];
    assert_eq!(attributes["committee_note"], note);
    assert_eq!(attributes["action"], "Fund public libraries");

    let sysadmin = staff_bearer(&app, "sysadmin").await;
    let log = get_as(
        &app,
        &sysadmin,
        &format!("/admin/audit-log?petition_id={id}"),
    )
    .await;
    let entries = log.json();
    let edits: Vec<_> = entries["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "petition.edit")
        .collect();
    assert_eq!(edits.len(), 2, "one entry per saved edit: {entries}");
    let first = edits.last().unwrap();
    assert_eq!(first["before"]["action"], "Fund libraries");
    assert_eq!(first["after"]["action"], "Fund public libraries");
    assert!(
        first["after"].get("background").is_none(),
        "only what changed"
    );
}

#[actix_web::test]
async fn petitions_are_filed_under_departments_and_topics_that_sysadmins_keep() {
    let app = TestApp::new();
    let (id, _moderator, sysadmin) = published(&app).await;
    let reviewer = staff_bearer(&app, "reviewer").await;

    let added = put_as(
        &app,
        &sysadmin,
        "/admin/departments/DCMS",
        json!({"name": "Department for Culture, Media and Sport", "url": "https://www.gov.uk/dcms"}),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let renamed = put_as(
        &app,
        &sysadmin,
        "/admin/departments/DCMS",
        json!({"name": "Culture, Media and Sport", "url": "https://www.gov.uk/dcms"}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let bad = put_as(
        &app,
        &sysadmin,
        "/admin/departments/D-C",
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["errors"][0]["field"], "acronym");
    let bad = put_as(
        &app,
        &sysadmin,
        "/admin/departments/DfE",
        json!({"url": "http://insecure.example"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["errors"].as_array().unwrap().len(), 2);
    let topic = put_as(
        &app,
        &sysadmin,
        "/admin/topics/culture",
        json!({"name": "Culture"}),
    )
    .await;
    assert_eq!(topic.status, 201, "{}", topic.text());

    let tags = format!("/admin/petitions/{id}/tags");
    let unknown = put_as(
        &app,
        &reviewer,
        &tags,
        json!({"departments": ["DCMS", "MOD"], "topics": ["sport"]}),
    )
    .await;
    assert_eq!(unknown.status, 422, "{}", unknown.text());
    assert_eq!(fault_fields(&unknown), ["departments", "topics"]);

    let filed = put_as(
        &app,
        &reviewer,
        &tags,
        json!({"departments": ["DCMS"], "topics": ["culture", "culture"]}),
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.text());
    assert_eq!(filed.json()["departments"], json!(["DCMS"]));
    assert_eq!(filed.json()["topics"], json!(["culture"]));

    let page = app.get(&format!("/petitions/{id}.json")).await.json();
    let attributes = &page["data"]["attributes"];
    assert_eq!(
        attributes["departments"],
        json!([{"acronym": "DCMS", "name": "Culture, Media and Sport", "url": "https://www.gov.uk/dcms"}])
    );
    assert_eq!(attributes["topics"], json!(["culture"]));
    let listed = app.get("/petitions.json?topic=culture").await.json();
    assert_eq!(listed["data"][0]["id"], id);

    let cleared = put_as(
        &app,
        &reviewer,
        &tags,
        json!({"departments": [], "topics": []}),
    )
    .await;
    assert_eq!(cleared.status, 200);
    let page = app.get(&format!("/petitions/{id}.json")).await.json();
    assert_eq!(page["data"]["attributes"]["topics"], json!([]));
}

#[actix_web::test]
async fn the_private_note_is_for_staff_only() {
    let app = TestApp::new();
    let (id, _moderator, _sysadmin) = published(&app).await;
    let reviewer = staff_bearer(&app, "reviewer").await;
    let path = format!("/admin/petitions/{id}/note");

    let saved = put_as(
        &app,
        &reviewer,
        &path,
        json!({"details": "Check the duplicate of #12."}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text());
    let note = &saved.json()["note"];
    assert_eq!(note["details"], "Check the duplicate of #12.");
    assert!(note["updated_by"].as_str().unwrap().starts_with("staff:"));

    let shown = get_as(&app, &reviewer, &format!("/admin/petitions/{id}"))
        .await
        .json();
    assert_eq!(shown["note"]["details"], "Check the duplicate of #12.");
    let public = app.get(&format!("/petitions/{id}.json")).await.text();
    assert!(!public.contains("duplicate of #12"));

    let too_long = put_as(
        &app,
        &reviewer,
        &path,
        json!({"details": "x".repeat(10_001)}),
    )
    .await;
    assert_eq!(too_long.status, 422);
    assert_eq!(too_long.json()["errors"][0]["field"], "details");
    let missing = put_as(
        &app,
        &reviewer,
        "/admin/petitions/999999/note",
        json!({"details": "x"}),
    )
    .await;
    assert_eq!(missing.status, 404);

    let deleted = put_as(&app, &reviewer, &path, json!({"details": ""})).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json()["note"], json!(null));
}
