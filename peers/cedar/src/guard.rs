//! The workload in shareguard: one slice of `Share`s per document and per folder, principals
//! with their transitive groups, and a two-node path per query.

use chrono::{DateTime, TimeZone, Utc};
use shareguard::{
    AccessLevel, Node, Permission, Policy, Principal, PrincipalKind, Recipient, ResourceRef, Share,
};

use crate::workload::{Action, Level, Target, Who, Workload};

pub struct Guard {
    pub policy: Policy,
    pub now: DateTime<Utc>,
    pub documents: Vec<ResourceRef>,
    pub folders: Vec<ResourceRef>,
    pub on_doc: Vec<Vec<Share>>,
    pub on_folder: Vec<Vec<Share>>,
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

/// Every share of the workload as a shareguard `Share`, in the workload's order.
pub fn shares(w: &Workload) -> Result<Vec<Share>, String> {
    let created = time(w.now - 90 * 24 * 3600)?;
    let sharer: shareguard::PrincipalId = "owner".parse().map_err(err)?;
    w.shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let resource: ResourceRef = match s.target {
                Target::Document(d) => format!("document:d{d}"),
                Target::Folder(f) => format!("folder:f{f}"),
            }
            .parse()
            .map_err(err)?;
            let recipient = match s.who {
                Who::User(u) => Recipient::User { id: format!("u{u}").parse().map_err(err)? },
                Who::Group(g) => Recipient::Group { id: format!("g{g}").parse().map_err(err)? },
            };
            let expires = s.expires.map(time).transpose()?;
            Ok(Share::new(
                format!("s{i}").parse().map_err(err)?,
                resource,
                sharer.clone(),
                recipient,
                access(s.level),
                created,
            )
            .with_expiry(expires))
        })
        .collect()
}

impl Guard {
    pub fn build(w: &Workload) -> Result<Self, String> {
        let mut on_doc = vec![Vec::new(); w.documents()];
        let mut on_folder = vec![Vec::new(); w.folders];
        for (share, s) in shares(w)?.into_iter().zip(&w.shares) {
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
                    .fold(Principal::builder(format!("u{u}"), PrincipalKind::Internal), |b, g| {
                        b.group(format!("g{g}"))
                    })
                    .build()
                    .map_err(err)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            policy: Policy::default(),
            now: time(w.now)?,
            documents: (0..w.documents())
                .map(|d| format!("document:d{d}").parse().map_err(err))
                .collect::<Result<_, _>>()?,
            folders: (0..w.folders)
                .map(|f| format!("folder:f{f}").parse().map_err(err))
                .collect::<Result<_, _>>()?,
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
            Node { resource: &self.documents[d], owner: None, shares: &self.on_doc[d] },
            Node { resource: &self.folders[f], owner: None, shares: &self.on_folder[f] },
        ];
        self.policy.allows(&self.principals[user as usize], permission, &path, self.now)
    }

    #[inline]
    pub fn check(&self, user: u32, document: u32, permission: Permission) -> shareguard::Decision {
        let d = document as usize;
        let f = self.doc_folder[d] as usize;
        let path = [
            Node { resource: &self.documents[d], owner: None, shares: &self.on_doc[d] },
            Node { resource: &self.folders[f], owner: None, shares: &self.on_folder[f] },
        ];
        self.policy.check(&self.principals[user as usize], permission, &path, self.now)
    }
}
