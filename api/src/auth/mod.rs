//! Staff and integration authentication: passwords, signed tokens, and the guard that every
//! staff route is registered through.

mod guard;
mod passwords;
mod tokens;

pub use guard::{authenticate, staff_route, Authenticated, INTEGRATION_TOKEN, STAFF_TOKEN};
pub use passwords::{hash_password, password_matches, waste_the_same_time};
pub use tokens::{Claims, Subject, TokenKeys, AUDIENCE};

use domain::access::IntegrationScope;

/// Space-separated scopes, as stored and as in the `scope` claim; `None` if any is unknown.
pub fn parse_scopes(text: &str) -> Option<Vec<IntegrationScope>> {
    text.split_whitespace()
        .map(IntegrationScope::parse)
        .collect()
}
