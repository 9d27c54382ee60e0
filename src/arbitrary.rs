//! Public [`proptest`](mod@proptest) strategies for the model, for property tests over code that embeds
//! shareguard (feature `proptest`).
//!
//! The strategies draw ids from small fixed pools (users `u0`–`u3`, groups `g0`–`g3`, roles
//! `r0`–`r3`, addresses `u0@corp.example`… written in random ASCII case, link tokens
//! `tok-0`–`tok-2`, resources `folder:f0`, `folder:f1`, `document:d0`), so that recipients
//! and principals drawn apart often match each other. Times are drawn around
//! [`base_time`], with offsets that hit the expiry boundaries (one nanosecond either side,
//! exactly on).
//!
//! ```
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//! use shareguard::arbitrary;
//!
//! let mut runner = TestRunner::default();
//! runner
//!     .run(&(arbitrary::recipient(), arbitrary::principal()), |(recipient, principal)| {
//!         // An anonymous principal is reached only by public and link recipients.
//!         if principal.kind() == shareguard::PrincipalKind::Anonymous && recipient.matches(&principal) {
//!             prop_assert!(matches!(recipient, shareguard::Recipient::Public | shareguard::Recipient::Link(_)));
//!         }
//!         Ok(())
//!     })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::subsequence;

use crate::model::{
    AccessLevel, AdminRight, AdminRights, Directory, Email, GroupId, LinkToken, Permissions,
    Principal, PrincipalId, PrincipalKind, Recipient, ReshareRights, ResourceKind, ResourceRef,
    RoleId, Settings, Share, ShareId, ShareLink, Usage,
};
use crate::model::{EARLIEST_TIME, LATEST_TIME};
use crate::policy::Node;

/// How many ids each pool holds (users, groups, roles).
const POOL: usize = 4;
/// How many link tokens the token pool holds.
const TOKENS: usize = 3;

/// The instant the strategies' times are drawn around: 2026-03-01T12:00:00Z.
///
/// ```
/// assert_eq!(shareguard::arbitrary::base_time().to_rfc3339(), "2026-03-01T12:00:00+00:00");
/// ```
#[must_use]
pub fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The link token of the pool with this index (`tok-{index}`), as a visitor presents it.
///
/// ```
/// assert!(shareguard::arbitrary::pool_token(1).is_some());
/// ```
#[must_use]
pub fn pool_token(index: usize) -> Option<LinkToken> {
    LinkToken::presented(format!("tok-{index}")).ok()
}

fn id<T: std::str::FromStr>(prefix: &str, i: usize) -> Option<T> {
    format!("{prefix}{i}").parse().ok()
}

fn user_id() -> impl Strategy<Value = PrincipalId> {
    (0..POOL).prop_filter_map("valid id", |i| id("u", i))
}

fn group_id() -> impl Strategy<Value = GroupId> {
    (0..POOL).prop_filter_map("valid id", |i| id("g", i))
}

fn role_id() -> impl Strategy<Value = RoleId> {
    (0..POOL).prop_filter_map("valid id", |i| id("r", i))
}

/// An address of the pool, in random ASCII case.
fn email() -> impl Strategy<Value = Email> {
    (0..POOL, any::<u32>()).prop_filter_map("valid email", |(i, case)| {
        let address: String = format!("u{i}@corp.example")
            .chars()
            .enumerate()
            .map(|(n, c)| if case >> (n % 32) & 1 == 1 { c.to_ascii_uppercase() } else { c })
            .collect();
        Email::new(address).ok()
    })
}

/// A resource of the pool: `folder:f0`, `folder:f1` or `document:d0`.
fn resource() -> impl Strategy<Value = ResourceRef> {
    prop_oneof![Just("folder:f0"), Just("folder:f1"), Just("document:d0")]
        .prop_filter_map("valid resource", |r| r.parse().ok())
}

/// An instant around [`base_time`]: exactly on it, a nanosecond either side, a second
/// either side, a day later, or forty days later.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default().run(&shareguard::arbitrary::instant(), |t| {
///     prop_assert!((t - shareguard::arbitrary::base_time()).num_days().abs() <= 40);
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    prop_oneof![
        Just(Duration::zero()),
        Just(Duration::nanoseconds(1)),
        Just(Duration::nanoseconds(-1)),
        Just(Duration::seconds(1)),
        Just(Duration::seconds(-1)),
        Just(Duration::days(1)),
        Just(Duration::days(40)),
    ]
    .prop_map(|offset| base_time() + offset)
}

/// Any instant of the model's time range, [`EARLIEST_TIME`] to
/// [`LATEST_TIME`] inclusive: the bounds and a nanosecond inside each,
/// the instants of [`instant`], and instants drawn across the whole range to the nanosecond.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use shareguard::model::{EARLIEST_TIME, LATEST_TIME};
///
/// TestRunner::default().run(&shareguard::arbitrary::instant_in_range(), |t| {
///     prop_assert!((EARLIEST_TIME..=LATEST_TIME).contains(&t));
///     prop_assert_eq!(shareguard::model::check_time("at", t)?, t);
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn instant_in_range() -> impl Strategy<Value = DateTime<Utc>> {
    let one = Duration::nanoseconds(1);
    prop_oneof![
        1 => Just(EARLIEST_TIME),
        1 => Just(EARLIEST_TIME + one),
        1 => Just(LATEST_TIME),
        1 => Just(LATEST_TIME - one),
        2 => instant(),
        6 => (EARLIEST_TIME.timestamp()..=LATEST_TIME.timestamp(), 0u32..1_000_000_000)
            .prop_filter_map("in range", |(secs, nanos)| DateTime::from_timestamp(secs, nanos)),
    ]
}

/// Any set of the fifteen permissions, the empty set included.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::permissions(), |set| {
///         prop_assert_eq!(set.to_string().parse::<shareguard::Permissions>()?, set);
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn permissions() -> impl Strategy<Value = Permissions> {
    any::<u16>().prop_map(Permissions::from_bits_truncate)
}

/// Any access level of SEMANTICS.md section 2: the named levels, `none`, `restrict`, and
/// `custom` with a non-empty set.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use shareguard::AccessLevel;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::access_level(), |level| {
///         if let AccessLevel::Custom(set) = level {
///             prop_assert!(!set.is_empty());
///         }
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn access_level() -> impl Strategy<Value = AccessLevel> {
    prop_oneof![
        Just(AccessLevel::None),
        Just(AccessLevel::Viewer),
        Just(AccessLevel::Commenter),
        Just(AccessLevel::Reviewer),
        Just(AccessLevel::FormFiller),
        Just(AccessLevel::Editor),
        Just(AccessLevel::ContentCreator),
        Just(AccessLevel::Contributor),
        Just(AccessLevel::Manager),
        Just(AccessLevel::Restrict),
        (1u16..=0x7fff).prop_map(|bits| AccessLevel::Custom(Permissions::from_bits_truncate(bits))),
    ]
}

/// Any re-share rights (internal, external, public, link, grant), none included.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::reshare_rights(), |rights| {
///         prop_assert!(shareguard::Permissions::MANAGEMENT.contains(rights.permissions()));
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn reshare_rights() -> impl Strategy<Value = ReshareRights> {
    (0u8..32).prop_map(ReshareRights::from_bits_truncate)
}

/// Any recipient of SEMANTICS.md section 3, with ids from the pools (links made of the
/// pool's tokens, retrievable or not).
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::recipient(), |recipient| {
///         // Displaying a recipient never prints a link token.
///         prop_assert!(!recipient.to_string().contains("tok-"));
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recipient() -> impl Strategy<Value = Recipient> {
    prop_oneof![
        user_id().prop_map(|id| Recipient::User { id }),
        group_id().prop_map(|id| Recipient::Group { id }),
        role_id().prop_map(|id| Recipient::Role { id }),
        role_id().prop_map(|id| Recipient::RoleAndSubordinates { id }),
        role_id().prop_map(|id| Recipient::RoleAndInternalSubordinates { id }),
        Just(Recipient::Organization),
        Just(Recipient::PartnerUsers),
        Just(Recipient::CustomerUsers),
        email().prop_map(|email| Recipient::Email { email }),
        Just(Recipient::Public),
        (0..TOKENS, any::<bool>()).prop_filter_map("valid token", |(i, retrievable)| {
            pool_token(i).map(|t| Recipient::Link(ShareLink::new(&t, retrievable)))
        }),
    ]
}

/// Any principal kind.
fn principal_kind() -> impl Strategy<Value = PrincipalKind> {
    prop_oneof![
        Just(PrincipalKind::Internal),
        Just(PrincipalKind::External),
        Just(PrincipalKind::Partner),
        Just(PrincipalKind::Customer),
        Just(PrincipalKind::Anonymous),
    ]
}

/// Administrative rights: each of the three absent, for every kind, or limited to a
/// (possibly empty) list of kinds.
fn admin_rights() -> impl Strategy<Value = AdminRights> {
    let grant = prop_oneof![
        4 => Just(None),
        1 => Just(Some(None)),
        1 => subsequence(vec!["folder", "document"], 0..=2).prop_map(Some).prop_map(|k| k.map(Some)),
    ];
    (grant.clone(), grant.clone(), grant).prop_map(|(read, write, delete)| {
        [
            (AdminRight::ReadShares, read),
            (AdminRight::WriteShares, write),
            (AdminRight::DeleteShares, delete),
        ]
        .into_iter()
        .fold(AdminRights::none(), |rights, (right, grant)| match grant {
            None => rights,
            Some(None) => rights.with(right),
            Some(Some(kinds)) => rights.with_kinds(
                right,
                kinds.into_iter().filter_map(|k| k.parse::<ResourceKind>().ok()),
            ),
        })
    })
}

/// Any principal: an id of the pool, any kind, groups, a role and the roles it reports to,
/// addresses, administrative rights and presented link tokens, all from the pools. Groups
/// and role chains are taken as already resolved.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::principal(), |p| {
///         prop_assert!(p.id().as_str().starts_with('u'));
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn principal() -> impl Strategy<Value = Principal> {
    (
        user_id(),
        principal_kind(),
        subsequence((0..POOL).collect::<Vec<_>>(), 0..=2),
        proptest::option::of(role_id()),
        subsequence((0..POOL).collect::<Vec<_>>(), 0..=2),
        vec(email(), 0..=1),
        admin_rights(),
        subsequence((0..TOKENS).collect::<Vec<_>>(), 0..=1),
    )
        .prop_filter_map(
            "valid principal",
            |(id, kind, groups, role, chain, emails, admin, tokens)| {
                let mut b = Principal::builder(id, kind).admin(admin);
                for g in groups {
                    b = b.group(format!("g{g}").as_str());
                }
                if let Some(role) = role {
                    b = b.role(role);
                    for r in chain {
                        b = b.reports_to(format!("r{r}").as_str());
                    }
                }
                for e in emails {
                    b = b.email(e);
                }
                for t in tokens.into_iter().filter_map(pool_token) {
                    b = b.link_token(&t);
                }
                b.build().ok()
            },
        )
}

/// Any share on a resource of the pool: any recipient, level and re-share rights, shared by
/// a user of the pool, created at [`base_time`] less a day, with no expiry or one drawn by
/// [`instant`]. Its id is `s0`; give distinct ids when a test holds several.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::share(), |share| {
///         // The token of a link share never shows in its Debug form.
///         let debug = format!("{:?}", share);
///         prop_assert!(!debug.contains("tok-"));
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn share() -> impl Strategy<Value = Share> {
    share_on(resource())
}

fn share_on(resource: impl Strategy<Value = ResourceRef>) -> impl Strategy<Value = Share> {
    (
        resource,
        user_id(),
        recipient(),
        access_level(),
        reshare_rights(),
        proptest::option::weighted(0.5, instant()),
    )
        .prop_filter_map(
            "valid share",
            |(resource, sharer, recipient, access, reshare, expires)| {
                let id: ShareId = "s0".parse().ok()?;
                Some(
                    Share::new(
                        id,
                        resource,
                        sharer,
                        recipient,
                        access,
                        base_time() - Duration::days(1),
                    )
                    .with_reshare(reshare)
                    .with_expiry(expires),
                )
            },
        )
}

/// Any share as [`share`] draws it, with its times (created, expiry, last visit) drawn by
/// [`instant_in_range`] and its message, visit count and version drawn too: every form a
/// share may take in a store or on the wire.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use shareguard::Share;
///
/// TestRunner::default().run(&shareguard::arbitrary::share_in_range(), |share| {
///     // Written as JSON and read back, a share is the same share.
///     let json = serde_json::to_string(&share).map_err(|e| TestCaseError::fail(e.to_string()))?;
///     let back: Share = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
///     prop_assert_eq!(back, share);
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn share_in_range() -> impl Strategy<Value = Share> {
    (
        share(),
        instant_in_range(),
        proptest::option::of(instant_in_range()),
        proptest::option::of(instant_in_range()),
        prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        proptest::option::of("[ -~]{0,12}"),
        prop_oneof![Just(1u64), Just(u64::MAX), any::<u64>()],
    )
        .prop_map(|(s, created, expires, last_visit, visits, message, version)| {
            Share::new(
                s.id().clone(),
                s.resource().clone(),
                s.sharer().clone(),
                s.recipient().clone(),
                s.access(),
                created,
            )
            .with_reshare(s.reshare())
            .with_expiry(expires)
            .with_message(message)
            .with_usage(Usage { last_visit, visits })
            .with_version(version)
        })
}

/// Any settings: each switch on or off (on more often), a link lifetime limit of none, 1 or
/// 30 days, and `external_may_manage` either way.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// TestRunner::default()
///     .run(&shareguard::arbitrary::settings(), |s| {
///         prop_assert!(s.max_link_lifetime_days.is_none_or(|d| d >= 1));
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn settings() -> impl Strategy<Value = Settings> {
    (
        proptest::bool::weighted(0.7),
        proptest::bool::weighted(0.7),
        proptest::bool::weighted(0.7),
        prop_oneof![Just(None), Just(Some(1u32)), Just(Some(30u32))],
        any::<bool>(),
    )
        .prop_map(
            |(
                allow_external,
                allow_public,
                allow_links,
                max_link_lifetime_days,
                external_may_manage,
            )| {
                Settings {
                    allow_external,
                    allow_public,
                    allow_links,
                    max_link_lifetime_days,
                    external_may_manage,
                    ..Settings::default()
                }
            },
        )
}

/// One resource of a [`World`]'s path: the resource, its owner and the shares on it.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::{Config, TestRunner};
///
/// TestRunner::new(Config::with_cases(32)).run(&shareguard::arbitrary::world(), |world| {
///     // Every share of a node is on that node's resource.
///     for node in &world.path {
///         prop_assert!(node.shares.iter().all(|s| s.resource() == &node.resource));
///     }
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct WorldNode {
    /// The resource.
    pub resource: ResourceRef,
    /// Its owner.
    pub owner: Option<PrincipalId>,
    /// The shares on it.
    pub shares: Vec<Share>,
}

/// A small world: a directory of nested groups and role chains, the principals resolved
/// through it, a resource path (nearest first, one to three deep) with owners and shares,
/// settings, and `now`.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::{Config, TestRunner};
///
/// TestRunner::new(Config::with_cases(32)).run(&shareguard::arbitrary::world(), |world| {
///     // One to three resources, the document first, and a directory without cycles.
///     prop_assert!((1..=3).contains(&world.path.len()));
///     prop_assert_eq!(world.path[0].resource.as_str(), "document:d0");
///     prop_assert!(world.directory.check().is_ok());
///     prop_assert!(!world.principals.is_empty());
///     Ok(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct World {
    /// Nested groups (`g{i}` member of `g{j}` only for `j > i`) and a role chain
    /// (`r{i}` reports to `r{i+1}` or not at all): never a cycle.
    pub directory: Directory,
    /// The principals, resolved through the directory.
    pub principals: Vec<Principal>,
    /// The resource and its ancestors, nearest first.
    pub path: Vec<WorldNode>,
    /// The organisation's settings.
    pub settings: Settings,
    /// The instant decisions are taken at.
    pub now: DateTime<Utc>,
}

impl World {
    /// The path as the policy takes it.
    ///
    /// ```
    /// use proptest::prelude::*;
    /// use proptest::test_runner::{Config, TestRunner};
    /// use shareguard::{Permissions, Policy, PrincipalKind};
    ///
    /// TestRunner::new(Config::with_cases(32)).run(&shareguard::arbitrary::world(), |world| {
    ///     let nodes = world.nodes();
    ///     prop_assert_eq!(nodes.len(), world.path.len());
    ///     // Whoever owns a resource of the path (unless anonymous) holds everything on the document.
    ///     let policy = Policy::new(world.settings.clone());
    ///     for p in &world.principals {
    ///         let owner = world.path.iter().any(|n| n.owner.as_ref() == Some(p.id()));
    ///         if owner && p.kind() != PrincipalKind::Anonymous {
    ///             prop_assert_eq!(policy.permissions(p, &nodes, world.now), Permissions::all());
    ///         }
    ///     }
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn nodes(&self) -> Vec<Node<'_>> {
        self.path.iter().map(|n| Node::new(&n.resource, n.owner.as_ref(), &n.shares)).collect()
    }

    /// Every share of the path, nearest resource first.
    ///
    /// ```
    /// use proptest::prelude::*;
    /// use proptest::test_runner::{Config, TestRunner};
    ///
    /// TestRunner::new(Config::with_cases(32)).run(&shareguard::arbitrary::world(), |world| {
    ///     // Ids `s0`, `s1`, … in path order, nearest resource first.
    ///     for (i, share) in world.shares().enumerate() {
    ///         prop_assert_eq!(share.id().as_str(), format!("s{i}"));
    ///     }
    ///     prop_assert_eq!(world.shares().count(), world.path.iter().map(|n| n.shares.len()).sum::<usize>());
    ///     Ok(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shares(&self) -> impl Iterator<Item = &Share> {
        self.path.iter().flat_map(|n| n.shares.iter())
    }
}

fn directory() -> impl Strategy<Value = Directory> {
    (vec(subsequence((0..POOL).collect::<Vec<_>>(), 0..=2), POOL), vec(any::<bool>(), POOL))
        .prop_map(|(parents, reports)| {
            let mut dir = Directory::new();
            for (i, parents) in parents.into_iter().enumerate() {
                if let Some(group) = id::<GroupId>("g", i) {
                    dir.add_group(
                        group,
                        parents.into_iter().filter(|j| *j > i).filter_map(|j| id("g", j)),
                    );
                }
            }
            for (i, up) in reports.into_iter().enumerate() {
                if let Some(role) = id::<RoleId>("r", i) {
                    let boss = if up && i + 1 < POOL { id("r", i + 1) } else { None };
                    dir.add_role(role, boss);
                }
            }
            dir
        })
}

/// A principal before resolution: its direct groups and role only.
fn unresolved_principal() -> impl Strategy<Value = crate::model::PrincipalBuilder> {
    (
        user_id(),
        principal_kind(),
        subsequence((0..POOL).collect::<Vec<_>>(), 0..=1),
        proptest::option::of(role_id()),
        vec(email(), 0..=1),
        admin_rights(),
        subsequence((0..TOKENS).collect::<Vec<_>>(), 0..=1),
    )
        .prop_map(|(id, kind, groups, role, emails, admin, tokens)| {
            let mut b = Principal::builder(id, kind).admin(admin);
            for g in groups {
                b = b.group(format!("g{g}").as_str());
            }
            if let Some(role) = role {
                b = b.role(role);
            }
            for e in emails {
                b = b.email(e);
            }
            for t in tokens.into_iter().filter_map(pool_token) {
                b = b.link_token(&t);
            }
            b
        })
}

/// A small random world (see [`World`]): up to four principals, a path of one to three
/// resources (`document:d0` in `folder:f1` in `folder:f0`) with random owners, up to four
/// shares on each (ids `s0`, `s1`, … unique in the world), random settings, and `now`
/// drawn by [`instant`].
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::{Config, TestRunner};
/// use shareguard::{Permission, Policy};
///
/// TestRunner::new(Config::with_cases(32))
///     .run(&shareguard::arbitrary::world(), |world| {
///         let policy = Policy::new(world.settings.clone());
///         for p in &world.principals {
///             let decision = policy.check(p, Permission::View, &world.nodes(), world.now);
///             prop_assert_eq!(decision.is_allowed(), policy.permissions(p, &world.nodes(), world.now).has(Permission::View));
///         }
///         Ok(())
///     })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn world() -> impl Strategy<Value = World> {
    let owner = proptest::option::weighted(0.3, user_id());
    (
        directory(),
        vec(unresolved_principal(), 1..=4),
        1usize..=3,
        vec((owner, vec(share(), 0..=4)), 3),
        settings(),
        instant(),
    )
        .prop_filter_map(
            "resolvable world",
            |(directory, builders, depth, nodes, settings, now)| {
                let principals = builders
                    .into_iter()
                    .map(|b| directory.resolve(b))
                    .collect::<Result<Vec<_>, _>>()
                    .ok()?;
                let names = ["document:d0", "folder:f1", "folder:f0"];
                let mut next_id = 0usize;
                let mut path = Vec::new();
                for (name, (owner, shares)) in names.iter().zip(nodes).take(depth) {
                    let resource: ResourceRef = name.parse().ok()?;
                    let mut placed = Vec::new();
                    for s in shares {
                        let id: ShareId = format!("s{next_id}").parse().ok()?;
                        next_id += 1;
                        let moved = Share::new(
                            id,
                            resource.clone(),
                            s.sharer().clone(),
                            s.recipient().clone(),
                            s.access(),
                            s.created(),
                        )
                        .with_reshare(s.reshare())
                        .with_expiry(s.expires());
                        placed.push(moved);
                    }
                    path.push(WorldNode { resource, owner, shares: placed });
                }
                Some(World { directory, principals, path, settings, now })
            },
        )
}
