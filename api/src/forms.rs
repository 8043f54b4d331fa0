//! Reading JSON forms leniently: a missing field, or one of the wrong type, is a field error
//! (422) like any other, never a bare 400 that names nothing. Every fault is reported at once.

use std::borrow::Cow;

use domain::signer_details::FieldErrors;
use domain::{SignerDetails, SignerForm};
use serde_json::Value;

use crate::error::{ApiError, FieldError};
use crate::nul::NUL_FAULT;

/// Reads the fields of one JSON object, noting each fault against its name. Fields of a
/// nested object are named with its prefix, as in `creator.email`.
pub struct FormReader<'a> {
    body: &'a Value,
    prefix: String,
    /// Every field asked for, in the order asked: faults are reported in this order. Names
    /// are only built for nested readers, so a signature's form allocates none.
    fields: Vec<Cow<'static, str>>,
    errors: Vec<FieldError>,
}

impl<'a> FormReader<'a> {
    /// A reader of `body`, which must be an object; null (no body) reads as one with no fields.
    pub fn new(body: &'a Value) -> Self {
        let mut reader = Self {
            body,
            prefix: String::new(),
            fields: Vec::new(),
            errors: Vec::new(),
        };
        if !matches!(body, Value::Object(_) | Value::Null) {
            reader.fields.push(Cow::Borrowed("body"));
            reader.fault("body", "must be a JSON object of named fields");
        }
        reader
    }

    fn name(&self, field: &'static str) -> Cow<'static, str> {
        if self.prefix.is_empty() {
            Cow::Borrowed(field)
        } else {
            Cow::Owned(format!("{}{field}", self.prefix))
        }
    }

    fn get(&mut self, field: &'static str) -> Option<&'a Value> {
        self.fields.push(self.name(field));
        self.body.get(field)
    }

    /// Notes that `field` breaks a rule; `message` completes a sentence that begins with it.
    pub fn fault(&mut self, field: &'static str, message: impl std::fmt::Display) {
        let name = self.name(field).into_owned();
        self.errors.push(FieldError {
            message: format!("{name} {message}"),
            field: name,
        });
    }

    pub fn has_fault(&self, field: &'static str) -> bool {
        let name = self.name(field);
        self.errors.iter().any(|error| error.field == *name)
    }

    /// The raw value of a field the caller reads itself, `None` when absent or null.
    pub fn value(&mut self, field: &'static str) -> Option<&'a Value> {
        self.get(field).filter(|value| !value.is_null())
    }

    /// Text, or `None` when absent or null.
    pub fn text(&mut self, field: &'static str) -> Option<&'a str> {
        match self.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => self.storable(field, text),
            Some(_) => {
                self.fault(field, "must be text");
                None
            }
        }
    }

    /// `text`, unless it holds a NUL (see `crate::nul`).
    fn storable(&mut self, field: &'static str, text: &'a str) -> Option<&'a str> {
        if text.contains('\0') {
            self.fault(field, NUL_FAULT);
            return None;
        }
        Some(text)
    }

    /// Text that must be given: absent or null is a fault, "is required".
    pub fn required_text(&mut self, field: &'static str) -> Option<&'a str> {
        let text = self.text(field);
        if text.is_none() && !self.has_fault(field) {
            self.fault(field, "is required");
        }
        text
    }

    /// For edits: `None` when absent (leave it as it is), `Some(None)` when null (clear it).
    pub fn edited_text(&mut self, field: &'static str) -> Option<Option<&'a str>> {
        match self.get(field)? {
            Value::Null => Some(None),
            Value::String(text) => self.storable(field, text).map(Some),
            _ => {
                self.fault(field, "must be text or null");
                None
            }
        }
    }

    /// A list of texts; absent or null reads as empty.
    pub fn texts(&mut self, field: &'static str) -> Vec<&'a str> {
        match self.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                if texts.iter().any(|text| text.contains('\0')) {
                    self.fault(field, NUL_FAULT);
                    return Vec::new();
                }
                texts
            }
            Some(_) => {
                self.fault(field, "must be a list of texts");
                Vec::new()
            }
        }
    }

    /// A whole number, or `None` when absent or null.
    pub fn number(&mut self, field: &'static str) -> Option<i64> {
        match self.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => {
                let number = value.as_i64();
                if number.is_none() {
                    self.fault(field, "must be a whole number");
                }
                number
            }
        }
    }

    /// Whether nothing read so far is at fault.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `true` or `false`, or `None` when absent or null.
    pub fn flag(&mut self, field: &'static str) -> Option<bool> {
        match self.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(flag)) => Some(*flag),
            Some(_) => {
                self.fault(field, "must be true or false");
                None
            }
        }
    }

    /// A reader for a nested object; an absent one reads as empty, so its own fields are
    /// reported missing by name.
    pub fn object(&mut self, field: &'static str) -> FormReader<'a> {
        static EMPTY: Value = Value::Null;
        let body = match self.get(field) {
            Some(object @ Value::Object(_)) => object,
            None | Some(Value::Null) => &EMPTY,
            Some(_) => {
                self.fault(field, "must be an object");
                &EMPTY
            }
        };
        FormReader {
            body,
            prefix: format!("{}{field}.", self.prefix),
            fields: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Adds the domain's verdicts on fields, unless the field's type was already at fault.
    pub fn add_rule_faults(&mut self, faults: &FieldErrors) {
        for (field, error) in faults {
            if !self.has_fault(field) {
                self.fault(field, error);
            }
        }
    }

    /// Takes in the faults of a nested reader.
    pub fn absorb(&mut self, nested: FormReader<'_>) {
        self.fields.extend(nested.fields);
        self.errors.extend(nested.errors);
    }

    /// Everything read so far, or a 422 naming every fault in form order.
    pub fn finish<T>(mut self, what: &str, value: Option<T>) -> Result<T, ApiError> {
        let fields = &self.fields;
        self.errors.sort_by_key(|error| {
            fields
                .iter()
                .position(|field| **field == error.field)
                .unwrap_or(usize::MAX)
        });
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(ApiError::unprocessable(what, self.errors)),
        }
    }
}

/// Reads a signer's fields (SPEC §2.1) from `form`; `None` if any is at fault.
pub fn read_signer(
    form: &mut FormReader<'_>,
    is_known_country: impl Fn(&str) -> bool,
) -> Option<SignerDetails> {
    let signer = SignerForm {
        name: form.text("name"),
        email: form.text("email"),
        postcode: form.text("postcode"),
        location_code: form.text("location_code"),
        uk_citizenship: form.flag("uk_citizenship"),
        notify_by_email: form.flag("notify_by_email"),
    };
    SignerDetails::parse(&signer, is_known_country)
        .map_err(|faults| form.add_rule_faults(&faults))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_required_text_left_out_or_null_is_named_once_with_its_fault() {
        let body = json!({"email": null, "password": 7, "name": "A Name"});
        let mut form = FormReader::new(&body);
        assert_eq!(form.required_text("email"), None);
        assert_eq!(form.required_text("password"), None);
        assert_eq!(form.required_text("name"), Some("A Name"));
        assert_eq!(form.required_text("postcode"), None);
        let Err(ApiError::Unprocessable { errors, .. }) = form.finish("form", None::<()>) else {
            panic!("the form was accepted");
        };
        let messages: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "email is required",
                "password must be text",
                "postcode is required"
            ]
        );
    }
}
