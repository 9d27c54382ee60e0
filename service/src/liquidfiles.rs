//! LiquidFiles (seed 001): `POST /admin/shares/{share_id}/add_access` and
//! `DELETE /admin/shares/{share_id}/remove_access`, with the API key as the Basic user
//! (`--user KEY:x`). A LiquidFiles share is the resource `share:{share_id}`.
//!
//! Each entry is decided and applied on its own and answered with its own result, as the
//! document shows: a denied entry is a `result: error` beside the others. The status is 403
//! when every entry was denied, 200 otherwise.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use shareguard::interop::liquidfiles::{AccessResult, AddAccess, AddAccessResponse, RemoveAccess};
use shareguard::store::BatchOutcome;
use shareguard::{Principal, Recipient};

use crate::app::{self, App, Failure};

/// The resource kind of a LiquidFiles share.
pub(crate) const KIND: &str = "share";

fn caller<'a>(app: &'a App, headers: &HeaderMap) -> Result<&'a Principal, Failure> {
    let (key, _) = crate::auth::basic(headers).ok_or(Failure::Unauthorized)?;
    app.by_key(&key).ok_or(Failure::Unauthorized)
}

/// 403 when every outcome is a denial, else 200.
fn status_of(outcomes: &[BatchOutcome]) -> StatusCode {
    let denied = |o: &BatchOutcome| matches!(o, BatchOutcome::Denied { .. });
    if !outcomes.is_empty() && outcomes.iter().all(denied) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    }
}

pub(crate) async fn add_access(
    State(app): State<app::State>,
    Path(share_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    add(&app, &share_id, &headers, &body).await.unwrap_or_else(Failure::into_generic)
}

async fn add(
    app: &App,
    share_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Failure> {
    let actor = caller(app, headers)?;
    let resource = app::resource(KIND, share_id)?;
    let request = AddAccess::from_slice(body)?;
    let items = request.to_grant_items()?;
    let outcomes = app.admin.grant_batch(actor, &resource, &items, app::now()).await?;
    let response = AddAccessResponse::from_outcomes(&request, &outcomes);
    Ok(app::json(status_of(&outcomes), response.to_json_string()))
}

pub(crate) async fn remove_access(
    State(app): State<app::State>,
    Path(share_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    remove(&app, &share_id, &headers, &body).await.unwrap_or_else(Failure::into_generic)
}

async fn remove(
    app: &App,
    share_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Failure> {
    let actor = caller(app, headers)?;
    let resource = app::resource(KIND, share_id)?;
    let request = RemoveAccess::from_slice(body)?;
    let recipient = Recipient::try_from(&request)?;
    let outcomes = app
        .admin
        .revoke_batch(actor, &resource, std::slice::from_ref(&recipient), app::now())
        .await?;
    // The document shows no answer to remove_access: it is answered as add_access is, one
    // result for its one entry.
    let results =
        outcomes.iter().map(|o| AccessResult::from_outcome(request.subject.clone(), o)).collect();
    Ok(app::json(status_of(&outcomes), AddAccessResponse(results).to_json_string()))
}
