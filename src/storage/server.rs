//! The storage node's gRPC server over the local TSDB.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures::Stream;
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use crate::series::{self, Appender, Queryable};
use crate::tsdb::Storage;

use super::MAX_MESSAGE_BYTES;
use super::convert::{hints_from_proto, matchers_from_proto, series_to_proto, tsdb_status_to_proto};
use super::metrics::observe;
use super::proto::storage_server::{self, StorageServer};
use super::proto::{
    LabelNamesRequest, LabelValuesRequest, LabelsResponse, PushRequest, PushResponse, SelectRequest, SelectResponse,
    TsdbStatusRequest, TsdbStatusResponse,
};
use crate::ingest::remote_write::{Decoder, Protocol};
use crate::series::AppendBatch;
use crate::telemetry::trace;
use tracing::Instrument;

/// Series per Select message: big enough to amortise framing, small enough
/// to stream a large answer.
const SERIES_PER_MESSAGE: usize = 256;

/// Requests one connection may have in flight; more wait (tower's
/// concurrency limit), so one busy client cannot take every worker.
const CONCURRENCY_PER_CONNECTION: usize = 64;

pub struct StorageService {
    storage: Arc<Storage>,
    /// Decoders keep their scratch space between pushes.
    decoders: parking_lot::Mutex<Vec<Decoder>>,
}

impl StorageService {
    pub fn new(storage: Arc<Storage>) -> Self {
        StorageService { storage, decoders: parking_lot::Mutex::new(Vec::new()) }
    }
}

fn status(error: series::Error) -> Status {
    match error {
        series::Error::BadData(message) => Status::invalid_argument(message),
        series::Error::Unavailable(message) => Status::unavailable(message),
        series::Error::Internal(message) => Status::internal(message),
    }
}

type SelectStream = Pin<Box<dyn Stream<Item = Result<SelectResponse, Status>> + Send>>;

#[tonic::async_trait]
impl storage_server::Storage for StorageService {
    async fn push(&self, request: Request<PushRequest>) -> Result<Response<PushResponse>, Status> {
        let span = trace::server_span("storage.Push", request.metadata());
        let started = Instant::now();
        let result = self.push_inner(request).instrument(span).await;
        observe("Push", started, &result);
        result
    }

    type SelectStream = SelectStream;

    async fn select(&self, request: Request<SelectRequest>) -> Result<Response<SelectStream>, Status> {
        let span = trace::server_span("storage.Select", request.metadata());
        let started = Instant::now();
        let result = self.select_inner(request).instrument(span).await;
        observe("Select", started, &result);
        result
    }

    async fn label_names(&self, request: Request<LabelNamesRequest>) -> Result<Response<LabelsResponse>, Status> {
        let span = trace::server_span("storage.LabelNames", request.metadata());
        let started = Instant::now();
        let result = self.label_names_inner(request).instrument(span).await;
        observe("LabelNames", started, &result);
        result
    }

    async fn label_values(&self, request: Request<LabelValuesRequest>) -> Result<Response<LabelsResponse>, Status> {
        let span = trace::server_span("storage.LabelValues", request.metadata());
        let started = Instant::now();
        let result = self.label_values_inner(request).instrument(span).await;
        observe("LabelValues", started, &result);
        result
    }

    async fn tsdb_status(&self, request: Request<TsdbStatusRequest>) -> Result<Response<TsdbStatusResponse>, Status> {
        let started = Instant::now();
        let request = request.into_inner();
        let result = self
            .storage
            .tsdb_status(&request.tenant, request.limit.max(1) as usize)
            .await
            .map(|status| Response::new(tsdb_status_to_proto(status)))
            .map_err(status);
        observe("TsdbStatus", started, &result);
        result
    }
}

impl StorageService {
    async fn push_inner(&self, request: Request<PushRequest>) -> Result<Response<PushResponse>, Status> {
        let request = request.into_inner();
        let mut batch = AppendBatch::new();
        let mut decoder = self.decoders.lock().pop().unwrap_or_default();
        let report = decoder.decode(Protocol::V1, &request.write_request, &mut batch);
        self.decoders.lock().push(decoder);
        let report = report.map_err(|e| Status::invalid_argument(format!("bad write request: {e}")))?;
        if let Some(refusal) = report.refusal() {
            return Err(Status::invalid_argument(refusal.to_string()));
        }
        let outcome = self.storage.append(&request.tenant, &batch).await.map_err(status)?;
        Ok(Response::new(PushResponse {
            samples_appended: outcome.samples_appended,
            samples_rejected: outcome.samples_rejected,
            first_rejection: outcome.first_rejection.unwrap_or_default(),
        }))
    }

    async fn select_inner(&self, request: Request<SelectRequest>) -> Result<Response<SelectStream>, Status> {
        let request = request.into_inner();
        let matchers = matchers_from_proto(&request.matchers)?;
        let hints = hints_from_proto(request.hints.as_ref());
        let found = self.storage.select(&request.tenant, &hints, &matchers).await.map_err(status)?;
        let messages: Vec<Result<SelectResponse, Status>> = found
            .chunks(SERIES_PER_MESSAGE)
            .map(|part| Ok(SelectResponse { series: part.iter().map(series_to_proto).collect() }))
            .collect();
        Ok(Response::new(Box::pin(futures::stream::iter(messages))))
    }

    async fn label_names_inner(&self, request: Request<LabelNamesRequest>) -> Result<Response<LabelsResponse>, Status> {
        let request = request.into_inner();
        let matchers = matchers_from_proto(&request.matchers)?;
        let hints = hints_from_proto(request.hints.as_ref());
        let values = self.storage.label_names(&request.tenant, &hints, &matchers).await.map_err(status)?;
        Ok(Response::new(LabelsResponse { values }))
    }

    async fn label_values_inner(
        &self,
        request: Request<LabelValuesRequest>,
    ) -> Result<Response<LabelsResponse>, Status> {
        let request = request.into_inner();
        let matchers = matchers_from_proto(&request.matchers)?;
        let hints = hints_from_proto(request.hints.as_ref());
        let values =
            self.storage.label_values(&request.tenant, &request.name, &hints, &matchers).await.map_err(status)?;
        Ok(Response::new(LabelsResponse { values }))
    }
}

/// Serves the storage service on `listener` until `shutdown` completes.
pub async fn serve(
    storage: Arc<Storage>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let service = StorageServer::new(StorageService::new(storage))
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip);
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    tonic::transport::Server::builder()
        .concurrency_limit_per_connection(CONCURRENCY_PER_CONNECTION)
        .add_service(service)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
