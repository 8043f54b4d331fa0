//! Secrets in links (confirmation, unsubscribe and supporter tokens).

/// Compares in time that does not depend on where the strings first differ, so a token
/// can't be guessed one character at a time from response times.
pub fn tokens_match(stored: &str, given: &str) -> bool {
    stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |difference, (a, b)| difference | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn tokens_match_exactly_when_equal(a in "[0-9a-f]{0,8}", b in "[0-9a-f]{0,8}") {
            prop_assert_eq!(tokens_match(&a, &b), a == b);
        }
    }
}
