//! The workload in shareguard: one slice of `Share`s per document and per folder, principals
//! with their transitive groups, and a two-node path per query.

use chrono::{DateTime, TimeZone, Utc};
use shareguard::model::{
    AccessLevel, GroupId, ModelError, Permission, Principal, PrincipalId, PrincipalKind, Recipient,
    ResourceRef, Share,
};
use shareguard::policy::{Decision, Node, Policy, ShareList};

use crate::workload::{Action, Level, Target, Who, Workload};

pub struct Guard {
    pub policy: Policy,
    pub now: DateTime<Utc>,
    pub documents: Vec<ResourceRef>,
    pub folders: Vec<ResourceRef>,
    pub on_doc: Vec<ShareList>,
    pub on_folder: Vec<ShareList>,
    pub doc_folder: Vec<u32>,
    pub principals: Vec<Principal>,
}

pub fn permission(action: Action) -> Permission {
    match action {
        Action::View => Permission::View,
        Action::Comment => Permission::Comment,
        Action::Edit => Permission::Edit,
        Action::Delete => Permission::Delete,
        Action::ManageAccess => Permission::ManageAccess,
    }
}

fn access(level: Option<Level>) -> AccessLevel {
    match level {
        None => AccessLevel::Restrict,
        Some(Level::Viewer) => AccessLevel::Viewer,
        Some(Level::Commenter) => AccessLevel::Commenter,
        Some(Level::Editor) => AccessLevel::Editor,
        Some(Level::Manager) => AccessLevel::Manager,
    }
}

pub fn time(seconds: i64) -> Result<DateTime<Utc>, String> {
    Utc.timestamp_opt(seconds, 0).single().ok_or_else(|| format!("bad time `{seconds}`"))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Every id of the workload, made once: shares and principals hold clones of these, as a
/// service that keeps a directory does.
struct Ids {
    users: Vec<PrincipalId>,
    groups: Vec<GroupId>,
    documents: Vec<ResourceRef>,
    folders: Vec<ResourceRef>,
}

impl Ids {
    fn new(w: &Workload) -> Result<Self, String> {
        fn make<T: std::str::FromStr<Err = ModelError>>(
            n: usize,
            prefix: &str,
            pad: &str,
        ) -> Result<Vec<T>, String> {
            (0..n).map(|i| format!("{prefix}{pad}{i}").parse().map_err(err)).collect()
        }
        // `ID_PAD` lengthens every id: past 16 bytes an id's text is shared, not held in place.
        let pad = std::env::var("ID_PAD").unwrap_or_default();
        Ok(Self {
            users: make(w.users, "u", &pad)?,
            groups: make(w.group_parent.len(), "g", &pad)?,
            documents: make(w.documents(), "document:d", &pad)?,
            folders: make(w.folders, "folder:f", &pad)?,
        })
    }

    /// Every share of the workload as a shareguard `Share`, in the workload's order.
    fn shares(&self, w: &Workload) -> Result<Vec<Share>, String> {
        let created = time(w.now - 90 * 24 * 3600)?;
        let sharer: PrincipalId = "owner".parse().map_err(err)?;
        w.shares
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let resource = match s.target {
                    Target::Document(d) => &self.documents[d as usize],
                    Target::Folder(f) => &self.folders[f as usize],
                };
                let recipient = match s.who {
                    Who::User(u) => Recipient::User { id: self.users[u as usize].clone() },
                    Who::Group(g) => Recipient::Group { id: self.groups[g as usize].clone() },
                };
                let expires = s.expires.map(time).transpose()?;
                Ok(Share::new(
                    format!("s{i}").parse().map_err(err)?,
                    resource.clone(),
                    sharer.clone(),
                    recipient,
                    access(s.level),
                    created,
                )
                .with_expiry(expires))
            })
            .collect()
    }
}

impl Guard {
    pub fn build(w: &Workload) -> Result<Self, String> {
        let ids = Ids::new(w)?;
        let mut on_doc = vec![ShareList::new(); w.documents()];
        let mut on_folder = vec![ShareList::new(); w.folders];
        for (share, s) in ids.shares(w)?.into_iter().zip(&w.shares) {
            match s.target {
                Target::Document(d) => on_doc[d as usize].push(share),
                Target::Folder(f) => on_folder[f as usize].push(share),
            }
        }
        for v in on_doc.iter_mut().chain(&mut on_folder) {
            v.shrink_to_fit();
        }
        let principals = (0..w.users as u32)
            .map(|u| {
                w.transitive_groups(u)
                    .into_iter()
                    .fold(
                        Principal::builder(ids.users[u as usize].clone(), PrincipalKind::Internal),
                        |b, g| b.group(ids.groups[g as usize].clone()),
                    )
                    .build()
                    .map_err(err)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            policy: Policy::default(),
            now: time(w.now)?,
            documents: ids.documents,
            folders: ids.folders,
            on_doc,
            on_folder,
            doc_folder: w.doc_folder.clone(),
            principals,
        })
    }

    /// `Policy::allows`: the same answer as `check(..).allowed`, without the evidence.
    #[inline]
    pub fn allows(&self, user: u32, document: u32, permission: Permission) -> bool {
        let d = document as usize;
        let f = self.doc_folder[d] as usize;
        let path = [
            Node::listed(&self.documents[d], None, &self.on_doc[d]),
            Node::listed(&self.folders[f], None, &self.on_folder[f]),
        ];
        self.policy.allows(&self.principals[user as usize], permission, &path, self.now)
    }

    #[inline]
    pub fn check(&self, user: u32, document: u32, permission: Permission) -> Decision {
        let d = document as usize;
        let f = self.doc_folder[d] as usize;
        let path = [
            Node::listed(&self.documents[d], None, &self.on_doc[d]),
            Node::listed(&self.folders[f], None, &self.on_folder[f]),
        ];
        self.policy.check(&self.principals[user as usize], permission, &path, self.now)
    }
}
