//! Signatures over time, the projection, trending, related and popular petitions.

use api::clock::Clock;
use serde_json::{json, Value};
use tests::{SmtpServer, TestApp};

const TREES: i64 = 900_101;
const FIREWORKS: i64 = 900_102;
const FIREWORK_DISPLAYS: i64 = 900_103;
const NURSES: i64 = 900_104;

/// Signs and confirms `n` signatures at the app's clock, and counts them.
async fn signed_and_counted(app: &TestApp, smtp: &SmtpServer, petition: i64, n: usize, tag: &str) {
    for i in 0..n {
        let body = json!({
            "name": format!("Signer {tag} {i}"), "email": format!("{tag}{i}@example.com"),
            "postcode": "SW1A 1AA", "uk_citizenship": true,
        });
        let from = format!("198.51.100.{}", i + 1);
        let path = format!("/petitions/{petition}/signatures");
        assert_eq!(
            app.post_json_from(&path, &body, &from, &[]).await.status,
            202
        );
    }
    let before = smtp.received().len();
    app.deliver(smtp);
    for mail in &smtp.received()[before..] {
        assert_eq!(
            app.get(&mail.link_containing("/verify").unwrap())
                .await
                .status,
            200
        );
    }
    app.count();
}

fn counts(series: &Value) -> Vec<i64> {
    series["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|point| point["signature_count"].as_i64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_series_has_every_hour_and_every_london_day() {
    let mut app = TestApp::new().at("2026-06-01T21:30:00Z");
    app.open_petition(TREES, "Plant more trees");
    let smtp = SmtpServer::start();
    signed_and_counted(&app, &smtp, TREES, 2, "a").await;
    app.clock = Clock::Fixed("2026-06-02T00:10:00Z".parse().unwrap());
    signed_and_counted(&app, &smtp, TREES, 3, "b").await;

    let hourly = app
        .get(&format!("/petitions/{TREES}/signatures-over-time.json"))
        .await
        .json();
    assert_eq!(hourly["interval"], "hour");
    assert_eq!(counts(&hourly), [2, 0, 0, 3]);
    assert_eq!(hourly["data"][0]["starts"], "2026-06-01T21:00:00.000Z");
    // 21:30 UTC is 22:30 in London on 1 June; 00:10 UTC is 01:10 on 2 June.
    let daily = app
        .get(&format!(
            "/petitions/{TREES}/signatures-over-time.json?interval=day"
        ))
        .await
        .json();
    assert_eq!(
        daily["data"],
        json!([
            {"starts": "2026-06-01", "signature_count": 2},
            {"starts": "2026-06-02", "signature_count": 3},
        ])
    );
    let bad = app
        .get(&format!(
            "/petitions/{TREES}/signatures-over-time.json?interval=week"
        ))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["errors"][0]["field"], "interval");
    let detail = bad.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("interval can't be \"week\""), "{detail}");
    assert_eq!(
        app.get("/petitions/424242/signatures-over-time.json")
            .await
            .status,
        404
    );

    // The single-petition page adds the last day and the projection, for open petitions.
    let page = app.get(&format!("/petitions/{TREES}.json")).await;
    let attributes = page.json()["data"]["attributes"].clone();
    assert_eq!(attributes["last_24_hours"], 5);
    let estimate = attributes["estimated_final_signatures"].as_i64().unwrap();
    assert!(estimate > 5, "{estimate}");
    let text = page.text();
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
    assert!(
        at("other_parliamentary_business") < at("last_24_hours")
            && at("last_24_hours") < at("estimated_final_signatures"),
        "ours come after the official attributes"
    );
    app.execute(&format!("UPDATE petitions SET state = 'closed', closed_at = '2026-06-02 01:00:00' WHERE id = {TREES}"));
    let closed = app.get(&format!("/petitions/{TREES}.json")).await.json();
    assert!(closed["data"]["attributes"].get("last_24_hours").is_none());
}

#[actix_web::test]
async fn trending_ranks_open_petitions_by_the_last_hour() {
    let app = TestApp::new().at("2026-06-01T12:15:00Z");
    for (id, action) in [
        (TREES, "Plant more trees"),
        (NURSES, "Fund more nurses"),
        (FIREWORKS, "Ban fireworks"),
    ] {
        app.open_petition(id, action);
    }
    app.execute(&format!(
        "INSERT INTO petition_hourly_signatures (petition_id, hour, signature_count) VALUES \
         ({TREES}, '2026-06-01 12:00:00', 50), \
         ({NURSES}, '2026-06-01 11:00:00', 100), \
         ({NURSES}, '2026-06-01 12:00:00', 10), \
         ({FIREWORKS}, '2026-06-01 10:00:00', 1000);"
    ));
    let trending = app.get("/trending.json").await.json();
    let ranked: Vec<(i64, i64)> = trending["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["id"].as_i64().unwrap(),
                item["attributes"]["score"].as_i64().unwrap(),
            )
        })
        .collect();
    // Nurses: 10 this hour and three quarters of last hour's 100.
    assert_eq!(ranked, [(NURSES, 85), (TREES, 50)]);
    assert_eq!(
        trending["links"]["self"],
        "https://petitions.test/trending.json"
    );
    assert_eq!(
        trending["data"][0]["links"]["self"],
        format!("https://petitions.test/petitions/{NURSES}.json")
    );
}

#[actix_web::test]
async fn related_petitions_are_open_ones_with_similar_words() {
    let app = TestApp::new();
    app.open_petition(FIREWORKS, "Ban the sale of fireworks to the public");
    app.open_petition(
        FIREWORK_DISPLAYS,
        "Limit fireworks to licensed public displays",
    );
    app.open_petition(NURSES, "Fund more nurses in the NHS");
    app.open_petition(TREES, "Stop the sale of fireworks in supermarkets");
    app.execute(&format!(
        "UPDATE petitions SET state = 'rejected' WHERE id = {TREES}"
    ));

    let related = app
        .get(&format!("/petitions/{FIREWORKS}/related.json"))
        .await
        .json();
    let ids: Vec<i64> = related["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [FIREWORK_DISPLAYS], "open, similar, and not itself");
    assert_eq!(app.get("/petitions/424242/related.json").await.status, 404);
}

#[actix_web::test]
async fn popular_petitions_by_constituency_or_postcode() {
    let app = TestApp::new();
    app.open_petition(TREES, "Plant more trees");
    app.open_petition(NURSES, "Fund more nurses");
    app.execute(&format!(
        "INSERT INTO petition_constituency_signatures (petition_id, ons_code, name, mp, signature_count) VALUES \
         ({TREES}, 'E14001172', 'Cities of London and Westminster', NULL, 7), \
         ({NURSES}, 'E14001172', 'Cities of London and Westminster', NULL, 12), \
         ({NURSES}, 'S14000061', 'Aberdeen South', NULL, 99);"
    ));
    let by_code = app.get("/popular.json?constituency=E14001172").await.json();
    let ranked: Vec<(i64, i64)> = by_code["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["id"].as_i64().unwrap(),
                item["attributes"]["score"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ranked, [(NURSES, 12), (TREES, 7)]);
    let by_postcode = app.get("/popular.json?postcode=sw1a%201aa").await.json();
    assert_eq!(by_postcode["data"], by_code["data"]);

    assert_eq!(app.get("/popular.json").await.status, 400);
    assert_eq!(app.get("/popular.json?postcode=nonsense").await.status, 400);
    for (path, named) in [
        ("/popular.json?postcode=ZZ99%209ZZ", "ZZ99 9ZZ"),
        // A mistyped code is an error, not an empty ranking that looks like no one signed there.
        ("/popular.json?constituency=E1400117", "\"E1400117\""),
    ] {
        let unknown = app.get(path).await;
        assert_eq!(unknown.status, 404, "{path}");
        assert!(
            unknown.json()["detail"].as_str().unwrap().contains(named),
            "{path}"
        );
    }
    let lower_case = app.get("/popular.json?constituency=e14001172").await;
    assert_eq!(lower_case.json()["data"], by_code["data"]);
}
