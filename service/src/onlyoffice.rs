//! ONLYOFFICE DocSpace (seed 003): `PUT /api/2.0/files/rooms/{id}/share`, with the API key in
//! the `asc_auth_key` cookie, answered with the room's members. A room is the resource
//! `room:{id}`.
//!
//! Setting a room's access is all or nothing from the caller's side: every invitation is
//! decided first, and if one is denied the request is refused (403) with nothing applied.
//! Then each is applied (updating the caller's share to that invitee, or creating one) in
//! one step with its own decision, as `Admin::grant_batch` does.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use shareguard::admin::ResourceTree;
use shareguard::interop::onlyoffice::{Member, RoomSecurity, RoomShare};
use shareguard::model::AccessLevel;
use shareguard::store::{BatchOutcome, GrantItem, Page, ShareFilter};
use shareguard::{AdminError, Principal};

use crate::app::{self, App, Failure};

/// The resource kind of a room.
pub(crate) const KIND: &str = "room";

fn caller<'a>(app: &'a App, headers: &HeaderMap) -> Result<&'a Principal, Failure> {
    let key = crate::auth::cookie(headers, "asc_auth_key").ok_or(Failure::Unauthorized)?;
    app.by_key(&key).ok_or(Failure::Unauthorized)
}

pub(crate) async fn share_room(
    State(app): State<app::State>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(&app, &id, &headers, &body).await.unwrap_or_else(Failure::into_generic)
}

async fn answer(
    app: &App,
    id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Failure> {
    let actor = caller(app, headers)?;
    if id.parse::<i32>().is_err() {
        return Err(Failure::BadRequest(format!(
            "onlyoffice: id: invalid value `{id}`: a room id is an int32"
        )));
    }
    let room = app::resource(KIND, id)?;
    let request = RoomShare::from_slice(body)?;
    let now = app::now();
    let shares = request.to_new_shares(&room)?;
    let mut items = Vec::with_capacity(shares.len());
    for (i, new) in shares.iter().enumerate() {
        let decision = app.admin.authorize_create(actor, new, now).await?;
        if !decision.is_allowed() {
            return Err(Failure::Denied(Box::new(decision)));
        }
        let access = AccessLevel::from_parts(new.access, new.permissions).map_err(|e| {
            Failure::BadRequest(format!("onlyoffice: invitations[{i}].access: {e}"))
        })?;
        items.push(GrantItem { recipient: new.recipient.clone(), access, view_log: false });
    }
    for outcome in app.admin.grant_batch(actor, &room, &items, now).await? {
        match outcome {
            BatchOutcome::Denied { decision } => return Err(AdminError::Denied(decision).into()),
            BatchOutcome::Error { message } => return Err(Failure::BadRequest(message)),
            _ => {}
        }
    }
    Ok(app::json(StatusCode::OK, members(app, actor, &room).await?.to_json_string()))
}

/// The room's members the caller may see: its owner, then a member per share on the room.
async fn members(
    app: &App,
    actor: &Principal,
    room: &shareguard::ResourceRef,
) -> Result<RoomSecurity, Failure> {
    let mut members = Vec::new();
    let path = app.admin.tree().path(room).await.map_err(AdminError::from)?;
    if let Some(owner) = path.first().and_then(|item| item.owner.as_ref()) {
        members.push(Member::owner(owner));
    }
    let filter = ShareFilter { resource: Some(room.clone()), ..ShareFilter::default() };
    let shares = app.admin.list(actor, &filter, &Page::ALL, app::now()).await?;
    let mut left_out = Vec::new();
    for share in &shares.items {
        match Member::from_share(share) {
            Ok(member) => members.push(member),
            Err(e) => left_out.push(format!("`{}` ({e})", share.id())),
        }
    }
    let warning = (!left_out.is_empty())
        .then(|| format!("shares a member cannot show: {}", left_out.join(", ")));
    Ok(RoomSecurity { members, warning, extra: Default::default() })
}
