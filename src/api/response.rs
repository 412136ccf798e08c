//! Successful API answers in Prometheus' envelope:
//! `{"status":"success","data":…,"warnings":[…]}`.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::error::ApiError;

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    status: &'static str,
    data: &'a T,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    infos: &'a [String],
}

/// A success answer with optional warnings.
pub struct Success<T: Serialize> {
    pub data: T,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

impl<T: Serialize> Success<T> {
    pub fn new(data: T) -> Self {
        Success { data, warnings: Vec::new(), infos: Vec::new() }
    }

    pub fn warn(mut self, warning: impl Into<String>) -> Self {
        self.warnings.push(warning.into());
        self
    }
}

impl<T: Serialize> IntoResponse for Success<T> {
    fn into_response(self) -> Response {
        let envelope = Envelope { status: "success", data: &self.data, warnings: &self.warnings, infos: &self.infos };
        match serde_json::to_vec(&envelope) {
            Ok(json) => ([(CONTENT_TYPE, "application/json")], json).into_response(),
            Err(e) => ApiError::internal(format!("cannot encode the response: {e}")).into_response(),
        }
    }
}

pub type ApiResult<T> = Result<Success<T>, ApiError>;
