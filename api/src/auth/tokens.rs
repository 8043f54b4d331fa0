//! Signed tokens for staff and for systems: HS256 JWTs with `iss`, `aud`, `sub`, `iat`, `exp`
//! and `jti`. Expiry is checked against the service's clock, not the machine's, so it can be
//! tested.

use chrono::{DateTime, Duration, Utc};
use domain::access::{IntegrationScope, StaffRole};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Every token names this audience; a token minted for anything else is refused.
pub const AUDIENCE: &str = "petitions-admin";

/// The claims of every token this service issues.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// `staff:ID` or `integration:TOKEN_ID`.
    pub sub: String,
    /// A member of staff's role; absent on integration tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// An integration token's scopes, space-separated; absent on staff tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Who a checked token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The role is read from the account on each request, not from the token.
    Staff {
        id: i64,
    },
    Integration {
        token_id: String,
    },
}

impl Claims {
    pub fn subject(&self) -> Option<Subject> {
        let (kind, id) = self.sub.split_once(':')?;
        match kind {
            // A staff token without a known role was not minted here.
            "staff" if self.role.as_deref().and_then(StaffRole::parse).is_some() => {
                Some(Subject::Staff {
                    id: id.parse().ok()?,
                })
            }
            "integration" if id == self.jti => Some(Subject::Integration {
                token_id: id.to_owned(),
            }),
            _ => None,
        }
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or(DateTime::UNIX_EPOCH)
    }
}

/// The key and the fixed claims every token is minted and checked with.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    pub staff_lifetime: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], issuer: &str, staff_lifetime: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            staff_lifetime,
        }
    }

    fn mint(&self, claims: &Claims) -> Result<String, ApiError> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|error| ApiError::Internal(Box::new(error)))
    }

    /// A staff token valid for the staff lifetime from `now`.
    pub fn issue_staff(
        &self,
        id: i64,
        role: StaffRole,
        jti: String,
        now: DateTime<Utc>,
    ) -> Result<(String, Claims), ApiError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: format!("staff:{id}"),
            role: Some(role.as_str().to_owned()),
            scope: None,
            iat: now.timestamp(),
            exp: (now + self.staff_lifetime).timestamp(),
            jti,
        };
        Ok((self.mint(&claims)?, claims))
    }

    /// An integration token: its id is its `jti`, so revoking the id revokes the token.
    pub fn issue_integration(
        &self,
        token_id: &str,
        scopes: &[IntegrationScope],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, ApiError> {
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: AUDIENCE.to_owned(),
            sub: format!("integration:{token_id}"),
            role: None,
            scope: Some(
                scopes
                    .iter()
                    .map(|scope| scope.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: token_id.to_owned(),
        };
        self.mint(&claims)
    }

    /// The claims of a token this service signed, for this audience, not yet expired at `now`.
    /// Only HS256 is accepted: `alg: none` and every other algorithm are refused.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_exp = false;
        let claims = decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|error| {
                ApiError::Unauthorized(format!("the token was not accepted: {error}"))
            })?
            .claims;
        if claims.exp <= now.timestamp() {
            return Err(ApiError::Unauthorized(
                "the token has expired: sign in again".to_owned(),
            ));
        }
        Ok(claims)
    }
}
