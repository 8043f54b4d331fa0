//! A small SMTP server on loopback, so tests deliver email through a real SMTP conversation
//! and read back exactly what was sent. It can be told to refuse the next messages,
//! temporarily (451) or for good (550), and to be slow. Like most mail servers it offers
//! PIPELINING and CHUNKING, and can be told not to; then it refuses a client that uses them
//! anyway.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// One message as received.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent: headers, a blank line, the body (still transfer-encoded).
    pub data: String,
}

impl ReceivedMail {
    /// A header's value, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = self.data.split_once("\r\n\r\n")?;
        let unfolded = headers.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }

    /// The body with quoted-printable soft breaks and `=3D` undone: enough to find links.
    pub fn body(&self) -> String {
        let body = self
            .data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body);
        body.replace("=\r\n", "").replace("=3D", "=")
    }

    /// The first link in the body that contains `fragment`, as a path with its query.
    pub fn link_containing(&self, fragment: &str) -> Option<String> {
        let body = self.body();
        let start = body.find("http")?;
        body[start..]
            .split_whitespace()
            .filter(|word| word.starts_with("http") && word.contains(fragment))
            .map(|link| {
                let after_scheme = link.split_once("://").map_or(link, |(_, rest)| rest);
                after_scheme
                    .find('/')
                    .map_or("/".to_owned(), |slash| after_scheme[slash..].to_owned())
            })
            .next()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// 451 after the data: try again later.
    Temporary,
    /// 550 to the recipient: never deliverable.
    Permanent,
}

#[derive(Default)]
struct Shared {
    received: Vec<ReceivedMail>,
    refusals: HashMap<String, VecDeque<Refusal>>,
    /// When set, messages go here instead of being kept (for long benchmark runs).
    forward: Option<Sender<ReceivedMail>>,
    /// Close each connection, unannounced, once it has delivered a message.
    hang_up_after_each_message: bool,
    without_pipelining: bool,
    without_chunking: bool,
    /// Commands that came while an earlier one was still unanswered.
    pipelined_commands: usize,
    /// How long the server takes over each message it accepts, as a loaded one does.
    slowness: Option<Duration>,
}

/// The server; it runs until the test process ends.
#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_with(Shared::default())
    }

    /// A server that hands every message to `forward` as it arrives, keeping none.
    pub fn start_forwarding(forward: Sender<ReceivedMail>) -> Self {
        Self::start_with(Shared {
            forward: Some(forward),
            ..Shared::default()
        })
    }

    fn start_with(shared: Shared) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("a bound port").port();
        let shared = Arc::new(Mutex::new(shared));
        let accepting = shared.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = accepting.clone();
                thread::spawn(move || {
                    let _ = converse(stream, &shared);
                });
            }
        });
        Self { port, shared }
    }

    /// From now on the server closes each connection, without a word, right after accepting
    /// a message on it, as a server does when it drops idle connections.
    pub fn hang_up_after_each_message(&self) {
        self.shared.lock().unwrap().hang_up_after_each_message = true;
    }

    /// Connections greeted from now on are not offered PIPELINING, and one that sends a
    /// command before the last was answered is refused and closed.
    pub fn without_pipelining(&self) {
        self.shared.lock().unwrap().without_pipelining = true;
    }

    /// Connections greeted from now on are not offered CHUNKING: BDAT is refused.
    pub fn without_chunking(&self) {
        self.shared.lock().unwrap().without_chunking = true;
    }

    /// From now on the server takes `time` over each message before accepting it.
    pub fn take_over_each_message(&self, time: Duration) {
        self.shared.lock().unwrap().slowness = Some(time);
    }

    /// How many commands so far came while an earlier one was still unanswered.
    pub fn pipelined_commands(&self) -> usize {
        self.shared.lock().unwrap().pipelined_commands
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next messages to `address` are refused, one refusal each, in order.
    pub fn refuse_next(&self, address: &str, refusals: &[Refusal]) {
        self.shared
            .lock()
            .unwrap()
            .refusals
            .entry(address.to_ascii_lowercase())
            .or_default()
            .extend(refusals.iter().copied());
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Messages to `address`, oldest first.
    pub fn received_by(&self, address: &str) -> Vec<ReceivedMail> {
        self.received()
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
            .collect()
    }
}

/// What one connection is doing with the message it is being given.
#[derive(Default)]
struct Transaction {
    from: String,
    to: Vec<String>,
    refusal: Option<Refusal>,
    /// BDAT chunks received so far.
    chunks: String,
}

fn converse(stream: TcpStream, shared: &Mutex<Shared>) -> std::io::Result<()> {
    // Replies are small writes; without this, Nagle's algorithm and delayed ACKs hold
    // each exchange for tens of milliseconds.
    stream.set_nodelay(true)?;
    let mut writer = BufWriter::new(stream.try_clone()?);
    let mut reader = BufReader::new(stream);
    let (pipelining, chunking) = {
        let shared = shared.lock().unwrap();
        (!shared.without_pipelining, !shared.without_chunking)
    };
    reply(&mut writer, "220 test.smtp ESMTP ready")?;
    let mut transaction = Transaction::default();
    let mut line = String::new();
    loop {
        // Replies to pipelined commands go together, once every command that came is read.
        if reader.buffer().is_empty() {
            writer.flush()?;
        } else {
            shared.lock().unwrap().pipelined_commands += 1;
            if !pipelining {
                reply(&mut writer, "554 5.5.0 PIPELINING was not offered")?;
                return writer.flush();
            }
        }
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return writer.flush();
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => reply(&mut writer, &greeting(pipelining, chunking))?,
            "HELO" | "NOOP" => reply(&mut writer, "250 OK")?,
            "RSET" => {
                transaction = Transaction::default();
                reply(&mut writer, "250 OK")?;
            }
            "MAIL" => {
                transaction = Transaction {
                    from: address_in(&command),
                    ..Transaction::default()
                };
                reply(&mut writer, "250 OK")?;
            }
            "RCPT" => {
                let address = address_in(&command);
                let refused = shared
                    .lock()
                    .unwrap()
                    .refusals
                    .get_mut(&address.to_ascii_lowercase())
                    .and_then(VecDeque::pop_front);
                if refused == Some(Refusal::Permanent) {
                    reply(&mut writer, "550 5.1.1 No such mailbox")?;
                } else {
                    transaction.refusal = transaction.refusal.or(refused);
                    transaction.to.push(address);
                    reply(&mut writer, "250 OK")?;
                }
            }
            "DATA" if transaction.to.is_empty() => reply(&mut writer, NO_RECIPIENTS)?,
            "DATA" => {
                reply(&mut writer, "354 End data with <CR><LF>.<CR><LF>")?;
                writer.flush()?;
                let Some(data) = read_up_to_the_dot(&mut reader)? else {
                    return Ok(());
                };
                let (answer, hang_up) = accept(std::mem::take(&mut transaction), data, shared);
                reply(&mut writer, answer)?;
                if hang_up {
                    return writer.flush();
                }
            }
            "BDAT" if chunking => {
                let last = read_chunk(&mut reader, &command, &mut transaction.chunks)?;
                if !last {
                    reply(&mut writer, "250 OK chunk")?;
                    continue;
                }
                let data = std::mem::take(&mut transaction.chunks);
                let (answer, hang_up) = accept(std::mem::take(&mut transaction), data, shared);
                reply(&mut writer, answer)?;
                if hang_up {
                    return writer.flush();
                }
            }
            "QUIT" => {
                reply(&mut writer, "221 Bye")?;
                return writer.flush();
            }
            _ => reply(&mut writer, "502 Command not implemented")?,
        }
    }
}

fn greeting(pipelining: bool, chunking: bool) -> String {
    let mut greeting = "250-test.smtp\r\n250-8BITMIME\r\n".to_owned();
    if pipelining {
        greeting.push_str("250-PIPELINING\r\n");
    }
    if chunking {
        greeting.push_str("250-CHUNKING\r\n");
    }
    greeting.push_str("250 SMTPUTF8");
    greeting
}

/// The content after DATA, with the dots the client doubled undone; `None` if the client
/// went away first.
fn read_up_to_the_dot(reader: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let (mut data, mut line) = (String::new(), String::new());
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == ".\r\n" {
            return Ok(Some(data));
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

/// Reads the chunk a `BDAT size [LAST]` command announces onto `chunks`; true for the last.
fn read_chunk(reader: &mut impl Read, command: &str, chunks: &mut String) -> std::io::Result<bool> {
    let mut words = command.split_whitespace().skip(1);
    let size: usize = words.next().and_then(|size| size.parse().ok()).unwrap_or(0);
    let last = words
        .next()
        .is_some_and(|word| word.eq_ignore_ascii_case("LAST"));
    let mut chunk = vec![0; size];
    reader.read_exact(&mut chunk)?;
    chunks.push_str(&String::from_utf8_lossy(&chunk));
    Ok(last)
}

/// The answer to content when every recipient was refused (RFC 5321 §3.3).
const NO_RECIPIENTS: &str = "554 5.5.1 No valid recipients";

fn reply(writer: &mut impl Write, text: &str) -> std::io::Result<()> {
    writer.write_all(format!("{text}\r\n").as_bytes())
}

/// The answer to a message's content, and whether to hang up after giving it.
fn accept(transaction: Transaction, data: String, shared: &Mutex<Shared>) -> (&'static str, bool) {
    if transaction.to.is_empty() {
        return (NO_RECIPIENTS, false);
    }
    if transaction.refusal == Some(Refusal::Temporary) {
        return ("451 4.3.0 Try again later", false);
    }
    let slowness = shared.lock().unwrap().slowness;
    if let Some(time) = slowness {
        thread::sleep(time);
    }
    let mail = ReceivedMail {
        from: transaction.from,
        to: transaction.to,
        data,
    };
    let mut shared = shared.lock().unwrap();
    match &shared.forward {
        Some(forward) => {
            let _ = forward.send(mail);
        }
        None => shared.received.push(mail),
    }
    ("250 OK queued", shared.hang_up_after_each_message)
}

fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
