//! Sending over SMTP on connections kept open between messages.
//!
//! lettre's `SmtpTransport` sends a NOOP on a pooled connection before each message, and
//! writes a message's closing dot apart from its body. Nagle's algorithm then holds the dot
//! back until the server acknowledges the body, which servers delay (40 ms on Linux), so one
//! connection manages about 20 messages a second (fixed upstream in lettre/lettre#1159, not
//! yet released). Here the delivery worker keeps lettre's `SmtpConnection`s itself: no NOOP,
//! and each message goes with its dot in one write.
//!
//! Each exchange with the server is a round trip, and a message costs four of them (MAIL,
//! RCPT, DATA, the content). Where the server offers PIPELINING (RFC 2920) the envelope goes
//! in one write, and where it also offers CHUNKING (RFC 3030) the content goes with it as one
//! BDAT chunk: one round trip a message. lettre neither reads those two keywords from the
//! server's greeting nor sends that way, so both are done here on its connection.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::io::{self, ErrorKind};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{SmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::{Error, SMTP_PORT, SUBMISSIONS_PORT, SUBMISSION_PORT};
use url::Url;

/// How long any one exchange may take (lettre's default), when the message's deadline isn't
/// nearer.
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

    fn connect(&self, finish_by: Instant) -> Result<Connection, Error> {
        let wrapped = match &self.tls {
            Tls::Wrapper(parameters) => Some(parameters),
            _ => None,
        };
        let timeout = time_for_an_exchange(finish_by);
        let smtp = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(timeout),
            &self.hello,
            wrapped,
            None,
        )?;
        let mut connection = Connection {
            smtp,
            offers: Offers::default(),
            timeout,
        };
        match &self.tls {
            Tls::Opportunistic(parameters) if connection.smtp.can_starttls() => {
                connection
                    .within(finish_by)
                    .starttls(parameters, &self.hello)?;
            }
            Tls::Required(parameters) => {
                connection
                    .within(finish_by)
                    .starttls(parameters, &self.hello)?;
            }
            _ => {}
        }
        // Greeted again to read what lettre doesn't keep of the answer; before AUTH, which a
        // new greeting may reset.
        let hello = Ehlo::new(self.hello.clone());
        connection.offers = Offers::from_greeting(&connection.within(finish_by).command(hello)?);
        if let Some(credentials) = &self.credentials {
            connection
                .within(finish_by)
                .auth(DEFAULT_MECHANISMS, credentials)?;
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

/// The ways of sending that the server's greeting offered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Offers {
    /// Commands may go several to a write, answered in order.
    pipelining: bool,
    /// The content may go as a counted chunk (BDAT) instead of after DATA up to a dot.
    chunking: bool,
}

impl Offers {
    fn from_greeting(greeting: &Response) -> Self {
        let offered = |keyword: &str| {
            greeting.message().any(|line| {
                line.split_whitespace()
                    .next()
                    .is_some_and(|word| word.eq_ignore_ascii_case(keyword))
            })
        };
        Self {
            pipelining: offered("PIPELINING"),
            chunking: offered("CHUNKING"),
        }
    }
}

/// An open connection and what its server offered.
struct Connection {
    smtp: SmtpConnection,
    offers: Offers,
    /// The socket's timeout as last set.
    timeout: Duration,
}

impl Connection {
    /// The connection, its next exchange to time out by `finish_by`. The socket is told only
    /// when that changes, which is in the last minute before a step must finish: not two
    /// system calls for every exchange. Setting it fails only on a broken socket, and then
    /// the exchange fails too and says why.
    fn within(&mut self, finish_by: Instant) -> &mut SmtpConnection {
        let timeout = time_for_an_exchange(finish_by);
        if timeout != self.timeout && self.smtp.set_timeout(Some(timeout)).is_ok() {
            self.timeout = timeout;
        }
        &mut self.smtp
    }
}

/// Connections to one server, opened as senders need them and reused while they work.
pub struct SmtpPool {
    server: SmtpServer,
    idle: Mutex<Vec<(Connection, Instant)>>,
}

impl SmtpPool {
    pub fn new(server: SmtpServer) -> Self {
        Self {
            server,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Sends one message, giving up with a timeout once `finish_by` has passed. Blocking.
    pub fn send(
        &self,
        envelope: &Envelope,
        message: &[u8],
        finish_by: Instant,
    ) -> Result<(), Error> {
        if let Some(mut connection) = self.take_idle() {
            match transfer(&mut connection, envelope, message, finish_by) {
                Ok(()) => {
                    self.put_back(connection);
                    return Ok(());
                }
                // The server may have closed the connection while it was idle. It never
                // answered, so it never took the message: try once on a new connection. Not
                // after a timeout, when it may have taken it after all.
                Err(error) if error.status().is_none() && !timed_out(&error) => {
                    connection.smtp.abort();
                }
                Err(error) => {
                    connection.smtp.abort();
                    return Err(error);
                }
            }
        }
        let mut connection = self.server.connect(finish_by)?;
        let sent = transfer(&mut connection, envelope, message, finish_by);
        match sent {
            Ok(()) => self.put_back(connection),
            // After a refusal the conversation is in an unknown state: start afresh next time.
            Err(_) => connection.smtp.abort(),
        }
        sent
    }

    fn take_idle(&self) -> Option<Connection> {
        let mut stale = Vec::new();
        let fresh = {
            let mut idle = self.idle_connections();
            loop {
                match idle.pop() {
                    Some((connection, since)) if since.elapsed() < IDLE_FOR_AT_MOST => {
                        break Some(connection);
                    }
                    Some((connection, _)) => stale.push(connection),
                    None => break None,
                }
            }
        };
        // Saying goodbye waits on the server, so not while the other senders wait on the lock.
        for mut connection in stale {
            let _ = connection.smtp.quit();
        }
        fresh
    }

    fn put_back(&self, connection: Connection) {
        self.idle_connections().push((connection, Instant::now()));
    }

    /// A sender that panicked holding the lock left the list whole (it only pops and pushes),
    /// so the others go on using it rather than opening a connection for every message.
    fn idle_connections(&self) -> MutexGuard<'_, Vec<(Connection, Instant)>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One message's envelope and content, as `SmtpConnection::send` does it, but with the
/// content and its closing dot in one write, and in as few writes as the server allows.
fn transfer(
    open: &mut Connection,
    envelope: &Envelope,
    message: &[u8],
    finish_by: Instant,
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
    let mut commands = vec![Mail::new(envelope.from().cloned(), parameters).to_string()];
    commands.extend(
        envelope
            .to()
            .iter()
            .map(|recipient| Rcpt::new(recipient.clone(), vec![]).to_string()),
    );
    let text = std::str::from_utf8(message).ok();
    let chunk = text.filter(|_| open.offers.chunking);
    commands.push(match chunk {
        Some(text) => format!("BDAT {} LAST\r\n{text}", text.len()),
        None => Data.to_string(),
    });
    if open.offers.pipelining {
        // `command` writes all of them at once and reads the first answer; the rest follow
        // in order. Any refusal ends the connection, so answers left unread don't matter.
        open.within(finish_by).command(commands.concat())?;
        for _ in 1..commands.len() {
            open.within(finish_by).read_response()?;
        }
    } else {
        for command in &commands {
            open.within(finish_by).command(command)?;
        }
    }
    if chunk.is_none() {
        match text {
            // `command` writes what it is given in one write, then reads the answer.
            Some(text) => open.within(finish_by).command(Content(text))?,
            None => open.within(finish_by).message(message)?,
        };
    }
    Ok(())
}

/// Whether the server failed to answer in time, when it may have taken what it was sent.
/// lettre's `Error::is_timeout` looks only for `TimedOut`, but on Unix a read that times out
/// says `WouldBlock`.
pub(super) fn timed_out(error: &Error) -> bool {
    let mut source = StdError::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return matches!(io.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock);
        }
        source = cause.source();
    }
    false
}

/// `TIMEOUT`, or less if `finish_by` is nearer; a millisecond once it has passed, as a
/// socket can't be given no time at all.
fn time_for_an_exchange(finish_by: Instant) -> Duration {
    finish_by
        .saturating_duration_since(Instant::now())
        .clamp(Duration::from_millis(1), TIMEOUT)
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

    fn listening() -> (std::net::TcpListener, SmtpServer) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer::from_url(&format!("smtp://127.0.0.1:{port}")).unwrap();
        (listener, server)
    }

    #[test]
    fn a_server_that_does_not_answer_in_time_is_told_from_one_that_hung_up() {
        // Connected (the kernel accepts), never greeted: the greeting is waited for in vain.
        let (_silent, server) = listening();
        let error = server
            .connect(Instant::now() + Duration::from_millis(50))
            .err()
            .expect("no greeting");
        assert!(timed_out(&error), "{error}");

        let (listener, server) = listening();
        let hang_up = std::thread::spawn(move || drop(listener.accept()));
        let error = server
            .connect(Instant::now() + TIMEOUT)
            .err()
            .expect("closed");
        hang_up.join().unwrap();
        assert!(!timed_out(&error), "{error}");
    }

    #[test]
    fn content_doubles_leading_dots_and_ends_with_the_closing_dot() {
        let content = Content(".hidden\r\nplain\r\n..two\r\nmid.dot\r\n.").to_string();
        assert_eq!(
            content,
            "..hidden\r\nplain\r\n...two\r\nmid.dot\r\n..\r\n.\r\n"
        );
    }

    #[test]
    fn the_greeting_says_whether_commands_may_be_pipelined_and_content_chunked() {
        use lettre::transport::smtp::response::{Category, Code, Detail, Severity};
        let greeting = |lines: &[&str]| {
            let code = Code::new(
                Severity::PositiveCompletion,
                Category::MailSystem,
                Detail::Zero,
            );
            Response::new(code, lines.iter().map(|line| (*line).to_owned()).collect())
        };
        let both = greeting(&["mail.example", "pipelining", "SIZE 1000", "CHUNKING"]);
        assert_eq!(
            Offers::from_greeting(&both),
            Offers {
                pipelining: true,
                chunking: true
            }
        );
        let neither = greeting(&["mail.example says PIPELINING", "8BITMIME"]);
        assert_eq!(Offers::from_greeting(&neither), Offers::default());
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
