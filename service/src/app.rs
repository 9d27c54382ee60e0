//! The service's state, its routes, and how a failure becomes an HTTP answer.
//!
//! Each product's requests live in a module of their own (`liquidfiles`, `filr`,
//! `onlyoffice`, `salesforce`): they find the caller, read the body with shareguard's vendor
//! form, call the `Admin` facade and write its answer in the same form. No access rule is
//! here: every allow and deny is the facade's.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use chrono::{DateTime, Utc};
use shareguard::admin::{Hierarchy, TreeError};
use shareguard::model::{ResourceKind, ResourceRef};
use shareguard::policy::{Decision, Reason};
use shareguard::{Admin, AdminError, Principal, ShareStore, StoreError};

use crate::auth::{Keys, Principals};

/// The store behind the facade: SQLite, or PostgreSQL when built with `postgres`.
pub(crate) type Store = Arc<dyn ShareStore>;

/// What every request handler shares.
pub(crate) struct App {
    /// The facade: every decision and every write goes through it.
    pub(crate) admin: Admin<Store, Hierarchy>,
    /// The configured principals.
    pub(crate) principals: Principals,
    /// Their API keys' digests.
    pub(crate) keys: Keys,
}

/// The shared state of the handlers.
pub(crate) type State = Arc<App>;

impl App {
    /// The principal whose key this is, if any.
    pub(crate) fn by_key(&self, key: &str) -> Option<&Principal> {
        self.keys.owner(key).and_then(|id| self.principals.get(id))
    }

    /// The principal whose key this is, if it is also the one named `user` (Filr's
    /// `-u user:key`).
    pub(crate) fn by_user_and_key(&self, user: &str, key: &str) -> Option<&Principal> {
        self.by_key(key).filter(|p| p.id().as_str() == user)
    }
}

/// Every route the service answers.
pub(crate) fn router(state: State) -> Router {
    Router::new()
        // LiquidFiles (seed 001)
        .route("/admin/shares/{share_id}/add_access", post(crate::liquidfiles::add_access))
        .route("/admin/shares/{share_id}/remove_access", delete(crate::liquidfiles::remove_access))
        // Filr (seed 002)
        .route("/rest/admin/shares", get(crate::filr::list))
        .route("/rest/admin/shares/public", get(crate::filr::list_public))
        .route("/rest/admin/shares/{id}", delete(crate::filr::delete))
        // ONLYOFFICE DocSpace (seed 003)
        .route("/api/2.0/files/rooms/{id}/share", put(crate::onlyoffice::share_room))
        // Salesforce folder shares (seed 004)
        .route(
            "/services/data/v41.0/folders/{folder_id}/shares/{share_id}",
            get(crate::salesforce::get)
                .patch(crate::salesforce::patch)
                .delete(crate::salesforce::delete),
        )
        .with_state(state)
}

/// Why a request was not served, before it is written in a product's form.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No credentials, or unknown ones: 401.
    Unauthorized,
    /// A malformed request; the message names the field: 400.
    BadRequest(String),
    /// The facade's policy denied it: 403 (400 for the policy's `invalid`).
    Denied(Box<Decision>),
    /// No such share or resource: 404.
    NotFound(String),
    /// The share changed under the request: 409.
    Conflict(String),
    /// The service could not answer (its store, its data): 500 (503 when busy).
    Internal(StatusCode, String),
}

impl Failure {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Denied(d) if d.reason() == Reason::Invalid => StatusCode::BAD_REQUEST,
            Failure::Denied(_) => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::Internal(status, _) => *status,
        }
    }

    /// A short code: the policy's reason code for a denial.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Failure::Unauthorized => "unauthorized",
            Failure::BadRequest(_) => "invalid",
            Failure::Denied(d) => d.reason().code(),
            Failure::NotFound(_) => "not_found",
            Failure::Conflict(_) => "conflict",
            Failure::Internal(..) => "internal",
        }
    }

    /// What to tell the caller.
    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Unauthorized => "unknown or missing credentials".to_owned(),
            Failure::Denied(d) => format!("denied: {d}"),
            Failure::BadRequest(m)
            | Failure::NotFound(m)
            | Failure::Conflict(m)
            | Failure::Internal(_, m) => m.clone(),
        }
    }

    /// The generic body, for the products whose documents show no error body (LiquidFiles,
    /// Filr, ONLYOFFICE): `{"error": {"code": …, "message": …}}`.
    pub(crate) fn into_generic(self) -> Response {
        let body =
            serde_json::json!({ "error": { "code": self.code(), "message": self.message() } });
        let mut response = json(self.status(), body.to_string());
        if matches!(self, Failure::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"shareguard\""),
            );
        }
        response
    }
}

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Denied(decision) => Failure::Denied(decision),
            AdminError::Tree(TreeError::Unknown(resource)) => {
                Failure::NotFound(format!("resource: unknown resource `{resource}`"))
            }
            AdminError::Store(StoreError::NotFound(id)) => {
                Failure::NotFound(format!("share: no share `{id}`"))
            }
            AdminError::Store(e @ (StoreError::Conflict { .. } | StoreError::Changed { .. })) => {
                Failure::Conflict(e.to_string())
            }
            AdminError::Invalid(e) | AdminError::Store(StoreError::Invalid(e)) => {
                Failure::BadRequest(e.to_string())
            }
            AdminError::NotLeavable(_) | AdminError::NotVisitable(_) => {
                Failure::BadRequest(e.to_string())
            }
            AdminError::Busy => Failure::Internal(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            other => Failure::Internal(StatusCode::INTERNAL_SERVER_ERROR, other.to_string()),
        }
    }
}

impl From<shareguard::interop::InteropError> for Failure {
    fn from(e: shareguard::interop::InteropError) -> Self {
        Failure::BadRequest(e.to_string())
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body)
        .into_response()
}

/// The time of a request: the service reads the clock, the library never does.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The resource a URL names: `kind:id`; an id the model refuses is a malformed request.
pub(crate) fn resource(kind: &str, id: &str) -> Result<ResourceRef, Failure> {
    let kind = ResourceKind::new(kind)
        .map_err(|e| Failure::Internal(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    ResourceRef::new(&kind, id).map_err(|e| Failure::BadRequest(format!("path: {e}")))
}

/// An answer with no body ("[Empty Response]", Salesforce's "NA").
pub(crate) fn empty(status: StatusCode) -> Response {
    status.into_response()
}
