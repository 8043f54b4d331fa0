//! The JSON contract: every real petition document published by petition.parliament.uk,
//! imported and read back, must match the original key for key and value for value.
//!
//! Documented exceptions, each for a reason:
//! - links point at our host, not petition.parliament.uk: only the path is compared;
//! - documents from before July 2017 call `opened_at` `open_at`; we write the current name;
//! - `signatures_by_constituency` is compared as a set: the official site lists it in its
//!   internal id order, we sort it by ONS code (SPEC §4.2);
//! - keys added to the official format since a document was published (for example
//!   `committee_note`, `debate_scheduled_on`, `closing_date`, `departments`) are present in
//!   ours and absent from older originals; only the original's keys are checked.
//!
//! Each document is read as at its own `updated_at`, the moment it was captured, so an open
//! petition of 2017 is still open when read back.

use api::clock::Clock;
use serde_json::Value;
use tests::{TestApp, PUBLIC_URL};

const OFFICIAL_HOST: &str = "https://petition.parliament.uk";

#[actix_web::test]
async fn every_official_document_reads_back_as_published() {
    let app = TestApp::new();
    app.import_bundled();
    for (file, text) in api::official::bundled::DOCUMENTS {
        let original: Value = serde_json::from_str(text).unwrap();
        let (item, envelope_links) = match original.get("data") {
            Some(data) => (data.clone(), original.get("links").cloned()),
            None => (original.clone(), None),
        };
        let archived = item["type"] == "archived-petition";
        let id = item["id"].as_i64().unwrap();
        let captured_at = item["attributes"]["updated_at"].as_str().unwrap();
        let path = if archived {
            format!("/archived/petitions/{id}.json")
        } else {
            format!("/petitions/{id}.json")
        };
        let response = app
            .get_at(&path, &[], Clock::Fixed(captured_at.parse().unwrap()))
            .await;
        assert_eq!(response.status, 200, "{file}: {}", response.text());
        let ours = response.json();

        // Bare items (re-serialised scrapes) keep their self link inside the item.
        let mut our_item = ours["data"].clone();
        if item.get("links").is_some() {
            our_item["links"] = ours["links"].clone();
        }
        assert_matches(&item, &our_item, file);
        if let Some(links) = envelope_links {
            assert_matches(&links, &ours["links"], file);
        }
    }
}

#[actix_web::test]
async fn the_newest_official_documents_come_back_byte_for_byte() {
    let app = TestApp::new();
    // Both carry every key of the current format; the other two 2025-26 captures predate
    // `debate_scheduled_on` and so differ by that key alone.
    for file in ["751154.json", "755725.json"] {
        let (_, text) = api::official::bundled::DOCUMENTS
            .iter()
            .find(|(name, _)| *name == file)
            .unwrap();
        app.import(text);
        let id = file.trim_end_matches(".json");
        let response = app.get(&format!("/petitions/{id}.json")).await;
        // Only the envelope's own link moves host; links inside petition texts are the petitioner's.
        assert_eq!(
            response.text(),
            text.trim_end().replacen(OFFICIAL_HOST, PUBLIC_URL, 1),
            "{file}"
        );
    }
}

/// Every key of `original` is in `ours` with an equal value, allowing the documented exceptions.
fn assert_matches(original: &Value, ours: &Value, at: &str) {
    match (original, ours) {
        (Value::Object(original), Value::Object(ours)) => {
            for (key, value) in original {
                let our_key = if key == "open_at" {
                    "opened_at"
                } else {
                    key.as_str()
                };
                let place = format!("{at}.{key}");
                let Some(our_value) = ours.get(our_key) else {
                    panic!("{place}: missing from ours")
                };
                match key.as_str() {
                    "self" | "first" | "last" | "next" | "prev" => {
                        assert_eq!(path_of(value), path_of(our_value), "{place}");
                    }
                    "signatures_by_constituency" => {
                        assert_matches(
                            &sorted_by_ons_code(value),
                            &sorted_by_ons_code(our_value),
                            &place,
                        );
                    }
                    _ => assert_matches(value, our_value, &place),
                }
            }
        }
        (Value::Array(original), Value::Array(ours)) => {
            assert_eq!(original.len(), ours.len(), "{at}: list length");
            for (index, (a, b)) in original.iter().zip(ours).enumerate() {
                assert_matches(a, b, &format!("{at}[{index}]"));
            }
        }
        _ => assert_eq!(original, ours, "{at}"),
    }
}

fn path_of(link: &Value) -> Value {
    match link.as_str() {
        Some(url) => Value::String(url.replace(OFFICIAL_HOST, "").replace(PUBLIC_URL, "")),
        None => link.clone(),
    }
}

fn sorted_by_ons_code(list: &Value) -> Value {
    let mut items = list.as_array().cloned().unwrap_or_default();
    items.sort_by(|a, b| a["ons_code"].as_str().cmp(&b["ons_code"].as_str()));
    Value::Array(items)
}
