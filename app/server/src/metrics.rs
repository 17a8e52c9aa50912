//! Prometheus metrics: webhook deliveries, queue depth, task latency and busy workers.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use redgreen_store::QueueDepth;

use crate::error::HttpError;
use crate::state::AppState;

/// The `event` label of a delivery: one of these names, `other`, or `unverified` (for a
/// delivery refused before its signature was checked). A closed set, so that whoever sends
/// deliveries (even signed ones: a leaked secret, a misconfigured sender) cannot grow the
/// label's cardinality, and the metrics' memory, with made-up event names. These are the
/// events redgreen routes or subscribes to (testdata/github/webhook-examples).
const KNOWN_EVENTS: [&str; 10] = [
    "check_run",
    "check_suite",
    "installation",
    "installation_repositories",
    "issue_comment",
    "issues",
    "ping",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
];

/// The label for every event name not in [`KNOWN_EVENTS`].
const OTHER_EVENT: &str = "other";

/// The metrics label for the `X-GitHub-Event` value `event`: itself when it is a known event,
/// else `other`.
pub(crate) fn event_label(event: &str) -> &'static str {
    KNOWN_EVENTS
        .into_iter()
        .find(|known| *known == event)
        .unwrap_or(OTHER_EVENT)
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    event: &'static str,
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    state: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    kind: String,
    outcome: String,
}

/// The process's metrics. The HTTP surface records deliveries and reads the queue depth at
/// scrape time; the worker pool in the binary records task latency and busy workers.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    deliveries: Family<DeliveryLabels, Counter>,
    queue_depth: Family<QueueLabels, Gauge>,
    task_duration: Family<TaskLabels, Histogram, fn() -> Histogram>,
    workers_busy: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "redgreen_webhook_deliveries",
            "Webhook deliveries answered, by event and outcome",
            deliveries.clone(),
        );
        let queue_depth = Family::<QueueLabels, Gauge>::default();
        registry.register(
            "redgreen_queue_depth",
            "Tasks in the durable queue, by state",
            queue_depth.clone(),
        );
        // Tasks range from a status reply (tens of ms) to a full fix loop (tens of minutes):
        // 50 ms doubling 16 times reaches about 55 minutes.
        let task_duration: Family<TaskLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.05, 2.0, 16)));
        registry.register(
            "redgreen_task_duration_seconds",
            "Time from lease to completion of a queue task, by kind and outcome",
            task_duration.clone(),
        );
        let workers_busy = Gauge::default();
        registry.register(
            "redgreen_workers_busy",
            "Workers currently running a task",
            workers_busy.clone(),
        );
        Metrics {
            registry,
            deliveries,
            queue_depth,
            task_duration,
            workers_busy,
        }
    }
}

impl Metrics {
    /// Counts one answered webhook delivery. `event` is `unverified` or an [`event_label`];
    /// `outcome` comes from redgreen's own fixed names, never from the request.
    pub(crate) fn delivery(&self, event: &'static str, outcome: &str) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                event,
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Records how long a task took, e.g. `observe_task("run", "done", 12.5)`.
    pub fn observe_task(&self, kind: &str, outcome: &str, seconds: f64) {
        self.task_duration
            .get_or_create(&TaskLabels {
                kind: kind.to_owned(),
                outcome: outcome.to_owned(),
            })
            .observe(seconds);
    }

    /// A worker leased a task.
    pub fn worker_started(&self) {
        self.workers_busy.inc();
    }

    /// A worker is done with its task, however it ended.
    pub fn worker_finished(&self) {
        self.workers_busy.dec();
    }

    /// The metrics in the OpenMetrics text format, with the queue gauges set to `depth`.
    pub fn render(&self, depth: QueueDepth) -> Result<String, std::fmt::Error> {
        for (state, value) in [
            ("queued", depth.queued),
            ("leased", depth.leased),
            ("dead", depth.dead),
        ] {
            self.queue_depth
                .get_or_create(&QueueLabels { state })
                .set(value);
        }
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics`. The queue depth is read from the store on each scrape, so it is exact for
/// every process sharing the database rather than a per-process estimate.
pub(crate) async fn scrape(State(state): State<AppState>) -> Result<Response, HttpError> {
    let depth = state.store.queue_depth().await?;
    let text = state
        .metrics
        .render(depth)
        .map_err(|_| HttpError::MetricsEncoding)?;
    let content_type =
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], text).into_response())
}
