//! The checked-in openapi.yaml is the one the code generates.

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
    assert!(document.paths.paths.len() >= 12);
    for (path, item) in &document.paths.paths {
        let operation = item
            .get
            .as_ref()
            .unwrap_or_else(|| panic!("{path} has a GET"));
        assert!(operation.responses.responses.contains_key("200"), "{path}");
        if path.contains("{id}") {
            for status in ["400", "404", "410"] {
                assert!(
                    operation.responses.responses.contains_key(status),
                    "{path} documents {status}"
                );
            }
        }
    }
}
