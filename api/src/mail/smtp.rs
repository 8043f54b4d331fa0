//! Sending over SMTP on connections kept open between messages.
//!
//! lettre's `SmtpTransport` sends a NOOP on a pooled connection before each message, and
//! writes a message's closing dot apart from its body. Nagle's algorithm then holds the dot
//! back until the server acknowledges the body, which servers delay (40 ms on Linux), so one
//! connection manages about 20 messages a second (fixed upstream in lettre/lettre#1159, not
//! yet released). Here the delivery worker keeps lettre's `SmtpConnection`s itself: no NOOP,
//! and each message goes with its dot in one write.

use std::borrow::Cow;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::{Error, SMTP_PORT, SUBMISSIONS_PORT, SUBMISSION_PORT};
use url::Url;

/// How long any one exchange may take (lettre's default).
const TIMEOUT: Duration = Duration::from_secs(60);
/// An idle connection older than this is closed rather than reused, before the server
/// times it out (lettre's pool does the same).
const IDLE_FOR_AT_MOST: Duration = Duration::from_secs(60);

/// Where to send, and how to connect: from `SMTP_URL`, read as lettre reads it.
pub struct SmtpServer {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
}

impl SmtpServer {
    /// `smtp://host[:port]` (plain, port 25), `smtp://host[:port]?tls=required` or
    /// `?tls=opportunistic` (STARTTLS, port 587), `smtps://host[:port]` (TLS, port 465),
    /// each with optional `user:password@`.
    pub fn from_url(text: &str) -> Result<Self, String> {
        let url = Url::parse(text).map_err(|error| error.to_string())?;
        let host = url
            .host_str()
            .ok_or("it names no host")?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls_parameters = || TlsParameters::new(host.clone()).map_err(|error| error.to_string());
        let tls_mode = url
            .query_pairs()
            .find(|(key, _)| key == "tls")
            .map(|(_, value)| value.into_owned());
        let (tls, default_port) = match (url.scheme(), tls_mode.as_deref()) {
            ("smtp", None) => (Tls::None, SMTP_PORT),
            ("smtp", Some("required")) => (Tls::Required(tls_parameters()?), SUBMISSION_PORT),
            ("smtp", Some("opportunistic")) => {
                (Tls::Opportunistic(tls_parameters()?), SUBMISSION_PORT)
            }
            ("smtp", Some(other)) => {
                return Err(format!(
                    "tls={other} is not one of \"required\" or \"opportunistic\""
                ))
            }
            ("smtps", _) => (Tls::Wrapper(tls_parameters()?), SUBMISSIONS_PORT),
            (scheme, _) => return Err(format!("the scheme {scheme:?} is not smtp or smtps")),
        };
        let credentials = match url.password() {
            Some(password) => Some(Credentials::new(
                percent_decoded(url.username())?,
                percent_decoded(password)?,
            )),
            None => None,
        };
        Ok(Self {
            port: url.port().unwrap_or(default_port),
            host,
            tls,
            credentials,
            hello: ClientId::default(),
        })
    }

    fn connect(&self) -> Result<SmtpConnection, Error> {
        let wrapped = match &self.tls {
            Tls::Wrapper(parameters) => Some(parameters),
            _ => None,
        };
        let mut connection = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(TIMEOUT),
            &self.hello,
            wrapped,
            None,
        )?;
        match &self.tls {
            Tls::Opportunistic(parameters) if connection.can_starttls() => {
                connection.starttls(parameters, &self.hello)?;
            }
            Tls::Required(parameters) => connection.starttls(parameters, &self.hello)?,
            _ => {}
        }
        if let Some(credentials) = &self.credentials {
            connection.auth(DEFAULT_MECHANISMS, credentials)?;
        }
        Ok(connection)
    }
}

fn percent_decoded(text: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| "its user name or password is not UTF-8 once decoded".to_owned())
}

/// Connections to one server, opened as senders need them and reused while they work.
pub struct SmtpPool {
    server: SmtpServer,
    idle: Mutex<Vec<(SmtpConnection, Instant)>>,
}

impl SmtpPool {
    pub fn new(server: SmtpServer) -> Self {
        Self {
            server,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message. Blocking.
    pub fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), Error> {
        if let Some(mut connection) = self.take_idle() {
            match transfer(&mut connection, envelope, message) {
                Ok(()) => {
                    self.put_back(connection);
                    return Ok(());
                }
                // The server may have closed the connection while it was idle. It never
                // answered, so it never took the message: try once on a new connection. Not
                // after a timeout, when it may have taken it after all.
                Err(error) if error.status().is_none() && !error.is_timeout() => {
                    connection.abort();
                }
                Err(error) => {
                    connection.abort();
                    return Err(error);
                }
            }
        }
        let mut connection = self.server.connect()?;
        let sent = transfer(&mut connection, envelope, message);
        match sent {
            Ok(()) => self.put_back(connection),
            // After a refusal the conversation is in an unknown state: start afresh next time.
            Err(_) => connection.abort(),
        }
        sent
    }

    fn take_idle(&self) -> Option<SmtpConnection> {
        let mut idle = self.idle.lock().ok()?;
        while let Some((mut connection, since)) = idle.pop() {
            if since.elapsed() < IDLE_FOR_AT_MOST {
                return Some(connection);
            }
            let _ = connection.quit();
        }
        None
    }

    fn put_back(&self, connection: SmtpConnection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push((connection, Instant::now()));
        }
    }
}

/// One message's envelope and content, as `SmtpConnection::send` does it, but with the
/// content and its closing dot in one write.
fn transfer(
    connection: &mut SmtpConnection,
    envelope: &Envelope,
    message: &[u8],
) -> Result<(), Error> {
    let mut parameters = Vec::new();
    let addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses
        .map(AsRef::<str>::as_ref)
        .any(|address| !address.is_ascii())
    {
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() {
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    connection.command(Mail::new(envelope.from().cloned(), parameters))?;
    for recipient in envelope.to() {
        connection.command(Rcpt::new(recipient.clone(), vec![]))?;
    }
    connection.command(Data)?;
    match std::str::from_utf8(message) {
        // `command` writes what it is given in one write, then reads the answer.
        Ok(text) => connection.command(Content(text))?,
        Err(_) => connection.message(message)?,
    };
    Ok(())
}

/// A message's content as sent after DATA: each line that starts with a dot gets another
/// (RFC 5321 §4.5.2), and the closing dot follows on a line of its own.
struct Content<'a>(&'a str);

impl fmt::Display for Content<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, line) in self.0.split("\r\n").enumerate() {
            if index > 0 {
                formatter.write_str("\r\n")?;
            }
            if line.starts_with('.') {
                formatter.write_str(".")?;
            }
            formatter.write_str(line)?;
        }
        formatter.write_str("\r\n.\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_doubles_leading_dots_and_ends_with_the_closing_dot() {
        let content = Content(".hidden\r\nplain\r\n..two\r\nmid.dot\r\n.").to_string();
        assert_eq!(
            content,
            "..hidden\r\nplain\r\n...two\r\nmid.dot\r\n..\r\n.\r\n"
        );
    }

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let plain = SmtpServer::from_url("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert!(matches!(plain.tls, Tls::None) && plain.credentials.is_none());

        let starttls =
            SmtpServer::from_url("smtp://u%40x:p%2Fw@mail.example?tls=required").unwrap();
        assert_eq!(starttls.port, 587);
        assert!(matches!(starttls.tls, Tls::Required(_)));
        assert_eq!(
            starttls.credentials,
            Some(Credentials::new("u@x".into(), "p/w".into()))
        );
        let opportunistic = SmtpServer::from_url("smtp://mail.example?tls=opportunistic").unwrap();
        assert!(matches!(opportunistic.tls, Tls::Opportunistic(_)));

        let wrapped = SmtpServer::from_url("smtps://mail.example").unwrap();
        assert_eq!(wrapped.port, 465);
        assert!(matches!(wrapped.tls, Tls::Wrapper(_)));

        for bad in [
            "http://mail.example",
            "smtp://mail.example?tls=maybe",
            "smtp:nohost",
            "nonsense",
        ] {
            assert!(SmtpServer::from_url(bad).is_err(), "{bad}");
        }
    }
}
