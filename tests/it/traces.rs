//! Traces across the cluster. Every node of a loopback cluster exports its
//! spans over OTLP/HTTP to a receiver in this test. A remote write into the
//! scraper and a query through the query node, each sent with a W3C
//! `traceparent`, come back as one trace each: the entry node's HTTP span,
//! its calls to the storage nodes, and the storage nodes' own spans as
//! children of those calls.

use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use parking_lot::Mutex;
use prost::Message;
use sonde::ingest::remote_write::Protocol;

use crate::cluster::Cluster;
use crate::support::{body, series};

#[derive(Clone, Debug)]
struct Recorded {
    service: String,
    name: String,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
    parent_id: Vec<u8>,
}

/// An OTLP/HTTP trace receiver on a free port.
async fn receiver() -> (u16, Arc<Mutex<Vec<Recorded>>>) {
    let spans: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let store = spans.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |payload: bytes::Bytes| {
            let store = store.clone();
            async move {
                if let Ok(request) = ExportTraceServiceRequest::decode(payload) {
                    store.lock().extend(flatten(request));
                }
                ([("content-type", "application/x-protobuf")], Vec::<u8>::new())
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, spans)
}

fn flatten(request: ExportTraceServiceRequest) -> Vec<Recorded> {
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(name) => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                out.push(Recorded {
                    service: service.clone(),
                    name: span.name,
                    trace_id: span.trace_id,
                    span_id: span.span_id,
                    parent_id: span.parent_span_id,
                });
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits until the trace has the entry span, calls to at least two storage
/// nodes, and a storage span under each of those calls; returns them all.
async fn trace_of(spans: &Mutex<Vec<Recorded>>, trace_id: &str, entry: (&str, &str), call: &str) -> Vec<Recorded> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let trace: Vec<Recorded> = spans.lock().iter().filter(|s| hex(&s.trace_id) == trace_id).cloned().collect();
        let entry_span = trace.iter().find(|s| s.service == entry.0 && s.name == entry.1);
        let calls: Vec<&Recorded> = trace
            .iter()
            .filter(|s| s.service == entry.0 && s.name == call && Some(&s.parent_id) == entry_span.map(|e| &e.span_id))
            .collect();
        let served = calls
            .iter()
            .filter(|c| {
                trace.iter().any(|s| s.service == "sonde-storage" && s.name == call && s.parent_id == c.span_id)
            })
            .count();
        if entry_span.is_some() && calls.len() >= 2 && served == calls.len() {
            return trace;
        }
        let seen: Vec<String> = trace.iter().map(|s| format!("{}:{}", s.service, s.name)).collect();
        assert!(Instant::now() < deadline, "trace {trace_id} incomplete after 30 s: {seen:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_write_and_a_query_are_each_one_trace_across_the_nodes() {
    let (port, spans) = receiver().await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "200")];
    // The launcher blocks this worker; the other one serves the receiver.
    let cluster = Cluster::up_with_env(1, 3, "scrape_configs: []\n", &[], &env);
    let client = reqwest::Client::new();

    crate::cluster::eventually("3 active storage nodes", Duration::from_secs(30), || {
        let status = cluster.status()?;
        let active =
            status["members"].as_array()?.iter().filter(|m| m["roles"][0] == "storage" && m["state"] == "active");
        (active.count() == 3).then_some(())
    });
    // The scraper's own view follows within milliseconds; untraced writes
    // until it takes one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let post = |data: Vec<u8>| {
        client
            .post(cluster.scraper_url(1, "/api/v1/write"))
            .header("Content-Type", Protocol::V1.content_type())
            .header("Content-Encoding", "snappy")
            .header("X-Prometheus-Remote-Write-Version", Protocol::V1.version())
            .body(data)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let warm_up = [series(&[("__name__", "warm_up")], &[(crate::support::now_ms(), 1.0)])];
        if post(body(Protocol::V1, &warm_up)).send().await.unwrap().status() == 204 {
            break;
        }
        assert!(Instant::now() < deadline, "the scraper never accepted a write");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let write_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let data = [series(&[("__name__", "traced"), ("job", "t")], &[(crate::support::now_ms(), 1.0)])];
    let response = post(body(Protocol::V1, &data))
        .header("traceparent", format!("00-{write_trace}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let trace = trace_of(&spans, write_trace, ("sonde-scraper", "POST /api/v1/write"), "storage.Push").await;
    let entry = trace.iter().find(|s| s.name == "POST /api/v1/write").unwrap();
    assert_eq!(hex(&entry.parent_id), "00f067aa0ba902b7", "the scraper continues the sender's trace");

    let query_trace = "0af7651916cd43dd8448eb211c80319c";
    let response = client
        .get(cluster.query_url("/api/v1/query?query=traced"))
        .header("traceparent", format!("00-{query_trace}-b7ad6b7169203331-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    trace_of(&spans, query_trace, ("sonde-query", "GET /api/v1/query"), "storage.Select").await;
}
