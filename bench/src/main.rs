//! The viral-petition benchmark. It starts an SMTP sink and the release service on
//! PostgreSQL, opens one petition, and for `--seconds` has signers posting signatures with
//! unique emails (each from its own client address, behind a trusted proxy), confirmers
//! following the links in the emails as they arrive, and readers asking for `count.json` and
//! the petition's page at a fixed rate. Then it waits for the count to settle, checks that every
//! acknowledged confirmation was counted exactly once, and prints the results as Markdown.
//! `bench/run` wraps it with the build, the naive baseline and BENCHMARKS.md.

mod cpu;

use std::cell::{Cell, RefCell};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use cpu::CpuTimes;
use serde_json::json;
use tests::SmtpServer;
use tokio::sync::{mpsc, Mutex};

#[derive(Debug, Parser)]
struct Args {
    /// The `petitions` binary to run.
    #[arg(long, default_value = "target/release/petitions")]
    server: String,
    /// A PostgreSQL database for the run; it is migrated and must hold no petition `--petition`.
    #[arg(long)]
    database_url: String,
    #[arg(long, default_value_t = 18_181)]
    port: u16,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    #[arg(long, default_value_t = 64)]
    signers: usize,
    #[arg(long, default_value_t = 64)]
    confirmers: usize,
    /// Reads a second of `count.json` and the petition's page together, sent on a fixed
    /// schedule whatever the answers' speed, as a crowd of watchers refreshing would.
    #[arg(long, default_value_t = 1_000)]
    reads_per_second: u32,
    #[arg(long, default_value_t = 990_001)]
    petition: i64,
    /// The service's connection pool.
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// The service's SMTP connections (`SMTP_CONNECTIONS`).
    #[arg(long, default_value_t = 16)]
    smtp_connections: u32,
}

#[derive(Default)]
struct Latencies {
    micros: Vec<u64>,
    errors: u64,
}

impl Latencies {
    fn record(&mut self, started: Instant, ok: bool) {
        if ok {
            self.micros.push(started.elapsed().as_micros() as u64);
        } else {
            self.errors += 1;
        }
    }

    fn percentile(&mut self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        self.micros.sort_unstable();
        let index = ((self.micros.len() as f64 - 1.0) * p).round() as usize;
        self.micros[index] as f64 / 1000.0
    }

    fn line(&mut self, name: &str, seconds: f64) -> String {
        format!(
            "| {name} | {} | {:.0} | {:.1} | {:.1} | {} |",
            self.micros.len(),
            self.micros.len() as f64 / seconds,
            self.percentile(0.5),
            self.percentile(0.99),
            self.errors
        )
    }
}

#[derive(Default)]
struct Results {
    sign: Latencies,
    confirm: Latencies,
    reads: Readings,
    confirmed_in_window: u64,
    /// CPU time spent during the window.
    cpu: CpuTimes,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (mail_to_bridge, mail_from_sink) = std::sync::mpsc::channel();
    let smtp = SmtpServer::start_forwarding(mail_to_bridge);
    import_petition(&args)?;
    let mut server = start_server(&args, &smtp)?;
    let outcome = actix_rt::System::new().block_on(run(&args, server.id(), mail_from_sink));
    let peak_rss = peak_rss_mb(server.id());
    let _ = server.kill();
    let _ = server.wait();
    let (mut results, settled, final_count) =
        outcome.context("the service did not become ready")?;
    let seconds = args.seconds as f64;
    println!("| what | done | per second | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!("{}", results.sign.line("sign (POST, 202)", seconds));
    println!(
        "{}",
        results
            .confirm
            .line("confirm (GET verify link from the email)", seconds)
    );
    println!("{}", results.reads.count.line("read count.json", seconds));
    println!("{}", results.reads.page.line("read petition.json", seconds));
    println!();
    println!(
        "- fully confirmed within the {}s window: {} ({:.0}/s)",
        args.seconds,
        results.confirmed_in_window,
        results.confirmed_in_window as f64 / seconds
    );
    let acknowledged = results.confirm.micros.len() as i64;
    println!(
        "- confirmations acknowledged: {acknowledged}; count.json after settling: {final_count} ({})",
        if final_count == acknowledged {
            "every acknowledged signature counted exactly once".to_owned()
        } else {
            format!("MISMATCH of {}", final_count - acknowledged)
        }
    );
    let rate = results.confirmed_in_window as f64 / seconds;
    println!(
        "- the most confirmations a count.json answer trailed by: {} (about {:.2}s at the confirmation rate)",
        results.reads.largest_backlog,
        if rate > 0.0 { results.reads.largest_backlog as f64 / rate } else { 0.0 }
    );
    println!("- the count matched {settled:.1}s after signing stopped (confirmations drain first)");
    println!("- server peak RSS (VmHWM): {peak_rss}");
    let cpu = results.cpu;
    let per_signature = |seconds: f64| seconds * 1e6 / (results.confirmed_in_window.max(1) as f64);
    println!(
        "- CPU during the window: the machine's {} cores were {:.0}% busy; per fully confirmed signature {:.0} µs in all: the service {:.0} µs, PostgreSQL {:.0} µs, the load generator and SMTP sink {:.0} µs, the rest {:.0} µs",
        cores(),
        100.0 * cpu.machine / (seconds * cores() as f64),
        per_signature(cpu.machine),
        per_signature(cpu.service),
        per_signature(cpu.postgres),
        per_signature(cpu.load),
        per_signature(cpu.machine - cpu.service - cpu.postgres - cpu.load),
    );
    Ok(())
}

fn import_petition(args: &Args) -> anyhow::Result<()> {
    let opened = "2026-01-01T00:00:00.000Z";
    let document = json!({"links": {"self": "http://bench/petitions.json"}, "data": {"type": "petition", "id": args.petition, "attributes": {
        "action": "Benchmark petition", "background": "A viral day.", "additional_details": null,
        "state": "open", "signature_count": 0, "created_at": opened, "updated_at": opened,
        "rejected_at": null, "opened_at": opened, "closed_at": null,
        "moderation_threshold_reached_at": opened, "response_threshold_reached_at": null,
        "government_response_at": null, "debate_threshold_reached_at": null,
        "scheduled_debate_date": null, "debate_outcome_at": null, "rejection": null,
        "government_response": null, "debate": null,
        "closing_date": "2099-12-31"
    }}});
    let path = std::env::temp_dir().join("viral-bench-petition.json");
    std::fs::write(&path, document.to_string())
        .with_context(|| format!("writing {}", path.display()))?;
    let status = Command::new(&args.server)
        .arg("import")
        .arg(&path)
        .env("DATABASE_URL", &args.database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("running {}", args.server))?;
    anyhow::ensure!(status.success(), "importing the benchmark petition failed");
    Ok(())
}

fn start_server(args: &Args, smtp: &SmtpServer) -> anyhow::Result<Child> {
    Command::new(&args.server)
        .env("DATABASE_URL", &args.database_url)
        .env("DATABASE_MAX_CONNECTIONS", args.pool.to_string())
        .env("BIND_ADDR", format!("127.0.0.1:{}", args.port))
        .env("SMTP_URL", smtp.url())
        .env("SMTP_CONNECTIONS", args.smtp_connections.to_string())
        .env("TRUSTED_PROXIES", "127.0.0.1/32")
        .env("SEED_OFFICIAL_PETITIONS", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", args.server))
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn peak_rss_mb(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .map(|line| line.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

async fn run(
    args: &Args,
    server_pid: u32,
    mail: std::sync::mpsc::Receiver<tests::smtp::ReceivedMail>,
) -> Option<(Results, f64, i64)> {
    let base = format!("http://127.0.0.1:{}", args.port);
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .connector(awc::Connector::new().limit(1_000))
        .finish();
    let ready = async {
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{base}/health/ready")).send().await {
                if response.status().is_success() {
                    return true;
                }
            }
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
        false
    };
    if !ready.await {
        return None;
    }

    // The sink's thread hands links to the confirmers.
    let (links_in, links_out) = mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for received in mail {
            if let Some(link) = received.link_containing("/verify") {
                if links_in.send(link).is_err() {
                    return;
                }
            }
        }
    });
    let links_out = Rc::new(Mutex::new(links_out));
    // Confirmations acknowledged so far, for the readers to tell how far the count trails.
    let acknowledged = Arc::new(AtomicI64::new(0));
    let results = Rc::new(RefCell::new(Results::default()));
    let started = Instant::now();
    let window = Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    let cpu_at_start = CpuTimes::now(server_pid);
    let cpu_in_window = Rc::new(Cell::new(CpuTimes::default()));
    {
        let cpu_in_window = cpu_in_window.clone();
        tasks.push(actix_rt::spawn(async move {
            actix_rt::time::sleep(window).await;
            cpu_in_window.set(CpuTimes::now(server_pid).since(cpu_at_start));
        }));
    }

    for signer in 0..args.signers {
        let (client, base, results) = (client.clone(), base.clone(), results.clone());
        let path = format!("{base}/petitions/{}/signatures", args.petition);
        tasks.push(actix_rt::spawn(async move {
            let mut n = 0u64;
            while started.elapsed() < window {
                n += 1;
                let body = json!({
                    "name": format!("Signer {signer} {n}"),
                    "email": format!("s{signer}-{n}@bench.example"),
                    "postcode": "SW1A 1AA", "uk_citizenship": true,
                });
                // A distinct client address per signature, as a crowd has.
                let address = format!("10.{}.{}.{}", signer % 250, (n / 250) % 250, n % 250);
                let sent = Instant::now();
                let ok = match client
                    .post(&path)
                    .insert_header(("x-forwarded-for", address))
                    .send_json(&body)
                    .await
                {
                    Ok(mut response) => {
                        let _ = response.body().await;
                        response.status().as_u16() == 202
                    }
                    Err(_) => false,
                };
                results.borrow_mut().sign.record(sent, ok);
            }
        }));
    }
    let readers = read_on_own_thread(args, base.clone(), started, acknowledged.clone());
    let mut confirmers = Vec::new();
    // Set once five quiet seconds pass after the window: every email has arrived.
    let drained = Rc::new(Cell::new(false));
    for _ in 0..args.confirmers {
        let (client, base, results, links, drained, acknowledged) = (
            client.clone(),
            base.clone(),
            results.clone(),
            links_out.clone(),
            drained.clone(),
            acknowledged.clone(),
        );
        confirmers.push(actix_rt::spawn(async move {
            loop {
                let next = {
                    let mut links = links.lock().await;
                    if drained.get() {
                        return;
                    }
                    actix_rt::time::timeout(Duration::from_secs(5), links.recv()).await
                };
                let Ok(Some(link)) = next else {
                    drained.set(started.elapsed() > window);
                    continue;
                };
                let sent = Instant::now();
                let ok = match client.get(format!("{base}{link}")).send().await {
                    Ok(mut response) => {
                        let _ = response.body().await;
                        response.status().is_success()
                    }
                    Err(_) => false,
                };
                if ok {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                }
                let mut results = results.borrow_mut();
                results.confirm.record(sent, ok);
                if ok && started.elapsed() < window {
                    results.confirmed_in_window += 1;
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let readings = readers.join().unwrap_or_default();
    // Confirmers drain what is still arriving, and stop after 5 s with nothing new.
    for confirmer in confirmers {
        let _ = confirmer.await;
    }
    let acknowledged = results.borrow().confirm.micros.len() as i64;
    let mut final_count = -1;
    for _ in 0..100 {
        if let Ok(mut response) = client
            .get(format!("{base}/petitions/{}/count.json", args.petition))
            .send()
            .await
        {
            if let Ok(body) = response.json::<serde_json::Value>().await {
                final_count = body["signature_count"].as_i64().unwrap_or(-1);
                if final_count == acknowledged {
                    break;
                }
            }
        }
        actix_rt::time::sleep(Duration::from_millis(250)).await;
    }
    let settled = started.elapsed().as_secs_f64() - args.seconds as f64;
    let mut results = Rc::try_unwrap(results).ok()?.into_inner();
    results.cpu = cpu_in_window.get();
    results.reads = readings;
    Some((results, settled, final_count))
}

/// What the readers saw.
#[derive(Default)]
struct Readings {
    count: Latencies,
    page: Latencies,
    /// The most confirmations acknowledged before a `count.json` request was sent that its
    /// answer did not include yet: how far the count trailed behind.
    largest_backlog: i64,
}

/// The readers ask for `count.json` and the petition's page in turn, `reads_per_second` in
/// all, each at its scheduled time whether or not earlier answers have come (an open loop),
/// and time each answer from when it was due, so a stall shows in full. They run on a thread
/// and event loop of their own, so the time their answers wait behind the signers' and
/// confirmers' work in the load generator doesn't count as the service's.
fn read_on_own_thread(
    args: &Args,
    base: String,
    started: Instant,
    acknowledged: Arc<AtomicI64>,
) -> std::thread::JoinHandle<Readings> {
    let (rate, petition) = (args.reads_per_second, args.petition);
    let window = Duration::from_secs(args.seconds);
    std::thread::spawn(move || {
        before_others();
        actix_rt::System::new().block_on(async move {
            if rate == 0 {
                return Readings::default();
            }
            let readings = Rc::new(RefCell::new(Readings::default()));
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .connector(awc::Connector::new().limit(10_000))
                .finish();
            let period = Duration::from_secs(1) / rate;
            let mut requests = Vec::new();
            for n in 0u32.. {
                let due = started + period * n;
                if due.duration_since(started) >= window {
                    break;
                }
                actix_rt::time::sleep_until(due.into()).await;
                let page = n % 2 == 1;
                let url = if page {
                    format!("{base}/petitions/{petition}.json")
                } else {
                    format!("{base}/petitions/{petition}/count.json")
                };
                let (client, readings) = (client.clone(), readings.clone());
                let acknowledged = acknowledged.load(Ordering::Relaxed);
                requests.push(actix_rt::spawn(async move {
                    let mut counted = None;
                    let ok = match client.get(url).send().await {
                        Ok(mut response) => {
                            let success = response.status().is_success();
                            let body = response.body().limit(10_000_000).await;
                            if let (true, Ok(body)) = (success, &body) {
                                counted =
                                    serde_json::from_slice::<serde_json::Value>(body.as_ref())
                                        .ok()
                                        .and_then(|json| json["signature_count"].as_i64());
                            }
                            success && body.is_ok()
                        }
                        Err(_) => false,
                    };
                    let mut readings = readings.borrow_mut();
                    if let (false, Some(counted)) = (page, counted) {
                        readings.largest_backlog =
                            readings.largest_backlog.max(acknowledged - counted);
                    }
                    if page {
                        readings.page.record(due, ok);
                    } else {
                        readings.count.record(due, ok);
                    }
                }));
            }
            for request in requests {
                let _ = request.await;
            }
            Rc::try_unwrap(readings)
                .map(RefCell::into_inner)
                .unwrap_or_default()
        })
    })
}

/// Runs the calling thread ahead of the machine's other work (nice -10; the benchmark runs as
/// root), so that the readers, which share two saturated cores with everything else, send
/// each request when it is due and read each answer as it arrives: what they measure is then
/// the service's delay, not their own wait for a core. Without the privilege it warns and
/// goes on.
fn before_others() {
    // SAFETY: setpriority only reads its arguments; on Linux, PRIO_PROCESS with 0 is the
    // calling thread.
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -10) } != 0;
    if failed {
        eprintln!(
            "warning: could not raise the readers' priority ({}); their latencies include their own wait for a core",
            std::io::Error::last_os_error()
        );
    }
}
