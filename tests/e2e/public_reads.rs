//! The public reads of SPEC §4: lists, single petitions, counts, visibility, caching.

use serde_json::{json, Value};
use tests::TestApp;

/// A minimal official-format petition in `state`, opened at `opened_at` if given.
fn petition(id: i64, state: &str, opened_at: Option<&str>, signature_count: i64) -> String {
    json!({"data": {"type": "petition", "id": id, "attributes": {
        "action": format!("Petition {id} about libraries"), "background": "Libraries matter.",
        "additional_details": null, "committee_note": null, "state": state,
        "signature_count": signature_count, "created_at": "2026-01-01T10:00:00.000Z",
        "updated_at": "2026-01-02T10:00:00.000Z", "rejected_at": null, "opened_at": opened_at,
        "closed_at": null, "moderation_threshold_reached_at": null, "response_threshold_reached_at": null,
        "government_response_at": null, "debate_threshold_reached_at": null, "debate_scheduled_on": null,
        "scheduled_debate_date": null, "debate_outcome_at": null, "creator_name": "Creator",
        "rejection": null, "government_response": null, "debate": null, "departments": [], "topics": []
    }}})
    .to_string()
}

fn ids(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn an_open_petition_shows_its_closing_date_and_creator_until_the_deadline_passes() {
    let app = TestApp::new();
    app.import(&petition(1, "open", Some("2020-01-01T12:00:00.000Z"), 10));

    let during = app
        .clone_at("2020-07-01T22:59:59.999Z")
        .get("/petitions/1.json")
        .await
        .json();
    let attributes = &during["data"]["attributes"];
    assert_eq!(attributes["state"], "open");
    assert_eq!(attributes["closing_date"], "2020-07-01");
    assert_eq!(attributes["creator_name"], "Creator");

    let after = app
        .clone_at("2020-07-01T23:00:00.000Z")
        .get("/petitions/1.json")
        .await
        .json();
    let attributes = &after["data"]["attributes"];
    assert_eq!(attributes["state"], "closed");
    assert_eq!(
        attributes["closed_at"], "2020-07-01T22:59:59.999Z",
        "closed at the deadline itself"
    );
    assert!(attributes.get("closing_date").is_none());
    assert_eq!(attributes["creator_name"], Value::Null);
    let open_list = app
        .clone_at("2020-07-01T23:00:00.000Z")
        .get("/petitions.json?state=open")
        .await
        .json();
    assert!(ids(&open_list).is_empty());
}

#[actix_web::test]
async fn petitions_that_were_never_public_are_not_found_and_taken_down_ones_are_gone() {
    let app = TestApp::new();
    app.import(&petition(1, "pending", None, 1));
    app.import(&petition(2, "hidden", None, 1));
    app.import(&petition(3, "hidden", Some("2026-01-01T12:00:00.000Z"), 1));
    app.import(&petition(4, "removed", Some("2026-01-01T12:00:00.000Z"), 1));
    app.import(&petition(5, "stopped", None, 1));
    for (path, status) in [
        ("/petitions/1.json", 404),
        ("/petitions/2.json", 404),
        ("/petitions/3.json", 410),
        ("/petitions/4.json", 410),
        ("/petitions/5.json", 404),
        ("/petitions/4/count.json", 410),
        ("/petitions/999.json", 404),
        ("/petitions/abc.json", 400),
        ("/petitions/-1.json", 400),
        ("/petitions/1.5/count.json", 400),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status, status, "{path}");
        assert_eq!(
            response.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{path}"
        );
        let problem = response.json();
        assert_eq!(problem["status"], status);
        assert!(problem["detail"]
            .as_str()
            .is_some_and(|detail| !detail.is_empty()));
    }
    let bad_id = app.get("/petitions/abc.json").await.json();
    assert_eq!(bad_id["errors"][0]["field"], "id");
    assert!(
        ids(&app.get("/petitions.json").await.json()).is_empty(),
        "none of them is listed"
    );
}

#[actix_web::test]
async fn lists_page_with_absolute_links_and_survive_any_page_or_count() {
    let app = TestApp::new();
    for id in 1..=5 {
        app.import(&petition(id, "rejected", None, id));
    }
    let page = app
        .get("/petitions.json?count=2&page=2&state=rejected")
        .await
        .json();
    assert_eq!(
        page["links"]["self"],
        "https://petitions.test/petitions.json?count=2&page=2&state=rejected"
    );
    assert_eq!(
        page["links"]["first"],
        "https://petitions.test/petitions.json?count=2&state=rejected"
    );
    assert_eq!(
        page["links"]["last"],
        "https://petitions.test/petitions.json?count=2&page=3&state=rejected"
    );
    assert_eq!(
        page["links"]["next"],
        "https://petitions.test/petitions.json?count=2&page=3&state=rejected"
    );
    assert_eq!(
        page["links"]["prev"],
        "https://petitions.test/petitions.json?count=2&state=rejected"
    );
    assert_eq!(
        page["data"][0]["links"]["self"],
        "https://petitions.test/petitions/3.json"
    );
    assert_eq!(page["data"].as_array().unwrap().len(), 2);

    for query in [
        "page=abc",
        "page=0",
        "page=-1",
        "count=zz",
        "count=0",
        "count=100000",
        "page=99999999999999999999",
        "state=nonsense",
    ] {
        let response = app.get(&format!("/petitions.json?{query}")).await;
        assert_eq!(response.status, 200, "{query}");
    }
    assert_eq!(
        app.get("/petitions.json?count=500").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    let empty = app.get("/petitions.json?state=debated").await.json();
    assert_eq!(empty["links"]["first"], empty["links"]["last"]);
    assert_eq!(empty["links"]["next"], Value::Null);
    let beyond = app.get("/petitions.json?page=9").await.json();
    assert!(ids(&beyond).is_empty());
    assert_eq!(beyond["links"]["next"], Value::Null);
}

/// Scripts often add `&page=N` to a link that has a page already; the official site (Rails)
/// takes a repeated parameter's last value, so this service must too.
#[actix_web::test]
async fn a_parameter_given_twice_takes_its_last_value() {
    let app = TestApp::new();
    for id in 1..=5 {
        app.import(&petition(id, "rejected", None, id));
    }
    let page = app
        .get("/petitions.json?state=open&count=2&page=1&state=rejected&page=2")
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let page = page.json();
    assert_eq!(ids(&page), vec![3, 2]);
    assert_eq!(
        page["links"]["self"],
        "https://petitions.test/petitions.json?count=2&page=2&state=rejected"
    );
    let csv = app.get("/petitions.csv?state=open&state=rejected").await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.text().lines().count(), 6, "{}", csv.text());

    let faulty = app
        .get("/petitions/1/signatures-over-time.json?interval=day&interval=week")
        .await;
    assert_eq!(faulty.status, 400);
    assert_eq!(faulty.json()["errors"][0]["field"], "interval");
}

#[actix_web::test]
async fn facets_filter_and_order_the_official_petitions() {
    let app = TestApp::new().at("2017-10-01T00:00:00Z");
    app.import_bundled();
    let all = ids(&app.get("/petitions.json?count=50").await.json());
    assert_eq!(all[0], 131215, "most signatures first");
    let open = app.get("/petitions.json?state=open&count=50").await.json();
    for item in open["data"].as_array().unwrap() {
        assert_eq!(item["attributes"]["state"], "open");
    }
    assert!(ids(&open).contains(&200004));
    let debated = ids(&app.get("/petitions.json?state=debated").await.json());
    assert_eq!(
        debated,
        vec![200004, 104349, 200088],
        "latest scheduled date first, undated last"
    );
    let with_response = app
        .get("/petitions.json?state=with_response&count=50")
        .await
        .json();
    let responded: Vec<&str> = with_response["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            item["attributes"]["government_response_at"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        responded.windows(2).all(|pair| pair[0] >= pair[1]),
        "newest response first: {responded:?}"
    );
    let rejected = app
        .get("/petitions.json?state=rejected&count=50")
        .await
        .json();
    assert!(rejected["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["attributes"]["state"] == "rejected"));
}

#[actix_web::test]
async fn search_finds_words_in_the_texts_and_ignores_query_syntax() {
    let app = TestApp::new();
    app.import_bundled();
    let found = ids(&app
        .get("/petitions.json?q=referendum&count=50")
        .await
        .json());
    assert!(
        found.contains(&200004) && found.contains(&131215),
        "{found:?}"
    );
    assert!(!found.contains(&171928));
    let stemmed = ids(&app.get("/petitions.json?q=referendums").await.json());
    assert!(
        stemmed.contains(&200004),
        "plural finds singular: {stemmed:?}"
    );
    for hostile in ["%22", "AND%20OR%20NOT", "*", "(", "a%27b", "NEAR(x%20y)"] {
        assert_eq!(
            app.get(&format!("/petitions.json?q={hostile}"))
                .await
                .status,
            200,
            "{hostile}"
        );
    }
    let archived = ids(&app.get("/archived/petitions.json?q=trump").await.json());
    assert_eq!(archived, vec![114003]);
}

#[actix_web::test]
async fn archived_petitions_live_at_their_own_addresses_with_their_parliament() {
    let app = TestApp::new();
    app.import_bundled();
    let archived = app.get("/archived/petitions/114003.json").await.json();
    assert_eq!(archived["data"]["type"], "archived-petition");
    assert_eq!(archived["data"]["parliament"]["period"], "2015-2017");
    assert!(archived["data"]["attributes"].get("creator_name").is_none());
    assert_eq!(app.get("/petitions/114003.json").await.status, 404);
    assert_eq!(app.get("/archived/petitions/200004.json").await.status, 404);

    let parliaments = app.get("/parliaments.json").await.json();
    let coalition = parliaments
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2010-2015")
        .unwrap();
    let listed = app
        .get(&format!(
            "/archived/petitions.json?parliament={}&count=50",
            coalition["id"]
        ))
        .await
        .json();
    let mut found = ids(&listed);
    found.sort();
    assert_eq!(found, vec![10, 100, 1000, 38257]);
    assert!(listed["links"]["self"]
        .as_str()
        .unwrap()
        .contains("parliament="));
}

#[actix_web::test]
async fn count_json_is_the_official_shape() {
    let app = TestApp::new();
    app.import_bundled();
    let count = app.get("/petitions/200004/count.json").await.json();
    assert_eq!(
        count,
        json!({"signature_count": 140409, "response_threshold_reached_at": "2017-09-13T15:46:25.014Z",
               "government_response_at": "2017-09-28T14:59:41.064Z", "debate_threshold_reached_at": "2017-09-19T21:09:12.682Z",
               "scheduled_debate_date": "2017-12-11", "debate_outcome_at": "2017-12-12T10:16:34.426Z", "debated": true})
    );
}

#[actix_web::test]
async fn csv_lists_every_match_with_the_official_columns() {
    let app = TestApp::new();
    app.import_bundled();
    let csv = app.get("/petitions.csv?state=rejected").await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["Petition", "URL", "State", "Signatures Count"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let listed = app
        .get("/petitions.json?state=rejected&count=50")
        .await
        .json();
    assert_eq!(rows.len(), listed["data"].as_array().unwrap().len());
    assert!(rows.iter().all(
        |row| &row[2] == "rejected" && row[1].starts_with("https://petitions.test/petitions/")
    ));
    // Official actions can hold line breaks; CSV quoting keeps them inside their field.
    assert!(rows.iter().any(|row| row[0].ends_with("\r\n")));
}

#[actix_web::test]
async fn public_reads_are_cacheable_conditional_and_open_to_any_origin() {
    let app = TestApp::new();
    app.import_bundled();
    let first = app
        .get_with(
            "/petitions/200004.json",
            &[("Origin", "https://news.example")],
        )
        .await;
    assert_eq!(
        first.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    let cache_control = first.header("cache-control").unwrap();
    assert!(
        cache_control.contains("public")
            && cache_control.contains("max-age=")
            && cache_control.contains("stale-while-revalidate=")
    );
    let etag = first.header("etag").unwrap();
    let again = app
        .get_with("/petitions/200004.json", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let other = app
        .get_with(
            "/petitions/200004.json",
            &[("If-None-Match", "W/\"other\"")],
        )
        .await;
    assert_eq!(other.status, 200);
}

#[actix_web::test]
async fn unknown_routes_and_health_answer_in_kind() {
    let app = TestApp::new();
    let missing = app.get("/no/such/thing").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(app.get("/health/live").await.json()["status"], "ok");
    assert_eq!(app.get("/health/ready").await.json()["status"], "ok");
    assert_eq!(
        app.get("/constituencies.json")
            .await
            .json()
            .as_object()
            .unwrap()
            .len(),
        650
    );
    assert_eq!(app.get("/openapi.json").await.json()["openapi"], "3.1.0");
    assert_eq!(app.get("/docs/").await.status, 200);
}

#[actix_web::test]
async fn answers_are_gzipped_when_asked_and_unencoded_when_no_coding_is_accepted() {
    let app = TestApp::new();
    app.import_bundled();
    let gzipped = app
        .get_with("/petitions.json", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.header("content-encoding").as_deref(), Some("gzip"));
    // Refusing every coding, identity included, still gets the plain answer, not a 406.
    for refusal in ["identity;q=0", "*;q=0", "br, identity;q=0"] {
        let plain = app
            .get_with("/petitions.json", &[("accept-encoding", refusal)])
            .await;
        assert_eq!(plain.status, 200, "{refusal}: {}", plain.text());
        assert_eq!(plain.header("content-encoding"), None, "{refusal}");
        assert!(plain.json()["data"].is_array(), "{refusal}");
    }
}

#[actix_web::test]
async fn head_works_wherever_get_does_and_a_wrong_method_is_a_405() {
    use actix_web::http::Method;
    let app = TestApp::new();
    app.import_bundled();

    let head = app
        .request(Method::HEAD, "/petitions/200004.json", &[], None)
        .await;
    assert_eq!(head.status, 200);
    assert!(head.header("etag").is_some());
    assert_eq!(
        head.header("content-type").as_deref(),
        Some("application/json")
    );

    let wrong = app
        .request(Method::DELETE, "/petitions/200004.json", &[], None)
        .await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow").as_deref(), Some("GET, HEAD"));
    let detail = wrong.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("does not take DELETE"), "{detail}");
    let signing = app
        .request(Method::GET, "/petitions/200004/signatures", &[], None)
        .await;
    assert_eq!(signing.status, 405);
    assert_eq!(signing.header("allow").as_deref(), Some("POST"));

    let nowhere = app
        .request(Method::GET, "/petitions/200004/nothing.json", &[], None)
        .await;
    assert_eq!(nowhere.status, 404);
    assert!(nowhere.header("allow").is_none());

    // A staff tool served from another origin may edit with PATCH.
    let preflight = app
        .request(
            Method::OPTIONS,
            "/admin/settings",
            &[
                ("Origin", "https://staff.example"),
                ("Access-Control-Request-Method", "PATCH"),
                (
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                ),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 200);
    let allowed = preflight.header("access-control-allow-methods").unwrap();
    assert!(allowed.contains("PATCH"), "{allowed}");
}
