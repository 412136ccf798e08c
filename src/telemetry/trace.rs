//! Distributed tracing. When an OTLP endpoint is configured (the standard
//! `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
//! OTLP over HTTP with protobuf), every HTTP request, every distributor
//! push and fan-out call to a storage node, and every storage request gets
//! a span, exported in batches. The W3C trace context travels in HTTP
//! headers and gRPC metadata, so one remote write or query is one trace
//! across the scraper or query node and the storage nodes. Without an
//! endpoint no span is created.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt;

static ENABLED: AtomicBool = AtomicBool::new(false);
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Whether an endpoint is configured in the environment.
pub fn configured() -> bool {
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
}

/// The exporting tracer of `service` (the OTLP exporter reads its endpoint,
/// headers and timeout from the standard environment variables), or why
/// there is none.
pub fn tracer(service: &str) -> Result<opentelemetry_sdk::trace::Tracer, String> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
        .map_err(|e| format!("cannot build the OTLP span exporter: {e}"))?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service.to_string()).build();
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
    let tracer = provider.tracer("sonde");
    let _ = PROVIDER.set(provider);
    ENABLED.store(true, Ordering::Relaxed);
    Ok(tracer)
}

/// Exports what is still buffered (at exit).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// A span for an incoming HTTP request, continuing the caller's trace when
/// its headers carry one.
pub fn http_span(method: &http::Method, route: &str, headers: &http::HeaderMap) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!("http", otel.name = %format!("{method} {route}"), http.route = %route);
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(headers));
    let _ = span.set_parent(parent);
    span
}

/// A span for an outgoing call to a storage node, child of the current one.
pub fn client_span(name: &'static str, address: &str) -> Span {
    if !enabled() {
        return Span::none();
    }
    tracing::info_span!("storage call", otel.name = name, peer.address = %address)
}

/// A span for a gRPC request this node serves, child of the caller's.
pub fn server_span(name: &'static str, metadata: &tonic::metadata::MetadataMap) -> Span {
    if !enabled() {
        return Span::none();
    }
    let span = tracing::info_span!("grpc", otel.name = name);
    let parent = TraceContextPropagator::new().extract(&MetadataExtractor(metadata));
    let _ = span.set_parent(parent);
    span
}

/// A gRPC request carrying `span`'s trace context.
pub fn request<T>(message: T, span: &Span) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if enabled() {
        let context = span.context();
        TraceContextPropagator::new().inject_context(&context, &mut MetadataInjector(request.metadata_mut()));
    }
    request
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct MetadataExtractor<'a>(&'a tonic::metadata::MetadataMap);

impl Extractor for MetadataExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0
            .keys()
            .filter_map(|key| match key {
                tonic::metadata::KeyRef::Ascii(key) => Some(key.as_str()),
                tonic::metadata::KeyRef::Binary(_) => None,
            })
            .collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let key = tonic::metadata::MetadataKey::from_bytes(key.as_bytes());
        if let (Ok(key), Ok(value)) = (key, value.parse()) {
            self.0.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_context_survives_grpc_metadata() {
        let mut metadata = tonic::metadata::MetadataMap::new();
        MetadataInjector(&mut metadata)
            .set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string());
        let extracted = MetadataExtractor(&metadata);
        assert_eq!(extracted.get("traceparent"), Some("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assert_eq!(extracted.keys(), vec!["traceparent"]);
        let context = TraceContextPropagator::new().extract(&extracted);
        use opentelemetry::trace::TraceContextExt;
        assert_eq!(context.span().span_context().trace_id().to_string(), "0af7651916cd43dd8448eb211c80319c");
    }

    #[test]
    fn no_spans_without_an_endpoint() {
        assert!(!enabled());
        assert!(client_span("push", "a:1").is_none());
        let request = request(1u8, &Span::none());
        assert!(request.metadata().is_empty());
    }
}
