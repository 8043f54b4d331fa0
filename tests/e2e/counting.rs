//! Counting in batches, thresholds, reconciliation, postcode lookups, the abuse controls,
//! and correctness with several processes (several pools) on one database.

use std::thread;

use domain::Thresholds;
use persistence::migrations;
use persistence::signatures::{
    add_list_entry, confirm, confirm_all as confirm_group, reconcile_all, sign_all, ConfirmOutcome,
    ConfirmRequest, NewSignature, SignOutcome, SigningPolicy,
};
use serde_json::{json, Value};
use tests::{SmtpServer, TestApp};

const PETITION: i64 = 900_002;

fn signer(name: &str, email: &str) -> Value {
    json!({"name": name, "email": email, "postcode": "SW1A 1AA", "uk_citizenship": true})
}

fn path() -> String {
    format!("/petitions/{PETITION}/signatures")
}

fn states(app: &TestApp) -> Vec<(String, i64)> {
    ["pending", "validated", "fraudulent"]
        .iter()
        .map(|state| {
            let count = app.number(&format!(
                "SELECT COUNT(*) FROM signatures WHERE state = '{state}'"
            ));
            ((*state).to_owned(), count)
        })
        .collect()
}

/// Confirms every signature by following the links in its emails.
async fn confirm_all(app: &TestApp, smtp: &SmtpServer) {
    app.deliver(smtp);
    for mail in smtp.received() {
        if let Some(link) = mail.link_containing("/verify") {
            assert_eq!(app.get(&link).await.status, 200);
        }
    }
}

#[actix_web::test]
async fn crossing_a_threshold_stamps_it_and_moves_the_response_state_in_the_same_batch() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    app.execute(&format!(
        "UPDATE petitions SET signature_count = 9999, imported_at = NULL WHERE id = {PETITION}"
    ));
    let smtp = SmtpServer::start();
    for (n, address) in ["10.0.0.1", "10.0.0.2", "10.0.0.3"].iter().enumerate() {
        let body = signer(&format!("Signer {n}"), &format!("s{n}@example.com"));
        assert_eq!(
            app.post_json_from(&path(), &body, address, &[])
                .await
                .status,
            202
        );
    }
    confirm_all(&app, &smtp).await;
    assert_eq!(app.count(), 3);
    let count = app
        .get(&format!("/petitions/{PETITION}/count.json"))
        .await
        .json();
    assert_eq!(count["signature_count"], 10_002);
    assert!(count["response_threshold_reached_at"].is_string());
    assert_eq!(count["debate_threshold_reached_at"], Value::Null);
    assert_eq!(
        app.number(&format!(
            "SELECT COUNT(*) FROM petitions WHERE id = {PETITION} AND response_state = 'awaiting'"
        )),
        1
    );
    // The hourly series moved with the count.
    assert_eq!(
        app.number(&format!(
            "SELECT SUM(signature_count) FROM petition_hourly_signatures WHERE petition_id = {PETITION}"
        )),
        3
    );
}

#[actix_web::test]
async fn reconciliation_repairs_drifted_counts_and_then_finds_nothing() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    for (n, address) in ["10.0.0.1", "10.0.0.2"].iter().enumerate() {
        let body = signer(&format!("Signer {n}"), &format!("s{n}@example.com"));
        app.post_json_from(&path(), &body, address, &[]).await;
    }
    confirm_all(&app, &smtp).await;
    app.count();
    app.execute(&format!(
        "UPDATE petitions SET signature_count = 57 WHERE id = {PETITION}; \
         UPDATE petition_country_signatures SET signature_count = 5 WHERE petition_id = {PETITION}; \
         DELETE FROM petition_region_signatures WHERE petition_id = {PETITION}; \
         INSERT INTO petition_constituency_signatures (petition_id, ons_code, name, mp, signature_count) \
         VALUES ({PETITION}, 'S14000061', 'Aberdeen South', NULL, 3); \
         UPDATE petition_hourly_signatures SET signature_count = 1 WHERE petition_id = {PETITION};"
    ));

    let repairs = app
        .db
        .run_blocking(|conn| {
            reconcile_all(conn, &domain::Thresholds::default(), chrono::Utc::now())
        })
        .unwrap();
    let repaired: Vec<(&str, Option<&str>, i64, i64)> = repairs
        .iter()
        .map(|r| (r.count, r.key.as_deref(), r.stored, r.actual))
        .collect();
    assert!(
        repaired.contains(&("signature_count", None, 57, 2)),
        "{repaired:?}"
    );
    assert!(
        repaired.contains(&("country", Some("GB"), 5, 2)),
        "{repaired:?}"
    );
    assert!(
        repaired.contains(&("constituency", Some("S14000061"), 3, 0)),
        "{repaired:?}"
    );
    assert!(
        repaired.contains(&("region", Some("E12000007"), 0, 2)),
        "{repaired:?}"
    );
    assert!(
        repaired
            .iter()
            .any(|r| r.0 == "hour" && r.2 == 1 && r.3 == 2),
        "{repaired:?}"
    );

    let attributes =
        app.get(&format!("/petitions/{PETITION}.json")).await.json()["data"]["attributes"].clone();
    assert_eq!(attributes["signature_count"], 2);
    assert_eq!(attributes["signatures_by_country"][0]["signature_count"], 2);
    assert_eq!(
        attributes["signatures_by_constituency"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(attributes["signatures_by_region"][0]["signature_count"], 2);
    let again = app
        .db
        .run_blocking(|conn| {
            reconcile_all(conn, &domain::Thresholds::default(), chrono::Utc::now())
        })
        .unwrap();
    assert_eq!(again, Vec::new());

    // Imported petitions have no rows to count from, and are left alone.
    app.import(include_str!("../../api/seed/official/755725.json"));
    let untouched = app
        .db
        .run_blocking(|conn| {
            reconcile_all(conn, &domain::Thresholds::default(), chrono::Utc::now())
        })
        .unwrap();
    assert_eq!(untouched, Vec::new());
}

#[actix_web::test]
async fn one_address_signing_fast_is_shadow_banned_and_never_counted() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    for n in 0..3 {
        let body = signer(&format!("Signer {n}"), &format!("s{n}@example.com"));
        let response = app.post_json_from(&path(), &body, "203.0.113.5", &[]).await;
        assert_eq!(response.status, 202, "the same answer whatever the limit");
    }
    assert_eq!(
        states(&app),
        [
            ("pending".into(), 1),
            ("validated".into(), 0),
            ("fraudulent".into(), 2)
        ]
    );
    // The shadow-banned get their email and a normal confirmation, and never count.
    confirm_all(&app, &smtp).await;
    assert_eq!(smtp.received().len(), 3);
    app.count();
    let count = app
        .get(&format!("/petitions/{PETITION}/count.json"))
        .await
        .json();
    assert_eq!(count["signature_count"], 1);
}

#[actix_web::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let untrusting = TestApp::new();
    untrusting.open_petition(PETITION, "Plant more trees");
    let trusting = TestApp::new().trusting(&["10.0.0.0/8"]);
    trusting.open_petition(PETITION, "Plant more trees");
    for app in [&untrusting, &trusting] {
        for n in 0..2 {
            let body = signer(&format!("Signer {n}"), &format!("s{n}@example.com"));
            let forwarded = format!("198.51.100.{n}, 10.0.0.9");
            app.post_json_from(
                &path(),
                &body,
                "10.0.0.1",
                &[("x-forwarded-for", &forwarded)],
            )
            .await;
        }
    }
    // Without trust both came from the proxy, so the second is over the limit.
    assert_eq!(states(&untrusting)[2].1, 1);
    assert_eq!(states(&trusting)[2].1, 0);
    assert_eq!(
        trusting.number("SELECT COUNT(DISTINCT ip_address) FROM signatures WHERE ip_address LIKE '198.51.100.%'"),
        2
    );
}

#[actix_web::test]
async fn blocks_shadow_ban_and_allows_lift_the_rate_limits() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    app.db
        .run_blocking(|conn| {
            let now = chrono::Utc::now();
            use domain::screening::ListKind::{Allow, Block};
            add_list_entry(
                conn,
                Block,
                "domain",
                "*.spam.example",
                Some("bulk signups"),
                now,
            )?;
            add_list_entry(
                conn,
                Allow,
                "ip",
                "192.0.2.0/24",
                Some("a library's public computers"),
                now,
            )?;
            add_list_entry(conn, Block, "email", "Mallory+x@Example.org", None, now)
        })
        .unwrap();
    let bad = app.db.run_blocking(|conn| {
        add_list_entry(
            conn,
            domain::screening::ListKind::Block,
            "ip",
            "10.0.0.0/99",
            None,
            chrono::Utc::now(),
        )
    });
    assert!(bad.is_err(), "a malformed entry is refused");

    let sign = |name: &str, email: &str, ip: &str| {
        let body = signer(name, email);
        let ip = ip.to_owned();
        let app = &app;
        async move { app.post_json_from(&path(), &body, &ip, &[]).await.status }
    };
    assert_eq!(
        sign("Spam Bot", "bot@mx.spam.example", "198.51.100.1").await,
        202
    );
    assert_eq!(
        sign("Mallory", "mallory@example.org", "198.51.100.2").await,
        202
    );
    for n in 0..3 {
        assert_eq!(
            sign(
                &format!("Reader {n}"),
                &format!("r{n}@example.com"),
                "192.0.2.7"
            )
            .await,
            202
        );
    }
    assert_eq!(
        states(&app),
        [
            ("pending".into(), 3),
            ("validated".into(), 0),
            ("fraudulent".into(), 2)
        ]
    );
}

#[actix_web::test]
async fn an_ons_postcode_directory_can_be_imported() {
    let app = TestApp::new();
    let directory = "pcd,pcd2,pcds,dointr,doterm,pcon\n\
                     ZZ1 1AA,ZZ1  1AA,ZZ1 1AA,202001,,E14001172\n\
                     ZZ1 1AB,ZZ1  1AB,ZZ1 1AB,202001,202301,E14001172\n\
                     NOT A PC,x,x,202001,,E14001172\n";
    let report = app
        .db
        .run_blocking(|conn| persistence::postcodes::import_csv(conn, directory.as_bytes()))
        .unwrap();
    assert_eq!(
        (report.postcodes, report.sectors, report.skipped),
        (1, 0, 2)
    );
    let lookup = |text: &str| {
        let postcode = domain::Postcode::parse(text).unwrap();
        app.db
            .run_blocking(|conn| persistence::postcodes::constituency_of(conn, &postcode))
            .unwrap()
    };
    assert_eq!(lookup("zz11aa").as_deref(), Some("E14001172"));
    assert_eq!(lookup("ZZ1 1AB"), None, "terminated postcodes are left out");
    // The bundled lookup: a full postcode, and a sector for the rest of it.
    assert_eq!(lookup("AB10 1AB").as_deref(), Some("S14000061"));
    assert_eq!(lookup("AB10 6ZZ").as_deref(), Some("S14000061"));

    let missing = app
        .db
        .run_blocking(|conn| persistence::postcodes::import_csv(conn, "a,b\n1,2\n".as_bytes()));
    assert!(missing
        .unwrap_err()
        .to_string()
        .contains("no constituency column"));

    // A NUL is refused with its line, on SQLite as on PostgreSQL, and the import stores nothing.
    let with_nul = "postcode,ons_code\nZZ9 9ZZ,E14001172\nZZ9 9ZY,E14\u{0}001172\n";
    let refused = app
        .db
        .run_blocking(|conn| persistence::postcodes::import_csv(conn, with_nul.as_bytes()))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("line 3: a field contains the NUL character"),
        "{refused}"
    );
    assert_eq!(lookup("ZZ9 9ZZ"), None);
}

fn new_signature(email: &str, n: usize) -> NewSignature {
    let details = domain::SignerDetails::parse(
        &domain::SignerForm {
            name: Some(&format!("Signer {n}")),
            email: Some(email),
            postcode: Some("SW1A 1AA"),
            uk_citizenship: Some(true),
            ..Default::default()
        },
        |_| true,
    )
    .unwrap();
    NewSignature {
        petition_id: PETITION,
        signer: details,
        ip: Some(format!("198.51.{}.{}", n / 250, n % 250).parse().unwrap()),
        confirmation_token: format!("token-{n}"),
        unsubscribe_token: format!("unsubscribe-{n}"),
        sponsor: false,
    }
}

/// Two processes (two pools) signing, confirming and counting at once: every signature is
/// counted exactly once, and one email signing twice at once is stored once.
#[actix_web::test]
async fn two_processes_count_every_signature_exactly_once() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let processes = [app.database.connect(), app.database.connect()];
    const EACH: usize = 150;

    let handles: Vec<_> = processes
        .iter()
        .enumerate()
        .map(|(process, db)| {
            let db = db.clone();
            thread::spawn(move || {
                let policy = SigningPolicy::default();
                let mut outcomes = Vec::new();
                for chunk in 0..(EACH / 10) {
                    let batch: Vec<NewSignature> = (0..10)
                        .map(|i| {
                            let n = process * EACH + chunk * 10 + i;
                            new_signature(&format!("signer{n}@example.com"), n)
                        })
                        .collect();
                    // And the same person from both processes at once.
                    let mut batch = batch;
                    batch.push(new_signature(
                        &format!("twice{chunk}@example.com"),
                        10_000 + chunk,
                    ));
                    outcomes.extend(
                        db.run_blocking(|conn| sign_all(conn, &batch, &policy, chrono::Utc::now()))
                            .unwrap(),
                    );
                }
                outcomes
            })
        })
        .collect();
    let outcomes: Vec<SignOutcome> = handles
        .into_iter()
        .flat_map(|handle| handle.join().unwrap())
        .collect();
    let stored: Vec<i64> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            SignOutcome::Stored { signature_id, .. } => Some(*signature_id),
            SignOutcome::Duplicate { .. } => None,
        })
        .collect();
    assert_eq!(
        stored.len(),
        2 * EACH + EACH / 10,
        "each 'twice' address stored once"
    );

    // Confirm from both processes while both count.
    let confirmers: Vec<_> = processes
        .iter()
        .enumerate()
        .map(|(process, db)| {
            let db = db.clone();
            let ids: Vec<i64> = stored.iter().copied().skip(process).step_by(2).collect();
            thread::spawn(move || {
                for id in ids {
                    db.run_blocking(|conn| {
                        let token: String = {
                            use diesel::prelude::*;
                            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
                                "(SELECT confirmation_token FROM signatures WHERE id = {id})"
                            )))
                            .get_result(conn)?
                        };
                        confirm(conn, id, &token, &Thresholds::default(), chrono::Utc::now())
                    })
                    .unwrap();
                    db.run_blocking(|conn| {
                        persistence::signatures::count_confirmed(
                            conn,
                            7,
                            &domain::Thresholds::default(),
                            chrono::Utc::now(),
                        )
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for handle in confirmers {
        handle.join().unwrap();
    }
    app.count();
    let total = i64::try_from(stored.len()).unwrap();
    assert_eq!(
        app.get(&format!("/petitions/{PETITION}/count.json"))
            .await
            .json()["signature_count"],
        total
    );
    assert_eq!(
        app.number(&format!(
            "SELECT SUM(signature_count) FROM petition_country_signatures WHERE petition_id = {PETITION}"
        )),
        total
    );
    assert_eq!(app.number("SELECT COUNT(*) FROM count_queue"), 0);
}

fn signing_as(name: &str, email: &str, address: &str, token: &str) -> NewSignature {
    let form = domain::SignerForm {
        name: Some(name),
        email: Some(email),
        postcode: Some("SW1A 1AA"),
        uk_citizenship: Some(true),
        ..Default::default()
    };
    NewSignature {
        petition_id: PETITION,
        signer: domain::SignerDetails::parse(&form, |_| true).unwrap(),
        ip: Some(address.parse().unwrap()),
        confirmation_token: token.to_owned(),
        unsubscribe_token: format!("unsubscribe-{token}"),
        sponsor: false,
    }
}

/// A group is stored in a few statements, but each request in it is judged as if the ones
/// before it had been stored alone: duplicates, the household rule and the rate limit all
/// see the rest of the group. Confirmations in a group are judged one by one too.
#[actix_web::test]
async fn requests_in_one_group_see_each_other() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let group = [
        signing_as("Alice Smith", "alice@example.com", "198.51.100.1", "t0"),
        signing_as("alice  SMITH", "ALICE@example.com", "198.51.100.2", "t1"),
        signing_as("Bob Smith", "alice@example.com", "198.51.100.3", "t2"),
        signing_as(
            "Carol Smith",
            "alice+petitions@example.com",
            "198.51.100.4",
            "t3",
        ),
        signing_as("Dan Jones", "dan@example.com", "198.51.100.1", "t4"),
    ];
    let outcomes = app
        .db
        .run_blocking(|conn| sign_all(conn, &group, &SigningPolicy::default(), chrono::Utc::now()))
        .unwrap();
    let stored = |index: usize| match outcomes[index] {
        SignOutcome::Stored {
            signature_id,
            state,
        } => (signature_id, state.as_str()),
        SignOutcome::Duplicate { .. } => panic!("request {index} was not stored"),
    };
    let (alice, alice_state) = stored(0);
    let (bob, bob_state) = stored(2);
    let (dan, dan_state) = stored(4);
    assert_eq!(alice_state, "pending");
    assert_eq!(bob_state, "pending", "a household shares an email");
    assert_eq!(
        dan_state, "fraudulent",
        "Alice's address signed a moment before"
    );
    assert_eq!(
        outcomes[1],
        SignOutcome::Duplicate {
            of_signature_id: alice
        }
    );
    assert_eq!(
        outcomes[3],
        SignOutcome::Duplicate {
            of_signature_id: alice
        },
        "two per email at most"
    );
    assert_eq!(signatures_of(&app), 3);
    assert_eq!(app.outbox().len(), 5, "every request gets an email");
    let resent = app.number(&format!(
        "SELECT COUNT(*) FROM email_outbox WHERE signature_id = {alice}"
    ));
    assert_eq!(
        resent, 3,
        "Alice's confirmation, sent again for each duplicate"
    );

    let requests = [
        (alice, "t0"),
        (alice, "t0"),
        (bob, "wrong"),
        (dan, "t4"),
        (999_999, "t0"),
    ]
    .map(|(signature_id, token)| ConfirmRequest {
        signature_id,
        token: token.to_owned(),
    });
    let confirmed = app
        .db
        .run_blocking(|conn| {
            confirm_group(conn, &requests, &Thresholds::default(), chrono::Utc::now())
        })
        .unwrap();
    let answers: Vec<Option<i64>> = confirmed
        .iter()
        .map(|outcome| match outcome {
            ConfirmOutcome::Confirmed(signature) => Some(signature.signature_id),
            _ => None,
        })
        .collect();
    assert_eq!(answers, [Some(alice), Some(alice), None, Some(dan), None]);
    assert_eq!(confirmed[2], ConfirmOutcome::NotFound);
    app.count();
    assert_eq!(
        app.get(&format!("/petitions/{PETITION}/count.json"))
            .await
            .json()["signature_count"],
        1,
        "Alice once; Bob unconfirmed; Dan shadow-banned"
    );
}

fn signatures_of(app: &TestApp) -> i64 {
    app.number(&format!(
        "SELECT COUNT(*) FROM signatures WHERE petition_id = {PETITION}"
    ))
}

/// Confirmed signatures the counter had not reached when the count queue became a table of
/// its own are carried into it, and back again when the migration is reverted.
#[actix_web::test]
async fn the_count_queue_migration_carries_uncounted_signatures_both_ways() {
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let smtp = SmtpServer::start();
    let body = signer("Counted Signer", "counted@example.com");
    app.post_json_from(&path(), &body, "10.0.0.1", &[]).await;
    confirm_all(&app, &smtp).await;
    assert_eq!(app.count(), 1);
    let body = signer("Queued Signer", "queued@example.com");
    app.post_json_from(&path(), &body, "10.0.0.2", &[]).await;
    confirm_all(&app, &smtp).await;
    assert_eq!(app.number("SELECT COUNT(*) FROM count_queue"), 1);

    // Later migrations are reverted first, down to and including the count queue's.
    app.db
        .run_blocking(|conn| {
            let mut reverted = Vec::new();
            while !reverted.iter().any(|name: &String| name.contains("000014")) {
                reverted.push(migrations::revert_last(conn)?);
                assert!(
                    reverted.len() < 5,
                    "the count queue's migration not found: {reverted:?}"
                );
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM signatures WHERE state = 'validated' AND counted_at IS NULL \
             AND name = 'Queued Signer'"
        ),
        1
    );
    assert_eq!(
        app.number("SELECT COUNT(*) FROM signatures WHERE counted_at IS NOT NULL"),
        1
    );

    app.db.run_blocking(migrations::run_pending).unwrap();
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM count_queue q JOIN signatures s ON s.id = q.signature_id \
             WHERE s.name = 'Queued Signer'"
        ),
        1
    );
    assert_eq!(app.count(), 1);
    assert_eq!(
        app.get(&format!("/petitions/{PETITION}/count.json"))
            .await
            .json()["signature_count"],
        2
    );
    assert!(app
        .db
        .run_blocking(|conn| reconcile_all(conn, &Thresholds::default(), chrono::Utc::now()))
        .unwrap()
        .is_empty());
}

/// The sustained limit counts an address's signatures outside the burst window too: each of
/// these is a minute and a second after the last, so only the sustained window catches the
/// third.
#[actix_web::test]
async fn the_sustained_limit_counts_beyond_the_burst_window() {
    use domain::signature::{RateLimits, RateWindow};
    let app = TestApp::new();
    app.open_petition(PETITION, "Plant more trees");
    let policy = SigningPolicy {
        rate_limits: RateLimits {
            burst: RateWindow {
                limit: 1,
                seconds: 60,
            },
            sustained: RateWindow {
                limit: 2,
                seconds: 600,
            },
        },
        ..SigningPolicy::default()
    };
    let start = chrono::Utc::now();
    let states: Vec<&str> = (0..3)
        .map(|n| {
            let request = signing_as(
                &format!("Signer {n}"),
                &format!("s{n}@example.com"),
                "198.51.100.9",
                &format!("t{n}"),
            );
            let at = start + chrono::Duration::seconds(61 * n);
            let outcome = app
                .db
                .run_blocking(|conn| sign_all(conn, &[request], &policy, at))
                .unwrap();
            match outcome[0] {
                SignOutcome::Stored { state, .. } => state.as_str(),
                SignOutcome::Duplicate { .. } => panic!("signature {n} was not stored"),
            }
        })
        .collect();
    assert_eq!(states, ["pending", "pending", "fraudulent"]);
}
