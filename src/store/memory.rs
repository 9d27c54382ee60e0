//! [`MemoryStore`]: the reference adapter, indexed and thread-safe.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};

use crate::{
    LinkDigest, LogEntry, LogEvent, Principal, PrincipalId, Recipient, ResourceRef, Share, ShareId,
    ShareLink, SharePatch, ShareType,
};

use super::{
    AccessEntry, BatchOutcome, GrantItem, Page, Paged, ShareFilter, ShareStore, Status, StoreError,
};

/// The place of a share in creation order: an index into the store's slots. Indexes hold
/// these, never copies of shares.
type Seq = u32;

/// "No log entry yet" in a log chain.
const NO_ENTRY: u32 = u32::MAX;

/// The reference [`ShareStore`]: every share and log entry in memory, behind one
/// [`RwLock`], with indexes by id, resource, sharer, recipient, recipient kind and expiry so
/// that no filtered list, "shared with me", "who has access", link lookup or sweep scans
/// every share.
///
/// Each share is stored once, in creation order; indexes hold its place (4 bytes), and the
/// texts many shares have in common (a resource, a sharer, a group) are kept once. A deleted
/// share leaves its place empty until the store compacts itself, which it does when empty
/// places outnumber shares, in time proportional to the shares it holds: amortised O(1)
/// per deletion. Reads take the lock shared, mutations exclusively, so every operation is
/// atomic. It never blocks on I/O, so an async service may call it directly.
///
/// Complexities below use `n` for the number of shares, `k` for the number of places an
/// index yields for the query, `p` for the page size and `m` for the number of index keys a
/// principal could match. Hash lookups count as O(1).
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

/// What the store knows of an id: where its share is (if it still exists) and the last log
/// entry about it. Ids of deleted shares stay, so that their log can still be read.
#[derive(Debug, Clone, Copy)]
struct IdEntry {
    /// The share's place, or `NO_ENTRY` once it is gone (kept small: one per id).
    seq: Seq,
    last_log: u32,
}

impl IdEntry {
    fn place(self) -> Option<Seq> {
        (self.seq != NO_ENTRY).then_some(self.seq)
    }
}

/// A log entry with the previous entry about the same share and the same resource, so
/// that the log is indexed by chains through itself rather than by lists per key.
#[derive(Debug)]
struct Logged {
    entry: LogEntry,
    prev_for_share: u32,
    prev_for_resource: u32,
}

#[derive(Debug, Default)]
struct State {
    /// Shares in creation order; `None` where a share was removed.
    slots: Vec<Option<Share>>,
    live: usize,
    /// One bit per place, set while a share is there: readers of index lists test this
    /// compact map rather than touch every share.
    alive: Vec<u64>,
    by_id: HashMap<ShareId, IdEntry>,
    // The lists below hold places in increasing order; places of removed shares stay in
    // them until the next compaction, and readers skip them.
    by_resource: HashMap<ResourceRef, Vec<Seq>>,
    by_sharer: HashMap<PrincipalId, Vec<Seq>>,
    // `Recipient` hashes and compares as section 3 matches: emails ignoring ASCII case, links
    // by digest; so it is its own index key.
    by_recipient: HashMap<Recipient, Vec<Seq>>,
    /// One list per recipient kind, in the order of `ShareType`.
    by_type: [Vec<Seq>; 11],
    by_expiry: BTreeSet<(DateTime<Utc>, Seq)>,
    log: Vec<Logged>,
    last_log_for_resource: HashMap<ResourceRef, u32>,
}

fn poisoned() -> StoreError {
    StoreError::Backend("memory store: the lock was poisoned by a panic in another thread".into())
}

fn full() -> StoreError {
    StoreError::Backend("memory store: more than 4 294 967 294 shares or log entries".into())
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

/// Appends a place to the list of a key, keeping one copy of the key's text for every share
/// under it; returns that copy. One hash lookup; cloning a key costs a reference count.
fn index<K: std::hash::Hash + Eq + Clone>(map: &mut HashMap<K, Vec<Seq>>, key: &K, seq: Seq) -> K {
    match map.entry(key.clone()) {
        Entry::Occupied(mut e) => {
            e.get_mut().push(seq);
            e.key().clone()
        }
        Entry::Vacant(e) => {
            let kept = e.key().clone();
            e.insert(vec![seq]);
            kept
        }
    }
}

impl State {
    fn share(&self, seq: Seq) -> Option<&Share> {
        self.slots.get(seq as usize).and_then(Option::as_ref)
    }

    fn is_live(&self, seq: Seq) -> bool {
        self.alive.get(seq as usize / 64).is_some_and(|word| word >> (seq % 64) & 1 == 1)
    }

    fn mark(&mut self, seq: Seq, live: bool) {
        let (word, bit) = (seq as usize / 64, seq % 64);
        if self.alive.len() <= word {
            self.alive.resize(word + 1, 0);
        }
        if let Some(w) = self.alive.get_mut(word) {
            if live { *w |= 1 << bit } else { *w &= !(1 << bit) }
        }
    }

    /// The live shares at the places of an index list, in creation order.
    fn live<'a>(&'a self, seqs: &'a [Seq]) -> impl Iterator<Item = (Seq, &'a Share)> + 'a {
        seqs.iter().filter_map(|&seq| self.share(seq).map(|s| (seq, s)))
    }

    /// Refuses, before anything changes, an operation that could not place its shares or log
    /// entries (past 4 294 967 294 of either), so that no mutation goes without its entry.
    fn room_for(&self, shares: usize, entries: usize) -> Result<(), StoreError> {
        let limit = NO_ENTRY as usize;
        if self.slots.len().saturating_add(shares) < limit
            && self.log.len().saturating_add(entries) < limit
        {
            Ok(())
        } else {
            Err(full())
        }
    }

    fn seq_of(&self, id: &ShareId) -> Result<Seq, StoreError> {
        self.by_id.get(id).and_then(|e| e.place()).ok_or_else(|| StoreError::NotFound(id.clone()))
    }

    /// Stores a share and returns where, refusing an id a live share has: O(1) amortised,
    /// and O(log n) more for an expiring share unless `expiry` is false (the caller then
    /// indexes expiries itself, in bulk).
    fn insert(&mut self, mut share: Share, expiry: bool) -> Result<Seq, StoreError> {
        let seq =
            Seq::try_from(self.slots.len()).ok().filter(|s| *s < u32::MAX).ok_or_else(full)?;
        match self.by_id.entry(share.id().clone()) {
            Entry::Occupied(e) if e.get().place().is_some() => {
                return Err(StoreError::AlreadyExists(e.key().clone()));
            }
            Entry::Occupied(mut e) => e.get_mut().seq = seq,
            Entry::Vacant(e) => {
                e.insert(IdEntry { seq, last_log: NO_ENTRY });
            }
        }
        let resource = index(&mut self.by_resource, share.resource(), seq);
        let sharer = index(&mut self.by_sharer, share.sharer(), seq);
        let recipient = index(&mut self.by_recipient, share.recipient(), seq);
        // Emails are equal ignoring case, links by digest: keep each share's own spelling.
        let exact = !matches!(share.recipient(), Recipient::Email { .. } | Recipient::Link(_));
        share.share_text(Some(&resource), Some(&sharer), exact.then_some(&recipient));
        self.by_type[share.recipient().share_type() as usize].push(seq);
        if let Some(expires) = share.expires().filter(|_| expiry) {
            self.by_expiry.insert((expires, seq));
        }
        self.slots.push(Some(share));
        self.mark(seq, true);
        self.live += 1;
        Ok(seq)
    }

    /// Empties a share's place. O(log n) for its expiry; index lists are cleaned at the next
    /// compaction.
    fn remove(&mut self, seq: Seq) -> Option<Share> {
        let share = self.slots.get_mut(seq as usize)?.take()?;
        self.mark(seq, false);
        self.live -= 1;
        if let Some(entry) = self.by_id.get_mut(share.id()) {
            entry.seq = NO_ENTRY;
        }
        if let Some(expires) = share.expires() {
            self.by_expiry.remove(&(expires, seq));
        }
        Some(share)
    }

    /// Replaces a share by its changed self (same id, resource, sharer and recipient).
    fn replace(&mut self, seq: Seq, next: Share) {
        if let Some(Some(slot)) = self.slots.get_mut(seq as usize) {
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

    /// Renumbers the shares densely and rebuilds every index, once empty places outnumber
    /// shares (so that its O(n) cost is amortised over as many removals).
    fn compact_if_sparse(&mut self) {
        let empty = self.slots.len() - self.live;
        if empty > 1024 && empty > self.live {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let shares: Vec<Share> = std::mem::take(&mut self.slots).into_iter().flatten().collect();
        for entry in self.by_id.values_mut() {
            entry.seq = NO_ENTRY;
        }
        // Fewer shares than before, and ids already unique: this cannot fail.
        let _ = self.insert_all(shares);
    }

    /// Stores many shares into emptied indexes, building the expiry index in one pass.
    fn insert_all(&mut self, shares: impl IntoIterator<Item = Share>) -> Result<(), StoreError> {
        self.live = 0;
        self.alive.clear();
        self.by_resource.clear();
        self.by_sharer.clear();
        self.by_recipient.clear();
        self.by_type = Default::default();
        self.by_expiry.clear();
        let shares = shares.into_iter();
        self.slots.reserve(shares.size_hint().0);
        let mut expiries = Vec::new();
        for share in shares {
            share.access().validated()?;
            let expires = share.expires();
            let seq = self.insert(share, false)?;
            if let Some(expires) = expires {
                expiries.push((expires, seq));
            }
        }
        // Built from a sorted run at once, rather than one random insertion each.
        self.by_expiry = expiries.into_iter().collect();
        Ok(())
    }

    fn log(
        &mut self,
        share: &Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
        event: LogEvent,
    ) -> Result<(), StoreError> {
        let index =
            u32::try_from(self.log.len()).ok().filter(|i| *i < NO_ENTRY).ok_or_else(full)?;
        let id_entry = self
            .by_id
            .entry(share.id().clone())
            .or_insert(IdEntry { seq: NO_ENTRY, last_log: NO_ENTRY });
        let prev_for_share = std::mem::replace(&mut id_entry.last_log, index);
        let prev_for_resource =
            self.last_log_for_resource.insert(share.resource().clone(), index).unwrap_or(NO_ENTRY);
        self.log.push(Logged {
            entry: LogEntry {
                seq: u64::from(index) + 1,
                share: share.id().clone(),
                resource: share.resource().clone(),
                actor: actor.clone(),
                at,
                event,
            },
            prev_for_share,
            prev_for_resource,
        });
        Ok(())
    }

    /// A page of the log chain ending at `last`, oldest first: O(k + p) for the `k` entries
    /// of the chain.
    fn log_page(&self, last: u32, prev: impl Fn(&Logged) -> u32, page: Page) -> Paged<LogEntry> {
        let mut chain = Vec::new();
        let mut at = last;
        while let Some(logged) = self.log.get(at as usize) {
            chain.push(at);
            at = prev(logged);
        }
        chain.reverse();
        paged(chain.iter().filter_map(|i| self.log.get(*i as usize)).map(|l| &l.entry), page)
    }

    /// The places of the shares on a resource with this recipient, oldest first: O(k) over
    /// the shorter of the resource's and the recipient's lists.
    fn on_resource_to(&self, resource: &ResourceRef, recipient: &Recipient) -> Vec<Seq> {
        let (Some(on), Some(to)) =
            (self.by_resource.get(resource), self.by_recipient.get(recipient))
        else {
            return Vec::new();
        };
        let (short, long) = if on.len() <= to.len() { (on, to) } else { (to, on) };
        self.live(short)
            .filter(|(seq, _)| long.binary_search(seq).is_ok())
            .map(|(seq, _)| seq)
            .collect()
    }

    fn grant_one(
        &mut self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        item: &GrantItem,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<BatchOutcome, StoreError> {
        let access = match item.checked_access().map_err(|e| e.to_string()) {
            Ok(access) => access,
            Err(message) => return Ok(BatchOutcome::Error { message }),
        };
        self.room_for(1, 1)?;
        let existing = self
            .on_resource_to(resource, &item.recipient)
            .into_iter()
            .find_map(|seq| self.share(seq).filter(|s| s.sharer() == sharer).map(|s| (seq, s)));
        let event = LogEvent::AccessAdded { recipient: item.recipient.clone() };
        if let Some((seq, current)) = existing {
            let patch = SharePatch::to_access(access);
            let next = match current.patched(&patch) {
                Ok((next, _)) => next.with_version(current.version().saturating_add(1)),
                Err(e) => return Ok(BatchOutcome::Error { message: e.to_string() }),
            };
            self.log(&next, actor, at, event)?;
            self.replace(seq, next.clone());
            Ok(BatchOutcome::Updated { share: next })
        } else {
            let share = Share::new(
                ShareId::random(),
                resource.clone(),
                sharer.clone(),
                item.recipient.clone(),
                access,
                at,
            );
            if self.by_id.contains_key(share.id()) {
                return Ok(BatchOutcome::Error {
                    message: format!("share: a share `{}` exists already", share.id()),
                });
            }
            self.log(&share, actor, at, event)?;
            let seq = self.insert(share, true)?;
            let share = self.share(seq).cloned().ok_or_else(full)?;
            Ok(BatchOutcome::Created { share })
        }
    }
}

fn list(seqs: Option<&Vec<Seq>>) -> &[Seq] {
    seqs.map_or(&[], Vec::as_slice)
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

    /// A store holding these shares, as they are (versions and usage kept), in the order
    /// given, with an empty log: restoring a snapshot or importing shares kept elsewhere is
    /// not a change anyone made, so nothing is logged. Fails on a repeated id, or a `custom`
    /// level with an empty set, naming it. O(n).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, MemoryStore, Page, PrincipalId, Recipient, ResourceRef, Share, ShareStore};
    ///
    /// let (folder, alice): (ResourceRef, PrincipalId) = ("folder:f1".parse()?, "alice".parse()?);
    /// let shares = (0..3)
    ///     .map(|i| Ok(Share::new(format!("s{i}").parse()?, folder.clone(), alice.clone(),
    ///         Recipient::Public, AccessLevel::Viewer, Utc::now())))
    ///     .collect::<Result<Vec<_>, shareguard::ModelError>>()?;
    /// let store = MemoryStore::load(shares)?;
    /// assert_eq!(store.len()?, 3);
    /// assert_eq!(store.log_for_resource(&"folder:f1".parse()?, Page::ALL)?.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(shares: impl IntoIterator<Item = Share>) -> Result<Self, StoreError> {
        let shares = shares.into_iter();
        let mut state = State::default();
        state.by_id.reserve(shares.size_hint().0);
        state.insert_all(shares)?;
        Ok(Self { state: RwLock::new(state) })
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
        Ok(self.read()?.live)
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
        Ok(self.read()?.live == 0)
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, State>, StoreError> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, State>, StoreError> {
        self.state.write().map_err(|_| poisoned())
    }
}

impl ShareStore for MemoryStore {
    /// O(log n) for an expiring share, O(1) amortised otherwise. The share is stored at
    /// version 1 whatever version it carries; a `custom` level with an empty set is refused
    /// as [`StoreError::Invalid`].
    fn create(
        &self,
        share: Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        share.access().validated()?;
        let mut state = self.write()?;
        if state.by_id.get(share.id()).is_some_and(|e| e.place().is_some()) {
            return Err(StoreError::AlreadyExists(share.id().clone()));
        }
        state.room_for(1, 1)?;
        let share = share.with_version(1);
        state.log(&share, actor, at, LogEvent::Created)?;
        let seq = state.insert(share, true)?;
        state.share(seq).cloned().ok_or_else(full)
    }

    /// O(1).
    fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        Ok(state.by_id.get(id).and_then(|e| e.place()).and_then(|seq| state.share(seq)).cloned())
    }

    /// O(log n) for the expiry index, with [`Share::patched`] checking the patch.
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
        state.log(&next, actor, at, LogEvent::Changed { changes })?;
        state.replace(seq, next.clone());
        Ok(next)
    }

    /// O(log n) for the expiry index; amortised O(1) for the rest.
    fn delete(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let share = state.share(seq).cloned().ok_or_else(|| StoreError::NotFound(id.clone()))?;
        state.log(&share, actor, at, LogEvent::Deleted)?;
        state.remove(seq);
        state.compact_if_sparse();
        Ok(share)
    }

    /// O(k + p): walks the shortest index list among the filter's resource, sharer,
    /// recipient, share type and public-only fields, then applies the whole filter. A filter
    /// naming none of them but `status: Expired(at)` walks the expiry index, O(e log e + p)
    /// for the `e` shares expired at `at`; only one naming nothing, or `status: Active(_)`
    /// alone, walks every share, O(n).
    fn list(&self, filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let mut candidates: Vec<&[Seq]> = Vec::new();
        if let Some(resource) = &filter.resource {
            candidates.push(list(state.by_resource.get(resource)));
        }
        if let Some(sharer) = &filter.shared_by {
            candidates.push(list(state.by_sharer.get(sharer)));
        }
        if let Some(recipient) = &filter.recipient {
            candidates.push(list(state.by_recipient.get(recipient)));
        }
        if let Some(share_type) = &filter.share_type {
            candidates.push(&state.by_type[*share_type as usize]);
        }
        let public_only = filter.public_only.then(|| {
            let public = &state.by_type[ShareType::Public as usize];
            let link = &state.by_type[ShareType::Link as usize];
            let mut seqs: Vec<Seq> = public.iter().chain(link).copied().collect();
            seqs.sort_unstable();
            seqs
        });
        if let Some(seqs) = &public_only {
            candidates.push(seqs);
        }
        let expired = match filter.status {
            Some(Status::Expired(at)) if candidates.is_empty() => {
                let mut seqs: Vec<Seq> =
                    state.by_expiry.range(..=(at, Seq::MAX)).map(|(_, seq)| *seq).collect();
                seqs.sort_unstable();
                Some(seqs)
            }
            _ => None,
        };
        if let Some(seqs) = &expired {
            candidates.push(seqs);
        }
        let accepted = |share: &&Share| filter.accepts(share);
        Ok(match candidates.into_iter().min_by_key(|seqs| seqs.len()) {
            Some(seqs) => paged(state.live(seqs).map(|(_, s)| s).filter(accepted), page),
            None => paged(state.slots.iter().flatten().filter(accepted), page),
        })
    }

    /// O(Σ k) over the resources given.
    fn shares_on(&self, resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError> {
        let state = self.read()?;
        Ok(resources
            .iter()
            .map(|resource| {
                state.by_resource.get(resource).map_or_else(Vec::new, |seqs| {
                    state.live(seqs).map(|(_, s)| s.clone()).collect()
                })
            })
            .collect())
    }

    /// O(m·(first + p) + k): looks up only the index keys the principal could match
    /// ([`Principal::recipient_keys`]: exactly the recipients that match it), counts the live
    /// places in their lists for `total` without touching the shares, and merges the lists in
    /// creation order only as far as the page. Its cost grows with the principal's shares
    /// and the page, not with the store.
    fn shared_with(
        &self,
        principal: &Principal,
        include_public: bool,
        page: Page,
    ) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let mut lists: Vec<&[Seq]> = Vec::new();
        for key in principal.recipient_keys(include_public) {
            if let Some(list) = state.by_recipient.get(&key) {
                if !lists.iter().any(|l| std::ptr::eq(*l, list.as_slice())) {
                    lists.push(list);
                }
            }
        }
        let total = lists.iter().map(|l| l.iter().filter(|seq| state.is_live(**seq)).count()).sum();
        let mut cursors = vec![0usize; lists.len()];
        let mut items = Vec::new();
        let mut index = 0usize;
        while items.len() < page.count {
            let mut next: Option<(usize, Seq)> = None;
            for (i, list) in lists.iter().enumerate() {
                while list.get(cursors[i]).is_some_and(|seq| !state.is_live(*seq)) {
                    cursors[i] += 1;
                }
                if let Some(&seq) = list.get(cursors[i]) {
                    if next.is_none_or(|(_, best)| seq < best) {
                        next = Some((i, seq));
                    }
                }
            }
            let Some((i, seq)) = next else { break };
            cursors[i] += 1;
            if index >= page.first {
                if let Some(share) = state.share(seq) {
                    debug_assert!(share.recipient().matches(principal));
                    items.push(share.clone());
                }
            }
            index += 1;
        }
        Ok(Paged { first: page.first, count: items.len(), total, items })
    }

    /// O(k).
    fn who_has_access(
        &self,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        let state = self.read()?;
        Ok(state.by_resource.get(resource).map_or_else(Vec::new, |seqs| {
            state
                .live(seqs)
                .map(|(_, share)| AccessEntry {
                    share: share.clone(),
                    active: share.is_active(now),
                })
                .collect()
        }))
    }

    /// O(i k) for `i` items, `k` the shares on the resource to one recipient.
    ///
    /// An item fails (and changes nothing) when its resolved access is `restrict` or an empty
    /// `custom` set, or its recipient is a link: links are made through the admin facade,
    /// which hands out their token. If the recipient already has several shares from this
    /// sharer on the resource, the oldest is updated.
    fn grant_batch(
        &self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        items: &[GrantItem],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut state = self.write()?;
        items.iter().map(|item| state.grant_one(resource, sharer, item, actor, at)).collect()
    }

    /// O(r k) for `r` recipients.
    fn revoke_batch(
        &self,
        resource: &ResourceRef,
        recipients: &[Recipient],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut state = self.write()?;
        state.room_for(0, state.live)?;
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
                if let Some(share) = state.share(seq).cloned() {
                    let event = LogEvent::AccessRemoved { recipient: recipient.clone() };
                    state.log(&share, actor, at, event)?;
                    state.remove(seq);
                    removed.push(share);
                }
            }
            outcomes.push(BatchOutcome::Removed { shares: removed });
        }
        state.compact_if_sparse();
        Ok(outcomes)
    }

    /// O(1). The version does not change.
    fn record_visit(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError> {
        let mut state = self.write()?;
        let seq = state.seq_of(id)?;
        let mut share =
            state.share(seq).cloned().ok_or_else(|| StoreError::NotFound(id.clone()))?;
        share.record_visit(at);
        state.log(&share, actor, at, LogEvent::Visited)?;
        state.replace(seq, share.clone());
        Ok(share)
    }

    /// O(1). Fails with [`StoreError::Invalid`] (field `share`) unless the share is a
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
        share.retrievable_token()?;
        let share = share.clone();
        state.log(&share, actor, at, LogEvent::LinkRetrieved)
    }

    /// O(1) expected: a hash lookup by digest, the digest compared in constant time.
    fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        let key = Recipient::Link(ShareLink::from_digest(*digest));
        Ok(state
            .by_recipient
            .get(&key)
            .and_then(|seqs| state.live(seqs).next())
            .map(|(_, share)| share.clone()))
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
        state.room_for(0, seqs.len())?;
        let mut swept = Vec::with_capacity(seqs.len());
        for seq in seqs {
            if let Some(share) = state.share(seq).cloned() {
                state.log(&share, actor, now, LogEvent::Expired)?;
                state.remove(seq);
                swept.push(share);
            }
        }
        state.compact_if_sparse();
        Ok(swept)
    }

    /// O(k + p) for the `k` entries about the share.
    fn log_for_share(&self, id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        let last = state.by_id.get(id).map_or(NO_ENTRY, |e| e.last_log);
        Ok(state.log_page(last, |l| l.prev_for_share, page))
    }

    /// O(k + p) for the `k` entries about the resource's shares.
    fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        let last = state.last_log_for_resource.get(resource).copied().unwrap_or(NO_ENTRY);
        Ok(state.log_page(last, |l| l.prev_for_resource, page))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccessLevel;

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

    fn share(i: usize) -> Share {
        Share::new(
            format!("s{i}").parse().unwrap(),
            format!("folder:f{}", i % 3).parse().unwrap(),
            "alice".parse().unwrap(),
            Recipient::Public,
            AccessLevel::Viewer,
            Utc::now(),
        )
        .with_expiry(Some(Utc::now()))
    }

    #[test]
    fn compaction_drops_empty_places_and_keeps_order_and_log() {
        let store = MemoryStore::new();
        let alice: PrincipalId = "alice".parse().unwrap();
        for i in 0..3000 {
            store.create(share(i), &alice, Utc::now()).unwrap();
        }
        for i in (0..3000).filter(|i| i % 10 != 0) {
            store.delete(&format!("s{i}").parse().unwrap(), &alice, Utc::now()).unwrap();
        }
        {
            let state = store.state.read().unwrap();
            assert!(state.slots.len() - state.live <= state.live.max(1024), "compacted");
            assert_eq!(state.live, 300);
            assert_eq!(state.by_expiry.len(), 300);
            let indexed: usize = state.by_resource.values().map(Vec::len).sum();
            assert!(indexed < 3000, "index lists were rebuilt");
        }
        let all = store.list(&ShareFilter::default(), Page::ALL).unwrap();
        let ids: Vec<String> = all.items.iter().map(|s| s.id().to_string()).collect();
        let expected: Vec<String> = (0..3000).step_by(10).map(|i| format!("s{i}")).collect();
        assert_eq!(ids, expected, "creation order survives compaction");
        let on_f0 = store
            .list(
                &ShareFilter {
                    resource: Some("folder:f0".parse().unwrap()),
                    ..ShareFilter::default()
                },
                Page::ALL,
            )
            .unwrap();
        assert_eq!(on_f0.total, (0..3000).step_by(10).filter(|i| i % 3 == 0).count());
        let deleted = store.log_for_share(&"s1".parse().unwrap(), Page::ALL).unwrap();
        assert_eq!(deleted.total, 2, "the log outlives the share and the compaction");
    }

    #[test]
    fn shares_keep_one_copy_of_common_texts() {
        // A name too long to be kept in place, so that each share would hold its own copy.
        let sharer: PrincipalId = "alice.liddell@wonderland.example".parse().unwrap();
        let store = MemoryStore::load((0..4).map(|i| {
            let s = share(i);
            Share::new(
                s.id().clone(),
                s.resource().clone(),
                sharer.to_string().parse().unwrap(),
                s.recipient().clone(),
                s.access(),
                s.created(),
            )
        }))
        .unwrap();
        let state = store.state.read().unwrap();
        let sharers: Vec<*const u8> =
            state.slots.iter().flatten().map(|s| s.sharer().as_str().as_ptr()).collect();
        assert!(sharers.windows(2).all(|w| w[0] == w[1]), "one copy of the sharer for all four");
    }
}
