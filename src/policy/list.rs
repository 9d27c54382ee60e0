//! [`ShareList`]: the shares on one resource, with the compact index of their recipients that
//! the policy scans before it reads a share.

use crate::model::{ANYONE, Tagged, filter_index};
use crate::model::{GroupId, Principal, Recipient, Share};

/// Eight bytes a share: enough to rule out most shares on a path without reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecipientKey {
    tag: u32,
    kind: KeyKind,
    /// Which bit of a [`Probe`]'s filter the recipient needs: its tag's, or the bit every
    /// filter holds for a recipient that is not a user or a group.
    bit: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// A user recipient whose id has this tag.
    User,
    /// A group recipient whose id has this tag.
    Group,
    /// Any other recipient: read the share to know.
    Other,
}

impl RecipientKey {
    fn of(share: &Share) -> Self {
        let (tag, kind) = match share.recipient() {
            Recipient::User { id } => (id.tag(), KeyKind::User),
            Recipient::Group { id } => (id.tag(), KeyKind::Group),
            _ => return Self::OTHER,
        };
        Self { tag, kind, bit: filter_index(tag) }
    }

    const OTHER: Self = Self { tag: 0, kind: KeyKind::Other, bit: ANYONE };

    /// False only when the share's recipient cannot be the principal the probe was made
    /// for: a user or group recipient whose tag is not among the principal's. True means
    /// "read the share".
    #[inline]
    pub(crate) fn may_match(self, probe: &Probe<'_>) -> bool {
        // One test rules out most keys: the user's, its groups' and the anyone bit are the
        // only ones set, a handful of 64.
        if probe.bits >> self.bit & 1 == 0 {
            return false;
        }
        match self.kind {
            KeyKind::User => probe.user == self.tag,
            KeyKind::Group => probe.groups.iter().any(|g| g.tag() == self.tag),
            KeyKind::Other => true,
        }
    }
}

/// A principal's tags, gathered once a decision: its id's, and a 64-bit filter of its own,
/// its groups' and the anyone bit, so that most shares to others cost one test.
pub(crate) struct Probe<'a> {
    user: u32,
    bits: u64,
    groups: &'a [GroupId],
}

impl<'a> Probe<'a> {
    pub(crate) fn new(principal: &'a Principal) -> Self {
        let id = principal.id();
        Self {
            user: id.tag(),
            bits: principal.group_bits() | id.filter_bit() | 1 << ANYONE,
            groups: principal.groups(),
        }
    }
}

/// The shares on one resource, kept with a compact index of their recipients (eight bytes a
/// share) that [`Policy`](crate::Policy) scans before it reads a share.
///
/// A [`Node`](crate::policy::Node) made from a plain slice of shares reads every share on the path
/// for every decision; one made from a `ShareList` with [`Node::listed`](crate::policy::Node::listed)
/// reads only the shares whose recipient may be the principal (those to users and groups it
/// is not in are ruled out by the index), which is what keeps a decision over a folder with
/// many shares in the processor's cache. The answers are the same. Keep a `ShareList` per
/// resource where shares are held in memory and decided on often; the index follows every
/// change made through its methods.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Recipient, Share};
/// use shareguard::policy::{Node, ShareList};
///
/// let now = Utc::now();
/// let doc = "document:d1".parse()?;
/// let mut shares = ShareList::new();
/// shares.push(Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor, now));
/// shares.push(Share::new("s2".parse()?, "document:d1".parse()?, "alice".parse()?,
///     Recipient::Group { id: "sales".parse()? }, AccessLevel::Viewer, now));
///
/// let path = [Node::listed(&doc, None, &shares)];
/// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
/// assert!(Policy::default().allows(&bob, Permission::Edit, &path, now));
/// assert_eq!(shares.len(), 2);
/// assert_eq!(shares.remove(0).map(|s| s.id().as_str().to_owned()), Some("s1".to_owned()));
/// assert!(!Policy::default().allows(&bob, Permission::Edit, &[Node::listed(&doc, None, &shares)], now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct ShareList {
    shares: Vec<Share>,
    keys: Keys,
}

impl PartialEq for ShareList {
    /// The shares (the keys follow from them).
    fn eq(&self, other: &Self) -> bool {
        self.shares == other.shares
    }
}

/// How many keys a list keeps in place.
const IN_PLACE: usize = 3;

/// A list's keys: up to [`IN_PLACE`] in the list itself (most resources have a few shares, and
/// their keys then cost no allocation of their own, nor a cache miss to reach), more on the heap.
#[derive(Clone)]
enum Keys {
    InPlace { len: u8, keys: [RecipientKey; IN_PLACE] },
    Heap(Vec<RecipientKey>),
}

impl Default for Keys {
    fn default() -> Self {
        Self::NONE
    }
}

impl Keys {
    const NONE: Self = Self::InPlace { len: 0, keys: [RecipientKey::OTHER; IN_PLACE] };

    fn of(shares: &[Share]) -> Self {
        let mut keys = Self::NONE;
        keys.reserve_exact(shares.len());
        for share in shares {
            keys.push(RecipientKey::of(share));
        }
        keys
    }

    fn as_slice(&self) -> &[RecipientKey] {
        match self {
            Self::InPlace { len, keys } => keys.get(..usize::from(*len)).unwrap_or_default(),
            Self::Heap(keys) => keys,
        }
    }

    fn get_mut(&mut self, index: usize) -> Option<&mut RecipientKey> {
        match self {
            Self::InPlace { len, keys } => keys.get_mut(..usize::from(*len))?.get_mut(index),
            Self::Heap(keys) => keys.get_mut(index),
        }
    }

    fn push(&mut self, key: RecipientKey) {
        match self {
            Self::InPlace { len, keys } => match keys.get_mut(usize::from(*len)) {
                Some(slot) => {
                    *slot = key;
                    *len += 1;
                }
                None => {
                    let mut heap = Vec::with_capacity(2 * IN_PLACE);
                    heap.extend_from_slice(keys);
                    heap.push(key);
                    *self = Self::Heap(heap);
                }
            },
            Self::Heap(keys) => keys.push(key),
        }
    }

    fn remove(&mut self, index: usize) {
        match self {
            Self::InPlace { len, keys } => {
                let n = usize::from(*len);
                if index < n {
                    keys.copy_within(index + 1..n, index);
                    *len -= 1;
                }
            }
            Self::Heap(keys) => {
                if index < keys.len() {
                    keys.remove(index);
                }
            }
        }
    }

    fn reserve_exact(&mut self, additional: usize) {
        let len = self.as_slice().len();
        match self {
            Self::Heap(keys) => keys.reserve_exact(additional),
            Self::InPlace { .. } if len + additional > IN_PLACE => {
                let mut heap = Vec::with_capacity(len + additional);
                heap.extend_from_slice(self.as_slice());
                *self = Self::Heap(heap);
            }
            Self::InPlace { .. } => {}
        }
    }

    fn shrink_to_fit(&mut self) {
        if let Self::Heap(keys) = self {
            if keys.len() <= IN_PLACE {
                let mut in_place = Self::NONE;
                for &key in keys.iter() {
                    in_place.push(key);
                }
                *self = in_place;
            } else {
                keys.shrink_to_fit();
            }
        }
    }
}

impl ShareList {
    /// An empty list.
    ///
    /// ```
    /// use shareguard::policy::ShareList;
    ///
    /// let list = ShareList::new();
    /// assert!(list.is_empty());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { shares: Vec::new(), keys: Keys::NONE }
    }

    /// The shares, in the order they were added.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let list: ShareList = [share("s1")?, share("s2")?].into_iter().collect();
    /// let ids: Vec<&str> = list.as_slice().iter().map(|s| s.id().as_str()).collect();
    /// assert_eq!(ids, ["s1", "s2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn as_slice(&self) -> &[Share] {
        &self.shares
    }

    pub(crate) fn keys(&self) -> &[RecipientKey] {
        self.keys.as_slice()
    }

    /// Adds a share at the end.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let mut list = ShareList::new();
    /// list.push(share("s1")?);
    /// list.push(share("s2")?);
    /// assert_eq!(list.last().map(|s| s.id().as_str()), Some("s2"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(&mut self, share: Share) {
        self.keys.push(RecipientKey::of(&share));
        self.shares.push(share);
    }

    /// Removes and returns the share at `index`, or `None` if there is none; the shares
    /// after it move up one place.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let mut list: ShareList = [share("s1")?, share("s2")?].into_iter().collect();
    /// assert_eq!(list.remove(0).map(|s| s.id().as_str().to_owned()), Some("s1".to_owned()));
    /// assert_eq!(list[0].id().as_str(), "s2");
    /// assert!(list.remove(5).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, index: usize) -> Option<Share> {
        if index >= self.shares.len() {
            return None;
        }
        self.keys.remove(index);
        Some(self.shares.remove(index))
    }

    /// Puts `share` at `index` and returns the share it replaces, or gives `share` back as
    /// the error if there is no share at `index`.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::policy::ShareList;
    ///
    /// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::Organization, AccessLevel::Viewer, Utc::now());
    /// let mut list: ShareList = [share.clone()].into_iter().collect();
    /// let longer = share.clone().with_expiry(None);
    /// assert!(list.replace(0, longer).is_ok());
    /// assert!(list.replace(1, share).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::result_large_err, reason = "the error is the caller's own share, handed back")]
    pub fn replace(&mut self, index: usize, share: Share) -> Result<Share, Share> {
        match (self.shares.get_mut(index), self.keys.get_mut(index)) {
            (Some(slot), Some(key)) => {
                *key = RecipientKey::of(&share);
                Ok(std::mem::replace(slot, share))
            }
            _ => Err(share),
        }
    }

    /// Keeps only the shares for which `keep` is true, in order.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let mut list: ShareList = [share("s1")?, share("s2")?, share("s3")?].into_iter().collect();
    /// list.retain(|s| s.id().as_str() != "s2");
    /// let ids: Vec<&str> = list.iter().map(|s| s.id().as_str()).collect();
    /// assert_eq!(ids, ["s1", "s3"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&Share) -> bool) {
        self.shares.retain(|share| keep(share));
        self.keys = Keys::of(&self.shares);
    }

    /// Makes room for `additional` more shares, and no more (a list built once to a known
    /// size).
    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        self.shares.reserve_exact(additional);
        self.keys.reserve_exact(additional);
    }

    /// Drops spare capacity (a list built once and then only read).
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let mut list = ShareList::new();
    /// list.extend([share("s1")?, share("s2")?]);
    /// list.shrink_to_fit();
    /// assert_eq!(list.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.shares.shrink_to_fit();
        self.keys.shrink_to_fit();
    }

    /// The shares, giving up the index.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::policy::ShareList;
    /// # let share = |id: &str| -> Result<Share, shareguard::ModelError> { Ok(Share::new(id.parse()?,
    /// #     "document:d1".parse()?, "alice".parse()?, Recipient::Organization, AccessLevel::Viewer, Utc::now())) };
    /// let list: ShareList = vec![share("s1")?].into();
    /// let shares: Vec<Share> = list.into_vec();
    /// assert_eq!(shares[0].id().as_str(), "s1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn into_vec(self) -> Vec<Share> {
        self.shares
    }
}

impl std::fmt::Debug for ShareList {
    /// The shares, as a list (the keys follow from them).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.shares).finish()
    }
}

impl std::ops::Deref for ShareList {
    type Target = [Share];
    fn deref(&self) -> &[Share] {
        &self.shares
    }
}

impl From<Vec<Share>> for ShareList {
    fn from(shares: Vec<Share>) -> Self {
        let keys = Keys::of(&shares);
        Self { shares, keys }
    }
}

impl FromIterator<Share> for ShareList {
    fn from_iter<I: IntoIterator<Item = Share>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl Extend<Share> for ShareList {
    fn extend<I: IntoIterator<Item = Share>>(&mut self, iter: I) {
        for share in iter {
            self.push(share);
        }
    }
}

impl<'a> IntoIterator for &'a ShareList {
    type Item = &'a Share;
    type IntoIter = std::slice::Iter<'a, Share>;
    fn into_iter(self) -> Self::IntoIter {
        self.shares.iter()
    }
}

impl serde::Serialize for ShareList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.shares.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for ShareList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Share>::deserialize(d).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Utc;

    use super::{Probe, RecipientKey, ShareList};
    use crate::model::{AccessLevel, Principal, PrincipalKind, Recipient, Share};

    fn share(id: &str, recipient: Recipient) -> Share {
        Share::new(
            id.parse().unwrap(),
            "document:d1".parse().unwrap(),
            "alice".parse().unwrap(),
            recipient,
            AccessLevel::Viewer,
            Utc::now(),
        )
    }

    fn key(recipient: Recipient) -> RecipientKey {
        RecipientKey::of(&share("s1", recipient))
    }

    /// The index holds exactly one key a share, each its share's, in order. (A list whose
    /// keys fell out of step would still decide right, by reading every share: the property
    /// tests of decisions cannot see it, this does.)
    fn assert_in_step(list: &ShareList) {
        let expected: Vec<RecipientKey> = list.iter().map(RecipientKey::of).collect();
        assert_eq!(list.keys(), expected.as_slice());
    }

    /// Every change keeps the index in step, in place (up to three keys) and on the heap.
    #[test]
    fn every_change_keeps_the_keys_in_step() {
        let to = |i: usize| {
            let id = format!("u{i}");
            if i % 3 == 0 {
                Recipient::Group { id: id.parse().unwrap() }
            } else {
                Recipient::User { id: id.parse().unwrap() }
            }
        };
        let mut list = ShareList::new();
        for i in 0..5 {
            list.push(share(&format!("s{i}"), to(i)));
            assert_in_step(&list);
        }
        // From the heap back to fewer than fit in place, one removal at a time.
        while !list.is_empty() {
            assert!(list.remove(5).is_none());
            assert_in_step(&list);
            let removed = list.remove(list.len() / 2).unwrap();
            assert!(!list.iter().any(|s| s.id() == removed.id()));
            assert_in_step(&list);
        }
        let mut list: ShareList = (0..4).map(|i| share(&format!("s{i}"), to(i))).collect();
        list.retain(|s| s.id().as_str() != "s0");
        assert_in_step(&list);
        list.shrink_to_fit();
        assert_in_step(&list);
        assert!(list.replace(1, share("s9", Recipient::Public)).is_ok());
        assert_in_step(&list);
        list.remove(0);
        assert_in_step(&list);
        list.extend([share("s7", to(7)), share("s8", to(8))]);
        assert_in_step(&list);
    }

    /// Up to three keys live in the list itself (no allocation, no cache miss to reach them,
    /// what keeps `MemoryStore` within its bytes a share); more go to the heap, and come back
    /// when a list that shrank is trimmed. Capacity is made ahead when asked.
    #[test]
    fn a_few_keys_stay_in_place() {
        let in_place = |list: &ShareList| matches!(list.keys, super::Keys::InPlace { .. });
        let list = |n: usize| -> ShareList {
            (0..n).map(|i| share(&format!("s{i}"), Recipient::Public)).collect()
        };
        assert!(in_place(&list(0)) && in_place(&list(3)));
        let mut four = list(4);
        assert!(!in_place(&four));
        four.remove(0);
        assert!(!in_place(&four), "removing leaves the heap alone");
        four.shrink_to_fit();
        assert!(in_place(&four), "trimming three keys brings them back in place");
        assert_in_step(&four);
        let mut grown = list(2);
        grown.reserve_exact(2);
        assert!(!in_place(&grown) && grown.shares.capacity() >= 4);
        let mut empty = ShareList::new();
        empty.reserve_exact(4);
        assert!(!in_place(&empty));
        let mut small = list(1);
        small.reserve_exact(2);
        assert!(in_place(&small), "three fit in place");
        let mut long = list(8);
        long.retain(|s| s.id().as_str() != "s0");
        long.shrink_to_fit();
        assert!(long.shares.capacity() < 8, "trimmed");
        assert!(format!("{long:?}").contains("s7"), "Debug shows the shares");
        assert_eq!((&long).into_iter().map(|s| s.id().as_str()).next_back(), Some("s7"));
    }

    /// Lists are equal when their shares are.
    #[test]
    fn lists_compare_by_their_shares() {
        let one: ShareList = vec![share("s1", Recipient::Public)].into();
        let other: ShareList = vec![share("s2", Recipient::Public)].into();
        assert_eq!(one, one.clone());
        assert_ne!(one, other);
        assert_ne!(one, ShareList::new());
    }

    /// What the index is for (the answers are the same without it): a key rules out the
    /// shares to users and groups the principal is not, even where their filter bit is the
    /// principal's, and keeps its own, its groups' and every recipient that is neither.
    #[test]
    fn keys_rule_out_the_shares_to_others_and_keep_the_principals() {
        let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build().unwrap();
        let probe = Probe::new(&bob);
        let user = |id: &str| Recipient::User { id: id.parse().unwrap() };
        let group = |id: &str| Recipient::Group { id: id.parse().unwrap() };
        // A thousand of each: some share a filter bit with bob or eng (64 bits), and are ruled
        // out by their tags. (Tags are 32-bit keyed hashes, drawn afresh each run: that one of
        // these 2 000 ids has bob's or eng's tag is a one-in-a-million chance.)
        for i in 0..1000 {
            assert!(!key(user(&format!("u{i}"))).may_match(&probe), "user u{i}");
            assert!(!key(group(&format!("g{i}"))).may_match(&probe), "group g{i}");
        }
        assert!(key(user("bob")).may_match(&probe));
        assert!(key(group("eng")).may_match(&probe));
        assert!(!key(group("bob")).may_match(&probe), "a group named as the user is not the user");
        assert!(!key(user("eng")).may_match(&probe), "a user named as the group is not the group");
        for other in [Recipient::Organization, Recipient::Public, Recipient::PartnerUsers] {
            assert!(key(other).may_match(&probe));
        }
    }
}
