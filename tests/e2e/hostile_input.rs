//! Every operation the OpenAPI document lists, sent hostile input by a sysadmin (so no
//! refusal is only the lack of a token): wrong types, huge and control-character strings,
//! out-of-range numbers, undecodable path segments and query values, broken headers. None may
//! get a 5xx, and every refusal must be problem+json that says what is wrong and, for bad
//! content, names the field. The operations come from the document, so a new route is
//! covered by being added.

use actix_web::http::Method;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};
use tests::{any_request, call, TestApp, TestResponse};

const PASSWORD: &str = "a long enough password";

/// Path segments no route should choke on, already percent-encoded as a client sends them.
const HOSTILE_SEGMENTS: &[&str] = &[
    "x",
    "-1",
    "0",
    "1.5",
    "99999999999999999999",
    "%00",
    "%FF",
    "a%20b",
    "%F0%9F%92%A9",
    "%2E%2E",
];

/// Query values, before encoding.
fn hostile_texts() -> Vec<String> {
    [
        "",
        " ",
        "-1",
        "0",
        "1.5",
        "1e400",
        "99999999999999999999",
        "true",
        "null",
        "\0",
        "\u{1F4A9}",
        "'; DROP TABLE petitions; --",
        "%",
        "2026-02-30",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(["9".repeat(400), "x".repeat(5_000)])
    .collect()
}

/// JSON values of every kind, each wrong somewhere.
fn hostile_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(0),
        json!(1.5),
        json!(1e308),
        // One past i64::MAX, and its negative.
        serde_json::from_str("9223372036854775808").unwrap(),
        serde_json::from_str("-9223372036854775809").unwrap(),
        json!(""),
        json!("   "),
        json!("\u{0}\u{7}\u{1b}[2J"),
        json!("\u{1F4A9}".repeat(1_000)),
        json!("x".repeat(100_000)),
        json!("2026-02-30"),
        json!([]),
        json!([1, "two", null]),
        json!({}),
        json!({"nested": {"deeper": [1]}}),
    ]
}

/// Request headers the service reads, with values a broken client or proxy might send.
fn hostile_headers() -> Vec<(&'static str, String)> {
    let values = |name: &'static str, values: &[&str]| {
        values
            .iter()
            .map(|value| value.to_string())
            .chain(["x".repeat(8_000)])
            .map(move |value| (name, value))
            .collect::<Vec<_>>()
    };
    [
        values(
            "if-none-match",
            &["", "garbage", "\"unterminated", "W/", "*", "\"a\", , ,"],
        ),
        values(
            "if-modified-since",
            &["", "garbage", "Thu, 99 Foo 2026 99:99:99 GMT", "0"],
        ),
        values(
            "x-forwarded-for",
            &["", "garbage", "999.1.1.1", "1.2.3.4, not-an-ip, ::1", ",,,"],
        ),
        values(
            "accept-encoding",
            &["", "gzip;q=garbage", "*;q=0", "identity;q=0"],
        ),
        values("origin", &["null", "garbage"]),
        values("range", &["bytes=garbage", "bytes=9-1"]),
    ]
    .concat()
}

/// One operation of the document.
struct Operation {
    method: Method,
    path: String,
    path_params: Vec<String>,
    query_params: Vec<String>,
    /// The request body's properties, when it has a JSON body.
    body_fields: Option<Vec<String>>,
    /// Whether it asks for a staff token.
    secured: bool,
}

fn operations() -> Vec<Operation> {
    let document = serde_json::to_value(api::openapi::document()).unwrap();
    let schemas = &document["components"]["schemas"];
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let params = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let named_in = |place: &str| -> Vec<String> {
                params
                    .iter()
                    .filter(|param| param["in"] == place)
                    .map(|param| param["name"].as_str().unwrap().to_owned())
                    .collect()
            };
            let body_fields = operation["requestBody"]["content"]["application/json"]["schema"]
                .as_object()
                .map(|schema| {
                    let schema = match schema.get("$ref").and_then(Value::as_str) {
                        Some(reference) => {
                            &schemas[reference.trim_start_matches("#/components/schemas/")]
                        }
                        None => &operation["requestBody"]["content"]["application/json"]["schema"],
                    };
                    schema["properties"]
                        .as_object()
                        .map(|properties| properties.keys().cloned().collect())
                        .unwrap_or_default()
                });
            operations.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                path_params: named_in("path"),
                query_params: named_in("query"),
                body_fields,
                secured: operation.get("security").is_some(),
            });
        }
    }
    // The public operations first: what a sysadmin's request is allowed to change (pausing
    // signing, say) must not stand between them and the input they are sent.
    operations.sort_by_key(|operation| operation.secured);
    operations
}

/// What a refusal must be; `what` says which request it was.
fn assert_refused_well(what: &str, response: &TestResponse) {
    let status = response.status.as_u16();
    assert!(status < 500, "{what}: {status} {}", response.text());
    if status < 400 {
        return;
    }
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/problem+json"),
        "{what}: {status} as {content_type:?}: {}",
        response.text()
    );
    let problem = response.json();
    assert_eq!(problem["status"], status, "{what}: {problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(!detail.trim().is_empty(), "{what}: no detail in {problem}");
    if matches!(status, 400 | 413 | 415 | 422) {
        let errors = problem["errors"].as_array().cloned().unwrap_or_default();
        assert!(!errors.is_empty(), "{what}: no field named in {problem}");
        for error in errors {
            let named = |key: &str| error[key].as_str().is_some_and(|text| !text.is_empty());
            assert!(named("field") && named("message"), "{what}: {error}");
            // serde's name for the whole input, which tells the client nothing.
            assert_ne!(error["field"], ".", "{what}: {error}");
        }
    }
}

#[actix_web::test]
async fn no_operation_answers_hostile_input_with_a_server_error_or_an_unclear_refusal() {
    // Trusting the test's own address as a proxy, so X-Forwarded-For is read.
    let app = TestApp::new().trusting(&["192.0.2.0/24"]);
    let petition = app.open_petition(4_242, "Keep the libraries open");
    let signed = app
        .post_json(
            &format!("/petitions/{petition}/signatures"),
            &json!({"name": "A Signer", "email": "signer@example.com", "postcode": "SW1A 1AA",
                    "location_code": "GB", "uk_citizenship": true}),
        )
        .await;
    assert_eq!(signed.status, 202, "{}", signed.text());
    let signature = app.number("SELECT MAX(id) FROM signatures");
    app.add_staff("sysadmin@example.com", "sysadmin", PASSWORD);
    let token = app.sign_in("sysadmin@example.com", PASSWORD).await;
    let authorization = format!("Bearer {token}");
    let authorization = authorization.as_str();
    // A real value for each path parameter, so hostile content reaches the handler.
    let real_value = |param: &str| match param {
        "id" => petition.to_string(),
        "signature_id" => signature.to_string(),
        "code" => "duplicate".to_owned(),
        "acronym" => "DfE".to_owned(),
        _ => "1".to_owned(),
    };
    let fill = |path: &str, params: &[String], hostile: Option<(&str, &str)>| {
        params.iter().fold(path.to_owned(), |path, param| {
            let value = match hostile {
                Some((name, segment)) if name == param => segment.to_owned(),
                _ => real_value(param),
            };
            path.replace(&format!("{{{param}}}"), &value)
        })
    };

    // One instance of the app for every request: building it is most of a request's cost.
    let service = app.service().await;
    let mut requests = 0;
    for operation in operations() {
        // Signing out would end the session the rest of this test runs in.
        if operation.path == "/admin/logout" {
            continue;
        }
        let send = |path: String, body: Option<Value>, extra: Option<(&'static str, String)>| {
            let (service, method, secured) =
                (&service, operation.method.clone(), operation.secured);
            async move {
                let mut headers = vec![("authorization", authorization)];
                headers.extend(extra.as_ref().map(|(name, value)| (*name, value.as_str())));
                let request = any_request(method.clone(), &path, &headers, body.as_ref());
                let response = call(service, request).await;
                let body = body.map(|body| body.to_string()).unwrap_or_default();
                let sent_nul = path.contains("%00") || body.contains("\\u0000");
                let header = extra.map(|(name, value)| format!("{name}: {value}"));
                let what: String = format!("{method} {path} {} {body}", header.unwrap_or_default())
                    .chars()
                    .take(300)
                    .collect();
                if secured {
                    assert_ne!(
                        response.status, 401,
                        "{what}: the sysadmin's token was refused"
                    );
                }
                assert_refused_well(&what, &response);
                // PostgreSQL can't store a NUL, so it is refused on both databases alike.
                if sent_nul {
                    assert!(
                        matches!(response.status.as_u16(), 400 | 422),
                        "{what}: a NUL got {}",
                        response.status
                    );
                }
            }
        };
        let real_path = fill(&operation.path, &operation.path_params, None);
        let plain_body = operation.body_fields.as_ref().map(|_| json!({}));

        for param in &operation.path_params {
            for segment in HOSTILE_SEGMENTS {
                let path = fill(
                    &operation.path,
                    &operation.path_params,
                    Some((param, segment)),
                );
                send(path, plain_body.clone(), None).await;
                requests += 1;
            }
        }
        for param in &operation.query_params {
            for text in hostile_texts() {
                let separator = if real_path.contains('?') { '&' } else { '?' };
                let value = utf8_percent_encode(&text, NON_ALPHANUMERIC);
                let path = format!("{real_path}{separator}{param}={value}");
                send(path, plain_body.clone(), None).await;
                // Given twice, as a script adding a parameter to a link that has it does.
                let path = format!("{real_path}{separator}{param}=1&{param}={value}");
                send(path, plain_body.clone(), None).await;
                requests += 2;
            }
        }
        for header in hostile_headers() {
            send(real_path.clone(), plain_body.clone(), Some(header)).await;
            requests += 1;
        }
        if let Some(fields) = &operation.body_fields {
            send(real_path.clone(), Some(json!({})), None).await;
            for value in hostile_values() {
                let every_field: Map<String, Value> = fields
                    .iter()
                    .map(|field| (field.clone(), value.clone()))
                    .collect();
                send(real_path.clone(), Some(Value::Object(every_field)), None).await;
                for field in fields {
                    send(real_path.clone(), Some(json!({ field: value })), None).await;
                }
                requests += 1 + fields.len();
            }
        }
    }
    assert!(
        requests > 1_000,
        "only {requests} hostile requests were made"
    );
    // Nothing stored was lost on the way.
    let page = app.get(&format!("/petitions/{petition}.json")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(app.number("SELECT COUNT(*) FROM signatures"), 1);
}
