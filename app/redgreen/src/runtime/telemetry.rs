//! Logging and tracing: logs on stderr (JSON lines for a collector, text for a person at a
//! terminal), and OpenTelemetry traces over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use std::io::IsTerminal as _;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::cli::LogFormat;

/// Keeps the trace exporter alive; flushes it when dropped at exit.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Best effort: a collector that is down must not stop redgreen from exiting.
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber: logs filtered by `log_filter` (`RUST_LOG`'s syntax) in
/// `format`, and traces when an OTLP endpoint is configured (the exporter reads the standard
/// `OTEL_EXPORTER_OTLP_*` variables itself).
pub fn init(
    otlp_endpoint: Option<&str>,
    log_filter: &str,
    format: LogFormat,
) -> anyhow::Result<Telemetry> {
    let filter = || EnvFilter::try_new(log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    // Either layer, boxed: the two formats are different types.
    let logs = if json {
        fmt.json()
            .with_current_span(true)
            .with_span_list(false)
            .with_filter(filter())
            .boxed()
    } else {
        fmt.with_ansi(std::io::stderr().is_terminal())
            .with_filter(filter())
            .boxed()
    };
    let provider = match otlp_endpoint {
        Some(_) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .build()?;
            Some(
                SdkTracerProvider::builder()
                    .with_batch_exporter(exporter)
                    .with_resource(Resource::builder().with_service_name("redgreen").build())
                    .build(),
            )
        }
        None => None,
    };
    let traces = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("redgreen"))
            .with_filter(filter())
    });
    tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()?;
    Ok(Telemetry { provider })
}
