//! Absolute links on the service's public base URL.

use url::form_urlencoded;

#[derive(Debug, Clone)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// `base` has no trailing slash (the configuration guarantees it).
    pub fn new(base: impl Into<String>) -> Self {
        Self(base.into())
    }

    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn petition(&self, id: i64, archived: bool) -> String {
        let prefix = if archived { "/archived" } else { "" };
        self.join(&format!("{prefix}/petitions/{id}.json"))
    }

    /// `path` with `params` as its query string, keys sorted as the official site sorts them.
    pub fn with_query(&self, path: &str, params: &[(&str, String)]) -> String {
        let mut sorted: Vec<&(&str, String)> = params.iter().collect();
        sorted.sort_by_key(|(key, _)| *key);
        let query = sorted
            .iter()
            .fold(
                form_urlencoded::Serializer::new(String::new()),
                |mut query, (key, value)| {
                    query.append_pair(key, value);
                    query
                },
            )
            .finish();
        if query.is_empty() {
            self.join(path)
        } else {
            self.join(&format!("{path}?{query}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_keys_are_sorted_and_encoded() {
        let base = PublicUrl::new("https://example.org");
        let link = base.with_query(
            "/petitions.json",
            &[
                ("state", "open".into()),
                ("page", "2".into()),
                ("q", "a&b c".into()),
            ],
        );
        assert_eq!(
            link,
            "https://example.org/petitions.json?page=2&q=a%26b+c&state=open"
        );
        assert_eq!(
            base.with_query("/petitions.json", &[]),
            "https://example.org/petitions.json"
        );
    }
}
