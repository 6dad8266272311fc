//! The one error type. Every failure a client can see is a variant here, and this module alone
//! decides its status, its `code` and the text a client reads. 5xx bodies are generic: the full
//! error is logged once, where it is rendered, and never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    MethodNotAllowed(&'static str),
    #[error("{0}")]
    Conflict(&'static str),
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{field}: {message}")]
    Validation {
        field: &'static str,
        message: String,
    },
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        Error::Validation {
            field,
            message: message.into(),
        }
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable `code` of docs/api.md's error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "bad_request",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::MethodNotAllowed(_) => "method_not_allowed",
            Error::Conflict(_) => "conflict",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::Validation { .. } => "validation_failed",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable(_) => "unavailable",
            Error::Database(_) | Error::Internal(_) => "internal",
        }
    }

    /// The text a client may read: the error itself for 4xx, a generic line for 5xx.
    pub fn public_message(&self) -> String {
        match self {
            Error::Unavailable(_) => "the database cannot be reached; try again shortly".into(),
            Error::Database(_) | Error::Internal(_) => "internal server error".into(),
            other => other.to_string(),
        }
    }

    /// Reports an error once, as it is answered: a server-side failure is logged with its full
    /// cause (client errors are not logged as errors) and a refusal is counted. Counting here,
    /// not where the limit is checked, counts a retried transaction's refusal once.
    pub fn report(&self) {
        match self {
            Error::RateLimited { .. } => {
                crate::metrics::count(crate::metrics::Counter::RateLimited)
            }
            Error::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            Error::Database(e) => tracing::error!(error = %e, "database error"),
            Error::Internal(e) => tracing::error!(error = %e, "internal error"),
            _ => {}
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.public_message(),
            },
        }
    }
}

/// docs/api.md's error body: `{"error":{"code","message"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if is_connectivity(&e) {
            Error::Unavailable(e)
        } else {
            Error::Database(e)
        }
    }
}

/// Errors that mean "the database cannot be reached right now" rather than "this query is wrong".
fn is_connectivity(e: &sqlx::Error) -> bool {
    use sqlx::Error as E;
    match e {
        E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => true,
        E::Protocol(_) => true,
        // MySQL/MariaDB: too many connections, server shutting down, connection killed.
        E::Database(db) => matches!(db.code().as_deref(), Some("1040" | "1053" | "1927")),
        _ => false,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.report();
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let Error::PayloadTooLarge { .. } = self {
            // The unread rest of the body is still on the wire: end the connection rather than
            // let the client reuse it and fail its next request.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Error::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_never_leak_their_cause() {
        let e = Error::internal("SELECT secret FROM vault failed");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.public_message().contains("SELECT"));
        let e = Error::from(sqlx::Error::PoolTimedOut);
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.code(), "unavailable");
    }

    #[test]
    fn validation_errors_name_the_field() {
        let e = Error::validation("content", "must not be empty");
        assert_eq!(e.code(), "validation_failed");
        assert_eq!(e.public_message(), "content: must not be empty");
    }
}
