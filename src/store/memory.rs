//! [`MemoryStore`]: the reference adapter, indexed and thread-safe.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use crate::{
    AccessLevel, LinkDigest, LogEntry, LogEvent, ModelError, Principal, PrincipalId, PrincipalKind,
    Recipient, ResourceRef, Share, ShareId, ShareLink, SharePatch, ShareType,
};

use super::{
    AccessEntry, BatchOutcome, GrantItem, Page, Paged, ShareFilter, ShareStore, Status, StoreError,
};

/// The internal sequence number of a share: its place in creation order. Indexes hold these,
/// never clones of shares.
type Seq = u64;

/// The reference [`ShareStore`]: every share and log entry in memory, behind one
/// [`RwLock`], with indexes by id, resource, sharer, recipient, recipient kind and expiry so
/// that no filtered list, "shared with me", "who has access", link lookup or sweep scans
/// every share.
///
/// Each share is stored once; indexes hold its internal sequence number. Reads take the lock
/// shared, mutations take it exclusively, so every operation is atomic. It never blocks on
/// I/O, so an async service may call it directly.
///
/// Complexities below use `n` for the number of shares, `k` for the number of shares an
/// index yields for the query (before the remaining filters), `p` for the page size and
/// `m` for the number of index keys a principal could match.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, MemoryStore, Page, Principal, PrincipalKind, Recipient, Share, ShareStore};
///
/// let store = MemoryStore::new();
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("no such instant")?;
/// let alice = "alice".parse()?;
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, at);
/// store.create(share, &alice, at)?;
///
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let mine = store.shared_with(&bob, false, Page::ALL)?;
/// assert_eq!(mine.total, 1);
/// assert_eq!(mine.items[0].id().as_str(), "s1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    next_seq: Seq,
    shares: BTreeMap<Seq, Share>,
    by_id: HashMap<ShareId, Seq>,
    by_resource: HashMap<ResourceRef, BTreeSet<Seq>>,
    by_sharer: HashMap<PrincipalId, BTreeSet<Seq>>,
    // `Recipient` hashes and compares as section 3 matches: emails ignoring ASCII case, links
    // by digest; so it is its own index key.
    by_recipient: HashMap<Recipient, BTreeSet<Seq>>,
    by_type: HashMap<ShareType, BTreeSet<Seq>>,
    by_expiry: BTreeSet<(DateTime<Utc>, Seq)>,
    log: Vec<LogEntry>,
    log_by_share: HashMap<ShareId, Vec<usize>>,
    log_by_resource: HashMap<ResourceRef, Vec<usize>>,
}

fn poisoned() -> StoreError {
    StoreError::Backend("memory store: the lock was poisoned by a panic in another thread".into())
}

fn add_to<K: std::hash::Hash + Eq>(map: &mut HashMap<K, BTreeSet<Seq>>, key: K, seq: Seq) {
    map.entry(key).or_default().insert(seq);
}

fn remove_from<K, Q>(map: &mut HashMap<K, BTreeSet<Seq>>, key: &Q, seq: Seq)
where
    K: std::hash::Hash + Eq + std::borrow::Borrow<Q>,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(set) = map.get_mut(key) {
        set.remove(&seq);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// Cuts a page out of an iterator, counting the whole of it for `total` but cloning only the
/// items in the page.
fn paged<'a, T: Clone + 'a>(items: impl Iterator<Item = &'a T>, page: Page) -> Paged<T> {
    let mut total = 0usize;
    let mut out = Vec::new();
    for item in items {
        if total >= page.first && out.len() < page.count {
            out.push(item.clone());
        }
        total += 1;
    }
    Paged { first: page.first, count: out.len(), total, items: out }
}

/// A page of a log index: O(p), the index is a slice.
fn log_page(log: &[LogEntry], index: Option<&Vec<usize>>, page: Page) -> Paged<LogEntry> {
    let index = index.map_or(&[][..], Vec::as_slice);
    let items: Vec<LogEntry> = index
        .get(page.first..)
        .unwrap_or(&[])
        .iter()
        .take(page.count)
        .filter_map(|&i| log.get(i).cloned())
        .collect();
    Paged { first: page.first, count: items.len(), total: index.len(), items }
}

fn empty_custom() -> ModelError {
    ModelError::Invalid {
        field: "permissions",
        value: String::new(),
        reason: "a `custom` level needs a non-empty permission set",
    }
}

impl State {
    fn insert(&mut self, share: Share) -> Seq {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(share.id().clone(), seq);
        add_to(&mut self.by_resource, share.resource().clone(), seq);
        add_to(&mut self.by_sharer, share.sharer().clone(), seq);
        add_to(&mut self.by_recipient, share.recipient().clone(), seq);
        add_to(&mut self.by_type, share.recipient().share_type(), seq);
        if let Some(expires) = share.expires() {
            self.by_expiry.insert((expires, seq));
        }
        self.shares.insert(seq, share);
        seq
    }

    fn remove(&mut self, seq: Seq) -> Option<Share> {
        let share = self.shares.remove(&seq)?;
        self.by_id.remove(share.id());
        remove_from(&mut self.by_resource, share.resource(), seq);
        remove_from(&mut self.by_sharer, share.sharer(), seq);
        remove_from(&mut self.by_recipient, share.recipient(), seq);
        remove_from(&mut self.by_type, &share.recipient().share_type(), seq);
        if let Some(expires) = share.expires() {
            self.by_expiry.remove(&(expires, seq));
        }
        Some(share)
    }

    /// Replaces a share by its changed self (same id, resource, sharer and recipient).
    fn replace(&mut self, seq: Seq, next: Share) {
        if let Some(slot) = self.shares.get_mut(&seq) {
            if slot.expires() != next.expires() {
                if let Some(old) = slot.expires() {
                    self.by_expiry.remove(&(old, seq));
                }
                if let Some(new) = next.expires() {
                    self.by_expiry.insert((new, seq));
                }
            }
            *slot = next;
        }
    }

    fn log(&mut self, share: &Share, actor: &PrincipalId, at: DateTime<Utc>, event: LogEvent) {
        let index = self.log.len();
        self.log.push(LogEntry {
            seq: index as u64 + 1,
            share: share.id().clone(),
            resource: share.resource().clone(),
            actor: actor.clone(),
            at,
            event,
        });
        self.log_by_share.entry(share.id().clone()).or_default().push(index);
        self.log_by_resource.entry(share.resource().clone()).or_default().push(index);
    }

    fn seq_of(&self, id: &ShareId) -> Result<Seq, StoreError> {
        self.by_id.get(id).copied().ok_or_else(|| StoreError::NotFound(id.clone()))
    }

    fn share(&self, seq: Seq) -> Option<&Share> {
        self.shares.get(&seq)
    }

    /// The shares on a resource with this recipient, oldest first: O(log n + k) over the
    /// smaller of the resource's and the recipient's sets.
    fn on_resource_to(&self, resource: &ResourceRef, recipient: &Recipient) -> Vec<Seq> {
        let (Some(on), Some(to)) =
            (self.by_resource.get(resource), self.by_recipient.get(recipient))
        else {
            return Vec::new();
        };
        let (small, large) = if on.len() <= to.len() { (on, to) } else { (to, on) };
        small.iter().copied().filter(|seq| large.contains(seq)).collect()
    }

    /// The index keys a principal could match (section 3), and whether to look at public.
    fn keys_for(principal: &Principal, include_public: bool) -> Vec<Recipient> {
        let mut keys = Vec::new();
        if include_public {
            keys.push(Recipient::Public);
        }
        keys.extend(
            principal.link_digests().iter().map(|d| Recipient::Link(ShareLink::from_digest(*d))),
        );
        let kind = principal.kind();
        if kind == PrincipalKind::Anonymous {
            return keys;
        }
        keys.push(Recipient::User { id: principal.id().clone() });
        keys.extend(principal.groups().iter().map(|g| Recipient::Group { id: g.clone() }));
        if let Some(role) = principal.role() {
            keys.push(Recipient::Role { id: role.clone() });
            for r in std::iter::once(role).chain(principal.reports_to()) {
                keys.push(Recipient::RoleAndSubordinates { id: r.clone() });
                if kind == PrincipalKind::Internal {
                    keys.push(Recipient::RoleAndInternalSubordinates { id: r.clone() });
                }
            }
        }
        match kind {
            PrincipalKind::Internal => keys.push(Recipient::Organization),
            PrincipalKind::Partner => keys.push(Recipient::PartnerUsers),
            PrincipalKind::Customer => keys.push(Recipient::CustomerUsers),
            PrincipalKind::External | PrincipalKind::Anonymous => {}
        }
        keys.extend(principal.emails().iter().map(|e| Recipient::Email { email: e.clone() }));
        keys
    }

    /// Validates one batch grant item, or says why it fails.
    fn check_item(item: &GrantItem) -> Result<AccessLevel, String> {
        if matches!(item.recipient, Recipient::Link(_)) {
            return Err(format!(
                "recipient: `{}` shares are made through the admin facade, not a batch",
                item.recipient
            ));
        }
        match item.resolved_access() {
            AccessLevel::Restrict => {
                Err("access: `restrict` cannot be given in a batch grant".to_owned())
            }
            AccessLevel::Custom(set) if set.is_empty() => Err(empty_custom().to_string()),
            access => Ok(access),
        }
    }

    fn grant_one(
        &mut self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        item: &GrantItem,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> BatchOutcome {
        let access = match Self::check_item(item) {
            Ok(access) => access,
            Err(message) => return BatchOutcome::Error { message },
        };
        let existing = self
            .on_resource_to(resource, &item.recipient)
            .into_iter()
            .find(|seq| self.share(*seq).is_some_and(|s| s.sharer() == sharer));
        let event = LogEvent::AccessAdded { recipient: item.recipient.clone() };
        if let Some((seq, current)) = existing.and_then(|seq| self.share(seq).map(|s| (seq, s))) {
            let patch = SharePatch {
                access: Some(access.level()),
                permissions: match access {
                    AccessLevel::Custom(set) => Some(set),
                    _ => None,
                },
                ..SharePatch::default()
            };
            let next = match current.patched(&patch) {
                Ok((next, _)) => next.with_version(current.version().saturating_add(1)),
                Err(e) => return BatchOutcome::Error { message: e.to_string() },
            };
            self.replace(seq, next.clone());
            self.log(&next, actor, at, event);
            BatchOutcome::Updated { share: next }
        } else {
            let id = ShareId::random();
            if self.by_id.contains_key(&id) {
                return BatchOutcome::Error {
                    message: format!("share: a share `{id}` exists already"),
                };
            }
            let share = Share::new(
                id,
                resource.clone(),
                sharer.clone(),
                item.recipient.clone(),
                access,
                at,
            );
            self.insert(share.clone());
            self.log(&share, actor, at, event);
            BatchOutcome::Created { share }
        }
    }
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// use shareguard::{MemoryStore, Page, ShareFilter, ShareStore};
    ///
    /// let store = MemoryStore::new();
    /// assert_eq!(store.list(&ShareFilter::default(), Page::ALL)?.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// How many shares the store holds. O(1).
    ///
    /// ```
    /// use shareguard::MemoryStore;
    ///
    /// assert_eq!(MemoryStore::new().len()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.read()?.shares.len())
    }

    /// Whether the store holds no share. O(1).
    ///
    /// ```
    /// use shareguard::MemoryStore;
    ///
    /// assert!(MemoryStore::new().is_empty()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.read()?.shares.is_empty())
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, State>, StoreError> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, State>, StoreError> {
        self.state.write().map_err(|_| poisoned())
    }
}

impl ShareStore for MemoryStore {
    /// O(log n). The share is stored at version 1 whatever version it carries; a `custom`
    /// level with an empty set is refused as [`StoreError::Invalid`].
    fn create(
        &self,
        share: Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        if matches!(share.access(), AccessLevel::Custom(set) if set.is_empty()) {
            return Err(empty_custom().into());
        }
        let mut state = self.write()?;
        if state.by_id.contains_key(share.id()) {
            return Err(StoreError::AlreadyExists(share.id().clone()));
        }
        let share = share.with_version(1);
        state.insert(share.clone());
        state.log(&share, actor, at, LogEvent::Created);
        Ok(share)
    }

    /// O(log n).
    fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        Ok(state.by_id.get(id).and_then(|seq| state.share(*seq)).cloned())
    }

    /// O(log n), with [`Share::patched`] checking the patch.
    fn update(
        &self,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let current = state.share(seq).ok_or_else(|| StoreError::NotFound(id.clone()))?;
        if current.version() != expected_version {
            return Err(StoreError::Conflict {
                id: id.clone(),
                expected: expected_version,
                actual: current.version(),
            });
        }
        let (next, changes) = current.patched(patch)?;
        let next = next.with_version(current.version().saturating_add(1));
        state.replace(seq, next.clone());
        state.log(&next, actor, at, LogEvent::Changed { changes });
        Ok(next)
    }

    /// O(log n).
    fn delete(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let share = state.remove(seq).ok_or_else(|| StoreError::NotFound(id.clone()))?;
        state.log(&share, actor, at, LogEvent::Deleted);
        Ok(share)
    }

    /// O(k log n + p): walks the smallest index among the filter's resource, sharer,
    /// recipient, share type and public-only fields, then applies the whole filter. A filter
    /// naming none of them but `status: Expired(at)` walks the expiry index, O(e log e + p)
    /// for the `e` shares expired at `at`; only one naming nothing, or `status: Active(_)`
    /// alone, walks every share, O(n).
    fn list(&self, filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let empty = BTreeSet::new();
        let mut candidates: Vec<&BTreeSet<Seq>> = Vec::new();
        if let Some(resource) = &filter.resource {
            candidates.push(state.by_resource.get(resource).unwrap_or(&empty));
        }
        if let Some(sharer) = &filter.shared_by {
            candidates.push(state.by_sharer.get(sharer).unwrap_or(&empty));
        }
        if let Some(recipient) = &filter.recipient {
            candidates.push(state.by_recipient.get(recipient).unwrap_or(&empty));
        }
        if let Some(share_type) = &filter.share_type {
            candidates.push(state.by_type.get(share_type).unwrap_or(&empty));
        }
        let smallest = candidates.into_iter().min_by_key(|set| set.len());
        let public_only = filter.public_only.then(|| {
            let public = state.by_type.get(&ShareType::Public).unwrap_or(&empty);
            let link = state.by_type.get(&ShareType::Link).unwrap_or(&empty);
            let mut seqs: Vec<Seq> = public.iter().chain(link).copied().collect();
            seqs.sort_unstable();
            seqs
        });
        let accepted = |share: &&Share| filter.accepts(share);
        let result = match (smallest, public_only) {
            (Some(set), Some(seqs)) if seqs.len() < set.len() => {
                paged(seqs.iter().filter_map(|seq| state.share(*seq)).filter(accepted), page)
            }
            (None, Some(seqs)) => {
                paged(seqs.iter().filter_map(|seq| state.share(*seq)).filter(accepted), page)
            }
            (Some(set), _) => {
                paged(set.iter().filter_map(|seq| state.share(*seq)).filter(accepted), page)
            }
            (None, None) => match filter.status {
                Some(Status::Expired(at)) => {
                    let mut seqs: Vec<Seq> =
                        state.by_expiry.range(..=(at, Seq::MAX)).map(|(_, seq)| *seq).collect();
                    seqs.sort_unstable();
                    paged(seqs.iter().filter_map(|seq| state.share(*seq)).filter(accepted), page)
                }
                _ => paged(state.shares.values().filter(accepted), page),
            },
        };
        Ok(result)
    }

    /// O(Σ (log n + k)) over the resources given.
    fn shares_on(&self, resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError> {
        let state = self.read()?;
        Ok(resources
            .iter()
            .map(|resource| {
                state.by_resource.get(resource).map_or_else(Vec::new, |set| {
                    set.iter().filter_map(|seq| state.share(*seq)).cloned().collect()
                })
            })
            .collect())
    }

    /// O(m + k log k + p): looks up only the index keys the principal could match (its id,
    /// groups, role and role chain, organisation or portal audience, emails, presented link
    /// digests, and public when asked), merges them in creation order, and keeps the shares
    /// [`Recipient::matches`] accepts.
    fn shared_with(
        &self,
        principal: &Principal,
        include_public: bool,
        page: Page,
    ) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let mut seqs: Vec<Seq> = State::keys_for(principal, include_public)
            .iter()
            .filter_map(|key| state.by_recipient.get(key))
            .flatten()
            .copied()
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        Ok(paged(
            seqs.iter()
                .filter_map(|seq| state.share(*seq))
                .filter(|share| share.recipient().matches(principal)),
            page,
        ))
    }

    /// O(log n + k).
    fn who_has_access(
        &self,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        let state = self.read()?;
        Ok(state.by_resource.get(resource).map_or_else(Vec::new, |set| {
            set.iter()
                .filter_map(|seq| state.share(*seq))
                .map(|share| AccessEntry { share: share.clone(), active: share.is_active(now) })
                .collect()
        }))
    }

    /// O(i (log n + k)) for `i` items, `k` the shares on the resource to one recipient.
    ///
    /// An item fails (and changes nothing) when its resolved access is `restrict` or an empty
    /// `custom` set, or its recipient is a link: links are made through the admin facade,
    /// which hands out their token.
    fn grant_batch(
        &self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        items: &[GrantItem],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut state = self.write()?;
        Ok(items.iter().map(|item| state.grant_one(resource, sharer, item, actor, at)).collect())
    }

    /// O(r (log n + k)) for `r` recipients.
    fn revoke_batch(
        &self,
        resource: &ResourceRef,
        recipients: &[Recipient],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut state = self.write()?;
        let mut outcomes = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let seqs = state.on_resource_to(resource, recipient);
            if seqs.is_empty() {
                outcomes.push(BatchOutcome::Error {
                    message: format!("no share for {recipient} on {resource}"),
                });
                continue;
            }
            let mut removed = Vec::with_capacity(seqs.len());
            for seq in seqs {
                if let Some(share) = state.remove(seq) {
                    let event = LogEvent::AccessRemoved { recipient: recipient.clone() };
                    state.log(&share, actor, at, event);
                    removed.push(share);
                }
            }
            outcomes.push(BatchOutcome::Removed { shares: removed });
        }
        Ok(outcomes)
    }

    /// O(log n). The version does not change.
    fn record_visit(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let share = state.shares.get_mut(&seq).ok_or_else(|| StoreError::NotFound(id.clone()))?;
        share.record_visit(at);
        let share = share.clone();
        state.log(&share, actor, at, LogEvent::Visited);
        Ok(share)
    }

    /// O(log n). Fails with [`StoreError::Invalid`] (field `share`) unless the share is a
    /// retrievable link.
    fn record_link_retrieved(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let share = state.share(seq).ok_or_else(|| StoreError::NotFound(id.clone()))?;
        if !matches!(share.recipient(), Recipient::Link(link) if link.is_retrievable()) {
            return Err(ModelError::Invalid {
                field: "share",
                value: id.to_string(),
                reason: "not a retrievable link share",
            }
            .into());
        }
        let share = share.clone();
        state.log(&share, actor, at, LogEvent::LinkRetrieved);
        Ok(())
    }

    /// O(1) expected: a hash lookup by digest, the digest compared in constant time.
    fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        let key = Recipient::Link(ShareLink::from_digest(*digest));
        Ok(state
            .by_recipient
            .get(&key)
            .and_then(|set| set.iter().next())
            .and_then(|seq| state.share(*seq))
            .cloned())
    }

    /// O(e log n) for the `e` shares expired: walks the expiry index up to `now`.
    fn sweep_expired(
        &self,
        now: DateTime<Utc>,
        actor: &PrincipalId,
    ) -> Result<Vec<Share>, StoreError> {
        let mut state = self.write()?;
        let mut seqs: Vec<Seq> =
            state.by_expiry.range(..=(now, Seq::MAX)).map(|(_, seq)| *seq).collect();
        seqs.sort_unstable();
        let mut swept = Vec::with_capacity(seqs.len());
        for seq in seqs {
            if let Some(share) = state.remove(seq) {
                state.log(&share, actor, now, LogEvent::Expired);
                swept.push(share);
            }
        }
        Ok(swept)
    }

    /// O(1 + p).
    fn log_for_share(&self, id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        Ok(log_page(&state.log, state.log_by_share.get(id), page))
    }

    /// O(1 + p).
    fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        Ok(log_page(&state.log, state.log_by_resource.get(resource), page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_a_backend_error_not_a_panic() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let poisoner = std::sync::Arc::clone(&store);
        let joined = std::thread::spawn(move || {
            let _guard = poisoner.state.write();
            panic!("poison the lock");
        })
        .join();
        assert!(joined.is_err());
        let id: ShareId = "s1".parse().unwrap();
        assert!(matches!(store.get(&id), Err(StoreError::Backend(_))));
        assert!(matches!(
            store.delete(&id, &"alice".parse().unwrap(), Utc::now()),
            Err(StoreError::Backend(_))
        ));
        assert!(matches!(store.len(), Err(StoreError::Backend(_))));
    }

    #[test]
    fn indexes_drop_empty_keys() {
        let store = MemoryStore::new();
        let alice: PrincipalId = "alice".parse().unwrap();
        let share = Share::new(
            "s1".parse().unwrap(),
            "folder:f1".parse().unwrap(),
            alice.clone(),
            Recipient::Public,
            AccessLevel::Viewer,
            Utc::now(),
        )
        .with_expiry(Some(Utc::now()));
        store.create(share, &alice, Utc::now()).unwrap();
        store.delete(&"s1".parse().unwrap(), &alice, Utc::now()).unwrap();
        let state = store.state.read().unwrap();
        assert!(state.shares.is_empty() && state.by_id.is_empty());
        assert!(state.by_resource.is_empty() && state.by_sharer.is_empty());
        assert!(state.by_recipient.is_empty() && state.by_type.is_empty());
        assert!(state.by_expiry.is_empty());
        assert_eq!(state.log.len(), 2, "the log outlives the share");
    }
}
