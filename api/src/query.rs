//! Query parameters read as `web::Query` reads them, but a bad one is a problem+json that names
//! it: serde_urlencoded's own errors ("invalid digit found in string") say neither which
//! parameter nor what was sent. A parameter given twice takes its last value, as on the
//! official site (Rails): scripts that add `&page=2` to a link that already has a page work.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use url::form_urlencoded;

use crate::error::{extractor_fault, FieldError};
use crate::nul::NUL_FAULT;

/// The parsed query string of a request.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse(request.query_string()).map(Query).map_err(|fault| {
            let summary = format!("the query is not valid: {}", fault.message);
            extractor_fault(StatusCode::BAD_REQUEST, summary, fault)
        }))
    }
}

/// Parses `query`, or names the parameter at fault and says what is wrong with it.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    let query = last_value_of_each(query)?;
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let reason = error.inner().to_string();
        // A missing parameter fails at the level of the whole query, so its name is only in
        // the message, as "missing field `token`".
        if let Some(name) = reason
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return FieldError {
                field: name.to_owned(),
                message: format!("{name} is required"),
            };
        }
        let field = error.path().to_string();
        let sent = form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| *key == field)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        FieldError {
            message: format!("{field} can't be {sent:?}: {}", in_plain_words(&reason)),
            field,
        }
    })
}

/// Rust's own words for a number that doesn't parse ("invalid digit found in string") say
/// nothing to someone who typed `page=two`; other reasons (an enum's choices) are clear.
fn in_plain_words(reason: &str) -> &str {
    match reason {
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "it must be a whole number"
        }
        "number too large to fit in target type" => "it is too large",
        "number too small to fit in target type" => "it is too small",
        "invalid float literal" => "it must be a number",
        other => other,
    }
}

/// `query` with each parameter once, where it first appears, with the last value it was
/// given; serde_urlencoded refuses a parameter given twice. Most queries have no repeats and
/// are returned as they are. A NUL in any value, even one given again later, is refused.
fn last_value_of_each(query: &str) -> Result<Cow<'_, str>, FieldError> {
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::new();
    let mut position = HashMap::new();
    let mut repeated = false;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if value.contains('\0') {
            return Err(FieldError {
                message: format!("{name} {NUL_FAULT}"),
                field: name.into_owned(),
            });
        }
        match position.get(&name) {
            Some(&at) => {
                pairs[at] = (name, value);
                repeated = true;
            }
            None => {
                position.insert(name.clone(), pairs.len());
                pairs.push((name, value));
            }
        }
    }
    if !repeated {
        return Ok(Cow::Borrowed(query));
    }
    let mut once_each = form_urlencoded::Serializer::new(String::new());
    once_each.extend_pairs(pairs);
    Ok(Cow::Owned(once_each.finish()))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Params {
        token: String,
        page: Option<u32>,
        interval: Option<Interval>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Interval {
        Hour,
        Day,
    }

    #[test]
    fn a_good_query_parses() {
        let params: Params = parse("token=abc&page=2&interval=day").unwrap();
        assert_eq!(params.token, "abc");
        assert_eq!(params.page, Some(2));
        assert!(matches!(params.interval, Some(Interval::Day)));
        assert!(matches!(
            parse::<Params>("token=x&interval=hour").unwrap().interval,
            Some(Interval::Hour)
        ));
    }

    #[test]
    fn a_missing_parameter_is_named() {
        let fault = parse::<Params>("page=2").unwrap_err();
        assert_eq!(fault.field, "token");
        assert_eq!(fault.message, "token is required");
    }

    #[test]
    fn a_nul_in_any_value_is_refused_and_named() {
        let fault = parse::<Params>("token=a%00b&page=2").unwrap_err();
        assert_eq!(fault.field, "token");
        assert_eq!(
            fault.message,
            "token must not contain the NUL character (%00)"
        );
    }

    #[test]
    fn a_parameter_given_twice_takes_its_last_value() {
        let params: Params = parse("page=2&token=a&page=3&interval=day&page=4").unwrap();
        assert_eq!(params.page, Some(4));
        assert_eq!(params.token, "a");

        let fault = parse::<Params>("token=a&page=2&page=abc").unwrap_err();
        assert_eq!(fault.field, "page");
        assert_eq!(
            fault.message,
            "page can't be \"abc\": it must be a whole number"
        );
        let fault = parse::<Params>("token=a&token=b%00").unwrap_err();
        assert_eq!(fault.field, "token");
    }

    #[test]
    fn a_bad_value_is_named_with_what_was_sent() {
        let fault = parse::<Params>("token=x&page=abc").unwrap_err();
        assert_eq!(fault.field, "page");
        assert_eq!(
            fault.message,
            "page can't be \"abc\": it must be a whole number"
        );
        let fault = parse::<Params>("token=x&page=99999999999").unwrap_err();
        assert_eq!(
            fault.message,
            "page can't be \"99999999999\": it is too large"
        );

        let fault = parse::<Params>("token=x&interval=week").unwrap_err();
        assert_eq!(fault.field, "interval");
        assert!(
            fault.message.contains("`hour` or `day`"),
            "{}",
            fault.message
        );
    }
}
