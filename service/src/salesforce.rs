//! Salesforce folder shares (seed 004): `GET`, `PATCH` and `DELETE
//! /services/data/v41.0/folders/{folderId}/shares/{shareId}`, with the API key as an OAuth
//! bearer token (`Authorization: Bearer KEY`), every refusal in the seed's error body. A
//! folder is the resource `analyticsFolder:{folderId}`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use shareguard::interop::salesforce::{ErrorBody, FolderShare, FolderShareInput};
use shareguard::model::ShareId;
use shareguard::policy::Reason;
use shareguard::{Principal, ResourceRef, Share, ShareStore};

use crate::app::{self, App, Failure};

/// The resource kind of an Analytics folder.
pub(crate) const KIND: &str = "analyticsFolder";

fn caller<'a>(app: &'a App, headers: &HeaderMap) -> Result<&'a Principal, Failure> {
    let key = crate::auth::bearer(headers).ok_or(Failure::Unauthorized)?;
    app.by_key(&key).ok_or(Failure::Unauthorized)
}

/// A failure in the seed's error body: `[{"errorCode", "message"}]`.
fn refusal(failure: Failure, share_id: &str) -> Response {
    let body = match &failure {
        Failure::Unauthorized => {
            ErrorBody::new(401, "INVALID_SESSION_ID", "Session expired or invalid")
        }
        // A malformed change (a different recipient, …) says what is wrong with it.
        Failure::Denied(decision) if decision.reason() == Reason::Invalid => {
            ErrorBody::new(400, "INVALID_INPUT", decision.to_string())
        }
        Failure::Denied(decision) => {
            ErrorBody::from_decision(decision).unwrap_or_else(|| ErrorBody::denied("invalid"))
        }
        Failure::NotFound(_) => ErrorBody::not_found(share_id),
        Failure::BadRequest(m) => ErrorBody::new(400, "INVALID_INPUT", m.clone()),
        Failure::Conflict(m) => ErrorBody::new(409, "CONFLICT", m.clone()),
        Failure::Internal(status, m) => {
            ErrorBody::new(status.as_u16(), "UNKNOWN_EXCEPTION", m.clone())
        }
    };
    let status = StatusCode::from_u16(body.status).unwrap_or(failure.status());
    app::json(status, body.to_json_string())
}

/// The folder and share the path names, and the share as stored if it is in that folder
/// (which folder a share is in is where the URL points, not an access rule: the facade
/// decides what the caller may do with it).
async fn locate(app: &App, folder_id: &str, share_id: &str) -> Result<(ShareId, Share), Failure> {
    let folder: ResourceRef = app::resource(KIND, folder_id)?;
    let id: ShareId =
        share_id.parse().map_err(|e| Failure::NotFound(format!("share: `{share_id}`: {e}")))?;
    let stored = app
        .admin
        .store()
        .get(&id)
        .await
        .map_err(|e| Failure::Internal(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .filter(|s| *s.resource() == folder)
        .ok_or_else(|| {
            Failure::NotFound(format!("share: no share `{share_id}` in folder `{folder_id}`"))
        })?;
    Ok((id, stored))
}

fn represent(share: &Share) -> Result<Response, Failure> {
    let body = FolderShare::try_from(share)
        .map_err(|e| Failure::Internal(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(app::json(StatusCode::OK, body.to_json_string()))
}

pub(crate) async fn get(
    State(app): State<app::State>,
    Path((folder_id, share_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let actor = caller(&app, &headers)?;
        let (id, _) = locate(&app, &folder_id, &share_id).await?;
        represent(&app.admin.get(actor, &id, app::now()).await?)
    };
    answer.await.unwrap_or_else(|f| refusal(f, &share_id))
}

pub(crate) async fn patch(
    State(app): State<app::State>,
    Path((folder_id, share_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = async {
        let actor = caller(&app, &headers)?;
        let (id, stored) = locate(&app, &folder_id, &share_id).await?;
        let patch = FolderShareInput::from_slice(&body)?.to_patch()?;
        // The request names no version: the change applies to the share as just read, and
        // a change in between is a 409, not a silent overwrite.
        let updated = app.admin.update(actor, &id, stored.version(), &patch, app::now()).await?;
        represent(&updated)
    };
    answer.await.unwrap_or_else(|f| refusal(f, &share_id))
}

pub(crate) async fn delete(
    State(app): State<app::State>,
    Path((folder_id, share_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let actor = caller(&app, &headers)?;
        let (id, _) = locate(&app, &folder_id, &share_id).await?;
        app.admin.delete(actor, &id, app::now()).await?;
        Ok::<_, Failure>(app::empty(StatusCode::OK))
    };
    answer.await.unwrap_or_else(|f| refusal(f, &share_id))
}
