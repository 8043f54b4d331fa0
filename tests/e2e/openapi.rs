//! The checked-in openapi.yaml is the one the code generates.
use utoipa::openapi::RefOr;

#[test]
fn the_checked_in_openapi_yaml_is_up_to_date() {
    let generated = api::openapi::yaml().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "openapi.yaml is stale: regenerate it with `cargo run -- openapi > openapi.yaml`"
    );
}

#[test]
fn every_operation_documents_its_responses() {
    let document = api::openapi::document();
    assert!(document.paths.paths.len() >= 15);
    for (path, item) in &document.paths.paths {
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ];
        let mut found = 0;
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            found += 1;
            let responses = &operation.responses.responses;
            assert!(
                responses.keys().any(|status| status.starts_with('2')),
                "{method} {path} documents its success"
            );
            // A PUT that creates what it names (201) has nothing to be missing.
            if path.contains('{') && !responses.contains_key("201") {
                assert!(
                    responses.contains_key("404"),
                    "{method} {path} documents 404"
                );
            }
            // Numeric ids can be malformed; other path parameters are any text.
            if path.contains("{id}") || path.contains("{signature_id}") {
                assert!(
                    responses.contains_key("400"),
                    "{method} {path} documents 400"
                );
            }
            if operation.security.is_some() {
                for status in ["401", "403"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
            // The public may find a petition gone; staff still see it.
            if path.contains("{id}") && operation.security.is_none() {
                assert!(
                    responses.contains_key("410"),
                    "{method} {path} documents 410"
                );
            }
            if method == "POST" && operation.request_body.is_some() {
                assert!(
                    responses.contains_key("422"),
                    "{method} {path} documents 422"
                );
            }
            if operation.request_body.is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
                // A route's own reason for a 400 must not hide the unreadable body.
                let RefOr::T(bad_request) = &responses["400"] else {
                    panic!("{method} {path} describes its 400 in place")
                };
                assert!(
                    bad_request.description.ends_with("not valid JSON"),
                    "{method} {path}: {}",
                    bad_request.description
                );
            }
        }
        assert!(found > 0, "{path} has an operation");
    }
}

#[actix_web::test]
async fn the_served_description_is_the_checked_in_one() {
    let app = tests::TestApp::new();
    let served = app.get("/openapi.json").await;
    assert_eq!(served.status, 200);
    let document = serde_json::to_value(api::openapi::document()).unwrap();
    assert_eq!(served.json(), document);
}
