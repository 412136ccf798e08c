//! API errors in Prometheus' JSON envelope, with its `errorType`s and HTTP
//! status codes (`web/api/v1/api.go` upstream).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::series::{self, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    BadData,
    Execution,
    Internal,
    Unavailable,
    NotFound,
    Timeout,
    Canceled,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Internal => "internal",
            ErrorType::Unavailable => "unavailable",
            ErrorType::NotFound => "not_found",
            ErrorType::Timeout => "timeout",
            ErrorType::Canceled => "canceled",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ErrorType::BadData => StatusCode::BAD_REQUEST,
            ErrorType::Execution => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::Unavailable | ErrorType::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::NotFound => StatusCode::NOT_FOUND,
            // Prometheus answers 499 (client closed request) for canceled queries.
            ErrorType::Canceled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        }
    }
}

/// An error answered as `{"status":"error","errorType":…,"error":…}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrorType,
    pub message: String,
}

impl ApiError {
    pub fn bad_data(message: impl Into<String>) -> Self {
        ApiError { kind: ErrorType::BadData, message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError { kind: ErrorType::Internal, message: message.into() }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ApiError { kind: ErrorType::Unavailable, message: message.into() }
    }
}

impl From<series::Error> for ApiError {
    fn from(e: series::Error) -> Self {
        let kind = match e.code() {
            ErrorCode::BadData => ErrorType::BadData,
            ErrorCode::NotFound => ErrorType::NotFound,
            ErrorCode::Unavailable | ErrorCode::TooManyRequests => ErrorType::Unavailable,
            ErrorCode::Canceled => ErrorType::Canceled,
            ErrorCode::Timeout => ErrorType::Timeout,
            ErrorCode::Internal => ErrorType::Internal,
        };
        ApiError { kind, message: e.to_string() }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    status: &'static str,
    #[serde(rename = "errorType")]
    error_type: &'static str,
    error: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { status: "error", error_type: self.kind.as_str(), error: &self.message };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        (self.kind.status(), [(axum::http::header::CONTENT_TYPE, "application/json")], json).into_response()
    }
}
