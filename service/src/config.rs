//! The configuration file: who the callers are (principals and their API keys, stored hashed),
//! the resource tree, the organisation's settings, and the shares to seed the store with.
//! JSON, read with the path of any fault, as scenario files are (SEMANTICS.md section 7).

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;
use shareguard::admin::Hierarchy;
use shareguard::model::{
    AdminRights, Directory, Email, GroupId, NewShare, Principal, PrincipalId, PrincipalKind,
    ResourceRef, RoleId, Settings, ShareId,
};

use crate::auth::{Digest, Keys};

/// A configuration file could not be used: where in the document, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// The JSON path of the fault: `$.credentials[1].key_sha256`.
    pub(crate) path: String,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn at(path: impl Into<String>, message: impl fmt::Display) -> ConfigError {
    ConfigError { path: path.into(), message: message.to_string() }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    groups: Vec<GroupDecl>,
    #[serde(default)]
    roles: Vec<RoleDecl>,
    #[serde(default)]
    principals: Vec<PrincipalDecl>,
    #[serde(default)]
    credentials: Vec<CredentialDecl>,
    #[serde(default)]
    resources: Vec<ResourceDecl>,
    #[serde(default)]
    shares: Vec<ShareDecl>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupDecl {
    id: GroupId,
    #[serde(default)]
    member_of: Vec<GroupId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDecl {
    id: RoleId,
    #[serde(default)]
    reports_to: Option<RoleId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalDecl {
    id: PrincipalId,
    #[serde(default)]
    kind: PrincipalKind,
    #[serde(default)]
    groups: Vec<GroupId>,
    #[serde(default)]
    role: Option<RoleId>,
    #[serde(default)]
    emails: Vec<Email>,
    #[serde(default)]
    admin: AdminRights,
}

/// An API key of a principal, as the SHA-256 of the key in lowercase hex (never the key).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialDecl {
    principal: PrincipalId,
    key_sha256: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceDecl {
    id: ResourceRef,
    #[serde(default)]
    owner: Option<PrincipalId>,
    #[serde(default)]
    parent: Option<ResourceRef>,
}

/// A share to seed: as a scenario file's world share, `id` and `sharer` beside the fields of a
/// new share (`resource`, `recipient`, `access`, `permissions`, `reshare`, `expires`,
/// `message`).
#[derive(Debug, Deserialize)]
struct ShareDecl {
    id: ShareId,
    sharer: PrincipalId,
    #[serde(flatten)]
    new: NewShare,
}

/// A share the store is seeded with at start.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    /// Its id.
    pub(crate) id: ShareId,
    /// Who made it.
    pub(crate) sharer: PrincipalId,
    /// The share.
    pub(crate) new: NewShare,
}

/// The configuration, checked and resolved.
#[derive(Debug)]
pub(crate) struct Config {
    /// The organisation's settings.
    pub(crate) settings: Settings,
    /// Every principal, groups and roles resolved.
    pub(crate) principals: HashMap<PrincipalId, Principal>,
    /// The API keys' digests and whose they are.
    pub(crate) keys: Keys,
    /// The resource tree.
    pub(crate) tree: Hierarchy,
    /// The shares to seed the store with.
    pub(crate) seeds: Vec<Seed>,
}

impl Config {
    /// Reads and checks a configuration document; a fault is named by its JSON path.
    pub(crate) fn from_json(text: &str) -> Result<Self, ConfigError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let doc: Document = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let path = path.trim_end_matches(".?").trim_end_matches('?');
            let path =
                if path == "." || path.is_empty() { "$".to_owned() } else { format!("$.{path}") };
            at(path, e.into_inner())
        })?;
        Self::from_document(doc)
    }

    fn from_document(doc: Document) -> Result<Self, ConfigError> {
        let mut directory = Directory::new();
        for g in &doc.groups {
            directory.add_group(g.id.clone(), g.member_of.iter().cloned());
        }
        for r in &doc.roles {
            directory.add_role(r.id.clone(), r.reports_to.clone());
        }
        directory.check().map_err(|e| at("$.groups", e))?;

        let mut principals = HashMap::new();
        for (i, p) in doc.principals.iter().enumerate() {
            let path = format!("$.principals[{i}]");
            let mut builder = Principal::builder(p.id.clone(), p.kind).admin(p.admin.clone());
            for g in &p.groups {
                builder = builder.group(g.clone());
            }
            if let Some(role) = &p.role {
                builder = builder.role(role.clone());
            }
            for e in &p.emails {
                builder = builder.email(e.clone());
            }
            let principal = directory.resolve(builder).map_err(|e| at(&path, e))?;
            if principals.insert(p.id.clone(), principal).is_some() {
                return Err(at(
                    format!("{path}.id"),
                    format!("principal `{}` is listed twice", p.id),
                ));
            }
        }

        let mut keys = Keys::default();
        for (i, c) in doc.credentials.iter().enumerate() {
            let path = format!("$.credentials[{i}]");
            if !principals.contains_key(&c.principal) {
                return Err(at(
                    format!("{path}.principal"),
                    format!("unknown principal `{}`", c.principal),
                ));
            }
            let digest = Digest::from_hex(&c.key_sha256).ok_or_else(|| {
                at(
                    format!("{path}.key_sha256"),
                    format!(
                        "expected 64 hex digits (the SHA-256 of the key), got `{}`",
                        c.key_sha256
                    ),
                )
            })?;
            if keys.insert(digest, c.principal.clone()).is_some() {
                return Err(at(format!("{path}.key_sha256"), "this key is listed twice"));
            }
        }

        let mut tree = Hierarchy::new();
        for (i, r) in doc.resources.iter().enumerate() {
            let path = format!("$.resources[{i}]");
            if let Some(parent) = r.parent.as_ref().filter(|p| !tree.contains(p)) {
                return Err(at(
                    format!("{path}.parent"),
                    format!("unknown resource `{parent}` (list a parent before its children)"),
                ));
            }
            if tree.contains(&r.id) {
                return Err(at(
                    format!("{path}.id"),
                    format!("resource `{}` is listed twice", r.id),
                ));
            }
            tree.add(r.id.clone(), r.parent.clone(), r.owner.clone())
                .map_err(|e| at(format!("{path}.parent"), e))?;
        }

        let mut seeds = Vec::with_capacity(doc.shares.len());
        for (i, s) in doc.shares.into_iter().enumerate() {
            if !tree.contains(&s.new.resource) {
                return Err(at(
                    format!("$.shares[{i}].resource"),
                    format!("unknown resource `{}`", s.new.resource),
                ));
            }
            if seeds.iter().any(|seed: &Seed| seed.id == s.id) {
                return Err(at(
                    format!("$.shares[{i}].id"),
                    format!("share `{}` is listed twice", s.id),
                ));
            }
            seeds.push(Seed { id: s.id, sharer: s.sharer, new: s.new });
        }

        Ok(Config { settings: doc.settings, principals, keys, tree, seeds })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_key_digest_is_named_by_its_path() {
        let err = Config::from_json(
            r#"{"principals": [{"id": "alice"}],
                "credentials": [{"principal": "alice", "key_sha256": "abc"}]}"#,
        )
        .err();
        assert_eq!(err.map(|e| e.path), Some("$.credentials[0].key_sha256".to_owned()));
    }

    #[test]
    fn a_credential_of_an_unknown_principal_is_refused() {
        let digest = "0".repeat(64);
        let text =
            format!(r#"{{"credentials": [{{"principal": "nobody", "key_sha256": "{digest}"}}]}}"#);
        let err = Config::from_json(&text).err();
        assert_eq!(err.map(|e| e.path), Some("$.credentials[0].principal".to_owned()));
    }

    #[test]
    fn an_unknown_field_is_named() {
        let err =
            Config::from_json(r#"{"principals": [{"id": "alice", "kidn": "internal"}]}"#).err();
        assert_eq!(err.map(|e| e.path), Some("$.principals[0].kidn".to_owned()));
    }

    #[test]
    fn a_share_on_an_unknown_resource_is_refused() {
        let err = Config::from_json(
            r#"{"shares": [{"id": "s1", "sharer": "alice", "resource": "folder:f1",
                "recipient": {"type": "user", "id": "bob"}, "access": "viewer"}]}"#,
        )
        .err();
        assert_eq!(err.map(|e| e.path), Some("$.shares[0].resource".to_owned()));
    }
}
