//! The service's one configuration struct, read from the environment at start-up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use lettre::message::Mailbox;
use thiserror::Error;

/// Every setting, with the environment variable it comes from and its default.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://FILE` (default `sqlite://petitions.db`) or `postgres://...`.
    pub database_url: String,
    /// `DATABASE_MAX_CONNECTIONS`: the pool size (default 10).
    pub database_max_connections: u32,
    /// `DATABASE_TIMEOUT_SECONDS`: how long a request waits for a connection (default 5).
    pub database_timeout: Duration,
    /// `BIND_ADDR`: where to listen (default `127.0.0.1:8080`).
    pub bind_addr: SocketAddr,
    /// `PUBLIC_URL`: the base of every absolute link (default `http://` + `BIND_ADDR`).
    pub public_url: String,
    /// `SEED_OFFICIAL_PETITIONS`: load the bundled real petitions into an empty database
    /// (default `true`).
    pub seed_official_petitions: bool,
    /// `RUST_LOG`: the log filter (default `info`).
    pub log_filter: String,
    /// `SMTP_URL`: where emails are sent, e.g. `smtp://127.0.0.1:1025` (plain),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtps://user:pass@host` (TLS). Unset by
    /// default: emails are written to `MAIL_DIR` instead.
    pub smtp_url: Option<String>,
    /// `SMTP_CONNECTIONS`: how many SMTP connections delivery uses at once (default 32). Each
    /// message takes four round trips on one, so a distant server needs more, up to what it
    /// allows one client.
    pub smtp_connections: u32,
    /// `MAIL_DIR`: where emails go as `.eml` files when there is no `SMTP_URL` (default `./mail`).
    pub mail_dir: PathBuf,
    /// `MAIL_FROM`: the sender of every email (default `Petitions <no-reply@` + the public host `>`).
    pub mail_from: Mailbox,
    /// `TRUSTED_PROXIES`: comma-separated CIDR ranges of the load balancers or CDN in front of
    /// the service, whose `X-Forwarded-For` is believed (default: none).
    pub trusted_proxies: Vec<IpNet>,
    /// `RECONCILE_INTERVAL_MINUTES`: how often every count is recomputed from the signatures
    /// and drift repaired (default 60).
    pub reconcile_interval: Duration,
    pub auth: AuthConfig,
}

/// How staff and integration tokens are signed.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `JWT_SECRET`: the HS256 key, at least 32 characters. Unset: a random key is made
    /// once and kept in the database, so every process shares it.
    pub jwt_secret: Option<String>,
    /// `STAFF_TOKEN_MINUTES`: how long a staff sign-in lasts (default 30).
    pub staff_token_lifetime: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_secret: None,
            staff_token_lifetime: Duration::from_secs(30 * 60),
        }
    }
}

/// The shortest `JWT_SECRET` accepted: 256 bits of ASCII, as HS256 wants.
const MIN_JWT_SECRET_CHARS: usize = 32;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |name: &str| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };

        let database_url =
            read("DATABASE_URL").unwrap_or_else(|| "sqlite://petitions.db".to_owned());
        persistence::Backend::from_url(&database_url).map_err(|error| {
            invalid(
                "DATABASE_URL",
                error.to_string().trim_start_matches("DATABASE_URL "),
            )
        })?;
        let database_max_connections = parse_number(
            read("DATABASE_MAX_CONNECTIONS"),
            "DATABASE_MAX_CONNECTIONS",
            10,
        )?;
        if database_max_connections == 0 {
            return Err(invalid("DATABASE_MAX_CONNECTIONS", "must be at least 1"));
        }
        let timeout_seconds = parse_number(
            read("DATABASE_TIMEOUT_SECONDS"),
            "DATABASE_TIMEOUT_SECONDS",
            5,
        )?;
        let bind_addr = match read("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
            Some(text) => text.parse().map_err(|_| {
                invalid(
                    "BIND_ADDR",
                    &format!("{text:?} is not an address and port like 127.0.0.1:8080"),
                )
            })?,
        };
        let public_url = match read("PUBLIC_URL") {
            None => default_public_url(bind_addr),
            Some(text) => parse_public_url(&text)?,
        };
        let seed_official_petitions = match read("SEED_OFFICIAL_PETITIONS").as_deref() {
            None | Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(invalid(
                    "SEED_OFFICIAL_PETITIONS",
                    &format!("{other:?} is not true or false"),
                ))
            }
        };
        let log_filter = read("RUST_LOG").unwrap_or_else(|| "info".to_owned());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|error| {
            invalid(
                "RUST_LOG",
                &format!("{log_filter:?} is not a valid filter: {error}"),
            )
        })?;

        let smtp_url = read("SMTP_URL");
        if let Some(url) = &smtp_url {
            crate::mail::SmtpServer::from_url(url).map_err(|error| {
                invalid(
                    "SMTP_URL",
                    &format!("{url:?} is not a usable SMTP URL: {error}"),
                )
            })?;
        }
        let smtp_connections = parse_number(read("SMTP_CONNECTIONS"), "SMTP_CONNECTIONS", 32)?;
        if smtp_connections == 0 {
            return Err(invalid("SMTP_CONNECTIONS", "must be at least 1"));
        }
        let mail_dir = PathBuf::from(read("MAIL_DIR").unwrap_or_else(|| "mail".to_owned()));
        let mail_from = match read("MAIL_FROM") {
            Some(text) => text.parse().map_err(|_| {
                invalid(
                    "MAIL_FROM",
                    &format!("{text:?} is not an address like Petitions <no-reply@example.org>"),
                )
            })?,
            None => default_sender(&public_url)?,
        };
        let trusted_proxies = read("TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        invalid(
                            "TRUSTED_PROXIES",
                            &format!("{entry:?} is not an address or CIDR range"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let reconcile_minutes = parse_number(
            read("RECONCILE_INTERVAL_MINUTES"),
            "RECONCILE_INTERVAL_MINUTES",
            60,
        )?;
        if reconcile_minutes == 0 {
            return Err(invalid("RECONCILE_INTERVAL_MINUTES", "must be at least 1"));
        }

        let jwt_secret = read("JWT_SECRET");
        if jwt_secret
            .as_ref()
            .is_some_and(|secret| secret.chars().count() < MIN_JWT_SECRET_CHARS)
        {
            return Err(invalid(
                "JWT_SECRET",
                &format!("must be at least {MIN_JWT_SECRET_CHARS} characters"),
            ));
        }
        let staff_minutes = parse_number(read("STAFF_TOKEN_MINUTES"), "STAFF_TOKEN_MINUTES", 30)?;
        if !(1..=24 * 60).contains(&staff_minutes) {
            return Err(invalid(
                "STAFF_TOKEN_MINUTES",
                "must be between 1 and 1440 (a day)",
            ));
        }

        Ok(Self {
            database_url,
            database_max_connections,
            database_timeout: Duration::from_secs(timeout_seconds.into()),
            bind_addr,
            public_url,
            seed_official_petitions,
            log_filter,
            smtp_url,
            smtp_connections,
            mail_dir,
            mail_from,
            trusted_proxies,
            reconcile_interval: Duration::from_secs(u64::from(reconcile_minutes) * 60),
            auth: AuthConfig {
                jwt_secret,
                staff_token_lifetime: Duration::from_secs(u64::from(staff_minutes) * 60),
            },
        })
    }
}

/// `no-reply@` the public host; a host that can't make an address (an IP) gets `localhost`.
fn default_sender(public_url: &str) -> Result<Mailbox, ConfigError> {
    let host = url::Url::parse(public_url)
        .ok()
        .and_then(|url| url.domain().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("Petitions <no-reply@{host}>")
        .parse()
        .or_else(|_| "Petitions <no-reply@localhost>".parse())
        .map_err(|_| {
            invalid(
                "MAIL_FROM",
                "unset, and no sender could be made from PUBLIC_URL",
            )
        })
}

fn invalid(variable: &'static str, problem: &str) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.to_owned(),
    }
}

fn parse_number(
    value: Option<String>,
    variable: &'static str,
    default: u32,
) -> Result<u32, ConfigError> {
    value.map_or(Ok(default), |text| {
        text.parse()
            .map_err(|_| invalid(variable, &format!("{text:?} is not a whole number")))
    })
}

/// Links must work from a browser, so an unspecified bind address becomes the loopback one.
fn default_public_url(bind_addr: SocketAddr) -> String {
    let host = if bind_addr.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        bind_addr.ip().to_string()
    };
    let host = if bind_addr.is_ipv6() && !bind_addr.ip().is_unspecified() {
        format!("[{host}]")
    } else {
        host
    };
    format!("http://{host}:{}", bind_addr.port())
}

fn parse_public_url(text: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(text)
        .map_err(|error| invalid("PUBLIC_URL", &format!("{text:?} is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            "PUBLIC_URL",
            "must be an absolute http:// or https:// URL",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("PUBLIC_URL", "must not have a query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn the_defaults_run_on_sqlite_on_loopback() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://petitions.db");
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.public_url, "http://127.0.0.1:8080");
        assert!(config.seed_official_petitions);
        assert_eq!(config.smtp_url, None);
        assert_eq!(config.mail_dir, PathBuf::from("mail"));
        assert_eq!(
            config.mail_from.to_string(),
            "Petitions <no-reply@localhost>"
        );
        assert!(config.trusted_proxies.is_empty());
    }

    #[test]
    fn trusted_proxies_take_ranges_and_single_addresses() {
        let config = config(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1,2001:db8::/32")]).unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        assert!(
            config.trusted_proxies[1].contains(&"192.0.2.1".parse::<std::net::IpAddr>().unwrap())
        );
    }

    #[test]
    fn the_public_url_follows_the_bind_address_unless_given() {
        assert_eq!(
            config(&[("BIND_ADDR", "0.0.0.0:9000")]).unwrap().public_url,
            "http://127.0.0.1:9000"
        );
        let given = config(&[("PUBLIC_URL", "https://petitions.example.org/")]).unwrap();
        assert_eq!(given.public_url, "https://petitions.example.org");
    }

    #[test]
    fn malformed_values_name_their_variable() {
        for (variable, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDR", "localhost"),
            ("PUBLIC_URL", "ftp://example.org"),
            ("PUBLIC_URL", "not a url"),
            ("SEED_OFFICIAL_PETITIONS", "maybe"),
            ("DATABASE_MAX_CONNECTIONS", "many"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("RUST_LOG", "info,[[["),
            ("SMTP_URL", "http://mail.example"),
            ("MAIL_FROM", "not an address"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, nonsense"),
            ("RECONCILE_INTERVAL_MINUTES", "0"),
        ] {
            let error = config(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{value}");
        }
    }
}
