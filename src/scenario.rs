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
//!   would be allowed and changes nothing;
//! - world shares are stored as the file states them: `require_acceptance` acts when a share
//!   is made, so it makes no world share pending (say `pending: true`); a link's token is kept
//!   (for the `token` action) only with `retrievable: true`;
//! - `link_passwords` unlock through the facade (`Admin::unlock_link`) once the world is
//!   built: a wrong or empty password leaves the link locked, a token no link has is an error
//!   of the file;
//! - a `create` or `update` whose input 6.2 calls malformed but that JSON can still say (an
//!   empty password, a malformed or missing address) is asked with a stand-in value, and the
//!   answer is `invalid` unless the actor may not act at all (`not_permitted` comes first).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::time::{rfc3339, rfc3339_change, rfc3339_option};

use crate::admin::{Admin, AdminError, Hierarchy};
use crate::model::{
    AdminRights, Directory, Email, GroupId, Level, LinkPassword, LinkToken, ModelError, NewShare,
    Password, Permission, Permissions, Principal, PrincipalId, PrincipalKind, Recipient,
    ReshareRights, ResourceRef, RoleId, Settings, Share, ShareId, SharePatch, Usage,
};
use crate::policy::{Decision, Policy, Reason, ShareAction};
use crate::store::{MemoryStore, Page, ShareStore, StoreError};
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
    #[serde(default)]
    link_passwords: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceDecl {
    id: ResourceRef,
    #[serde(default)]
    owner: Option<PrincipalId>,
    #[serde(default)]
    parent: Option<ResourceRef>,
    #[serde(default = "inherits")]
    inherit: bool,
}

fn inherits() -> bool {
    true
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
    #[serde(default, with = "rfc3339_option")]
    starts: Option<DateTime<Utc>>,
    #[serde(default)]
    pending: bool,
    #[serde(default)]
    max_uses: Option<u64>,
    #[serde(default)]
    uses: u64,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    retrievable: bool,
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
            starts: self.starts,
            pending: self.pending,
            max_uses: self.max_uses,
            password: None,
            retrievable: self.retrievable,
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
    #[serde(default, with = "rfc3339_change")]
    starts: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "present")]
    max_uses: Option<Option<u64>>,
    #[serde(default, deserialize_with = "present")]
    password: Option<Option<String>>,
    #[serde(default)]
    pending: Option<serde_json::Value>,
    #[serde(default)]
    uses: Option<serde_json::Value>,
    #[serde(default)]
    retrievable: Option<serde_json::Value>,
}

/// Whether a field of a change is named: given, and neither `false` nor `null`
/// (SEMANTICS.md 6.2).
fn named(value: Option<&serde_json::Value>) -> bool {
    value.is_some_and(|v| !matches!(v, serde_json::Value::Null | serde_json::Value::Bool(false)))
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
    create: Option<serde_json::Value>,
    #[serde(default)]
    update: Option<UpdateDecl>,
    #[serde(default)]
    permissions_on: Option<ResourceRef>,
    #[serde(default)]
    expect_permissions: Option<Permissions>,
    #[serde(default)]
    resource_action: Option<ResourceActionName>,
    #[serde(default)]
    inherit: Option<bool>,
    #[serde(default)]
    shared_with_me: Option<SharedWithMeDecl>,
    #[serde(default)]
    expect_resources: Option<BTreeMap<ResourceRef, Permissions>>,
    #[serde(default)]
    who_has_access: Option<ResourceRef>,
    #[serde(default)]
    expect_shares: Option<BTreeSet<ShareId>>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    reason: Option<Reason>,
}

/// The resource actions a check may ask about (SEMANTICS.md section 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResourceActionName {
    SetInheritance,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SharedWithMeDecl {
    #[serde(default)]
    include_public: bool,
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
    /// May the principal cut (`inherit` false) or restore the resource's inheritance
    /// (section 10)?
    SetInheritance {
        /// The resource.
        resource: ResourceRef,
        /// Restore (`true`) or cut (`false`).
        inherit: bool,
    },
    /// Which resources are shared with the principal, with what (section 11)?
    SharedWithMe {
        /// List `public` and `link` grants too.
        include_public: bool,
    },
    /// Which shares that reach the resource may the principal read (section 11)?
    WhoHasAccess(ResourceRef),
    /// A create or update whose input 6.2 calls malformed but that the file can still state
    /// (an empty password, a malformed address): asked as `question`, with the malformed
    /// value made well-formed, the answer is `invalid` unless it is `not_permitted` (who may
    /// act comes first).
    Malformed {
        /// The question, its malformed value replaced.
        question: Box<Question>,
        /// What was malformed.
        error: String,
    },
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
/// let expected: Vec<Expectation> = scenario.checks().iter().map(|c| c.expectation.clone()).collect();
/// assert_eq!(expected, [
///     Expectation::Decision { expect: Expect::Deny, reason: Some(Reason::NoShare) },
///     Expectation::Decision { expect: Expect::Allow, reason: None },
///     Expectation::Permissions(Permissions::empty()),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Exactly these resources, each with exactly these permissions (`shared_with_me`).
    Resources(BTreeMap<ResourceRef, Permissions>),
    /// Exactly these shares, in any order (`who_has_access`).
    Shares(BTreeSet<ShareId>),
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
        write!(f, "#{} {} {}", self.index, self.principal, self.question)
    }
}

/// `edit document:d1`, `create viewer for user:carol on document:d1`, …
impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Question::Action { action, resource } => write!(f, "{action} {resource}"),
            Question::ShareAction { action, share } => write!(f, "{action} share {share}"),
            Question::Create(new) => {
                write!(f, "create {} for {} on {}", new.access, new.recipient, new.resource)
            }
            Question::Update { share, .. } => write!(f, "update share {share}"),
            Question::PermissionsOn(resource) => write!(f, "permissions on {resource}"),
            Question::SetInheritance { resource, inherit } => {
                write!(f, "set_inheritance {inherit} on {resource}")
            }
            Question::SharedWithMe { include_public } => {
                write!(f, "shared with me (include_public: {include_public})")
            }
            Question::WhoHasAccess(resource) => write!(f, "who has access to {resource}"),
            Question::Malformed { question, error } => write!(f, "{question} ({error})"),
        }
    }
}

/// `allow share`, `deny`, `[view, download]`, `{document:d1: [view]}`, `[s1, s3]`.
impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expectation::Decision { expect, reason } => {
                f.write_str(if *expect == Expect::Allow { "allow" } else { "deny" })?;
                match reason {
                    Some(reason) => write!(f, " {reason}"),
                    None => Ok(()),
                }
            }
            Expectation::Permissions(set) => Actual::Permissions(*set).fmt(f),
            Expectation::Resources(listed) => Actual::Resources(listed.clone()).fmt(f),
            Expectation::Shares(ids) => Actual::Shares(ids.clone()).fmt(f),
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
    /// The resources listed, with the permissions listed for each.
    Resources(BTreeMap<ResourceRef, Permissions>),
    /// The ids of the shares listed.
    Shares(BTreeSet<ShareId>),
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Decision(d) => d.fmt(f),
            Actual::Permissions(p) => write!(f, "[{p}]"),
            Actual::Resources(listed) => {
                let shown: Vec<String> =
                    listed.iter().map(|(r, p)| format!("{r}: [{p}]")).collect();
                write!(f, "{{{}}}", shown.join("; "))
            }
            Actual::Shares(ids) => {
                let shown: Vec<&str> = ids.iter().map(ShareId::as_str).collect();
                write!(f, "[{}]", shown.join(", "))
            }
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
            write!(f, " (expected {})", self.check.expectation)?;
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
            if !r.inherit {
                tree.set_inherits(&r.id, false)
                    .map_err(|e| ScenarioError::at(format!("{at}.inherit"), e))?;
            }
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
            let mut new = s.new_share();
            if let Some(text) = &s.password {
                let hashed = Password::new(text.clone()).and_then(|p| LinkPassword::hash(&p));
                new.password =
                    Some(hashed.map_err(|e| ScenarioError::at(format!("{at}.password"), e))?);
            }
            let share = Share::from_new(s.id.clone(), s.sharer.clone(), &new, doc.now)
                .map_err(|e| ScenarioError::at(format!("{at}.{}", e.field()), e))?;
            if s.max_uses.is_some_and(|max| s.uses > max) {
                return Err(ScenarioError::at(format!("{at}.uses"), "above `max_uses`"));
            }
            let share = share.with_usage(Usage { last_visit: None, visits: s.uses });
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
            let question = question_of(&c, &at, &known_resource, &known_share)?;
            let expectation = match (
                listing(&question),
                c.expect,
                c.expect_permissions,
                c.expect_resources,
                c.expect_shares,
                c.reason,
            ) {
                (Listing::Permissions, None, Some(set), None, None, None) => {
                    Expectation::Permissions(set)
                }
                (Listing::Resources, None, None, Some(listed), None, None) => {
                    Expectation::Resources(listed)
                }
                (Listing::Shares, None, None, None, Some(ids), None) => Expectation::Shares(ids),
                (Listing::Permissions, ..) => {
                    return Err(ScenarioError::at(
                        at,
                        "`permissions_on` takes `expect_permissions` and no `expect` or `reason`",
                    ));
                }
                (Listing::Resources, ..) => {
                    return Err(ScenarioError::at(
                        at,
                        "`shared_with_me` takes `expect_resources` and no `expect` or `reason`",
                    ));
                }
                (Listing::Shares, ..) => {
                    return Err(ScenarioError::at(
                        at,
                        "`who_has_access` takes `expect_shares` and no `expect` or `reason`",
                    ));
                }
                (Listing::No, Some(expect), None, None, None, reason) => {
                    Expectation::Decision { expect, reason }
                }
                (Listing::No, None, ..) => {
                    return Err(ScenarioError::at(
                        format!("{at}.expect"),
                        "missing: expected `allow` or `deny`",
                    ));
                }
                (Listing::No, Some(_), ..) => {
                    return Err(ScenarioError::at(
                        at,
                        "`expect_permissions`, `expect_resources` and `expect_shares` go only with `permissions_on`, `shared_with_me` and `who_has_access`",
                    ));
                }
            };
            checks.push(Check { index, principal: c.principal, question, expectation });
        }

        let admin = Admin::new(store, tree, Policy::new(doc.settings));
        for (i, p) in doc.principals.iter().enumerate() {
            for (token, password) in &p.link_passwords {
                let at = format!("$.principals[{i}].link_passwords.{token}");
                let token =
                    LinkToken::presented(token.clone()).map_err(|e| ScenarioError::at(&at, e))?;
                // An empty or wrong password unlocks nothing: the link stays locked.
                let Ok(password) = Password::new(password.clone()) else { continue };
                match block_on(admin.unlock_link(&token, &password)) {
                    Ok(unlock) => {
                        if let Some(principal) = principals.get_mut(&p.id) {
                            *principal = principal.clone().with_unlock(unlock);
                        }
                    }
                    Err(AdminError::WrongPassword | AdminError::NotLocked(_)) => {}
                    Err(e) => return Err(ScenarioError::at(at, e)),
                }
            }
        }
        Ok(Self { now: doc.now, principals, admin, checks })
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
            let actual =
                self.answer(&self.principal(&check.principal), &check.question).map_err(at)?;
            let passed = match (&check.expectation, &actual) {
                (Expectation::Decision { expect, reason }, Actual::Decision(d)) => {
                    d.is_allowed() == (*expect == Expect::Allow)
                        && reason.is_none_or(|r| r == d.reason())
                }
                (Expectation::Permissions(set), Actual::Permissions(held)) => set == held,
                (Expectation::Resources(expected), Actual::Resources(listed)) => expected == listed,
                (Expectation::Shares(expected), Actual::Shares(listed)) => expected == listed,
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
        let resource = |r: &ResourceRef, field: &str| {
            if self.admin.tree().contains(r) {
                Ok(())
            } else {
                Err(ScenarioError::at(field, format!("unknown resource `{r}`")))
            }
        };
        let share = |id: &ShareId, field: &str| match block_on(self.admin.store().get(id)) {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(ScenarioError::at(field, format!("unknown share `{id}`"))),
            Err(e) => Err(ScenarioError::at(field, e)),
        };
        let mut asked = question;
        while let Question::Malformed { question, .. } = asked {
            asked = question;
        }
        match asked {
            Question::Action { resource: r, .. } => resource(r, "resource")?,
            Question::ShareAction { share: id, .. } => share(id, "share")?,
            Question::Create(new) => resource(&new.resource, "create.resource")?,
            Question::Update { share: id, .. } => share(id, "update.share")?,
            Question::PermissionsOn(r) => resource(r, "permissions_on")?,
            Question::SetInheritance { resource: r, .. } => resource(r, "resource")?,
            Question::WhoHasAccess(r) => resource(r, "who_has_access")?,
            Question::SharedWithMe { .. } | Question::Malformed { .. } => {}
        }
        self.answer(&self.principal(principal), question).map_err(|e| ScenarioError::at("$", e))
    }

    /// The answer to a question, through the facade.
    fn answer(&self, who: &Principal, question: &Question) -> Result<Actual, AdminError> {
        let now = self.now;
        Ok(match question {
            Question::Action { action, resource } => {
                Actual::Decision(block_on(self.admin.check(who, *action, resource, now))?)
            }
            Question::ShareAction { action, share } => {
                let share = self.stored(share)?;
                Actual::Decision(block_on(self.admin.authorize_share(who, *action, &share, now))?)
            }
            Question::Create(new) => {
                Actual::Decision(block_on(self.admin.authorize_create(who, new, now))?)
            }
            Question::Update { share, patch } => {
                let share = self.stored(share)?;
                Actual::Decision(block_on(self.admin.authorize_update(who, &share, patch, now))?)
            }
            Question::PermissionsOn(resource) => {
                Actual::Permissions(block_on(self.admin.permissions(who, resource, now))?)
            }
            Question::SetInheritance { resource, inherit } => Actual::Decision(block_on(
                self.admin.authorize_set_inheritance(who, resource, *inherit, now),
            )?),
            Question::SharedWithMe { include_public } => {
                let listed =
                    block_on(self.admin.shared_with_me(who, *include_public, &Page::ALL, now))?;
                Actual::Resources(
                    listed.items.into_iter().map(|r| (r.resource, r.permissions)).collect(),
                )
            }
            Question::WhoHasAccess(resource) => {
                let entries = block_on(self.admin.who_has_access(who, resource, now))?;
                Actual::Shares(entries.into_iter().map(|e| e.share.id().clone()).collect())
            }
            Question::Malformed { question, error } => match self.answer(who, question)? {
                Actual::Decision(d) if d.reason() == Reason::NotPermitted => Actual::Decision(d),
                _ => Actual::Decision(
                    Decision::deny(Reason::Invalid).with(|e| e.detail = Some(error.clone())),
                ),
            },
        })
    }

    fn stored(&self, id: &ShareId) -> Result<Share, AdminError> {
        block_on(self.admin.store().get(id))?
            .ok_or_else(|| AdminError::Store(StoreError::NotFound(id.clone())))
    }
}

/// Which listing a question asks for, if any: it decides the expectation it takes.
enum Listing {
    No,
    Permissions,
    Resources,
    Shares,
}

fn listing(question: &Question) -> Listing {
    match question {
        Question::PermissionsOn(_) => Listing::Permissions,
        Question::SharedWithMe { .. } => Listing::Resources,
        Question::WhoHasAccess(_) => Listing::Shares,
        Question::Malformed { question, .. } => listing(question),
        _ => Listing::No,
    }
}

/// The one question a check asks, its shares and resources known.
fn question_of(
    c: &CheckDecl,
    at: &str,
    known_resource: &dyn Fn(&ResourceRef, String) -> Result<(), ScenarioError>,
    known_share: &dyn Fn(&ShareId, String) -> Result<(), ScenarioError>,
) -> Result<Question, ScenarioError> {
    let asked = [
        c.action.is_some() || c.resource.is_some() && c.resource_action.is_none(),
        c.share_action.is_some() || c.share.is_some(),
        c.create.is_some(),
        c.update.is_some(),
        c.permissions_on.is_some(),
        c.resource_action.is_some() || c.inherit.is_some(),
        c.shared_with_me.is_some(),
        c.who_has_access.is_some(),
    ];
    let one = || {
        ScenarioError::at(
            at,
            "expected exactly one question: `action` + `resource`, `share_action` + `share`, `create`, `update`, `permissions_on`, `resource_action` + `resource` + `inherit`, `shared_with_me`, or `who_has_access`",
        )
    };
    if asked.iter().filter(|a| **a).count() != 1 {
        return Err(one());
    }
    if let (Some(action), Some(resource)) = (&c.action, &c.resource) {
        known_resource(resource, format!("{at}.resource"))?;
        return Ok(Question::Action { action: *action, resource: resource.clone() });
    }
    if let (Some(action), Some(share)) = (&c.share_action, &c.share) {
        known_share(share, format!("{at}.share"))?;
        return Ok(Question::ShareAction { action: *action, share: share.clone() });
    }
    if let Some(create) = &c.create {
        return create_question(create, &format!("{at}.create"), known_resource);
    }
    if let Some(update) = &c.update {
        known_share(&update.share, format!("{at}.update.share"))?;
        return Ok(update_question(update));
    }
    if let Some(resource) = &c.permissions_on {
        known_resource(resource, format!("{at}.permissions_on"))?;
        return Ok(Question::PermissionsOn(resource.clone()));
    }
    if let (Some(ResourceActionName::SetInheritance), Some(resource), Some(inherit)) =
        (c.resource_action, &c.resource, c.inherit)
    {
        known_resource(resource, format!("{at}.resource"))?;
        return Ok(Question::SetInheritance { resource: resource.clone(), inherit });
    }
    if let Some(listing) = c.shared_with_me {
        return Ok(Question::SharedWithMe { include_public: listing.include_public });
    }
    if let Some(resource) = &c.who_has_access {
        known_resource(resource, format!("{at}.who_has_access"))?;
        return Ok(Question::WhoHasAccess(resource.clone()));
    }
    Err(one())
}

/// A `create` check: a new share; one that 6.2 calls malformed but that can be written down
/// (an empty password, a malformed or missing address) is asked with the value made
/// well-formed, as [`Question::Malformed`].
fn create_question(
    create: &serde_json::Value,
    at: &str,
    known_resource: &dyn Fn(&ResourceRef, String) -> Result<(), ScenarioError>,
) -> Result<Question, ScenarioError> {
    let parse = |value: &serde_json::Value| {
        serde_path_to_error::deserialize::<_, NewShare>(value).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { format!(".{path}") };
            ScenarioError::at(format!("{at}{path}"), e.into_inner())
        })
    };
    let (new, malformed) = match parse(create) {
        Ok(new) => (new, None),
        Err(error) => {
            let mut repaired = create.clone();
            if !repair(&mut repaired) {
                return Err(error);
            }
            (parse(&repaired).map_err(|_| error.clone())?, Some(error.to_string()))
        }
    };
    known_resource(&new.resource, format!("{at}.resource"))?;
    let question = Question::Create(new);
    Ok(match malformed {
        Some(error) => Question::Malformed { question: Box::new(question), error },
        None => question,
    })
}

/// Makes the malformed values 6.2 names well-formed (an empty password, a malformed address
/// of an `email` recipient or a `people` audience, an empty `people` audience); whether it
/// changed anything.
fn repair(create: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    const STAND_IN: &str = "malformed@stand-in.invalid";
    let well_formed = |v: &Value| v.as_str().is_some_and(|a| Email::new(a).is_ok());
    let mut changed = false;
    if create.get("password").and_then(Value::as_str) == Some("") {
        create["password"] = Value::from("stand-in");
        changed = true;
    }
    if let Some(recipient) = create.get_mut("recipient") {
        if let Some(email) = recipient.get_mut("email") {
            if !well_formed(email) {
                *email = Value::from(STAND_IN);
                changed = true;
            }
        }
        if let Some(Value::Array(people)) = recipient.get_mut("audience") {
            for address in people.iter_mut().filter(|a| !well_formed(a)) {
                *address = Value::from(STAND_IN);
                changed = true;
            }
            if people.is_empty() {
                people.push(Value::from(STAND_IN));
                changed = true;
            }
        }
    }
    changed
}

/// An `update` check: the change, with the fields 6.2 never allows in a change carried so the
/// policy refuses them; an empty password is [`Question::Malformed`].
fn update_question(update: &UpdateDecl) -> Question {
    let empty_password = matches!(&update.password, Some(Some(text)) if text.is_empty());
    let hashed = match &update.password {
        Some(Some(text)) => {
            let text = if text.is_empty() { "stand-in" } else { text.as_str() };
            match Password::new(text).and_then(|p| LinkPassword::hash(&p)) {
                Ok(hash) => Some(Some(hash)),
                Err(e) => {
                    let question = Question::Update {
                        share: update.share.clone(),
                        patch: SharePatch::default(),
                    };
                    return Question::Malformed {
                        question: Box::new(question),
                        error: e.to_string(),
                    };
                }
            }
        }
        Some(None) => Some(None),
        None => None,
    };
    let question = Question::Update {
        share: update.share.clone(),
        patch: SharePatch {
            access: update.access,
            permissions: update.permissions,
            reshare: update.reshare,
            expires: update.expires,
            message: update.message.clone(),
            recipient: update.recipient.clone(),
            starts: update.starts,
            max_uses: update.max_uses,
            password: hashed,
            pending: named(update.pending.as_ref()),
            uses: named(update.uses.as_ref()).then_some(0),
            retrievable: named(update.retrievable.as_ref()),
        },
    };
    if empty_password {
        Question::Malformed {
            question: Box::new(question),
            error: "password: must not be empty".to_owned(),
        }
    } else {
        question
    }
}
