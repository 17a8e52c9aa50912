//! `redgreen-bench intake`: an open-loop, constant-rate load generator for a running
//! `redgreen serve`.
//!
//! Request `i` is due at `start + i / rate` whatever became of the requests before it, and its
//! latency is measured from that due time, not from when it was actually sent. A server that
//! stalls therefore shows the stall in every request that was due during it, instead of the
//! generator politely waiting and hiding it (coordinated omission). Every request runs on its
//! own task over a pooled client, so a slow answer never delays the next send; the pool opens
//! as many loopback connections as the stalls need.
//!
//! The pacing runs on a dedicated OS thread: tokio's timer rounds to whole milliseconds, which
//! at 500 requests/s is half the interval between requests, while a thread's sleep is precise
//! to tens of microseconds. How late each request actually left is reported too
//! (`dispatch_lag`), so a generator that falls behind is visible rather than blamed on the
//! server.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use bytes::Bytes;
use clap::Args;
use reqwest::Client;
use serde::Serialize;
use uuid::Uuid;

use crate::delivery::Deliveries;
use crate::latency::{Latencies, Summary};

/// GitHub gives up on a webhook after 10 s; a request slower than that is an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Head start before the first request is due, so the pacing thread starts on time.
const LEAD_IN: Duration = Duration::from_millis(50);

#[derive(Args)]
pub struct IntakeArgs {
    /// Base URL of the server, e.g. http://127.0.0.1:3000.
    #[arg(long)]
    url: String,
    /// The server's REDGREEN_WEBHOOK_SECRET.
    #[arg(long, env = "REDGREEN_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
    /// Requests per second, held constant.
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Measured seconds per phase.
    #[arg(long, default_value_t = 30.0)]
    duration_secs: f64,
    /// Seconds at the same rate before measuring (connections, caches, database warm-up).
    #[arg(long, default_value_t = 3.0)]
    warmup_secs: f64,
    /// The webhook route.
    #[arg(long, default_value = "/webhooks/github")]
    path: String,
    /// The GitHub example payload the deliveries are built from.
    #[arg(
        long,
        default_value = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/github/webhook-examples/issue_comment/created.payload.json"
        )
    )]
    payload: PathBuf,
    /// How many installations (tenants) the deliveries are spread over.
    #[arg(long, default_value_t = 4)]
    installations: u32,
    /// The server's REDGREEN_BOT_NAME (the comment mentions it).
    #[arg(long, default_value = "redgreen")]
    bot_name: String,
    /// Before the webhook phase, measure `GET /healthz` at the same rate and duration: the
    /// server's cost without any durability, to compare against.
    #[arg(long)]
    baseline: bool,
    /// Measure only `GET /healthz` (no webhook phase).
    #[arg(long, conflicts_with = "baseline")]
    healthz_only: bool,
}

/// What one phase sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// `POST` a signed delivery; expects 202 with outcome `accepted` (a run and task stored).
    Webhook,
    /// `GET /healthz`; expects 200.
    Healthz,
}

/// How one request ended.
enum Outcome {
    /// The expected status (and, for a webhook, outcome `accepted`).
    Expected,
    /// Another HTTP status.
    Status(u16),
    /// 202, but the server did not create work (ignored or duplicate): not a durable enqueue.
    NotAccepted(String),
    /// No HTTP answer (connection error or timeout).
    Failed(String),
}

struct Sample {
    index: u64,
    due: Instant,
    sent: Instant,
    done: Instant,
    outcome: Outcome,
}

/// The whole run: the optional baseline, the webhook phase, and how they compare.
#[derive(Serialize)]
pub struct IntakeReport {
    pub url: String,
    pub baseline: Option<PhaseReport>,
    pub webhook: Option<PhaseReport>,
    /// Webhook latency over baseline latency, at p50 and p99.
    pub ratio: Option<Ratio>,
}

#[derive(Serialize)]
pub struct Ratio {
    pub p50: f64,
    pub p99: f64,
}

/// One phase at one constant rate.
#[derive(Serialize)]
pub struct PhaseReport {
    pub target: Target,
    pub offered_rps: f64,
    pub duration_s: f64,
    /// Requests due in the measured window (warm-up excluded).
    pub requests: u64,
    /// Answers received in the measured window, over the time from its start to the last one.
    pub achieved_rps: f64,
    pub ok: u64,
    /// Answers with an unexpected HTTP status, by status.
    pub unexpected_status: BTreeMap<u16, u64>,
    /// 202s that did not create work.
    pub not_accepted: u64,
    /// Requests with no HTTP answer.
    pub errors: u64,
    pub first_problem: Option<String>,
    /// From the due time to the end of the answer, for every HTTP answer.
    pub latency: Summary,
    /// From the due time to the moment the request was handed to the client.
    pub dispatch_lag: Summary,
}

pub async fn run(args: IntakeArgs) -> anyhow::Result<IntakeReport> {
    anyhow::ensure!(
        args.rate > 0.0 && args.duration_secs > 0.0 && args.warmup_secs >= 0.0,
        "--rate and --duration-secs must be positive and --warmup-secs not negative"
    );
    let base = args.url.trim_end_matches('/').to_owned();
    let client = Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .tcp_nodelay(true)
        .build()
        .context("cannot build the HTTP client")?;
    let measure_healthz = args.baseline || args.healthz_only;
    let baseline = if measure_healthz {
        let probe = Probe::Healthz {
            url: format!("{base}/healthz"),
        };
        Some(phase(&client, Arc::new(probe), &args).await?)
    } else {
        None
    };
    let webhook = if args.healthz_only {
        None
    } else {
        let deliveries = Deliveries::load(&args.payload, args.installations, &args.bot_name)?;
        // Signed once up front, so the generator spends no time hashing while it is timing.
        let signed = deliveries
            .bodies()
            .iter()
            .map(|body| {
                let signature = redgreen_core::webhook::sign(args.secret.as_bytes(), body);
                (body.clone(), signature)
            })
            .collect();
        let probe = Probe::Webhook {
            url: format!("{base}{}", args.path),
            signed,
        };
        Some(phase(&client, Arc::new(probe), &args).await?)
    };
    let ratio = match (&baseline, &webhook) {
        (Some(baseline), Some(webhook)) => Some(Ratio {
            p50: webhook.latency.p50_ms / baseline.latency.p50_ms,
            p99: webhook.latency.p99_ms / baseline.latency.p99_ms,
        }),
        _ => None,
    };
    Ok(IntakeReport {
        url: base,
        baseline,
        webhook,
        ratio,
    })
}

enum Probe {
    Healthz {
        url: String,
    },
    /// Each request reuses one of these (body, signature) pairs, round robin, under a fresh
    /// delivery id.
    Webhook {
        url: String,
        signed: Vec<(Bytes, String)>,
    },
}

impl Probe {
    fn target(&self) -> Target {
        match self {
            Probe::Healthz { .. } => Target::Healthz,
            Probe::Webhook { .. } => Target::Webhook,
        }
    }

    async fn send(&self, client: &Client, index: u64) -> Outcome {
        let request = match self {
            Probe::Healthz { url } => client.get(url),
            Probe::Webhook { url, signed } => {
                let (body, signature) = &signed[(index % signed.len() as u64) as usize];
                client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("user-agent", "GitHub-Hookshot/redgreen-bench")
                    .header("x-github-event", "issue_comment")
                    .header("x-github-delivery", Uuid::now_v7().to_string())
                    .header("x-hub-signature-256", signature)
                    .body(body.clone())
            }
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Outcome::Failed(error.to_string()),
        };
        let status = response.status().as_u16();
        // The body is read in full either way: the answer is not complete before it is.
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => return Outcome::Failed(error.to_string()),
        };
        match (self, status) {
            (Probe::Healthz { .. }, 200) => Outcome::Expected,
            (Probe::Webhook { .. }, 202) => {
                let outcome = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|answer| answer.get("outcome")?.as_str().map(str::to_owned));
                match outcome.as_deref() {
                    Some("accepted") => Outcome::Expected,
                    _ => Outcome::NotAccepted(String::from_utf8_lossy(&body).into_owned()),
                }
            }
            _ => Outcome::Status(status),
        }
    }
}

/// Runs one phase: warm-up then measurement at a constant rate, all on one schedule.
async fn phase(
    client: &Client,
    probe: Arc<Probe>,
    args: &IntakeArgs,
) -> anyhow::Result<PhaseReport> {
    let interval = Duration::from_secs_f64(1.0 / args.rate);
    let warmup_requests = (args.warmup_secs * args.rate).round() as u64;
    let measured_requests = (args.duration_secs * args.rate).round() as u64;
    let start = Instant::now() + LEAD_IN;
    let measure_start = start + interval.mul_f64(warmup_requests as f64);

    let target = probe.target();
    let (samples, mut received) = tokio::sync::mpsc::unbounded_channel::<Sample>();
    let runtime = tokio::runtime::Handle::current();
    let pacer_client = client.clone();
    let pacer = std::thread::spawn(move || {
        for index in 0..warmup_requests + measured_requests {
            let due = start + interval.mul_f64(index as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let (client, probe, samples) = (pacer_client.clone(), probe.clone(), samples.clone());
            runtime.spawn(async move {
                let sent = Instant::now();
                let outcome = probe.send(&client, index).await;
                let done = Instant::now();
                // The receiver outlives every sender unless the run is being abandoned.
                let _ = samples.send(Sample {
                    index,
                    due,
                    sent,
                    done,
                    outcome,
                });
            });
        }
    });

    let mut latency = Latencies::new()?;
    let mut dispatch_lag = Latencies::new()?;
    let mut report = PhaseReport {
        target,
        offered_rps: args.rate,
        duration_s: args.duration_secs,
        requests: measured_requests,
        achieved_rps: 0.0,
        ok: 0,
        unexpected_status: BTreeMap::new(),
        not_accepted: 0,
        errors: 0,
        first_problem: None,
        latency: latency.summary(),
        dispatch_lag: dispatch_lag.summary(),
    };
    let mut last_done = measure_start;
    let mut answered = 0u64;
    // Ends when the pacer and every request task have dropped their senders.
    while let Some(sample) = received.recv().await {
        if sample.index < warmup_requests {
            continue;
        }
        dispatch_lag.record(sample.sent.saturating_duration_since(sample.due));
        let has_answer = match sample.outcome {
            Outcome::Expected => {
                report.ok += 1;
                true
            }
            Outcome::Status(status) => {
                *report.unexpected_status.entry(status).or_default() += 1;
                report
                    .first_problem
                    .get_or_insert_with(|| format!("HTTP {status}"));
                true
            }
            Outcome::NotAccepted(body) => {
                report.not_accepted += 1;
                report
                    .first_problem
                    .get_or_insert_with(|| format!("202 without a new run: {body}"));
                true
            }
            Outcome::Failed(error) => {
                report.errors += 1;
                report.first_problem.get_or_insert(error);
                false
            }
        };
        if !has_answer {
            continue;
        }
        answered += 1;
        last_done = last_done.max(sample.done);
        latency.record(sample.done.saturating_duration_since(sample.due));
    }
    pacer
        .join()
        .map_err(|_| anyhow::anyhow!("the pacing thread panicked"))?;

    let elapsed = last_done.saturating_duration_since(measure_start);
    report.achieved_rps = answered as f64 / elapsed.as_secs_f64().max(f64::EPSILON);
    report.latency = latency.summary();
    report.dispatch_lag = dispatch_lag.summary();
    Ok(report)
}

impl fmt::Display for IntakeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "intake against {}", self.url)?;
        for phase in self.baseline.iter().chain(&self.webhook) {
            write!(f, "{phase}")?;
        }
        if let Some(ratio) = &self.ratio {
            writeln!(
                f,
                "webhook / healthz latency: p50 x{:.2}, p99 x{:.2}",
                ratio.p50, ratio.p99
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for PhaseReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match self.target {
            Target::Webhook => "webhook",
            Target::Healthz => "healthz",
        };
        writeln!(
            f,
            "{target}: {} req/s offered for {} s, {} due, {:.1} answers/s; {} ok, \
             unexpected status {:?}, {} not accepted, {} errors",
            self.offered_rps,
            self.duration_s,
            self.requests,
            self.achieved_rps,
            self.ok,
            self.unexpected_status,
            self.not_accepted,
            self.errors
        )?;
        writeln!(f, "  latency      {}", self.latency)?;
        writeln!(f, "  dispatch lag {}", self.dispatch_lag)?;
        if let Some(problem) = &self.first_problem {
            writeln!(f, "  first problem: {problem}")?;
        }
        Ok(())
    }
}
