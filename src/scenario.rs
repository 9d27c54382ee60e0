//! Scenarios: a small world and the answers expected in it, as one JSON document
//! (SEMANTICS.md section 7), read and run through the crate's real policy and admin facade.
//!
//! A team embedding shareguard writes its sharing rules as scenario files and runs them in
//! CI (`cargo run --example scenario -- FILE...`), the way `fga model test` or
//! `zed validate` are used: any change of decision shows.
//!
//! ```
//! use shareguard::scenario::Scenario;
//!
//! let scenario = Scenario::from_json(r#"{
//!   "now": "2026-03-01T12:00:00Z",
//!   "principals": [ { "id": "bob", "groups": ["eng"] } ],
//!   "resources": [ { "id": "folder:f1", "owner": "alice" } ],
//!   "shares": [ { "id": "s1", "resource": "folder:f1", "sharer": "alice",
//!                 "recipient": { "type": "group", "id": "eng" }, "access": "viewer" } ],
//!   "checks": [ { "principal": "bob", "action": "view", "resource": "folder:f1",
//!                 "expect": "allow", "reason": "share" } ]
//! }"#)?;
//! let report = scenario.run()?;
//! assert_eq!((report.passed(), report.failed()), (1, 0));
//! # Ok::<(), shareguard::scenario::ScenarioError>(())
//! ```
//!
//! Choices where SEMANTICS.md is silent:
//! - shares of the world are created at `now` by their sharer; their form must be valid (a
//!   malformed world share is an error of the file, exit 2), while a malformed `create` or
//!   `update` in a check is the policy's `invalid` decision;
//! - a `link` recipient's `token` is given in clear in the file, and a principal presents
//!   tokens with `link_tokens`;
//! - checks are independent: a `create` or `update` check asks the admin facade whether it
//!   would be allowed and changes nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::time::{rfc3339, rfc3339_change, rfc3339_option};

use crate::admin::{Admin, AdminError, Hierarchy};
use crate::model::{
    AdminRights, Directory, Email, GroupId, Level, LinkToken, ModelError, NewShare, Permission,
    Permissions, Principal, PrincipalId, PrincipalKind, Recipient, ReshareRights, ResourceRef,
    RoleId, Settings, Share, ShareId, SharePatch,
};
use crate::policy::{Decision, Policy, Reason, ShareAction};
use crate::store::{MemoryStore, ShareStore, StoreError};
use pollster::block_on;

/// A scenario file could not be used: the JSON path of the fault and what was expected.
///
/// ```
/// use shareguard::scenario::Scenario;
///
/// // A level no product has: the error points at it.
/// let err = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "room:r1", "owner": "olga" } ],
///   "shares": [
///     { "id": "s1", "resource": "room:r1", "sharer": "olga",
///       "recipient": { "type": "user", "id": "bob" }, "access": "varies" }
///   ],
///   "checks": []
/// }"#).unwrap_err();
/// assert_eq!(err.path, "$.shares[0].access");
/// assert!(err.message.starts_with("unknown variant `varies`, expected one of `none`, `viewer`"));
/// assert!(err.to_string().starts_with("$.shares[0].access: unknown variant"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    /// Where in the document: `$.checks[3].reason`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ScenarioError {
    fn at(path: impl Into<String>, message: impl fmt::Display) -> Self {
        Self { path: path.into(), message: message.to_string() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(with = "rfc3339")]
    now: DateTime<Utc>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    groups: Vec<GroupDecl>,
    #[serde(default)]
    roles: Vec<RoleDecl>,
    #[serde(default)]
    principals: Vec<PrincipalDecl>,
    #[serde(default)]
    resources: Vec<ResourceDecl>,
    #[serde(default)]
    shares: Vec<ShareDecl>,
    #[serde(default)]
    checks: Vec<CheckDecl>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupDecl {
    id: GroupId,
    #[serde(default)]
    member_of: Vec<GroupId>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleDecl {
    id: RoleId,
    #[serde(default)]
    reports_to: Option<RoleId>,
}

#[derive(Debug, Clone, Deserialize)]
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
    #[serde(default)]
    link_tokens: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceDecl {
    id: ResourceRef,
    #[serde(default)]
    owner: Option<PrincipalId>,
    #[serde(default)]
    parent: Option<ResourceRef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareDecl {
    id: ShareId,
    resource: ResourceRef,
    sharer: PrincipalId,
    recipient: Recipient,
    access: Level,
    #[serde(default)]
    permissions: Option<Permissions>,
    #[serde(default)]
    reshare: Option<ReshareRights>,
    #[serde(default, with = "rfc3339_option")]
    expires: Option<DateTime<Utc>>,
    #[serde(default)]
    message: Option<String>,
}

impl ShareDecl {
    fn new_share(&self) -> NewShare {
        NewShare {
            resource: self.resource.clone(),
            recipient: self.recipient.clone(),
            access: self.access,
            permissions: self.permissions,
            reshare: self.reshare,
            expires: self.expires,
            message: self.message.clone(),
            ..NewShare::new(
                self.resource.clone(),
                self.recipient.clone(),
                crate::model::AccessLevel::Viewer,
            )
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateDecl {
    share: ShareId,
    #[serde(default)]
    access: Option<Level>,
    #[serde(default)]
    permissions: Option<Permissions>,
    #[serde(default)]
    reshare: Option<ReshareRights>,
    #[serde(default, with = "rfc3339_change")]
    expires: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    message: Option<Option<String>>,
    #[serde(default)]
    recipient: Option<Recipient>,
}

/// A field that is present (even `null`) is `Some`.
fn present<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// What a check expects of a decision.
///
/// ```
/// use shareguard::scenario::{Expect, Scenario};
///
/// assert_eq!(serde_json::from_str::<Expect>(r#""deny""#)?, Expect::Deny);
/// // A decision check must say which it expects.
/// let err = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "checks": [ { "principal": "bob", "action": "view", "resource": "folder:f1" } ]
/// }"#).unwrap_err();
/// assert_eq!(err.to_string(), "$.checks[0].expect: missing: expected `allow` or `deny`");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The decision allows.
    Allow,
    /// The decision denies.
    Deny,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDecl {
    principal: PrincipalId,
    #[serde(default)]
    action: Option<Permission>,
    #[serde(default)]
    resource: Option<ResourceRef>,
    #[serde(default)]
    share_action: Option<ShareAction>,
    #[serde(default)]
    share: Option<ShareId>,
    #[serde(default)]
    create: Option<NewShare>,
    #[serde(default)]
    update: Option<UpdateDecl>,
    #[serde(default)]
    permissions_on: Option<ResourceRef>,
    #[serde(default)]
    expect_permissions: Option<Permissions>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    reason: Option<Reason>,
}

/// What a check asks.
///
/// ```
/// use shareguard::{Permission, ShareAction};
/// use shareguard::scenario::{Question, Scenario};
///
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "shares": [ { "id": "s1", "resource": "folder:f1", "sharer": "olga",
///                 "recipient": { "type": "user", "id": "bob" }, "access": "viewer" } ],
///   "checks": [
///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "deny" },
///     { "principal": "bob", "share_action": "delete", "share": "s1", "expect": "allow" },
///     { "principal": "bob", "permissions_on": "folder:f1", "expect_permissions": ["view", "download"] }
///   ]
/// }"#)?;
/// let questions: Vec<&Question> = scenario.checks().iter().map(|c| &c.question).collect();
/// assert_eq!(questions, [
///     &Question::Action { action: Permission::Edit, resource: "folder:f1".parse()? },
///     &Question::ShareAction { action: ShareAction::Delete, share: "s1".parse()? },
///     &Question::PermissionsOn("folder:f1".parse()?),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// May the principal take this action on the resource (section 4)?
    Action {
        /// The permission the action needs.
        action: Permission,
        /// The resource.
        resource: ResourceRef,
    },
    /// May the principal take this action on the share (section 5)?
    ShareAction {
        /// The action.
        action: ShareAction,
        /// The share.
        share: ShareId,
    },
    /// May the principal create this share (section 6)?
    Create(NewShare),
    /// May the principal change the share so (section 6)?
    Update {
        /// The share.
        share: ShareId,
        /// The change.
        patch: SharePatch,
    },
    /// Which permissions does the principal hold on the resource?
    PermissionsOn(ResourceRef),
}

/// What a check expects.
///
/// ```
/// use shareguard::{Permissions, Reason};
/// use shareguard::scenario::{Expect, Expectation, Scenario};
///
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "checks": [
///     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "deny", "reason": "no_share" },
///     { "principal": "olga", "action": "view", "resource": "folder:f1", "expect": "allow" },
///     { "principal": "bob", "permissions_on": "folder:f1", "expect_permissions": [] }
///   ]
/// }"#)?;
/// let expected: Vec<Expectation> = scenario.checks().iter().map(|c| c.expectation).collect();
/// assert_eq!(expected, [
///     Expectation::Decision { expect: Expect::Deny, reason: Some(Reason::NoShare) },
///     Expectation::Decision { expect: Expect::Allow, reason: None },
///     Expectation::Permissions(Permissions::empty()),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// A decision, and optionally its reason.
    Decision {
        /// Allow or deny.
        expect: Expect,
        /// The reason code, if the check names one.
        reason: Option<Reason>,
    },
    /// Exactly this set.
    Permissions(Permissions),
}

/// One check of a scenario, resolved.
///
/// ```
/// use shareguard::scenario::Scenario;
///
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "shares": [
///     { "id": "s1", "resource": "folder:f1", "sharer": "olga",
///       "recipient": { "type": "user", "id": "bob" }, "access": "viewer" }
///   ],
///   "checks": [
///     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "allow", "reason": "share" },
///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "allow", "reason": "share" }
///   ]
/// }"#)?;
/// let check = &scenario.checks()[1];
/// assert_eq!((check.index, check.principal.as_str()), (1, "bob"));
/// assert_eq!(check.to_string(), "#1 bob edit folder:f1");
/// # Ok::<(), shareguard::scenario::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The check's index in the file's `checks`.
    pub index: usize,
    /// Who asks.
    pub principal: PrincipalId,
    /// What.
    pub question: Question,
    /// What the file expects.
    pub expectation: Expectation,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} ", self.index, self.principal)?;
        match &self.question {
            Question::Action { action, resource } => write!(f, "{action} {resource}"),
            Question::ShareAction { action, share } => write!(f, "{action} share {share}"),
            Question::Create(new) => {
                write!(f, "create {} for {} on {}", new.access, new.recipient, new.resource)
            }
            Question::Update { share, .. } => write!(f, "update share {share}"),
            Question::PermissionsOn(resource) => write!(f, "permissions on {resource}"),
        }
    }
}

/// What a check got.
///
/// ```
/// use shareguard::{Permissions, Reason};
/// use shareguard::scenario::{Actual, Scenario};
///
/// let report = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "shares": [ { "id": "s1", "resource": "folder:f1", "sharer": "olga",
///                 "recipient": { "type": "user", "id": "bob" }, "access": "viewer" } ],
///   "checks": [
///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "deny" },
///     { "principal": "bob", "permissions_on": "folder:f1", "expect_permissions": ["view", "download"] }
///   ]
/// }"#)?.run()?;
/// assert!(matches!(&report.results[0].actual, Actual::Decision(d) if d.reason() == Reason::Insufficient));
/// let held = &report.results[1].actual;
/// assert_eq!(held, &Actual::Permissions(Permissions::VIEW | Permissions::DOWNLOAD));
/// assert_eq!(held.to_string(), "[view, download]");
/// # Ok::<(), shareguard::scenario::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actual {
    /// The decision.
    Decision(Decision),
    /// The permissions held.
    Permissions(Permissions),
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Decision(d) => d.fmt(f),
            Actual::Permissions(p) => write!(f, "[{p}]"),
        }
    }
}

/// The outcome of one check.
///
/// ```
/// use shareguard::scenario::Scenario;
///
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "shares": [
///     { "id": "s1", "resource": "folder:f1", "sharer": "olga",
///       "recipient": { "type": "user", "id": "bob" }, "access": "viewer" }
///   ],
///   "checks": [
///     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "allow", "reason": "share" },
///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "allow", "reason": "share" }
///   ]
/// }"#)?;
/// let report = scenario.run()?;
/// let (ok, failed) = (&report.results[0], &report.results[1]);
/// assert!(ok.passed && !failed.passed);
/// // The line a CI log shows: what was asked, what the crate answered, what was expected.
/// assert_eq!(failed.to_string(), "FAIL #1 bob edit folder:f1 -> deny insufficient: needed edit; \
///     held view, download; share s1 on folder:f1 (expected allow share)");
/// # Ok::<(), shareguard::scenario::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check.
    pub check: Check,
    /// What the crate answered.
    pub actual: Actual,
    /// Whether the answer is what the check expects.
    pub passed: bool,
}

impl fmt::Display for CheckResult {
    /// `ok   #0 bob edit document:d1 -> allow share: …` or
    /// `FAIL #1 … -> deny insufficient: … (expected allow share)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} -> {}",
            if self.passed { "ok  " } else { "FAIL" },
            self.check,
            self.actual
        )?;
        if !self.passed {
            match self.check.expectation {
                Expectation::Decision { expect, reason } => {
                    let expect = if expect == Expect::Allow { "allow" } else { "deny" };
                    match reason {
                        Some(r) => write!(f, " (expected {expect} {r})")?,
                        None => write!(f, " (expected {expect})")?,
                    }
                }
                Expectation::Permissions(p) => write!(f, " (expected [{p}])")?,
            }
        }
        Ok(())
    }
}

/// The results of every check of a scenario, in order.
///
/// ```
/// use shareguard::scenario::Scenario;
///
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
///   "shares": [
///     { "id": "s1", "resource": "folder:f1", "sharer": "olga",
///       "recipient": { "type": "user", "id": "bob" }, "access": "viewer" }
///   ],
///   "checks": [
///     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "allow", "reason": "share" },
///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "allow", "reason": "share" }
///   ]
/// }"#)?;
/// let report = scenario.run()?;
/// let failures: Vec<usize> =
///     report.results.iter().filter(|r| !r.passed).map(|r| r.check.index).collect();
/// assert_eq!(failures, [1]);
/// # Ok::<(), shareguard::scenario::ScenarioError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// One result per check.
    pub results: Vec<CheckResult>,
}

impl Report {
    /// How many checks passed.
    ///
    /// ```
    /// use shareguard::scenario::Scenario;
    ///
    /// let scenario = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    ///   "shares": [
    ///     { "id": "s1", "resource": "folder:f1", "sharer": "olga",
    ///       "recipient": { "type": "user", "id": "bob" }, "access": "viewer" }
    ///   ],
    ///   "checks": [
    ///     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "allow", "reason": "share" },
    ///     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "allow", "reason": "share" }
    ///   ]
    /// }"#)?;
    /// assert_eq!(scenario.run()?.passed(), 1);
    /// # Ok::<(), shareguard::scenario::ScenarioError>(())
    /// ```
    #[must_use]
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }

    /// How many checks failed.
    ///
    /// ```
    /// # use shareguard::scenario::Scenario;
    /// # let scenario = Scenario::from_json(r#"{
    /// #   "now": "2026-03-01T12:00:00Z",
    /// #   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    /// #   "shares": [
    /// #     { "id": "s1", "resource": "folder:f1", "sharer": "olga",
    /// #       "recipient": { "type": "user", "id": "bob" }, "access": "viewer" }
    /// #   ],
    /// #   "checks": [
    /// #     { "principal": "bob", "action": "view", "resource": "folder:f1", "expect": "allow", "reason": "share" },
    /// #     { "principal": "bob", "action": "edit", "resource": "folder:f1", "expect": "allow", "reason": "share" }
    /// #   ]
    /// # }"#)?;
    /// let report = scenario.run()?;
    /// assert_eq!(report.failed(), 1);
    /// assert_eq!(report.passed() + report.failed(), report.results.len());
    /// # Ok::<(), shareguard::scenario::ScenarioError>(())
    /// ```
    #[must_use]
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }
}

/// A scenario: a world (directory, principals, resources, shares, settings, `now`) and its
/// checks, every reference resolved.
///
/// ```
/// use shareguard::scenario::Scenario;
///
/// // A link's token is given in clear; a visitor presents it with `link_tokens`.
/// let scenario = Scenario::from_json(r#"{
///   "now": "2026-03-01T12:00:00Z",
///   "principals": [ { "id": "visitor", "kind": "anonymous", "link_tokens": ["tok-1"] } ],
///   "resources": [ { "id": "document:d1", "owner": "alice" } ],
///   "shares": [ { "id": "s1", "resource": "document:d1", "sharer": "alice",
///                 "recipient": { "type": "link", "token": "tok-1" }, "access": "viewer" } ],
///   "checks": [
///     { "principal": "visitor", "action": "view", "resource": "document:d1", "expect": "allow", "reason": "share" },
///     { "principal": "visitor", "action": "edit", "resource": "document:d1", "expect": "deny", "reason": "insufficient" }
///   ]
/// }"#)?;
/// assert_eq!(scenario.checks().len(), 2);
/// assert_eq!(scenario.run()?.failed(), 0);
/// # Ok::<(), shareguard::scenario::ScenarioError>(())
/// ```
#[derive(Debug)]
pub struct Scenario {
    now: DateTime<Utc>,
    principals: HashMap<PrincipalId, Principal>,
    admin: Admin<MemoryStore, Hierarchy>,
    checks: Vec<Check>,
}

impl Scenario {
    /// Reads a scenario document, refusing with the JSON path of the fault: unknown fields,
    /// unknown names, malformed times, references to unknown shares or resources, and cycles
    /// among resources, groups or roles.
    ///
    /// ```
    /// use shareguard::scenario::Scenario;
    ///
    /// // A check may ask only one question.
    /// let err = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    ///   "checks": [ { "principal": "bob", "action": "view", "resource": "folder:f1",
    ///                 "permissions_on": "folder:f1", "expect": "allow" } ]
    /// }"#).unwrap_err();
    /// assert_eq!(err.path, "$.checks[0]");
    /// // A reference to a share the world does not have.
    /// let err = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "checks": [ { "principal": "bob", "share_action": "read", "share": "s2", "expect": "allow" } ]
    /// }"#).unwrap_err();
    /// assert_eq!(err.to_string(), "$.checks[0].share: unknown share `s2`");
    /// ```
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let doc: Document = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            // serde_path_to_error writes `?` for a place it could not name (truncated input).
            let path = path.trim_end_matches(".?").trim_end_matches('?');
            let path =
                if path == "." || path.is_empty() { "$".to_owned() } else { format!("$.{path}") };
            ScenarioError::at(path, e.into_inner())
        })?;
        Self::from_document(doc)
    }

    /// The checks, resolved.
    ///
    /// ```
    /// use shareguard::model::Level;
    /// use shareguard::scenario::{Question, Scenario};
    ///
    /// let scenario = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    ///   "checks": [ { "principal": "olga", "expect": "allow",
    ///                 "create": { "resource": "folder:f1", "recipient": { "type": "group", "id": "eng" },
    ///                             "access": "editor" } } ]
    /// }"#)?;
    /// let check = &scenario.checks()[0];
    /// assert!(matches!(&check.question, Question::Create(new) if new.access == Level::Editor));
    /// assert_eq!(check.to_string(), "#0 olga create editor for group:eng on folder:f1");
    /// # Ok::<(), shareguard::scenario::ScenarioError>(())
    /// ```
    #[must_use]
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    fn from_document(doc: Document) -> Result<Self, ScenarioError> {
        crate::model::check_time("now", doc.now).map_err(|e| ScenarioError::at("$.now", e))?;
        let mut directory = Directory::new();
        for g in &doc.groups {
            directory.add_group(g.id.clone(), g.member_of.iter().cloned());
        }
        for r in &doc.roles {
            directory.add_role(r.id.clone(), r.reports_to.clone());
        }
        directory.check().map_err(|e| {
            // Point at the declaration of the first id on the cycle.
            let first = match &e {
                ModelError::Cycle { cycle, .. } => cycle.first().cloned(),
                _ => None,
            };
            let at = if e.field() == "roles" {
                let i = doc.roles.iter().position(|r| Some(r.id.to_string()) == first);
                i.map_or("$.roles".to_owned(), |i| format!("$.roles[{i}].reports_to"))
            } else {
                let i = doc.groups.iter().position(|g| Some(g.id.to_string()) == first);
                i.map_or("$.groups".to_owned(), |i| format!("$.groups[{i}].member_of"))
            };
            ScenarioError::at(at, e)
        })?;

        let mut principals = HashMap::new();
        for (i, p) in doc.principals.iter().enumerate() {
            let at = format!("$.principals[{i}]");
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
            for (t, token) in p.link_tokens.iter().enumerate() {
                let token = LinkToken::presented(token.clone())
                    .map_err(|e| ScenarioError::at(format!("{at}.link_tokens[{t}]"), e))?;
                builder = builder.link_token(&token);
            }
            let principal = directory.resolve(builder).map_err(|e| ScenarioError::at(&at, e))?;
            if principals.insert(p.id.clone(), principal).is_some() {
                return Err(ScenarioError::at(
                    format!("{at}.id"),
                    format!("principal `{}` is listed twice", p.id),
                ));
            }
        }

        let mut tree = Hierarchy::new();
        let known: HashSet<&ResourceRef> = doc.resources.iter().map(|r| &r.id).collect();
        for (i, r) in doc.resources.iter().enumerate() {
            let at = format!("$.resources[{i}]");
            if let Some(parent) = r.parent.as_ref().filter(|p| !known.contains(p)) {
                return Err(ScenarioError::at(
                    format!("{at}.parent"),
                    format!("unknown resource `{parent}`"),
                ));
            }
            if tree.contains(&r.id) {
                return Err(ScenarioError::at(
                    format!("{at}.id"),
                    format!("resource `{}` is listed twice", r.id),
                ));
            }
            tree.add(r.id.clone(), r.parent.clone(), r.owner.clone())
                .map_err(|e| ScenarioError::at(format!("{at}.parent"), e))?;
        }

        let store = MemoryStore::new();
        for (i, s) in doc.shares.iter().enumerate() {
            let at = format!("$.shares[{i}]");
            if !tree.contains(&s.resource) {
                return Err(ScenarioError::at(
                    format!("{at}.resource"),
                    format!("unknown resource `{}`", s.resource),
                ));
            }
            let share = Share::from_new(s.id.clone(), s.sharer.clone(), &s.new_share(), doc.now)
                .map_err(|e| ScenarioError::at(format!("{at}.{}", e.field()), e))?;
            block_on(store.create(share, &s.sharer, doc.now))
                .map_err(|e| ScenarioError::at(format!("{at}.id"), e))?;
        }
        let known_share = |id: &ShareId, at: String| -> Result<(), ScenarioError> {
            match block_on(store.get(id)) {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(ScenarioError::at(at, format!("unknown share `{id}`"))),
                Err(e) => Err(ScenarioError::at(at, e)),
            }
        };
        let known_resource = |r: &ResourceRef, at: String| -> Result<(), ScenarioError> {
            if tree.contains(r) {
                Ok(())
            } else {
                Err(ScenarioError::at(at, format!("unknown resource `{r}`")))
            }
        };

        let mut checks = Vec::with_capacity(doc.checks.len());
        for (index, c) in doc.checks.into_iter().enumerate() {
            let at = format!("$.checks[{index}]");
            let question = match (
                &c.action,
                &c.resource,
                &c.share_action,
                &c.share,
                &c.create,
                &c.update,
                &c.permissions_on,
            ) {
                (Some(action), Some(resource), None, None, None, None, None) => {
                    known_resource(resource, format!("{at}.resource"))?;
                    Question::Action { action: *action, resource: resource.clone() }
                }
                (None, None, Some(action), Some(share), None, None, None) => {
                    known_share(share, format!("{at}.share"))?;
                    Question::ShareAction { action: *action, share: share.clone() }
                }
                (None, None, None, None, Some(new), None, None) => {
                    known_resource(&new.resource, format!("{at}.create.resource"))?;
                    Question::Create(new.clone())
                }
                (None, None, None, None, None, Some(update), None) => {
                    known_share(&update.share, format!("{at}.update.share"))?;
                    Question::Update {
                        share: update.share.clone(),
                        patch: SharePatch {
                            access: update.access,
                            permissions: update.permissions,
                            reshare: update.reshare,
                            expires: update.expires,
                            message: update.message.clone(),
                            recipient: update.recipient.clone(),
                            ..SharePatch::default()
                        },
                    }
                }
                (None, None, None, None, None, None, Some(resource)) => {
                    known_resource(resource, format!("{at}.permissions_on"))?;
                    Question::PermissionsOn(resource.clone())
                }
                _ => {
                    return Err(ScenarioError::at(
                        at,
                        "expected exactly one question: `action` + `resource`, `share_action` + `share`, `create`, `update`, or `permissions_on`",
                    ));
                }
            };
            let expectation = match (&question, c.expect, c.expect_permissions, c.reason) {
                (Question::PermissionsOn(_), None, Some(set), None) => {
                    Expectation::Permissions(set)
                }
                (Question::PermissionsOn(_), _, _, _) => {
                    return Err(ScenarioError::at(
                        at,
                        "`permissions_on` takes `expect_permissions` and no `expect` or `reason`",
                    ));
                }
                (_, Some(expect), None, reason) => Expectation::Decision { expect, reason },
                (_, None, _, _) => {
                    return Err(ScenarioError::at(
                        format!("{at}.expect"),
                        "missing: expected `allow` or `deny`",
                    ));
                }
                (_, Some(_), Some(_), _) => {
                    return Err(ScenarioError::at(
                        format!("{at}.expect_permissions"),
                        "goes only with `permissions_on`",
                    ));
                }
            };
            checks.push(Check { index, principal: c.principal, question, expectation });
        }

        Ok(Self {
            now: doc.now,
            principals,
            admin: Admin::new(store, tree, Policy::new(doc.settings)),
            checks,
        })
    }

    fn principal(&self, id: &PrincipalId) -> Principal {
        self.principals
            .get(id)
            .cloned()
            .unwrap_or_else(|| Principal::new(id.clone(), PrincipalKind::Internal))
    }

    /// Runs every check through the policy (and, for `create` and `update`, through the
    /// admin facade's authorisation), and reports each.
    ///
    /// ```
    /// use shareguard::scenario::Scenario;
    ///
    /// // Checks are independent: a `create` check asks whether it would be allowed, and creates
    /// // nothing, so carol still has no share when the next check runs.
    /// let scenario = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    ///   "checks": [
    ///     { "principal": "olga", "expect": "allow", "reason": "owner",
    ///       "create": { "resource": "folder:f1", "recipient": { "type": "user", "id": "carol" },
    ///                   "access": "viewer" } },
    ///     { "principal": "carol", "action": "view", "resource": "folder:f1", "expect": "deny", "reason": "no_share" }
    ///   ]
    /// }"#)?;
    /// let report = scenario.run()?;
    /// assert_eq!((report.passed(), report.failed()), (2, 0));
    /// # Ok::<(), shareguard::scenario::ScenarioError>(())
    /// ```
    pub fn run(&self) -> Result<Report, ScenarioError> {
        let mut results = Vec::with_capacity(self.checks.len());
        for check in &self.checks {
            let at = |e: AdminError| ScenarioError::at(format!("$.checks[{}]", check.index), e);
            let principal = self.principal(&check.principal);
            let actual = match &check.question {
                Question::Action { action, resource } => Actual::Decision(
                    block_on(self.admin.check(&principal, *action, resource, self.now))
                        .map_err(at)?,
                ),
                Question::ShareAction { action, share } => {
                    let share = self.stored(share).map_err(at)?;
                    Actual::Decision(
                        block_on(self.admin.authorize_share(&principal, *action, &share, self.now))
                            .map_err(at)?,
                    )
                }
                Question::Create(new) => Actual::Decision(
                    block_on(self.admin.authorize_create(&principal, new, self.now)).map_err(at)?,
                ),
                Question::Update { share, patch } => {
                    let share = self.stored(share).map_err(at)?;
                    Actual::Decision(
                        block_on(self.admin.authorize_update(&principal, &share, patch, self.now))
                            .map_err(at)?,
                    )
                }
                Question::PermissionsOn(resource) => Actual::Permissions(
                    block_on(self.admin.permissions(&principal, resource, self.now)).map_err(at)?,
                ),
            };
            let passed = match (&check.expectation, &actual) {
                (Expectation::Decision { expect, reason }, Actual::Decision(d)) => {
                    d.is_allowed() == (*expect == Expect::Allow)
                        && reason.is_none_or(|r| r == d.reason())
                }
                (Expectation::Permissions(set), Actual::Permissions(held)) => set == held,
                _ => false,
            };
            results.push(CheckResult { check: check.clone(), actual, passed });
        }
        Ok(Report { results })
    }

    /// Asks one question of the world as `principal`, apart from the file's checks: the
    /// decision with its reason and evidence, or the permissions held — what a support
    /// engineer asks (`shareguard check`). A principal the world does not list is an internal
    /// user with nothing else, as in a check. A share or resource the world does not have is
    /// an error whose `path` names the question's field (`resource`, `share`).
    ///
    /// ```
    /// use shareguard::model::Permission;
    /// use shareguard::policy::Reason;
    /// use shareguard::scenario::{Actual, Question, Scenario};
    ///
    /// let world = Scenario::from_json(r#"{
    ///   "now": "2026-03-01T12:00:00Z",
    ///   "resources": [ { "id": "folder:f1", "owner": "olga" } ],
    ///   "shares": [ { "id": "s1", "resource": "folder:f1", "sharer": "olga",
    ///                 "recipient": { "type": "user", "id": "bob" }, "access": "viewer" } ]
    /// }"#)?;
    /// let edit = Question::Action { action: Permission::Edit, resource: "folder:f1".parse()? };
    /// let answer = world.ask(&"bob".parse()?, &edit)?;
    /// assert!(matches!(&answer, Actual::Decision(d) if d.reason() == Reason::Insufficient));
    /// assert_eq!(answer.to_string(), "deny insufficient: needed edit; held view, download; share s1 on folder:f1");
    /// // A resource the world does not have is an error, not a denial.
    /// let elsewhere = Question::Action { action: Permission::View, resource: "folder:f9".parse()? };
    /// let err = world.ask(&"bob".parse()?, &elsewhere).unwrap_err();
    /// assert_eq!(err.to_string(), "resource: unknown resource `folder:f9`");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ask(
        &self,
        principal: &PrincipalId,
        question: &Question,
    ) -> Result<Actual, ScenarioError> {
        let at = |e: AdminError| ScenarioError::at("$", e);
        let resource = |r: &ResourceRef, field: &str| {
            if self.admin.tree().contains(r) {
                Ok(())
            } else {
                Err(ScenarioError::at(field, format!("unknown resource `{r}`")))
            }
        };
        let share = |id: &ShareId, field: &str| match block_on(self.admin.store().get(id)) {
            Ok(Some(share)) => Ok(share),
            Ok(None) => Err(ScenarioError::at(field, format!("unknown share `{id}`"))),
            Err(e) => Err(ScenarioError::at(field, e)),
        };
        let who = self.principal(principal);
        Ok(match question {
            Question::Action { action, resource: r } => {
                resource(r, "resource")?;
                Actual::Decision(
                    block_on(self.admin.check(&who, *action, r, self.now)).map_err(at)?,
                )
            }
            Question::ShareAction { action, share: id } => {
                let s = share(id, "share")?;
                Actual::Decision(
                    block_on(self.admin.authorize_share(&who, *action, &s, self.now))
                        .map_err(at)?,
                )
            }
            Question::Create(new) => {
                resource(&new.resource, "create.resource")?;
                Actual::Decision(
                    block_on(self.admin.authorize_create(&who, new, self.now)).map_err(at)?,
                )
            }
            Question::Update { share: id, patch } => {
                let s = share(id, "update.share")?;
                Actual::Decision(
                    block_on(self.admin.authorize_update(&who, &s, patch, self.now)).map_err(at)?,
                )
            }
            Question::PermissionsOn(r) => {
                resource(r, "permissions_on")?;
                Actual::Permissions(
                    block_on(self.admin.permissions(&who, r, self.now)).map_err(at)?,
                )
            }
        })
    }

    fn stored(&self, id: &ShareId) -> Result<Share, AdminError> {
        block_on(self.admin.store().get(id))?
            .ok_or_else(|| AdminError::Store(StoreError::NotFound(id.clone())))
    }
}
