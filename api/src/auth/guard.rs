//! Staff routes: one call registers a route, enforces who may use it, and states that in its
//! OpenAPI security entry, so the documentation can't drift from what is enforced.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{AppService, HttpServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Next};
use actix_web::{guard, web, HttpMessage, ResponseError};
use domain::access::{Access, Principal, StaffRole};
use persistence::staff;
use utoipa::openapi::path::{Operation, Paths};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{RefOr, Schema};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::OpenApiFactory;

use super::tokens::{Claims, Subject};
use crate::app::AppState;
use crate::error::ApiError;

/// The OpenAPI security schemes: staff sign in at `POST /admin/login`; systems are issued
/// tokens by a sysadmin.
pub const STAFF_TOKEN: &str = "staff_token";
pub const INTEGRATION_TOKEN: &str = "integration_token";

/// A checked request's principal and token, for the handler (`web::ReqData<Authenticated>`).
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub claims: Claims,
}

/// Registers `service` (a handler whose own path is `""`) at `method path`, open only to
/// requests whose token grants `access`.
pub fn staff_route<F>(
    config: &mut ServiceConfig,
    access: Access,
    method: Method,
    path: &str,
    service: F,
) where
    F: HttpServiceFactory + OpenApiFactory + 'static,
{
    // A scope per route, guarded by method, so two routes on one path may need different
    // roles: a request of the other method falls through to the other scope.
    let scope = utoipa_actix_web::scope(path)
        .guard(guard::Method(method))
        .wrap(from_fn(move |request, next| require(access, request, next)))
        .service(service);
    config.service(Documented { access, scope });
}

/// Lets the request through to the handler only if its token grants `access`; otherwise
/// answers 401 or 403 itself. Whatever the answer, no cache may keep it: it is for one
/// member of staff, now.
async fn require<B: MessageBody>(
    access: Access,
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let mut response = match check(access, &request).await {
        Ok(authenticated) => {
            request.extensions_mut().insert(authenticated);
            next.call(request).await?.map_into_left_body()
        }
        Err(error) => request
            .into_response(error.error_response())
            .map_into_right_body(),
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn check(access: Access, request: &ServiceRequest) -> Result<Authenticated, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("the application state is missing".into()))?;
    let authenticated = authenticate(&state, bearer_token(request)?).await?;
    if !authenticated.principal.may(&access) {
        return Err(ApiError::Forbidden(format!("this needs {access}")));
    }
    Ok(authenticated)
}

fn bearer_token(request: &ServiceRequest) -> Result<String, ApiError> {
    let missing = || {
        ApiError::Unauthorized(
            "this needs a token in an `Authorization: Bearer …` header: staff get one from \
             POST /admin/login"
                .to_owned(),
        )
    };
    let header = request
        .headers()
        .get("authorization")
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = header.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_owned())
}

/// Checks the token's signature, audience and expiry, then that it was not signed out or
/// revoked, and reads the principal's current role or scopes from the database.
pub async fn authenticate(state: &AppState, token: String) -> Result<Authenticated, ApiError> {
    let now = state.clock.now();
    let claims = state.tokens.verify(&token, now)?;
    let refused = || ApiError::Unauthorized("the token was revoked or its account is gone".into());
    let subject = claims.subject().ok_or_else(|| {
        ApiError::Unauthorized("the token does not name a staff account or a system".into())
    })?;
    let principal = match subject {
        Subject::Staff { id } => {
            let jti = claims.jti.clone();
            let (revoked, role) = state
                .db
                .run(move |conn| Ok((staff::is_revoked(conn, &jti)?, staff::staff_role(conn, id)?)))
                .await?;
            let role = role
                .and_then(|role| StaffRole::parse(&role))
                .filter(|_| !revoked)
                .ok_or_else(refused)?;
            Principal::Staff { id, role }
        }
        Subject::Integration { token_id } => {
            let id = token_id.clone();
            let stored = state
                .db
                .run(move |conn| staff::find_integration_token(conn, &id))
                .await?
                .filter(|stored| stored.revoked_at.is_none())
                .ok_or_else(refused)?;
            Principal::Integration {
                token_id,
                scopes: super::parse_scopes(&stored.scopes).unwrap_or_default(),
            }
        }
    };
    Ok(Authenticated { principal, claims })
}

/// A registered staff route, which documents the access it enforces.
struct Documented<S> {
    access: Access,
    scope: S,
}

impl<S: HttpServiceFactory> HttpServiceFactory for Documented<S> {
    fn register(self, config: &mut AppService) {
        self.scope.register(config);
    }
}

impl<S: OpenApiFactory> OpenApiFactory for Documented<S> {
    fn paths(&self) -> Paths {
        let mut paths = self.scope.paths();
        let requirements = security_requirements(&self.access);
        for item in paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 5] = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                operation.security = Some(requirements.clone());
            }
        }
        paths
    }

    fn schemas(&self, schemas: &mut Vec<(String, RefOr<Schema>)>) {
        self.scope.schemas(schemas);
    }
}

/// Alternatives: staff with the role, or (where allowed) a system with the scope.
fn security_requirements(access: &Access) -> Vec<SecurityRequirement> {
    let mut requirements = vec![SecurityRequirement::new(
        STAFF_TOKEN,
        [access.role.as_str()],
    )];
    if let Some(scope) = access.scope {
        requirements.push(SecurityRequirement::new(
            INTEGRATION_TOKEN,
            [scope.as_str()],
        ));
    }
    requirements
}
