//! The importer: official documents of every shape, upserted by id.

use tests::TestApp;

const LIST_PAGE: &str = r#"{"links":{"self":"https://petition.parliament.uk/petitions.json?page=1","first":"https://petition.parliament.uk/petitions.json","last":"https://petition.parliament.uk/petitions.json?page=1","next":null,"prev":null},"data":[
{"type":"petition","id":900001,"links":{"self":"https://petition.parliament.uk/petitions/900001.json"},"attributes":{"action":"Plant more trees","background":"Trees are good.","additional_details":null,"committee_note":null,"state":"open","signature_count":12000,"closing_date":"2026-12-31","created_at":"2026-06-01T10:00:00.000Z","updated_at":"2026-07-01T10:00:00.000Z","rejected_at":null,"opened_at":"2026-06-30T09:00:00.000Z","closed_at":null,"moderation_threshold_reached_at":"2026-06-02T10:00:00.000Z","response_threshold_reached_at":"2026-06-30T12:00:00.000Z","government_response_at":null,"debate_threshold_reached_at":null,"debate_scheduled_on":null,"scheduled_debate_date":null,"debate_outcome_at":null,"creator_name":"Ada Lovelace","rejection":null,"government_response":null,"debate":null,"departments":[{"acronym":"DEFRA","name":"Department for Environment, Food and Rural Affairs","url":"https://www.gov.uk/government/organisations/department-for-environment-food-rural-affairs"}],"topics":["environment"]}},
{"type":"petition","id":900002,"links":{"self":"https://petition.parliament.uk/petitions/900002.json"},"attributes":{"action":"Rejected idea","background":"No.","additional_details":null,"committee_note":null,"state":"rejected","signature_count":6,"created_at":"2026-06-01T10:00:00.000Z","updated_at":"2026-06-05T10:00:00.000Z","rejected_at":"2026-06-05T10:00:00.000Z","opened_at":null,"closed_at":null,"moderation_threshold_reached_at":null,"response_threshold_reached_at":null,"government_response_at":null,"debate_threshold_reached_at":null,"debate_scheduled_on":null,"scheduled_debate_date":null,"debate_outcome_at":null,"creator_name":null,"rejection":{"code":"a-new-code","details":"Unknown to us until now"},"government_response":null,"debate":null,"departments":[],"topics":[]}}
]}"#;

#[actix_web::test]
async fn a_list_page_imports_every_petition_with_departments_topics_and_unknown_rejection_codes() {
    let app = TestApp::new().at("2026-07-02T00:00:00Z");
    app.import(LIST_PAGE);
    let open = app.get("/petitions/900001.json").await.json();
    let attributes = &open["data"]["attributes"];
    assert_eq!(attributes["closing_date"], "2026-12-31");
    assert_eq!(attributes["departments"][0]["acronym"], "DEFRA");
    assert_eq!(attributes["topics"][0], "environment");
    assert_eq!(attributes["creator_name"], "Ada Lovelace");
    let rejected = app.get("/petitions/900002.json").await.json();
    assert_eq!(
        rejected["data"]["attributes"]["rejection"]["code"],
        "a-new-code"
    );
    let topics = app.get("/topics.json").await.json();
    assert_eq!(topics[0]["code"], "environment");
    let by_topic = app.get("/petitions.json?topic=environment").await.json();
    assert_eq!(by_topic["data"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn importing_everything_twice_changes_nothing() {
    let app = TestApp::new().at("2026-01-01T00:00:00Z");
    app.import_bundled();
    let mut first = Vec::new();
    for path in [
        "/petitions.json?count=50",
        "/archived/petitions.json?count=50",
        "/petitions/131215.json",
        "/archived/petitions/114003.json",
    ] {
        first.push(app.get(path).await.text());
    }
    app.import_bundled();
    for (index, path) in [
        "/petitions.json?count=50",
        "/archived/petitions.json?count=50",
        "/petitions/131215.json",
        "/archived/petitions/114003.json",
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(app.get(path).await.text(), first[index], "{path}");
    }
}

#[actix_web::test]
async fn a_list_item_without_breakdowns_keeps_the_breakdowns_already_stored() {
    let app = TestApp::new().at("2016-06-27T00:00:00Z");
    let (_, full) = api::official::bundled::DOCUMENTS
        .iter()
        .find(|(name, _)| *name == "131215.json")
        .unwrap();
    app.import(full);
    let mut item: serde_json::Value = serde_json::from_str(full).unwrap();
    let attributes = item["data"]["attributes"].as_object_mut().unwrap();
    attributes.remove("signatures_by_country");
    attributes.remove("signatures_by_constituency");
    attributes["signature_count"] = 3_600_000.into();
    app.import(&serde_json::json!({"links": {}, "data": [item["data"]]}).to_string());
    let petition = app.get("/petitions/131215.json").await.json();
    assert_eq!(petition["data"]["attributes"]["signature_count"], 3_600_000);
    assert_eq!(
        petition["data"]["attributes"]["signatures_by_constituency"]
            .as_array()
            .unwrap()
            .len(),
        650
    );
}

#[test]
fn documents_that_are_not_petitions_are_refused_with_the_place_at_fault() {
    let error = api::official::parse_document(
        r#"{"data":{"type":"petition","id":1,"attributes":{"action":"x"}}}"#,
    )
    .unwrap_err();
    assert_eq!(error.location, "data");
    assert!(error.problem.contains("missing field"), "{}", error.problem);
    let error =
        api::official::parse_document(r#"{"data":{"type":"survey","id":1,"attributes":{}}}"#)
            .unwrap_err();
    assert!(error.to_string().contains("data"), "{error}");
    // PostgreSQL can't store a NUL, so it is refused, with where it is, before either database.
    let error = api::official::parse_document(
        r#"{"data":[{"type":"petition","id":1,"attributes":{"action":"a\u0000b"}}]}"#,
    )
    .unwrap_err();
    assert_eq!(error.location, "data[0].attributes.action");
    assert!(error.problem.contains("NUL"), "{}", error.problem);
}
