//! `redgreen-bench queue`: throughput of the durable queue, enqueue→lease→complete, through
//! `redgreen_store::Store` exactly as the worker pool calls it.
//!
//! Producers enqueue while consumers lease and complete at the same time, as in a running
//! server. The headline is tasks completed per second from the first enqueue to the last
//! completion; the latency of each operation (enqueue, lease, complete) says where the time
//! goes. The run also checks the queue's promise under this load: no task leased twice and
//! none left behind.
//!
//! With `--source delivery` the producers write what the webhook intake writes for an
//! `@redgreen plan` comment (`Store::record_delivery`: the delivery, its run, its task and the
//! audit entries in one transaction), which isolates the store's share of intake latency from
//! HTTP and the rest of the server.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use redgreen_core::webhook::envelope::parse;
use redgreen_core::webhook::{Route, Target};
use redgreen_core::{DeliveryId, InstallationId, RunId, RunKind, TaskId, Timestamp};
use redgreen_store::{NewDelivery, NewRun, NewTask, QueueDepth, RepositoryRef, Store};
use serde::Serialize;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::delivery::Deliveries;
use crate::latency::{Latencies, Summary};

/// Long enough that no lease expires during a run: expiry is not what is measured.
const LEASE_MS: i64 = 60_000;

/// How long a consumer waits after finding the queue empty, as the worker pool does between
/// polls, so that empty polls do not crowd out the producers' writes.
const EMPTY_POLL_PAUSE: Duration = Duration::from_millis(1);

/// Installations the `--source delivery` writes are spread over (as `intake` does).
const INSTALLATIONS: u32 = 4;

/// How a consumer settles a finished task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settle {
    /// `Store::complete_and_lease`: the completion and the next lease in one write, as the
    /// worker pool does.
    Handoff,
    /// `Store::complete`, then `Store::lease` for the next task: two writes per task (the
    /// worker pool before the hand-off; the baseline).
    Separate,
}

/// What the producers write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `Store::enqueue`: a bare task; the queue alone.
    Task,
    /// `Store::record_delivery`: a webhook delivery with its run and task, as the intake
    /// writes it.
    Delivery,
}

#[derive(Args)]
pub struct QueueArgs {
    /// `sqlite://PATH` or `postgres://...` naming a fresh database (the run assumes the
    /// queue starts empty). A temporary SQLite file when omitted.
    #[arg(long)]
    database_url: Option<String>,
    /// Tasks to push through.
    #[arg(long, default_value_t = 20_000)]
    tasks: u64,
    /// Concurrent consumers, each leasing and completing one task at a time.
    #[arg(long, default_value_t = 8)]
    workers: u64,
    /// Concurrent producers, splitting the tasks between them. With the default 8 workers
    /// this fills the store's PostgreSQL pool (16 connections) without waiting on it.
    #[arg(long, default_value_t = 8)]
    producers: u64,
    /// What each enqueue writes.
    #[arg(long, value_enum, default_value_t = Source::Task)]
    source: Source,
    /// How consumers settle each task.
    #[arg(long, value_enum, default_value_t = Settle::Handoff)]
    settle: Settle,
    /// The GitHub example payload `--source delivery` builds its deliveries from.
    #[arg(
        long,
        default_value = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/github/webhook-examples/issue_comment/created.payload.json"
        )
    )]
    payload: PathBuf,
}

#[derive(Serialize)]
pub struct QueueReport {
    pub backend: &'static str,
    pub source: Source,
    pub settle: Settle,
    pub tasks: u64,
    pub workers: u64,
    pub producers: u64,
    /// From the first enqueue to the last completion.
    pub elapsed_s: f64,
    /// Tasks completed per second, end to end.
    pub tasks_per_s: f64,
    /// From the first enqueue to the last (consumers running meanwhile).
    pub enqueue_phase_s: f64,
    /// `enqueue`, or `record_delivery` with `--source delivery`.
    pub enqueue: Summary,
    /// Leases that returned a task (with `--settle handoff`, only a consumer's first lease
    /// and those after an empty hand-off).
    pub lease: Summary,
    /// `complete`, or `complete_and_lease` with `--settle handoff`.
    pub complete: Summary,
    /// Leases that found nothing due (consumers ahead of producers).
    pub empty_leases: u64,
    /// Tasks handed out more than once; anything but 0 is a queue bug.
    pub leased_twice: u64,
    /// The queue after the run; all zero when every task was completed.
    pub left: QueueDepth,
}

/// What one consumer did.
struct Consumed {
    lease: Latencies,
    complete: Latencies,
    empty_leases: u64,
    tasks: Vec<TaskId>,
    last_completion: Option<Instant>,
}

pub async fn run(args: QueueArgs) -> anyhow::Result<QueueReport> {
    anyhow::ensure!(
        args.tasks > 0 && args.workers > 0 && args.producers > 0,
        "--tasks, --workers and --producers must be positive"
    );
    // Kept until the end of the run: dropping it deletes the temporary database.
    let scratch = tempfile::tempdir().context("cannot create a temporary directory")?;
    let url = match &args.database_url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", scratch.path().join("queue.db").display()),
    };
    let store = Store::connect(&url)
        .await
        .context("cannot open the database (--database-url)")?;
    let templates = match args.source {
        Source::Task => None,
        Source::Delivery => Some(Arc::new(delivery_templates(&args.payload)?)),
    };

    let completed = Arc::new(AtomicU64::new(0));
    let produced_all = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let mut consumers = JoinSet::new();
    for worker in 0..args.workers {
        consumers.spawn(consume(
            store.clone(),
            format!("bench-{worker}"),
            args.tasks,
            args.settle,
            completed.clone(),
            produced_all.clone(),
        ));
    }
    let mut producers = JoinSet::new();
    for producer in 0..args.producers {
        // The first `tasks % producers` producers take one extra task.
        let share = args.tasks / args.producers + u64::from(producer < args.tasks % args.producers);
        producers.spawn(produce(store.clone(), share, templates.clone()));
    }
    let mut enqueue = Latencies::new()?;
    while let Some(joined) = producers.join_next().await {
        enqueue.add(&joined??)?;
    }
    let enqueue_phase = start.elapsed();
    produced_all.store(true, Ordering::Release);

    let mut lease = Latencies::new()?;
    let mut complete = Latencies::new()?;
    let mut empty_leases = 0;
    let mut leased = Vec::new();
    let mut last_completion = start;
    while let Some(joined) = consumers.join_next().await {
        let consumed = joined??;
        lease.add(&consumed.lease)?;
        complete.add(&consumed.complete)?;
        empty_leases += consumed.empty_leases;
        leased.extend(consumed.tasks);
        last_completion = last_completion.max(consumed.last_completion.unwrap_or(start));
    }
    let elapsed = last_completion.saturating_duration_since(start);
    let handed_out = leased.len();
    leased.sort_unstable();
    leased.dedup();
    let left = store.queue_depth().await?;
    Ok(QueueReport {
        backend: store.backend_name(),
        source: args.source,
        settle: args.settle,
        tasks: args.tasks,
        workers: args.workers,
        producers: args.producers,
        elapsed_s: elapsed.as_secs_f64(),
        tasks_per_s: completed.load(Ordering::Acquire) as f64
            / elapsed.as_secs_f64().max(f64::EPSILON),
        enqueue_phase_s: enqueue_phase.as_secs_f64(),
        enqueue: enqueue.summary(),
        lease: lease.summary(),
        complete: complete.summary(),
        empty_leases,
        leased_twice: (handed_out - leased.len()) as u64,
        left,
    })
}

/// Writes `count` tasks: bare ones, or, given templates, whole deliveries (round robin over
/// the templates' installations).
async fn produce(
    store: Store,
    count: u64,
    templates: Option<Arc<Vec<DeliveryTemplate>>>,
) -> anyhow::Result<Latencies> {
    let mut enqueue = Latencies::new()?;
    for i in 0..count {
        let at = now();
        let mut task = NewTask {
            id: TaskId(Uuid::now_v7()),
            kind: "bench".to_owned(),
            installation: None,
            run: None,
            payload: serde_json::Value::Object(serde_json::Map::new()),
            max_attempts: 3,
            run_at: at,
        };
        let started = Instant::now();
        match templates.as_deref() {
            None => {
                store.enqueue(&task).await?;
            }
            Some(templates) => {
                let template = &templates[(i % templates.len() as u64) as usize];
                let run = RunId(Uuid::now_v7());
                task.kind = "run".to_owned();
                task.installation = Some(template.installation);
                task.run = Some(run);
                let delivery = NewDelivery {
                    id: DeliveryId(Uuid::now_v7().to_string()),
                    event: "issue_comment".to_owned(),
                    action: Some("created".to_owned()),
                    installation: Some(template.installation),
                    repository: Some(template.repository.clone()),
                    outcome: "accepted".to_owned(),
                    reason: Some(format!("{} run", template.kind)),
                    payload: template.payload.clone(),
                    received_at: at,
                    run: Some(NewRun {
                        id: run,
                        kind: template.kind,
                        issue: template.issue,
                        pull_request: template.pull_request,
                        actor: template.actor.clone(),
                        request: template.request.clone(),
                    }),
                    task: Some(task),
                };
                store.record_delivery(&delivery).await?;
            }
        }
        enqueue.record(started.elapsed());
    }
    Ok(enqueue)
}

/// A delivery as the webhook intake records it, less its ids and times.
struct DeliveryTemplate {
    installation: InstallationId,
    repository: RepositoryRef,
    kind: RunKind,
    issue: Option<i64>,
    pull_request: Option<i64>,
    actor: String,
    request: serde_json::Value,
    payload: String,
}

/// One template per installation, from the same payloads `intake` sends, parsed and routed
/// by `redgreen_core` exactly as the server does.
fn delivery_templates(example: &Path) -> anyhow::Result<Vec<DeliveryTemplate>> {
    let deliveries = Deliveries::load(example, INSTALLATIONS, "redgreen")?;
    deliveries
        .bodies()
        .iter()
        .map(|body| {
            let envelope = parse("issue_comment", body, "redgreen")?;
            let Route::Run(request) = envelope.route else {
                anyhow::bail!("the example payload does not ask for a run once patched");
            };
            let installation = envelope.installation.context("no installation")?;
            let repository = envelope.repository.context("no repository")?;
            let (issue, pull_request) = match request.target {
                Target::Issue(number) => (Some(number), None),
                Target::PullRequest(number) => (None, Some(number)),
            };
            Ok(DeliveryTemplate {
                installation,
                repository: RepositoryRef {
                    github_id: repository.id,
                    full_name: repository.full_name,
                    clone_url: repository.clone_url,
                },
                kind: request.kind,
                issue,
                pull_request,
                actor: request.actor.clone(),
                request: serde_json::to_value(&request)?,
                payload: String::from_utf8_lossy(body).into_owned(),
            })
        })
        .collect()
}

/// Leases and completes until every task is done, or until the producers have finished and
/// nothing is due any more (so a lost task shows up in the report's `left` instead of
/// hanging the run).
async fn consume(
    store: Store,
    worker: String,
    total: u64,
    settle: Settle,
    completed: Arc<AtomicU64>,
    produced_all: Arc<AtomicBool>,
) -> anyhow::Result<Consumed> {
    let mut consumed = Consumed {
        lease: Latencies::new()?,
        complete: Latencies::new()?,
        empty_leases: 0,
        tasks: Vec::new(),
        last_completion: None,
    };
    // With `Settle::Handoff`, the task the last completion leased.
    let mut held = None;
    while completed.load(Ordering::Acquire) < total {
        // Read before leasing: an empty queue only means "done" if no enqueue can follow.
        let producers_done = produced_all.load(Ordering::Acquire);
        let task = match held.take() {
            Some(task) => task,
            None => {
                let started = Instant::now();
                let Some(task) = store.lease(&worker, LEASE_MS, now()).await? else {
                    if producers_done {
                        break;
                    }
                    consumed.empty_leases += 1;
                    tokio::time::sleep(EMPTY_POLL_PAUSE).await;
                    continue;
                };
                consumed.lease.record(started.elapsed());
                task
            }
        };
        let started = Instant::now();
        match settle {
            Settle::Separate => store.complete(&task.lease, now()).await?,
            Settle::Handoff => {
                let handoff = store
                    .complete_and_lease(&task.lease, &worker, LEASE_MS, now())
                    .await?;
                anyhow::ensure!(handoff.completed, "lost the lease on task {}", task.id);
                held = handoff.next;
            }
        }
        let finished = Instant::now();
        consumed.complete.record(finished - started);
        consumed.tasks.push(task.id);
        consumed.last_completion = Some(finished);
        completed.fetch_add(1, Ordering::AcqRel);
    }
    // Every task is done, so the hand-off cannot have leased one; a held task would be a bug
    // that the report's `left` counts.
    if let Some(task) = held {
        store.release(&task.lease, now()).await?;
    }
    Ok(consumed)
}

fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

impl fmt::Display for QueueReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "queue on {} ({:?} source, {:?} settle): {} tasks, {} producers, {} workers: {:.0} \
             tasks/s end to end ({:.2} s; enqueueing took {:.2} s)",
            self.backend,
            self.source,
            self.settle,
            self.tasks,
            self.producers,
            self.workers,
            self.tasks_per_s,
            self.elapsed_s,
            self.enqueue_phase_s
        )?;
        writeln!(f, "  enqueue  {}", self.enqueue)?;
        writeln!(f, "  lease    {}", self.lease)?;
        writeln!(f, "  complete {}", self.complete)?;
        writeln!(
            f,
            "  empty leases {}, leased twice {}, left queued {} leased {} dead {}",
            self.empty_leases,
            self.leased_twice,
            self.left.queued,
            self.left.leased,
            self.left.dead
        )
    }
}
