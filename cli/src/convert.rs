//! `shareguard convert`: the five vendors' share JSON and the model, each into the other; a
//! vendor into another vendor goes through the model.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use serde_json::Value;
use shareguard::interop::{
    InteropError, ShareContext, filr, iconik, liquidfiles, onlyoffice, salesforce,
};
use shareguard::model::{
    AccessLevel, NewShare, Permissions, PrincipalId, ResourceRef, Share, ShareId,
};
use shareguard::store::{GrantItem, Paged};

use crate::{Status, read, unusable};

/// Converts share JSON between the vendors' forms and the model (a JSON list of shares).
///
/// The forms: filr — the Share resource or the admin list page (`items`), written as the
/// page; iconik — a share as the Sharing panel shows it (several users, one model share
/// each); liquidfiles — the `add_access` request; onlyoffice — the room share request
/// (`invitations`); salesforce — a folder share, or a JSON list of them.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  shareguard convert --from filr --to model tests/fixtures/filr_share_list.json
  shareguard convert --from salesforce --to onlyoffice --resource room:2330 --sharer 005admin \\
      --created 2026-03-01T12:00:00Z tests/fixtures/salesforce_folder_share.json
  shareguard convert --from model --to liquidfiles shares.json

Forms that do not carry the shared resource, the sharer or the creation time (liquidfiles,
onlyoffice, salesforce; iconik lacks the sharer and time) take them from --resource, --sharer
and --created. A share the target cannot express is left out and said on stderr.
Exit status: 0 every share converted whole, 1 a share or a field was left out (the rest is
written), 2 the file
or an option cannot be used.")]
pub(crate) struct Args {
    /// The form of FILE.
    #[arg(long, value_enum, value_name = "VENDOR|model")]
    from: Form,
    /// The form to write on stdout.
    #[arg(long, value_enum, value_name = "VENDOR|model")]
    to: Form,
    /// The shared resource, as `kind:id` (the folder, room or share the request's URL names).
    /// Going to liquidfiles or onlyoffice, only the shares on it are written.
    #[arg(long, value_name = "REF")]
    resource: Option<ResourceRef>,
    /// Who created the shares.
    #[arg(long, value_name = "ID")]
    sharer: Option<PrincipalId>,
    /// When the shares were created, RFC 3339 (`2026-03-01T12:00:00Z`).
    #[arg(long, value_name = "TIME")]
    created: Option<DateTime<Utc>>,
    /// iconik: the start of share URLs, before the link's token
    /// [default: https://app.iconik.io/share/<object_type>/]
    #[arg(long, value_name = "URL")]
    url_base: Option<String>,
    /// The ids given to shares made from a form that has none (liquidfiles, onlyoffice): the
    /// prefix, followed by 1, 2, …
    #[arg(long, value_name = "PREFIX", default_value = "share-")]
    id_prefix: String,
    /// The file to convert.
    file: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Form {
    /// Micro Focus Filr REST.
    Filr,
    /// iconik.
    Iconik,
    /// LiquidFiles.
    Liquidfiles,
    /// ONLYOFFICE DocSpace.
    Onlyoffice,
    /// Salesforce folder shares.
    Salesforce,
    /// shareguard's model: a JSON list of shares.
    Model,
}

/// Why a conversion cannot go on.
#[derive(Debug)]
enum Stop {
    /// The file or an option cannot be used.
    Unusable(String),
}

impl From<InteropError> for Stop {
    fn from(e: InteropError) -> Self {
        Stop::Unusable(e.to_string())
    }
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let text = match read(&args.file) {
        Ok(text) => text,
        Err(e) => return unusable(e),
    };
    let file = args.file.display();
    let shares = match to_model(args, &text) {
        Ok(shares) => shares,
        Err(Stop::Unusable(e)) => return unusable(format!("{file}: {e}")),
    };
    let mut left_out = Vec::new();
    let value = match from_model(args, &shares, &mut left_out) {
        Ok(value) => value,
        Err(Stop::Unusable(e)) => return unusable(format!("{file}: {e}")),
    };
    for note in &left_out {
        eprintln!("shareguard: {file}: {note}");
    }
    match serde_json::to_string_pretty(&value) {
        Ok(json) => println!("{json}"),
        Err(e) => return unusable(format!("{file}: cannot write JSON: {e}")),
    }
    if left_out.is_empty() { Status::Success.into() } else { Status::Negative.into() }
}

/// An option a form needs, or an error naming it and why.
fn need<'a, T>(value: Option<&'a T>, option: &str, form: &str, what: &str) -> Result<&'a T, Stop> {
    value.ok_or_else(|| {
        Stop::Unusable(format!("{form} does not carry {what}: give it with `{option}`"))
    })
}

fn context(args: &Args, form: &str, resource: Option<ResourceRef>) -> Result<ShareContext, Stop> {
    let resource = match resource {
        Some(resource) => resource,
        None => need(args.resource.as_ref(), "--resource", form, "the shared resource")?.clone(),
    };
    Ok(ShareContext {
        resource,
        sharer: need(args.sharer.as_ref(), "--sharer", form, "the sharer")?.clone(),
        created: *need(args.created.as_ref(), "--created", form, "the creation time")?,
    })
}

fn new_id(args: &Args, n: usize) -> Result<ShareId, Stop> {
    ShareId::new(format!("{}{n}", args.id_prefix))
        .map_err(|e| Stop::Unusable(format!("--id-prefix: {e}")))
}

fn to_model(args: &Args, text: &str) -> Result<Vec<Share>, Stop> {
    Ok(match args.from {
        Form::Model => {
            let de = &mut serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize::<_, Vec<Share>>(de).map_err(|e| {
                let path = e.path().to_string();
                let path = if path == "." { "$".to_owned() } else { format!("${}", dotted(&path)) };
                Stop::Unusable(format!("{path}: {}", e.into_inner()))
            })?
        }
        Form::Filr => {
            // Not JSON at all: the single share's parser says where, as the vendor's errors do.
            let value = serde_json::from_str::<Value>(text).ok();
            if value.as_ref().is_some_and(|v| v.get("items").is_some()) {
                let list = filr::ShareList::from_json_str(text)?;
                Paged::<Share>::try_from(&list)?.items
            } else {
                vec![filr::Share::from_json_str(text)?.to_share()?]
            }
        }
        Form::Iconik => {
            let panel = iconik::Share::from_json_str(text)?;
            let resource = format!("{}:{}", panel.object_type, panel.object_id)
                .parse::<ResourceRef>()
                .map_err(|e| Stop::Unusable(format!("iconik: object_type, object_id: {e}")))?;
            let base = url_base(args, resource.kind_str());
            panel.to_shares(&context(args, "an iconik share", Some(resource))?, &base)?
        }
        Form::Liquidfiles => {
            let request = liquidfiles::AddAccess::from_json_str(text)?;
            let items = request.to_grant_items()?;
            let context = context(args, "a liquidfiles add_access request", None)?;
            let mut shares = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                shares.push(Share::new(
                    new_id(args, i + 1)?,
                    context.resource.clone(),
                    context.sharer.clone(),
                    item.recipient.clone(),
                    item.resolved_access(),
                    context.created,
                ));
            }
            shares
        }
        Form::Onlyoffice => {
            let request = onlyoffice::RoomShare::from_json_str(text)?;
            let context = context(args, "an onlyoffice room share request", None)?;
            let news = request.to_new_shares(&context.resource)?;
            let mut shares = Vec::with_capacity(news.len());
            for (i, new) in news.iter().enumerate() {
                let share = Share::from_new(
                    new_id(args, i + 1)?,
                    context.sharer.clone(),
                    new,
                    context.created,
                )
                .map_err(|e| Stop::Unusable(format!("onlyoffice: invitations[{i}]: {e}")))?;
                shares.push(share);
            }
            shares
        }
        Form::Salesforce => {
            let context = context(args, "a salesforce folder share", None)?;
            let items = match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(items)) => items.into_iter().map(Some).collect(),
                _ => vec![None],
            };
            let mut shares = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let wire = match item {
                    // The item's own errors say its path inside it; say which item too.
                    Some(item) => salesforce::FolderShare::from_json_str(&item.to_string())
                        .map_err(|e| Stop::Unusable(format!("[{i}]: {e}")))?,
                    None => salesforce::FolderShare::from_json_str(text)?,
                };
                shares.push(wire.to_share(&context).map_err(|e| match item {
                    Some(_) => Stop::Unusable(format!("[{i}]: {e}")),
                    None => Stop::from(e),
                })?);
            }
            shares
        }
    })
}

/// `serde_path_to_error`'s `[0].id` or `0.id` as a JSON path tail: `[0].id`.
fn dotted(path: &str) -> String {
    path.split('.')
        .map(
            |part| {
                if part.parse::<usize>().is_ok() { format!("[{part}]") } else { format!(".{part}") }
            },
        )
        .collect()
}

fn url_base(args: &Args, kind: &str) -> String {
    args.url_base.clone().unwrap_or_else(|| format!("https://app.iconik.io/share/{kind}/"))
}

/// A share left out, and why.
fn left(share: &Share, e: &InteropError) -> String {
    format!("share `{}` left out: {e}", share.id())
}

fn from_model(args: &Args, shares: &[Share], left_out: &mut Vec<String>) -> Result<Value, Stop> {
    Ok(match args.to {
        Form::Model => serde_json::to_value(shares)
            .map_err(|e| Stop::Unusable(format!("cannot write JSON: {e}")))?,
        Form::Filr => {
            let mut items = Vec::with_capacity(shares.len());
            for share in shares {
                match filr::Share::try_from(share) {
                    Ok(_) => items.push(share.clone()),
                    Err(e) => left_out.push(left(share, &e)),
                }
            }
            let total = items.len();
            filr::ShareList::from_page(0, &Paged { items, total, next: None })?.to_json_value()
        }
        Form::Salesforce => {
            let mut out = Vec::with_capacity(shares.len());
            for share in shares {
                match salesforce::FolderShare::try_from(share) {
                    Ok(wire) => out.push(wire.to_json_value()),
                    Err(e) => left_out.push(left(share, &e)),
                }
            }
            one_or_list(out)
        }
        Form::Iconik => {
            // A panel share is a group of model shares with ids `{panel id}:{email}` and
            // `{panel id}:link`: group by the part before the first `:`.
            let mut groups: Vec<(String, Vec<Share>)> = Vec::new();
            for share in shares {
                let id = share.id().as_str();
                let panel = id.split_once(':').map_or(id, |(panel, _)| panel).to_owned();
                match groups.iter_mut().find(|(p, _)| *p == panel) {
                    Some((_, group)) => group.push(share.clone()),
                    None => groups.push((panel, vec![share.clone()])),
                }
            }
            let mut out = Vec::with_capacity(groups.len());
            for (panel, group) in &groups {
                let kind = group.first().map_or("assets", |s| s.resource().kind_str());
                match iconik::Share::from_shares(panel, group, &url_base(args, kind)) {
                    Ok(wire) => out.push(wire.to_json_value()),
                    Err(e) => left_out.push(format!("panel share `{panel}` left out: {e}")),
                }
            }
            one_or_list(out)
        }
        Form::Liquidfiles => {
            let shares = one_resource(args, shares, "a liquidfiles add_access request")?;
            let mut items = Vec::with_capacity(shares.len());
            for share in shares {
                if let Some(term) = ungranted_term(share) {
                    left_out.push(format!(
                        "share `{}` left out: liquidfiles cannot express {term} (written without it, the share would grant more)",
                        share.id()
                    ));
                    continue;
                }
                let item = grant_item(share);
                match liquidfiles::AccessRequest::try_from(&item) {
                    Ok(_) => {
                        lost(share, "liquidfiles", left_out);
                        items.push(item);
                    }
                    Err(e) => left_out.push(left(share, &e)),
                }
            }
            liquidfiles::AddAccess::from_grant_items(&items)?.to_json_value()
        }
        Form::Onlyoffice => {
            let shares = one_resource(args, shares, "an onlyoffice room share request")?;
            let mut news = Vec::with_capacity(shares.len());
            for share in shares {
                let new = new_share(share);
                match onlyoffice::Invitation::from_new_share(&new) {
                    Ok(_) => {
                        if news.first().is_some_and(|first: &NewShare| first.message != new.message)
                        {
                            left_out.push(format!(
                                "share `{}`: its message is not written (the request has one message, the first share's)",
                                share.id()
                            ));
                        }
                        news.push(new);
                    }
                    Err(e) => left_out.push(left(share, &e)),
                }
            }
            onlyoffice::RoomShare::from_new_shares(&news)?.to_json_value()
        }
    })
}

fn one_or_list(mut items: Vec<Value>) -> Value {
    if items.len() == 1 { items.remove(0) } else { Value::Array(items) }
}

/// The shares of one resource, for a request form about one (its URL names it): those on
/// `--resource`, or all when they are on one resource.
fn one_resource<'a>(args: &Args, shares: &'a [Share], form: &str) -> Result<Vec<&'a Share>, Stop> {
    match &args.resource {
        Some(resource) => Ok(shares.iter().filter(|s| s.resource() == resource).collect()),
        None => {
            let mut resources: Vec<&ResourceRef> = shares.iter().map(Share::resource).collect();
            resources.sort_by_key(|r| r.to_string());
            resources.dedup();
            if resources.len() > 1 {
                let names: Vec<String> = resources.iter().map(|r| format!("`{r}`")).collect();
                return Err(Stop::Unusable(format!(
                    "{form} is about one resource, and the shares are on {}: pick one with `--resource`",
                    names.join(", ")
                )));
            }
            Ok(shares.iter().collect())
        }
    }
}

/// A share as a grant item: a custom set that is a level plus `view_log` is that level with
/// `view_log`, as LiquidFiles writes it.
fn grant_item(share: &Share) -> GrantItem {
    let mut item =
        GrantItem { recipient: share.recipient().clone(), access: share.access(), view_log: false };
    if let AccessLevel::Custom(set) = share.access() {
        if set.contains(Permissions::VIEW_LOG) {
            let base = set - Permissions::VIEW_LOG;
            for level in [AccessLevel::Viewer, AccessLevel::Editor] {
                if level.permissions() == base {
                    item.access = level;
                    item.view_log = true;
                }
            }
        }
    }
    item
}

/// A term of SEMANTICS.md sections 8 and 9 that a grant item cannot hold and that, dropped,
/// would make the written share grant more: such a share is left out, not written without.
fn ungranted_term(share: &Share) -> Option<&'static str> {
    [
        (share.starts().is_some(), "its scheduled start"),
        (share.is_pending(), "a pending invitation"),
        (share.max_uses().is_some(), "a link's use limit"),
        (share.password().is_some(), "a link's password"),
    ]
    .into_iter()
    .find_map(|(held, term)| held.then_some(term))
}

/// Says what a share holds that a request form has no field for (it is written without).
fn lost(share: &Share, vendor: &str, notes: &mut Vec<String>) {
    let mut fields = Vec::new();
    if share.expires().is_some() {
        fields.push("expiry");
    }
    if share.message().is_some() {
        fields.push("message");
    }
    if !share.reshare().is_empty() {
        fields.push("re-share rights");
    }
    if !fields.is_empty() {
        notes.push(format!(
            "share `{}`: {vendor} cannot express its {}: written without",
            share.id(),
            fields.join(", ")
        ));
    }
}

fn new_share(share: &Share) -> NewShare {
    NewShare::again(share)
}
