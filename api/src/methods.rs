//! Methods HTTP promises for every resource (RFC 9110 §9): `HEAD` wherever `GET` is served,
//! and `405 Method Not Allowed` with an `Allow` header, rather than 404, for a method a path
//! does not take.

use std::collections::BTreeSet;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse};

use crate::error::problem_response;

/// Routes `HEAD` as `GET`. The HTTP/1 codec remembers the request was `HEAD` and sends the
/// headers alone, with the `Content-Length` the body would have had.
pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}

/// The methods each documented path takes, to tell a wrong method from a wrong path.
#[derive(Clone)]
pub struct RouteMethods {
    routes: Arc<Vec<(ResourceDef, Vec<&'static str>)>>,
}

impl RouteMethods {
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                let taken = methods
                    .into_iter()
                    .filter_map(|(method, taken)| taken.then_some(method))
                    .collect();
                (ResourceDef::new(path.as_str()), taken)
            })
            .collect();
        Self {
            routes: Arc::new(routes),
        }
    }

    /// The methods `path` takes; empty if there is no such path.
    fn allowed(&self, path: &str) -> BTreeSet<&'static str> {
        self.routes
            .iter()
            .filter(|(route, _)| route.is_match(path))
            .flat_map(|(_, methods)| methods.iter().copied())
            .collect()
    }

    /// The answer to a request no route took: 405 if the path exists, otherwise 404.
    pub fn no_such_route(&self, request: &HttpRequest) -> HttpResponse {
        let (method, path) = (request.method(), request.path());
        let allowed = self.allowed(path);
        if allowed.is_empty() {
            let detail = format!("there is nothing at {method} {path}: see /docs/ for the API");
            return problem_response(StatusCode::NOT_FOUND, detail, Vec::new());
        }
        let allowed: Vec<&str> = allowed.into_iter().collect();
        let allowed = allowed.join(", ");
        let detail = format!("{path} does not take {method}; it takes {allowed}");
        let mut response = problem_response(StatusCode::METHOD_NOT_ALLOWED, detail, Vec::new());
        if let Ok(value) = header::HeaderValue::from_str(&allowed) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        response
    }
}
