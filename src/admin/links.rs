//! Link shares: making them, reading a retrievable token back, opening a presented token.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::{
    AccessLevel, Audience, LinkPassword, LinkToken, LinkUnlock, NewShare, Password, Permission,
    Permissions, Principal, Recipient, ResourceRef, Share, ShareId, ShareLink,
};
use crate::policy::ShareAction;
use crate::policy::{Decision, Reason};
use crate::store::StoreError;
use crate::store::{ShareStore, Write};

use super::{Admin, AdminError, ResourceTree, allowed, share_in};

/// A link share just made: the share, and its token, returned this once.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind};
/// use shareguard::admin::{Hierarchy, LinkRequest};
///
/// # pollster::block_on(async {
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// let link = admin.create_link(&alice, LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer), now).await?;
/// assert_eq!(link.share.sharer().as_str(), "alice");
/// assert_eq!(link.token.reveal().len(), 64);
/// // Its Debug form leaves the token out, so logging it gives nothing away.
/// assert!(!format!("{link:?}").contains(link.token.reveal()));
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NewLink {
    /// The share.
    pub share: Share,
    /// The token in clear. Hand it to the link's maker now: unless the link was made
    /// retrievable, it can never be read again.
    pub token: LinkToken,
}

impl fmt::Debug for NewLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewLink").field("share", &self.share).finish_non_exhaustive()
    }
}

/// What a link share is made with (see [`Admin::create_link`]).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind, Reason, Settings};
/// use shareguard::admin::{Hierarchy, LinkRequest};
///
/// # pollster::block_on(async {
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// // Here links must expire within 30 days.
/// let policy = Policy::new(Settings { max_link_lifetime_days: Some(30), ..Settings::default() });
/// let admin = Admin::new(MemoryStore::new(), tree, policy);
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
///
/// let request = LinkRequest {
///     expires: Some(now + Duration::days(7)),
///     retrievable: true,
///     message: Some("the Q3 deck".into()),
///     ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer)
/// };
/// let link = admin.create_link(&alice, request.clone(), now).await?;
/// assert_eq!(link.share.message(), Some("the Q3 deck"));
/// let forever = LinkRequest { expires: None, ..request };
/// let denied = admin.create_link(&alice, forever, now).await.unwrap_err();
/// assert_eq!(denied.decision().map(|d| d.reason()), Some(Reason::Setting));
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// The resource.
    pub resource: ResourceRef,
    /// The access the link gives.
    pub access: AccessLevel,
    /// When the link expires.
    pub expires: Option<DateTime<Utc>>,
    /// Whether the token may be read back later (iconik's pre-generated share URL). Emailed
    /// per-recipient links are made with `false` and can never be retrieved.
    pub retrievable: bool,
    /// A message.
    pub message: Option<String>,
    /// Whom the link admits besides presenting its token (SEMANTICS.md section 8).
    pub audience: Audience,
    /// How many times it may be opened.
    pub max_uses: Option<u64>,
    /// Its password, hashed ([`LinkPassword::hash`]).
    pub password: Option<LinkPassword>,
    /// When it starts granting.
    pub starts: Option<DateTime<Utc>>,
}

impl LinkRequest {
    /// A link to `resource` at `access`, for anyone with the token, with no expiry, start,
    /// use limit, password or message, and not retrievable. Set the other fields with struct
    /// update syntax.
    ///
    /// ```
    /// use shareguard::AccessLevel;
    /// use shareguard::admin::LinkRequest;
    /// use shareguard::model::Audience;
    ///
    /// let request = LinkRequest { max_uses: Some(3), ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer) };
    /// assert_eq!((request.max_uses, &request.audience), (Some(3), &Audience::Anyone));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(resource: ResourceRef, access: AccessLevel) -> Self {
        Self {
            resource,
            access,
            expires: None,
            retrievable: false,
            message: None,
            audience: Audience::Anyone,
            max_uses: None,
            password: None,
            starts: None,
        }
    }
}

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// Creates a link share with a fresh token from the OS random source. The token comes
    /// back this once; it can be read again with [`Admin::retrieve_link`] only if the link
    /// was made retrievable.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Permission, Policy, Principal, PrincipalKind};
    /// use shareguard::admin::{Hierarchy, LinkRequest};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let link = admin.create_link(&alice, LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer), now).await?;
    /// // Whoever presents the token may view the document.
    /// let visitor = Principal::builder("visitor", PrincipalKind::Anonymous).link_token(&link.token).build()?;
    /// assert!(admin.check(&visitor, Permission::View, &"document:d1".parse()?, now).await?.is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.create_link", level = "debug", skip_all, fields(actor = %actor.id(), resource = %request.resource, revision = tracing::field::Empty)))]
    pub async fn create_link(
        &self,
        actor: &Principal,
        request: LinkRequest,
        now: DateTime<Utc>,
    ) -> Result<NewLink, AdminError> {
        let token = LinkToken::generate()?;
        let link = ShareLink::new(&token, request.retrievable).with_audience(request.audience);
        let mut new = NewShare::new(request.resource, Recipient::Link(link), request.access);
        new.expires = request.expires;
        new.message = request.message;
        new.retrievable = request.retrievable;
        new.max_uses = request.max_uses;
        new.password = request.password;
        new.starts = request.starts;
        let share = self.create(actor, new, now).await?;
        Ok(NewLink { share, token })
    }

    /// Reads back the token of a retrievable link, if the actor may take the `token` share
    /// action on it (SEMANTICS.md section 5: the owner and the sharer; a manager or an
    /// administrator with `write_shares` only if making the same link now would not escalate),
    /// and logs `link_retrieved`. No other read path shows a token.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind};
    /// use shareguard::admin::{Hierarchy, LinkRequest};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let link = admin.create_link(&alice, LinkRequest { retrievable: true, ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer) }, now).await?;
    /// let again = admin.retrieve_link(&alice, link.share.id(), now).await?;
    /// assert_eq!(again.reveal(), link.token.reveal());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.retrieve_link", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn retrieve_link(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<LinkToken, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let applied = self
            .write_on_path(&resource, actor, now, |path| {
                let share = share_in(path, id)?;
                allowed(self.policy.check_share(actor, ShareAction::Token, share, path, now))?;
                Ok(Write::LinkRetrieved { id: id.clone() })
            })
            .await?;
        Ok(applied.share.retrievable_token()?.clone())
    }

    /// What a presented link opens (SEMANTICS.md section 8, "Opening a link"): the link share
    /// whose token `principal` presents (see [`PrincipalBuilder::link_token`]), only while it is
    /// active and its class is enabled and the principal is in its audience — and then what the
    /// principal may do there, section 4's whole answer. A link opens nothing to a principal
    /// that holds nothing there (a restriction covers it), nor when the settings switch links
    /// off.
    ///
    /// [`PrincipalBuilder::link_token`]: crate::model::PrincipalBuilder::link_token
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind};
    /// use shareguard::admin::{Hierarchy, LinkRequest};
    /// use shareguard::model::Permissions;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let link = admin.create_link(&alice, LinkRequest { expires: Some(now + Duration::days(1)), ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer) }, now).await?;
    /// let visitor = Principal::builder("visitor", PrincipalKind::Anonymous).link_token(&link.token).build()?;
    /// let opened = admin.resolve_link(&visitor, &link.token, now).await?.ok_or("opens")?;
    /// assert_eq!(opened.permissions, Permissions::VIEW | Permissions::DOWNLOAD);
    /// // From the instant of its expiry, the link opens nothing.
    /// assert!(admin.resolve_link(&visitor, &link.token, now + Duration::days(1)).await?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.resolve_link", level = "debug", skip_all, fields(actor = %principal.id())))]
    pub async fn resolve_link(
        &self,
        principal: &Principal,
        token: &LinkToken,
        now: DateTime<Utc>,
    ) -> Result<Option<OpenedLink>, AdminError> {
        let Some(share) = self.store.find_link(&token.digest()).await? else {
            return Ok(None);
        };
        let opens = share.is_active(now)
            && self.policy.enables(&share, principal)
            && principal.link_digests().contains(&token.digest())
            && share.recipient().matches(principal)
            && share.is_unlocked_for(principal);
        if !opens {
            return Ok(None);
        }
        let (permissions, _) = self
            .on_path_reaching(share.resource(), false, Some(principal), |path| {
                self.policy.permissions(principal, path, now)
            })
            .await?;
        Ok((!permissions.is_empty())
            .then(|| OpenedLink { share: share.without_token(), permissions }))
    }
}

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// Checks a link's password once and returns the unlock the principal then carries
    /// ([`Principal::with_unlock`]), so that decisions afterwards pay no hashing cost
    /// (SEMANTICS.md section 8). The unlock holds for the password it checked: setting or
    /// changing the link's password locks it again for everyone.
    ///
    /// Checking costs what Argon2 costs (tens of milliseconds of CPU): a service on an async
    /// runtime may run it on a blocking thread. [`AdminError::UnknownLink`] for a token no
    /// link has, [`AdminError::NotLocked`] for a link without a password,
    /// [`AdminError::WrongPassword`] otherwise.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Permission, Policy, Principal, PrincipalKind, Reason};
    /// use shareguard::admin::{Hierarchy, LinkRequest};
    /// use shareguard::model::{LinkPassword, Password};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let password = Some(LinkPassword::hash(&Password::new("s3cret")?)?);
    /// let link = admin.create_link(&alice, LinkRequest { password, ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer) }, now).await?;
    /// let visitor = Principal::builder("v", PrincipalKind::Anonymous).link_token(&link.token).build()?;
    /// let doc = "document:d1".parse()?;
    /// assert_eq!(admin.check(&visitor, Permission::View, &doc, now).await?.reason(), Reason::Password);
    /// assert!(admin.unlock_link(&link.token, &Password::new("guess")?).await.is_err());
    /// let unlock = admin.unlock_link(&link.token, &Password::new("s3cret")?).await?;
    /// let visitor = visitor.with_unlock(unlock);
    /// assert!(admin.check(&visitor, Permission::View, &doc, now).await?.is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(
        feature = "tracing",
        tracing::instrument(name = "shareguard.unlock_link", level = "debug", skip_all)
    )]
    pub async fn unlock_link(
        &self,
        token: &LinkToken,
        password: &Password,
    ) -> Result<LinkUnlock, AdminError> {
        let digest = token.digest();
        let share = self.store.find_link(&digest).await?.ok_or(AdminError::UnknownLink)?;
        let kept = share.password().ok_or_else(|| AdminError::NotLocked(share.id().clone()))?;
        if kept.verify(password) {
            Ok(LinkUnlock::new(digest, kept))
        } else {
            Err(AdminError::WrongPassword)
        }
    }

    /// Opens a link (SEMANTICS.md section 8): decides `view` for the principal presenting the
    /// token and, when the decision is allowed through this link (the share its evidence
    /// names), records the use on it in the same step — for a link with a use limit, however
    /// many openings race, no more than `max_uses` succeed; an opening whose use cannot be
    /// recorded is refused as `expired`. Returns what the principal may then do. A denial is
    /// [`AdminError::Denied`] with the decision; an unknown token [`AdminError::UnknownLink`].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind, Reason};
    /// use shareguard::admin::{Hierarchy, LinkRequest};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let once = LinkRequest { max_uses: Some(1), ..LinkRequest::new("document:d1".parse()?, AccessLevel::Viewer) };
    /// let link = admin.create_link(&alice, once, now).await?;
    /// let visitor = Principal::builder("v", PrincipalKind::Anonymous).link_token(&link.token).build()?;
    /// assert_eq!(admin.open_link(&visitor, &link.token, now).await?.share.usage().visits, 1);
    /// let again = admin.open_link(&visitor, &link.token, now).await.unwrap_err();
    /// assert_eq!(again.decision().map(|d| d.reason()), Some(Reason::Expired));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.open_link", level = "debug", skip_all, fields(actor = %principal.id(), revision = tracing::field::Empty)))]
    pub async fn open_link(
        &self,
        principal: &Principal,
        token: &LinkToken,
        now: DateTime<Utc>,
    ) -> Result<OpenedLink, AdminError> {
        let share = self.store.find_link(&token.digest()).await?.ok_or(AdminError::UnknownLink)?;
        let id = share.id().clone();
        let mut opened: Option<(Share, Permissions)> = None;
        let mut through_other = false;
        let written = self
            .write_on_path(share.resource(), principal, now, |path| {
                let decision = allowed(self.policy.check(principal, Permission::View, path, now))?;
                let permissions = self.policy.permissions(principal, path, now);
                let link = share_in(path, &id)?;
                opened = Some((link.clone(), permissions));
                if decision.evidence().share.as_ref() != Some(&id) {
                    // Allowed, but not through this link: nothing to record on it.
                    through_other = true;
                    return Err(AdminError::NotVisitable(id.clone()));
                }
                Ok(Write::Visit { id: id.clone() })
            })
            .await;
        let permissions = opened.as_ref().map(|(_, p)| *p).unwrap_or_default();
        match written {
            Ok(applied) => Ok(OpenedLink { share: applied.share.without_token(), permissions }),
            Err(AdminError::NotVisitable(_)) if through_other => {
                let share = opened.map_or(share, |(s, _)| s);
                Ok(OpenedLink { share: share.without_token(), permissions })
            }
            Err(AdminError::Store(StoreError::UsedUp(_))) => {
                Err(AdminError::Denied(Box::new(Decision::deny(Reason::Expired).with(|e| {
                    e.needed = Some(Permission::View);
                    e.share = Some(id.clone());
                    e.detail = Some("the link is used up".to_owned());
                }))))
            }
            Err(e) => Err(e),
        }
    }
}

/// A link opened by a principal presenting its token ([`Admin::resolve_link`]): the link
/// share (without its token) and what the principal may do on its resource.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::admin::OpenedLink;
/// use shareguard::model::{LinkToken, Permissions, ShareLink};
///
/// let link = Recipient::Link(ShareLink::new(&LinkToken::generate()?, false));
/// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?, link,
///     AccessLevel::Viewer, Utc::now());
/// let opened = OpenedLink { share, permissions: Permissions::VIEW };
/// assert!(opened.permissions.contains(Permissions::VIEW));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedLink {
    /// The link share, without its token.
    pub share: Share,
    /// What the presenting principal may do on the share's resource.
    pub permissions: Permissions,
}
