//! Micro Focus Filr (seed 002): `GET /rest/admin/shares` (with `shared_by`, `shared_with`,
//! `first` and `count`), `GET /rest/admin/shares/public` and `DELETE /rest/admin/shares/{id}`,
//! with Basic authentication as the principal's id and its API key (`-u admin:KEY`).
//!
//! Filr's shares are those on resources of kinds `folderEntry` and `folder` (Filr's entity
//! types); a list shows those of them the caller may read, as the facade decides.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use shareguard::Principal;
use shareguard::interop::filr::{ListQuery, ShareList};
use shareguard::model::ShareId;
use shareguard::store::Page;

use crate::app::{self, App, Failure};

/// The resource kinds whose shares Filr's requests see.
pub(crate) const KINDS: [&str; 2] = ["folderEntry", "folder"];

fn caller<'a>(app: &'a App, headers: &HeaderMap) -> Result<&'a Principal, Failure> {
    let (user, key) = crate::auth::basic(headers).ok_or(Failure::Unauthorized)?;
    app.by_user_and_key(&user, &key).ok_or(Failure::Unauthorized)
}

pub(crate) async fn list(
    State(app): State<app::State>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    answer_list(&app, &headers, query.as_deref().unwrap_or(""), false)
        .await
        .unwrap_or_else(Failure::into_generic)
}

pub(crate) async fn list_public(
    State(app): State<app::State>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    answer_list(&app, &headers, query.as_deref().unwrap_or(""), true)
        .await
        .unwrap_or_else(Failure::into_generic)
}

async fn answer_list(
    app: &App,
    headers: &HeaderMap,
    query: &str,
    public: bool,
) -> Result<Response, Failure> {
    let actor = caller(app, headers)?;
    let (mut query, offset) = ListQuery::from_paged_query(query)?;
    query.public |= public;
    let listed = app.admin.list(actor, &query.to_filter(), &Page::ALL, app::now()).await?;
    let filr: Vec<_> =
        listed.items.into_iter().filter(|s| KINDS.contains(&s.resource().kind_str())).collect();
    let page = offset.cut(filr);
    // A share Filr cannot express (an id that is not a long, a level Filr has no role for)
    // is the configuration's fault, not the caller's.
    let list = ShareList::from_page(offset.first, &page)
        .map_err(|e| Failure::Internal(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(app::json(StatusCode::OK, list.to_json_string()))
}

pub(crate) async fn delete(
    State(app): State<app::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    answer_delete(&app, &id, &headers).await.unwrap_or_else(Failure::into_generic)
}

async fn answer_delete(app: &App, id: &str, headers: &HeaderMap) -> Result<Response, Failure> {
    let actor = caller(app, headers)?;
    if id.parse::<i64>().is_err() {
        return Err(Failure::BadRequest(format!(
            "filr: id: invalid value `{id}`: expected a long id"
        )));
    }
    let id: ShareId = id.parse().map_err(|e| Failure::BadRequest(format!("filr: id: {e}")))?;
    app.admin.delete(actor, &id, app::now()).await?;
    // "[Empty Response]"
    Ok(app::empty(StatusCode::NO_CONTENT))
}
