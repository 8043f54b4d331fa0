//! Staff passwords, stored as argon2id PHC strings.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use crate::error::ApiError;

/// The PHC string for `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| ApiError::Internal(error.to_string().into()))
}

/// Whether `password` matches `stored`. A stored value that is not a PHC string matches
/// nothing.
pub fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// Checked instead when no account has the email, so an unknown email takes as long to refuse
/// as a wrong password: response times don't tell which emails have accounts.
pub fn waste_the_same_time(password: &str) {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy =
        DECOY.get_or_init(|| hash_password("a decoy nobody can sign in with").unwrap_or_default());
    let _ = password_matches(password, decoy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let stored = hash_password("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &stored));
        assert!(!password_matches("correct horse batterY", &stored));
        assert!(!password_matches("anything", "not a hash"));
    }
}
