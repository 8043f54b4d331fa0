//! Block and allow lists for signing (SPEC §2.4): email domains (with `*.` globs), IP ranges
//! and canonical emails. Blocks are checked first, then allows; only the unlisted go on to
//! the rate limits.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::validation::ValidationError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    Block,
    Allow,
}

/// One entry of a block or allow list, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// `example.com` matches that domain only; `*.example.com` matches its subdomains.
    Domain(String),
    Ip(IpNet),
    /// Compared with the signer's canonical email.
    Email(String),
}

impl ListEntry {
    /// `kind` is `domain`, `ip` or `email`, as stored.
    pub fn parse(kind: &str, pattern: &str) -> Result<Self, ValidationError> {
        let pattern = pattern.trim();
        match kind {
            "domain" => {
                let domain = pattern.to_ascii_lowercase();
                let bare = domain.strip_prefix("*.").unwrap_or(&domain);
                if bare.is_empty() || bare.contains(['@', '*', ' ']) || !bare.contains('.') {
                    return Err(ValidationError::InvalidPattern);
                }
                Ok(Self::Domain(domain))
            }
            "ip" => pattern
                .parse::<IpNet>()
                .or_else(|_| pattern.parse::<IpAddr>().map(IpNet::from))
                .map(|net| Self::Ip(net.trunc()))
                .map_err(|_| ValidationError::InvalidPattern),
            "email" => {
                crate::Email::parse(pattern).map(|email| Self::Email(email.canonical().to_owned()))
            }
            _ => Err(ValidationError::InvalidPattern),
        }
    }

    pub fn matches(&self, signer: &Signer<'_>) -> bool {
        match self {
            Self::Domain(pattern) => match pattern.strip_prefix("*.") {
                Some(parent) => signer
                    .email_domain
                    .strip_suffix(parent)
                    .is_some_and(|sub| sub.ends_with('.')),
                None => signer.email_domain == pattern,
            },
            Self::Ip(net) => signer.ip.is_some_and(|ip| net.contains(&ip)),
            Self::Email(canonical) => signer.canonical_email == canonical,
        }
    }
}

/// What the lists know about one signer.
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    /// Lower-cased.
    pub email_domain: &'a str,
    pub canonical_email: &'a str,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screening {
    /// On a block list: shadow-banned.
    Blocked,
    /// On an allow list: the rate limits don't apply.
    Allowed,
    /// On neither: the rate limits decide.
    Unlisted,
}

/// The block and allow lists in force.
#[derive(Debug, Clone, Default)]
pub struct SigningLists {
    pub blocked: Vec<ListEntry>,
    pub allowed: Vec<ListEntry>,
}

impl SigningLists {
    pub fn add(&mut self, kind: ListKind, entry: ListEntry) {
        match kind {
            ListKind::Block => self.blocked.push(entry),
            ListKind::Allow => self.allowed.push(entry),
        }
    }

    pub fn screen(&self, signer: &Signer<'_>) -> Screening {
        if self.blocked.iter().any(|entry| entry.matches(signer)) {
            Screening::Blocked
        } else if self.allowed.iter().any(|entry| entry.matches(signer)) {
            Screening::Allowed
        } else {
            Screening::Unlisted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer<'a>(email_domain: &'a str, canonical_email: &'a str, ip: &str) -> Signer<'a> {
        Signer {
            email_domain,
            canonical_email,
            ip: Some(ip.parse().unwrap()),
        }
    }

    fn lists(blocked: &[(&str, &str)], allowed: &[(&str, &str)]) -> SigningLists {
        let parse = |entries: &[(&str, &str)]| {
            entries
                .iter()
                .map(|(kind, pattern)| ListEntry::parse(kind, pattern).unwrap())
                .collect()
        };
        SigningLists {
            blocked: parse(blocked),
            allowed: parse(allowed),
        }
    }

    #[test]
    fn domain_globs_match_subdomains_only() {
        let lists = lists(&[("domain", "*.spam.example")], &[]);
        let at = |domain| lists.screen(&signer(domain, "a@x", "192.0.2.1"));
        assert_eq!(at("mail.spam.example"), Screening::Blocked);
        assert_eq!(at("a.b.spam.example"), Screening::Blocked);
        assert_eq!(at("spam.example"), Screening::Unlisted);
        assert_eq!(at("notspam.example"), Screening::Unlisted);
    }

    #[test]
    fn blocks_win_over_allows() {
        let lists = lists(
            &[("ip", "203.0.113.0/24")],
            &[("domain", "parliament.uk"), ("ip", "203.0.113.7")],
        );
        assert_eq!(
            lists.screen(&signer("parliament.uk", "a@parliament.uk", "203.0.113.7")),
            Screening::Blocked
        );
        assert_eq!(
            lists.screen(&signer("parliament.uk", "a@parliament.uk", "198.51.100.1")),
            Screening::Allowed
        );
    }

    #[test]
    fn emails_are_compared_in_canonical_form() {
        let lists = lists(&[("email", "Some.One+petitions@googlemail.com")], &[]);
        assert_eq!(
            lists.screen(&signer("gmail.com", "someone@gmail.com", "::1")),
            Screening::Blocked
        );
    }

    #[test]
    fn ip_ranges_cover_both_families() {
        let lists = lists(&[("ip", "2001:db8::/32"), ("ip", "10.1.2.3/8")], &[]);
        assert_eq!(
            lists.screen(&signer("x.example", "a@x.example", "2001:db8::9")),
            Screening::Blocked
        );
        assert_eq!(
            lists.screen(&signer("x.example", "a@x.example", "10.200.0.1")),
            Screening::Blocked
        );
        assert_eq!(
            lists.screen(&signer("x.example", "a@x.example", "11.0.0.1")),
            Screening::Unlisted
        );
    }

    #[test]
    fn malformed_entries_are_refused() {
        for (kind, pattern) in [
            ("domain", "*"),
            ("domain", "a@b.com"),
            ("domain", "localhost"),
            ("ip", "10.0.0.0/33"),
            ("ip", "ten"),
            ("email", "no-at-sign"),
            ("phone", "123"),
        ] {
            assert!(ListEntry::parse(kind, pattern).is_err(), "{kind} {pattern}");
        }
    }
}
