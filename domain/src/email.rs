//! Email addresses of signers, and the canonical form used to spot duplicates (SPEC §2.3).

use crate::validation::ValidationError;

/// A syntactically valid email address with its domain lower-cased, and its canonical form
/// worked out once, at parsing, since signing compares by it several times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    canonical: String,
}

/// Domains where Google ignores dots in the local part, and the one they all mean.
const GMAIL_DOMAINS: [&str; 2] = ["gmail.com", "googlemail.com"];

impl Email {
    /// The longest address SMTP can carry (RFC 5321 path limit, less the brackets).
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ValidationError::Blank);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::TooLong {
                max: Self::MAX_CHARS,
                actual: trimmed.chars().count(),
            });
        }
        let (local, domain) = trimmed
            .rsplit_once('@')
            .ok_or(ValidationError::InvalidEmail)?;
        if !is_valid_local_part(local) || !is_valid_domain(domain) {
            return Err(ValidationError::InvalidEmail);
        }
        let address = format!("{local}@{}", domain.to_ascii_lowercase());
        let canonical = canonical_form(&address);
        Ok(Self { address, canonical })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The address lower-cased, which is what "the same email" means to a person.
    pub fn lowercased(&self) -> String {
        self.address.to_lowercase()
    }

    /// The address with plus-extensions removed and, for Gmail, dots ignored and
    /// googlemail.com read as gmail.com: one mailbox, one canonical form.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    pub fn domain(&self) -> &str {
        self.address
            .rsplit_once('@')
            .map_or("", |(_, domain)| domain)
    }
}

fn canonical_form(address: &str) -> String {
    let lower = address.to_lowercase();
    let (local, domain) = lower.rsplit_once('@').unwrap_or((lower.as_str(), ""));
    let local = local.split('+').next().unwrap_or(local);
    if GMAIL_DOMAINS.contains(&domain) {
        format!("{}@gmail.com", local.replace('.', ""))
    } else {
        format!("{local}@{domain}")
    }
}

fn is_valid_local_part(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~.";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || SPECIALS.contains(c))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(char::is_alphabetic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_domain_is_lower_cased_but_the_local_part_is_kept() {
        assert_eq!(
            Email::parse(" Jo.Bloggs@Example.COM ").unwrap().as_str(),
            "Jo.Bloggs@example.com"
        );
    }

    #[test]
    fn addresses_without_a_proper_domain_are_refused() {
        for bad in [
            "jo",
            "jo@",
            "@example.com",
            "jo@example",
            "jo@@example.com",
            "jo@exa mple.com",
            "jo..b@example.com",
            "jo@-x.com",
            "jo@example.c0m",
        ] {
            assert_eq!(
                Email::parse(bad),
                Err(ValidationError::InvalidEmail),
                "{bad}"
            );
        }
        assert_eq!(Email::parse("  "), Err(ValidationError::Blank));
    }

    #[test]
    fn plus_extensions_are_ignored_in_the_canonical_form() {
        assert_eq!(
            Email::parse("Jo+petitions@Example.com")
                .unwrap()
                .canonical(),
            "jo@example.com"
        );
    }

    #[test]
    fn gmail_dots_and_googlemail_collapse_to_one_canonical_address() {
        let a = Email::parse("J.O.Bloggs+x@googlemail.com").unwrap();
        let b = Email::parse("jobloggs@gmail.com").unwrap();
        assert_eq!(a.canonical(), b.canonical());
        let other = Email::parse("j.o.bloggs@example.com").unwrap();
        assert_eq!(other.canonical(), "j.o.bloggs@example.com");
    }

    proptest! {
        #[test]
        fn canonicalising_is_idempotent(local in "[a-z0-9.+]{1,20}", domain in "(gmail\\.com|googlemail\\.com|example\\.org)") {
            if let Ok(email) = Email::parse(&format!("{local}@{domain}")) {
                let canonical = email.canonical();
                if let Ok(again) = Email::parse(canonical) {
                    prop_assert_eq!(again.canonical(), canonical);
                }
            }
        }

        #[test]
        fn parsing_never_panics(raw in "\\PC{0,80}") {
            let _ = Email::parse(&raw);
        }
    }
}
