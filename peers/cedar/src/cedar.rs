//! The workload in Cedar, modelled as WORKLOAD.md's notes say an expert would:
//!
//! - the entity hierarchy carries every relationship Cedar can search: users in their groups,
//!   nested groups in their parents, documents in their folders, and every **non-expiring
//!   grant** as a relationship — the recipient (user or group) is a child of an `Access`
//!   entity for (target, level), and the four `Access` entities of a target form a chain
//!   `manager ∈ editor ∈ commenter ∈ viewer`, so "holds at least commenter" is one `in`;
//! - four static `permit` policies, one per permission, ask `principal in resource.<level>`
//!   or `principal in resource.folder.<level>` (documents and folders carry their `Access`
//!   entities as attributes);
//! - every **expiring grant** is its own `permit` with `context.now < T`, since a relationship
//!   cannot expire; every **restrict** is a `forbid` (with `context.now < T` if it expires) —
//!   forbid wins in Cedar as restrict wins in shareguard;
//! - policies are **sliced per document**: the static four, the document's own share policies
//!   and its folder's. A document with no policy of its own shares its folder's slice.
//!
//! Entities, slices and requests are all built before anything is timed.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy,
    PolicyId, PolicySet, Request, RestrictedExpression,
};

use crate::workload::{Level, Target, Who, Workload};

const STATIC: &str = r#"
permit(principal, action == Action::"view", resource)
when { principal in resource.viewer || principal in resource.folder.viewer };
permit(principal, action == Action::"comment", resource)
when { principal in resource.commenter || principal in resource.folder.commenter };
permit(principal, action == Action::"edit", resource)
when { principal in resource.editor || principal in resource.folder.editor };
permit(principal, action in [Action::"delete", Action::"manage_access"], resource)
when { principal in resource.manager || principal in resource.folder.manager };
"#;

pub struct Cedar {
    pub authorizer: Authorizer,
    pub entities: Entities,
    /// The distinct policy slices.
    pub slices: Vec<PolicySet>,
    /// Each document's slice.
    pub slice_of_doc: Vec<u32>,
    /// One prebuilt request per query.
    pub requests: Vec<Request>,
    /// How many share policies (expiring grants and restricts) there are.
    pub share_policies: usize,
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

struct Types {
    user: EntityTypeName,
    group: EntityTypeName,
    document: EntityTypeName,
    folder: EntityTypeName,
    access: EntityTypeName,
    action: EntityTypeName,
}

impl Types {
    fn new() -> Result<Self, String> {
        let t = |s: &str| EntityTypeName::from_str(s).map_err(err);
        Ok(Self {
            user: t("User")?,
            group: t("Group")?,
            document: t("Document")?,
            folder: t("Folder")?,
            access: t("Access")?,
            action: t("Action")?,
        })
    }
    fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
        EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
    }
    fn user(&self, u: u32) -> EntityUid {
        Self::uid(&self.user, &format!("u{u}"))
    }
    fn group(&self, g: u32) -> EntityUid {
        Self::uid(&self.group, &format!("g{g}"))
    }
    fn document(&self, d: u32) -> EntityUid {
        Self::uid(&self.document, &format!("d{d}"))
    }
    fn folder(&self, f: u32) -> EntityUid {
        Self::uid(&self.folder, &format!("f{f}"))
    }
    fn access(&self, target: Target, level: Level) -> EntityUid {
        Self::uid(&self.access, &format!("{}/{}", key(target), level.name()))
    }
}

fn key(target: Target) -> String {
    match target {
        Target::Document(d) => format!("d{d}"),
        Target::Folder(f) => format!("f{f}"),
    }
}

fn principal_scope(who: Who) -> String {
    match who {
        Who::User(u) => format!(r#"principal == User::"u{u}""#),
        Who::Group(g) => format!(r#"principal in Group::"g{g}""#),
    }
}

fn resource_scope(target: Target) -> String {
    match target {
        Target::Document(d) => format!(r#"resource == Document::"d{d}""#),
        Target::Folder(f) => format!(r#"resource in Folder::"f{f}""#),
    }
}

impl Cedar {
    pub fn build(w: &Workload) -> Result<Self, String> {
        let t = Types::new()?;

        // Relationships: recipients of non-expiring grants are children of the target's
        // `Access` entity for the grant's level.
        let mut user_parents: Vec<HashSet<EntityUid>> =
            w.user_groups.iter().map(|gs| gs.iter().map(|&g| t.group(g)).collect()).collect();
        let mut group_parents: Vec<HashSet<EntityUid>> =
            w.group_parent.iter().map(|p| p.iter().map(|&g| t.group(g)).collect()).collect();
        let mut with_access: HashSet<(bool, u32)> = HashSet::new();
        for s in &w.shares {
            let (Some(level), None) = (s.level, s.expires) else { continue };
            let access = t.access(s.target, level);
            match s.who {
                Who::User(u) => user_parents[u as usize].insert(access),
                Who::Group(g) => group_parents[g as usize].insert(access),
            };
            with_access.insert(match s.target {
                Target::Document(d) => (true, d),
                Target::Folder(f) => (false, f),
            });
        }

        let level_attrs = |target: Target| -> HashMap<String, RestrictedExpression> {
            Level::ALL
                .iter()
                .map(|&l| {
                    (l.name().to_owned(), RestrictedExpression::new_entity_uid(t.access(target, l)))
                })
                .collect()
        };
        let mut entities: Vec<Entity> = Vec::new();
        for (u, parents) in user_parents.into_iter().enumerate() {
            entities.push(Entity::new_no_attrs(t.user(u as u32), parents));
        }
        for (g, parents) in group_parents.into_iter().enumerate() {
            entities.push(Entity::new_no_attrs(t.group(g as u32), parents));
        }
        for f in 0..w.folders as u32 {
            let attrs = level_attrs(Target::Folder(f));
            entities.push(Entity::new(t.folder(f), attrs, HashSet::new()).map_err(err)?);
        }
        for (d, &f) in w.doc_folder.iter().enumerate() {
            let d = d as u32;
            let mut attrs = level_attrs(Target::Document(d));
            attrs.insert("folder".to_owned(), RestrictedExpression::new_entity_uid(t.folder(f)));
            let parents = HashSet::from([t.folder(f)]);
            entities.push(Entity::new(t.document(d), attrs, parents).map_err(err)?);
        }
        for &(is_doc, i) in &with_access {
            let target = if is_doc { Target::Document(i) } else { Target::Folder(i) };
            for pair in Level::ALL.windows(2) {
                let (lower, higher) = (pair[0], pair[1]);
                let parent = HashSet::from([t.access(target, lower)]);
                entities.push(Entity::new_no_attrs(t.access(target, higher), parent));
            }
            entities.push(Entity::new_no_attrs(t.access(target, Level::Viewer), HashSet::new()));
        }
        let entities = Entities::from_entities(entities, None).map_err(err)?;

        // Share policies: expiring grants and restricts, parsed once each.
        let mut policies_on_doc: Vec<Vec<Policy>> = vec![Vec::new(); w.documents()];
        let mut policies_on_folder: Vec<Vec<Policy>> = vec![Vec::new(); w.folders];
        let mut share_policies = 0;
        for (i, s) in w.shares.iter().enumerate() {
            let text = match (s.level, s.expires) {
                (Some(_), None) => continue,
                (Some(level), Some(t)) => {
                    let actions: Vec<String> = level
                        .actions()
                        .iter()
                        .map(|a| format!(r#"Action::"{}""#, a.name()))
                        .collect();
                    format!(
                        "permit({}, action in [{}], {}) when {{ context.now < {t} }};",
                        principal_scope(s.who),
                        actions.join(", "),
                        resource_scope(s.target)
                    )
                }
                (None, expires) => format!(
                    "forbid({}, action, {}){};",
                    principal_scope(s.who),
                    resource_scope(s.target),
                    expires.map(|t| format!(" when {{ context.now < {t} }}")).unwrap_or_default()
                ),
            };
            let policy = Policy::parse(Some(PolicyId::new(format!("s{i}"))), &text).map_err(err)?;
            share_policies += 1;
            match s.target {
                Target::Document(d) => policies_on_doc[d as usize].push(policy),
                Target::Folder(f) => policies_on_folder[f as usize].push(policy),
            }
        }

        // Slices: the static policies, the folder's share policies, the document's.
        let base = PolicySet::from_str(STATIC).map_err(err)?;
        let slice = |lists: &[&Vec<Policy>]| -> Result<PolicySet, String> {
            let mut set = base.clone();
            for p in lists.iter().flat_map(|l| l.iter()) {
                set.add(p.clone()).map_err(err)?;
            }
            Ok(set)
        };
        let mut slices = Vec::with_capacity(w.folders + w.documents() / 2);
        for on_folder in &policies_on_folder {
            slices.push(slice(&[on_folder])?);
        }
        let mut slice_of_doc = Vec::with_capacity(w.documents());
        for (d, &f) in w.doc_folder.iter().enumerate() {
            if policies_on_doc[d].is_empty() {
                slice_of_doc.push(f);
            } else {
                slice_of_doc.push(slices.len() as u32);
                slices.push(slice(&[&policies_on_doc[d], &policies_on_folder[f as usize]])?);
            }
        }

        let context =
            Context::from_pairs([("now".to_owned(), RestrictedExpression::new_long(w.now))])
                .map_err(err)?;
        let actions: Vec<EntityUid> =
            crate::workload::Action::ALL.iter().map(|a| Types::uid(&t.action, a.name())).collect();
        let requests = w
            .queries
            .iter()
            .map(|q| {
                Request::new(
                    t.user(q.user),
                    actions[q.action as usize].clone(),
                    t.document(q.document),
                    context.clone(),
                    None,
                )
                .map_err(err)
            })
            .collect::<Result<_, _>>()?;

        Ok(Self {
            authorizer: Authorizer::new(),
            entities,
            slices,
            slice_of_doc,
            requests,
            share_policies,
        })
    }

    /// Whether query `i` (on `document`) is allowed, and any evaluation errors.
    #[inline]
    pub fn check(&self, i: usize, document: u32) -> bool {
        let slice = &self.slices[self.slice_of_doc[document as usize] as usize];
        self.authorizer.is_authorized(&self.requests[i], slice, &self.entities).decision()
            == Decision::Allow
    }

    /// Evaluation errors on query `i`, if any (there should be none).
    pub fn errors(&self, i: usize, document: u32) -> Vec<String> {
        let slice = &self.slices[self.slice_of_doc[document as usize] as usize];
        self.authorizer
            .is_authorized(&self.requests[i], slice, &self.entities)
            .diagnostics()
            .errors()
            .map(|e| e.to_string())
            .collect()
    }
}
