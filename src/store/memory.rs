//! [`MemoryStore`]: the reference adapter, indexed and thread-safe.
//!
//! Shares sit in place in one [`ShareList`] per resource, so a decision reads the shares on
//! its path where they are (no copy), through the recipient keys of the list. Every share
//! also has a number; the indexes by sharer, recipient, type and expiry hold numbers, and a
//! number leads to the share's place. Numbers of removed shares stay in the indexes by sharer
//! and type (readers skip them) until the store is compacted; the index by recipient is exact
//! and keeps each recipient's numbers in share-id order, so that a page of "shared with me"
//! reads only its own shares and its total is a sum of list lengths.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{ById, TagIndex, Tagged};
use crate::model::{
    LinkDigest, LogEntry, LogEvent, PrincipalId, Recipient, ResourceRef, Revision, Share, ShareId,
    ShareLink, ShareType,
};
use crate::policy::ShareList;

use super::plan::{self, Effect};
use super::{
    Applied, Cursor, Page, Paged, PathReader, PathShares, Precondition, ShareFilter, ShareState,
    ShareStore, StoreError, Write,
};

type Number = u32;

/// A share's number with the first eight bytes of its id (zero-padded), in the recipient
/// index: lists are kept in id order by comparing these, and read a share only on a tie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Keyed {
    prefix: [u8; 8],
    n: Number,
}

/// The first eight bytes of an id, zero-padded: ordered as the ids are, ties aside (a zero
/// pad sorts before every byte, as a shorter text sorts before its extensions).
fn prefix(id: &str) -> [u8; 8] {
    let mut prefix = [0; 8];
    for (slot, b) in prefix.iter_mut().zip(id.as_bytes()) {
        *slot = *b;
    }
    prefix
}

const NONE: u32 = u32::MAX;
static EMPTY: ShareList = ShareList::new();

/// The reference [`ShareStore`]: every share in memory, indexed for each query of the port,
/// behind one reader-writer lock. Every call completes at once, without waiting on anything
/// but that lock, so a synchronous caller drives it with any `block_on`.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore};
///
/// let store = MemoryStore::new();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// // Synchronous use, in one line:
/// let created = pollster::block_on(store.create(share, &"alice".parse()?, Utc::now()))?;
/// assert_eq!((created.share.version(), store.len()?), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: RwLock<State>,
}

/// Where a live share is, and its newest log entry.
#[derive(Debug, Clone, Copy)]
struct Place {
    resource: u32,
    index: u32,
    last_log: u32,
}

const FREE: Place = Place { resource: NONE, index: NONE, last_log: NONE };

/// What a read of the resource's shares needs comes first: its id (which confirms the index's
/// place) and its list, the first 80 of the shelf's 128 bytes, two aligned cache lines.
#[derive(Debug)]
#[repr(C, align(64))]
struct Shelf {
    resource: ResourceRef,
    shares: ShareList,
    numbers: Vec<Number>,
    revision: Revision,
    last_log: u32,
}

const _: () = assert!(std::mem::size_of::<Shelf>() == 128);

#[derive(Debug)]
struct Logged {
    entry: LogEntry,
    prev_for_share: u32,
    prev_for_resource: u32,
}

#[derive(Debug, Default)]
struct State {
    revision: Revision,
    shelves: Vec<Shelf>,
    /// Each resource's shelf.
    shelf_index: TagIndex,
    by_id: BTreeMap<ShareId, Number>,
    places: Vec<Place>,
    live: usize,
    by_sharer: HashMap<PrincipalId, Vec<Number>, ById>,
    // `Recipient` hashes and compares as section 3 matches: emails ignoring ASCII case, links
    // by digest; so it is its own index key. Each list holds exactly the live shares under
    // its key, in share-id order.
    by_recipient: HashMap<Recipient, Vec<Keyed>>,
    by_type: [Vec<Number>; 11],
    by_expiry: BTreeSet<(DateTime<Utc>, Number)>,
    log: Vec<Logged>,
    // The newest log entry of shares no longer stored, for their log.
    gone: HashMap<ShareId, u32, ById>,
}

fn poisoned() -> StoreError {
    StoreError::Backend("memory store: the lock was poisoned by a panic in another thread".into())
}

fn full() -> StoreError {
    StoreError::Backend("memory store: more than 4 294 967 294 shares or log entries".into())
}

/// Adds `n` under `key` at the place `at` picks in its list, and returns the map's own copy
/// of the key (so that shares can hold one copy of each text).
fn index<K: std::hash::Hash + Eq + Clone, T, H: std::hash::BuildHasher>(
    map: &mut HashMap<K, Vec<T>, H>,
    key: &K,
    n: T,
    at: impl FnOnce(&[T]) -> usize,
) -> K {
    match map.entry(key.clone()) {
        Entry::Occupied(mut e) => {
            let list = e.get_mut();
            let at = at(list).min(list.len());
            list.insert(at, n);
            e.key().clone()
        }
        Entry::Vacant(e) => {
            let kept = e.key().clone();
            e.insert(vec![n]);
            kept
        }
    }
}

impl State {
    fn place(&self, n: Number) -> Option<Place> {
        self.places.get(n as usize).copied().filter(|p| p.resource != NONE)
    }

    fn share(&self, n: Number) -> Option<&Share> {
        share_at(&self.places, &self.shelves, n)
    }

    fn number(&self, id: &ShareId) -> Option<Number> {
        self.by_id.get(id).copied()
    }

    fn shares<'a>(&'a self, numbers: &'a [Number]) -> impl Iterator<Item = &'a Share> + 'a {
        numbers.iter().filter_map(|&n| self.share(n))
    }

    fn revision_of(&self, resource: &ResourceRef) -> Revision {
        self.shelf_of(resource).map_or(Revision::ZERO, |shelf| shelf.revision)
    }

    fn shelf_number(&self, resource: &ResourceRef) -> Option<u32> {
        self.shelf_index.get(resource.tag(), |s| {
            self.shelves.get(s as usize).is_some_and(|shelf| shelf.resource == *resource)
        })
    }

    fn shelf_of(&self, resource: &ResourceRef) -> Option<&Shelf> {
        self.shelves.get(self.shelf_number(resource)? as usize)
    }

    /// The shares on the resource, for a path read.
    fn view<'a>(&'a self, resource: &'a ResourceRef) -> PathShares<'a> {
        match self.shelf_of(resource) {
            Some(shelf) => PathShares { resource, shares: &shelf.shares, revision: shelf.revision },
            None => PathShares { resource, shares: &EMPTY, revision: Revision::ZERO },
        }
    }

    /// The resource's shelf, made if it has none.
    fn shelf(&mut self, resource: &ResourceRef) -> Result<u32, StoreError> {
        if let Some(s) = self.shelf_number(resource) {
            return Ok(s);
        }
        let s = u32::try_from(self.shelves.len()).ok().filter(|s| *s < NONE).ok_or_else(full)?;
        self.shelves.push(Shelf {
            resource: resource.clone(),
            shares: ShareList::new(),
            numbers: Vec::new(),
            revision: Revision::ZERO,
            last_log: NONE,
        });
        self.shelf_index.insert(resource.tag(), s);
        Ok(s)
    }

    fn insert(&mut self, mut share: Share, last_log: u32) -> Result<Number, StoreError> {
        let n = Number::try_from(self.places.len()).ok().filter(|n| *n < NONE).ok_or_else(full)?;
        let s = self.shelf(share.resource())?;
        let (places, shelves) = (&self.places, &self.shelves);
        let (sharer, recipient) = index_share(
            &mut self.by_sharer,
            &mut self.by_recipient,
            &mut self.by_type,
            &share,
            n,
            |list| id_position(list, share.id(), places, shelves),
        );
        // Emails are equal ignoring case, links by digest: keep each share's own spelling.
        let exact = !matches!(share.recipient(), Recipient::Email { .. } | Recipient::Link(_));
        let shelf = self.shelves.get_mut(s as usize).ok_or_else(full)?;
        share.share_text(Some(&shelf.resource), Some(&sharer), exact.then_some(&recipient));
        let index = u32::try_from(shelf.shares.len()).map_err(|_| full())?;
        if let Some(expires) = share.expires() {
            self.by_expiry.insert((expires, n));
        }
        self.by_id.insert(share.id().clone(), n);
        shelf.shares.push(share);
        shelf.numbers.push(n);
        self.places.push(Place { resource: s, index, last_log });
        self.live += 1;
        Ok(n)
    }

    fn replace(&mut self, n: Number, next: Share) -> Result<(), StoreError> {
        let place = self.place(n).ok_or_else(|| StoreError::NotFound(next.id().clone()))?;
        let shelf = self.shelves.get_mut(place.resource as usize).ok_or_else(full)?;
        let old_expiry = shelf.shares.get(place.index as usize).and_then(Share::expires);
        let new_expiry = next.expires();
        shelf
            .shares
            .replace(place.index as usize, next)
            .map_err(|s| StoreError::NotFound(s.id().clone()))?;
        if old_expiry != new_expiry {
            if let Some(old) = old_expiry {
                self.by_expiry.remove(&(old, n));
            }
            if let Some(new) = new_expiry {
                self.by_expiry.insert((new, n));
            }
        }
        Ok(())
    }

    /// Takes `n` out of its recipient's list, while its share is still on its shelf.
    fn unindex_recipient(&mut self, n: Number) {
        let (places, shelves) = (&self.places, &self.shelves);
        let Some(share) = share_at(places, shelves, n) else { return };
        let key = index_key(share.recipient());
        let Some(list) = self.by_recipient.get_mut(key.as_ref()) else { return };
        let at = list
            .binary_search_by(|k| keyed_cmp(k, share.id().as_str(), places, shelves))
            .ok()
            .filter(|&i| list.get(i).is_some_and(|k| k.n == n))
            .or_else(|| list.iter().position(|k| k.n == n));
        if let Some(at) = at {
            list.remove(at);
        }
        if list.is_empty() {
            self.by_recipient.remove(key.as_ref());
        }
    }

    fn remove(&mut self, n: Number) -> Result<Share, StoreError> {
        let place = self.place(n).ok_or_else(full)?;
        self.unindex_recipient(n);
        let shelf = self.shelves.get_mut(place.resource as usize).ok_or_else(full)?;
        let at = place.index as usize;
        let share = shelf.shares.remove(at).ok_or_else(full)?;
        if at < shelf.numbers.len() {
            shelf.numbers.remove(at);
        }
        for (i, &later) in shelf.numbers.iter().enumerate().skip(at) {
            if let Some(p) = self.places.get_mut(later as usize) {
                p.index = u32::try_from(i).map_err(|_| full())?;
            }
        }
        if let Some(p) = self.places.get_mut(n as usize) {
            *p = FREE;
        }
        self.by_id.remove(share.id());
        self.gone.insert(share.id().clone(), place.last_log);
        if let Some(expires) = share.expires() {
            self.by_expiry.remove(&(expires, n));
        }
        self.live -= 1;
        Ok(share)
    }

    /// Applies a planned effect, logs it at the next revision, and moves the revision on.
    fn commit(
        &mut self,
        effect: Effect,
        current: Option<Number>,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let log_index =
            u32::try_from(self.log.len()).ok().filter(|i| *i < NONE - 1).ok_or_else(full)?;
        if self.places.len() >= (NONE - 1) as usize {
            return Err(full());
        }
        let revision = self.revision.next();
        let entry = effect.log_entry(revision, actor, at);
        let s = self.shelf(effect.share().resource())?;
        let prev_for_share = match current.and_then(|n| self.place(n)) {
            Some(place) => place.last_log,
            None => NONE, // a new share starts a log of its own, even under a reused id
        };
        let share = match effect {
            Effect::Insert { share, .. } => {
                self.gone.remove(share.id());
                self.insert(share.clone(), log_index)?;
                share
            }
            Effect::Replace { share, .. } => {
                let n = current.ok_or_else(|| StoreError::NotFound(share.id().clone()))?;
                self.replace(n, share.clone())?;
                if let Some(p) = self.places.get_mut(n as usize) {
                    p.last_log = log_index;
                }
                share
            }
            Effect::Remove { share, .. } => {
                let n = current.ok_or_else(|| StoreError::NotFound(share.id().clone()))?;
                if let Some(p) = self.places.get_mut(n as usize) {
                    p.last_log = log_index;
                }
                self.remove(n)?;
                self.compact_if_sparse();
                share
            }
        };
        let shelf = self.shelves.get_mut(s as usize).ok_or_else(full)?;
        let prev_for_resource = std::mem::replace(&mut shelf.last_log, log_index);
        shelf.revision = revision;
        self.log.push(Logged { entry, prev_for_share, prev_for_resource });
        self.revision = revision;
        Ok(Applied { share, revision })
    }

    /// Logs an entry about a resource (no share) at the next revision.
    fn note(
        &mut self,
        resource: &ResourceRef,
        event: LogEvent,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let log_index =
            u32::try_from(self.log.len()).ok().filter(|i| *i < NONE - 1).ok_or_else(full)?;
        let revision = self.revision.next();
        let s = self.shelf(resource)?;
        let shelf = self.shelves.get_mut(s as usize).ok_or_else(full)?;
        let prev_for_resource = std::mem::replace(&mut shelf.last_log, log_index);
        shelf.revision = revision;
        let entry = LogEntry {
            revision,
            share: None,
            resource: resource.clone(),
            actor: actor.clone(),
            at,
            event,
        };
        self.log.push(Logged { entry, prev_for_share: NONE, prev_for_resource });
        self.revision = revision;
        Ok(revision)
    }

    fn compact_if_sparse(&mut self) {
        let empty = self.places.len() - self.live;
        if empty > 1024 && empty > self.live {
            self.compact();
        }
    }

    /// Numbers every live share afresh and renumbers the indexes in place (keeping their
    /// order: the recipient lists stay in share-id order), dropping removed shares' numbers.
    fn compact(&mut self) {
        let old = std::mem::take(&mut self.places);
        let mut fresh_of = vec![NONE; old.len()];
        for (s, shelf) in self.shelves.iter_mut().enumerate() {
            for (i, n) in shelf.numbers.iter_mut().enumerate() {
                let last_log = old.get(*n as usize).map_or(NONE, |p| p.last_log);
                // Fewer numbers than before, all below `NONE`: these conversions hold.
                let fresh = u32::try_from(self.places.len()).unwrap_or(NONE);
                if let Some(slot) = fresh_of.get_mut(*n as usize) {
                    *slot = fresh;
                }
                *n = fresh;
                self.places.push(Place {
                    resource: u32::try_from(s).unwrap_or(NONE),
                    index: u32::try_from(i).unwrap_or(NONE),
                    last_log,
                });
            }
        }
        let fresh = |n: Number| fresh_of.get(n as usize).copied().filter(|f| *f != NONE);
        let renumber = |list: &mut Vec<Number>| {
            list.retain_mut(|n| fresh(*n).map(|f| *n = f).is_some());
            list.shrink_to_fit();
        };
        self.by_sharer.values_mut().for_each(renumber);
        for list in self.by_recipient.values_mut() {
            list.retain_mut(|k| fresh(k.n).map(|f| k.n = f).is_some());
            list.shrink_to_fit();
        }
        self.by_type.iter_mut().for_each(renumber);
        self.by_sharer.retain(|_, list| !list.is_empty());
        self.by_recipient.retain(|_, list| !list.is_empty());
        let expiring = std::mem::take(&mut self.by_expiry);
        self.by_expiry = expiring.into_iter().filter_map(|(at, n)| Some((at, fresh(n)?))).collect();
        for slot in self.by_id.values_mut() {
            *slot = fresh(*slot).unwrap_or(NONE);
        }
    }

    fn log_chain(&self, mut at: u32, prev: impl Fn(&Logged) -> u32) -> Vec<&LogEntry> {
        let mut chain = Vec::new();
        while let Some(logged) = self.log.get(at as usize) {
            chain.push(&logged.entry);
            at = prev(logged);
        }
        chain.reverse();
        chain
    }
}

/// The share numbered `n`, if it is live.
fn share_at<'a>(places: &[Place], shelves: &'a [Shelf], n: Number) -> Option<&'a Share> {
    let place = places.get(n as usize).filter(|p| p.resource != NONE)?;
    shelves.get(place.resource as usize)?.shares.get(place.index as usize)
}

/// How a recipient list's entry orders against an id: by the prefixes, then (on a tie) by
/// the entry's share's id.
fn keyed_cmp(k: &Keyed, id: &str, places: &[Place], shelves: &[Shelf]) -> std::cmp::Ordering {
    k.prefix
        .cmp(&prefix(id))
        .then_with(|| share_at(places, shelves, k.n).map(|s| s.id().as_str()).cmp(&Some(id)))
}

/// Where a share with this id goes in a recipient list kept in share-id order.
fn id_position(list: &[Keyed], id: &ShareId, places: &[Place], shelves: &[Shelf]) -> usize {
    list.partition_point(|k| keyed_cmp(k, id.as_str(), places, shelves).is_lt())
}

/// Indexes share `n` by type, sharer and recipient (at the place `at` picks in the
/// recipient's list); returns the sharer and recipient keys the maps hold.
fn index_share(
    by_sharer: &mut HashMap<PrincipalId, Vec<Number>, ById>,
    by_recipient: &mut HashMap<Recipient, Vec<Keyed>>,
    by_type: &mut [Vec<Number>; 11],
    share: &Share,
    n: Number,
    at: impl FnOnce(&[Keyed]) -> usize,
) -> (PrincipalId, Recipient) {
    if let Some(list) = by_type.get_mut(share.recipient().share_type() as usize) {
        list.push(n);
    }
    let sharer = index(by_sharer, share.sharer(), n, <[Number]>::len);
    let keyed = Keyed { prefix: prefix(share.id().as_str()), n };
    (sharer, index(by_recipient, &index_key(share.recipient()), keyed, at))
}

/// A recipient as the recipient index keys it: as section 3 matches, but a link by its digest
/// alone (its audience and any kept token aside), as a presented token finds it.
fn index_key(recipient: &Recipient) -> std::borrow::Cow<'_, Recipient> {
    match recipient {
        Recipient::Link(link) => {
            std::borrow::Cow::Owned(Recipient::Link(ShareLink::from_digest(*link.digest())))
        }
        other => std::borrow::Cow::Borrowed(other),
    }
}

fn numbers(list: Option<&Vec<Number>>) -> &[Number] {
    list.map_or(&[], Vec::as_slice)
}

/// A page of shares out of an unordered set of distinct candidates: by id, after the cursor.
/// Linear in the candidates: only the page is sorted and cloned.
fn page_of<'a>(shares: impl Iterator<Item = &'a Share>, page: &Page) -> Paged<Share> {
    let after = page.after.as_ref().map(Cursor::key);
    let mut total = 0usize;
    let mut rest: Vec<&Share> = shares
        .inspect(|_| total += 1)
        .filter(|s| after.is_none_or(|a| s.id().as_str() > a))
        .collect();
    let by_id = |a: &&Share, b: &&Share| a.id().cmp(b.id());
    let more = rest.len() > page.count;
    if more {
        rest.select_nth_unstable_by(page.count, by_id);
        rest.truncate(page.count);
    }
    rest.sort_unstable_by(by_id);
    let items: Vec<Share> = rest.into_iter().cloned().collect();
    let next = if more { items.last().map(|s| Cursor::after(s.id().as_str())) } else { None };
    Paged { items, total, next }
}

fn log_page(entries: Vec<&LogEntry>, page: &Page) -> Paged<LogEntry> {
    let total = entries.len();
    let after = page.after.as_ref().and_then(Cursor::revision).unwrap_or(Revision::ZERO);
    let start = entries.partition_point(|e| e.revision <= after);
    let rest = entries.get(start..).unwrap_or_default();
    let items: Vec<LogEntry> = rest.iter().take(page.count).map(|e| (*e).clone()).collect();
    let next = (rest.len() > items.len())
        .then(|| items.last().map(|e| Cursor::after(e.revision.to_string())))
        .flatten();
    Paged { items, total, next }
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// use shareguard::MemoryStore;
    ///
    /// assert!(MemoryStore::new().is_empty()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding these shares, as they are (versions and usage kept), with an empty log
    /// and at revision zero: restoring a snapshot or importing shares kept elsewhere is not a
    /// change anyone made, so nothing is logged. Fails on a repeated id, or a `custom` level
    /// with an empty set, naming it. O(n log n).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore};
    /// use shareguard::store::Page;
    ///
    /// let shares = (0..3)
    ///     .map(|i| Ok(Share::new(format!("s{i}").parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///         Recipient::Public, AccessLevel::Viewer, Utc::now())))
    ///     .collect::<Result<Vec<_>, shareguard::ModelError>>()?;
    /// let store = MemoryStore::load(shares)?;
    /// assert_eq!(store.len()?, 3);
    /// let log = pollster::block_on(store.log_for_resource(&"folder:f1".parse()?, &Page::ALL))?;
    /// assert_eq!(log.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(shares: impl IntoIterator<Item = Share>) -> Result<Self, StoreError> {
        let mut shares: Vec<Share> = shares.into_iter().collect();
        for share in &shares {
            share.access().validated()?;
        }
        let count = u32::try_from(shares.len()).ok().filter(|c| *c < NONE).ok_or_else(full)?;
        // Numbers in share-id order: every index list is then built in id order by appending
        // (the recipient lists must be), and the id map from one sorted run (full nodes).
        let mut ids: Vec<(ShareId, u32)> =
            shares.iter().zip(0..count).map(|(s, given)| (s.id().clone(), given)).collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some((a, _)) = ids.iter().zip(ids.iter().skip(1)).find(|(a, b)| a.0 == b.0) {
            return Err(StoreError::AlreadyExists(a.0.clone()));
        }
        let mut state = State::default();
        let mut number_of = vec![NONE; shares.len()];
        let mut shelf_of_share = vec![NONE; shares.len()];
        let mut per_shelf: Vec<usize> = Vec::new();
        let mut expiring = Vec::new();
        for (n, (_, given)) in (0..count).zip(&ids) {
            let given = *given as usize;
            let (Some(share), Some(number), Some(shelf)) =
                (shares.get_mut(given), number_of.get_mut(given), shelf_of_share.get_mut(given))
            else {
                continue;
            };
            let s = state.shelf(share.resource())?;
            (*number, *shelf) = (n, s);
            match per_shelf.get_mut(s as usize) {
                Some(c) => *c += 1,
                None => per_shelf.push(1),
            }
            let (sharer, recipient) = index_share(
                &mut state.by_sharer,
                &mut state.by_recipient,
                &mut state.by_type,
                share,
                n,
                <[Keyed]>::len,
            );
            let exact = !matches!(share.recipient(), Recipient::Email { .. } | Recipient::Link(_));
            let resource = state.shelves.get(s as usize).map(|shelf| &shelf.resource);
            share.share_text(resource, Some(&sharer), exact.then_some(&recipient));
            if let Some(expires) = share.expires() {
                expiring.push((expires, n));
            }
        }
        // Each shelf holds what it was given, in the order given, without spare room.
        for (shelf, &c) in state.shelves.iter_mut().zip(&per_shelf) {
            shelf.shares.reserve_exact(c);
            shelf.numbers.reserve_exact(c);
        }
        state.places = vec![FREE; shares.len()];
        for ((share, n), s) in shares.into_iter().zip(number_of).zip(shelf_of_share) {
            let (Some(shelf), Some(place)) =
                (state.shelves.get_mut(s as usize), state.places.get_mut(n as usize))
            else {
                continue;
            };
            let index = u32::try_from(shelf.shares.len()).map_err(|_| full())?;
            shelf.shares.push(share);
            shelf.numbers.push(n);
            *place = Place { resource: s, index, last_log: NONE };
            state.live += 1;
        }
        state.by_id = ids.into_iter().zip(0..).map(|((id, _), n)| (id, n)).collect();
        state.by_expiry = expiring.into_iter().collect();
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

    /// [`ShareStore::read_path`] without the future: the reader runs under the read lock.
    pub(crate) fn read_path_now<R, Id: std::borrow::Borrow<ResourceRef>>(
        &self,
        resources: &[Id],
        at_least: Revision,
        read: impl FnOnce(&[PathShares<'_>]) -> R,
    ) -> Result<R, StoreError> {
        let state = self.read()?;
        if state.revision < at_least {
            return Err(StoreError::NotYet { wanted: at_least, actual: state.revision });
        }
        let view =
            |resource| state.view(<Id as std::borrow::Borrow<ResourceRef>>::borrow(resource));
        // Paths are short: their views go on the stack, not in a fresh `Vec`.
        Ok(match resources {
            [a] => read(&[view(a)]),
            [a, b] => read(&[view(a), view(b)]),
            [a, b, c] => read(&[view(a), view(b), view(c)]),
            _ => read(&resources.iter().map(view).collect::<Vec<_>>()),
        })
    }
}

#[async_trait]
impl ShareStore for MemoryStore {
    async fn apply(
        &self,
        write: Write,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut state = self.write()?;
        pre.check(|resource| state.revision_of(resource))?;
        let number = write.share_id().and_then(|id| state.number(id));
        let current = number.and_then(|n| state.share(n));
        let effect = plan::prepare(write, current, at)?;
        state.commit(effect, number, actor, at)
    }

    async fn note(
        &self,
        resource: &ResourceRef,
        event: LogEvent,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let mut state = self.write()?;
        pre.check(|resource| state.revision_of(resource))?;
        state.note(resource, event, actor, at)
    }

    async fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        Ok(state.number(id).and_then(|n| state.share(n)).cloned())
    }

    async fn read_path(
        &self,
        resources: &[ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Result<(), StoreError> {
        self.read_path_now(resources, at_least, |views| read(views))
    }

    fn read_path_ready(
        &self,
        resources: &[&ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Option<Result<(), StoreError>> {
        Some(self.read_path_now(resources, at_least, |views| read(views)))
    }

    async fn shares_reaching(
        &self,
        principal: &crate::model::Principal,
        include_public: bool,
        page: &Page,
    ) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let mut keys = principal.recipient_keys(include_public);
        // Each share is under exactly one key: distinct keys give distinct shares.
        let mut seen = Vec::with_capacity(keys.len());
        keys.retain(|k| {
            let first = !seen.contains(k);
            if first {
                seen.push(k.clone());
            }
            first
        });
        let reaches = |share: &Share| share.recipient().matches(principal);
        // Each key's shares in id order. Under every key but a link's, each share matches
        // (the keys are the principal's own): those count by their list's length. A link's
        // audience may refuse the principal: its shares (few) are read.
        let mut runs: Vec<(&[Keyed], bool)> = keys
            .iter()
            .filter_map(|key| {
                let list = state.by_recipient.get(key)?;
                Some((list.as_slice(), !matches!(key, Recipient::Link(_))))
            })
            .collect();
        let total = runs
            .iter()
            .map(|&(list, all)| {
                if all {
                    list.len()
                } else {
                    list.iter().filter_map(|k| state.share(k.n)).filter(|s| reaches(s)).count()
                }
            })
            .sum();
        if let Some(after) = page.after.as_ref().map(Cursor::key) {
            for (list, _) in &mut runs {
                let start = list.partition_point(|k| {
                    keyed_cmp(k, after, &state.places, &state.shelves).is_le()
                });
                *list = list.get(start..).unwrap_or_default();
            }
        }
        // Merge the runs by id as far as the page (and one more, to know there is more).
        let mut items = Vec::with_capacity(page.count.min(total));
        let mut more = false;
        loop {
            let mut first: Option<(usize, &Share)> = None;
            for (i, (list, all)) in runs.iter_mut().enumerate() {
                while let Some((k, rest)) = list.split_first() {
                    match state.share(k.n) {
                        Some(share) if *all || reaches(share) => {
                            if first.is_none_or(|(_, f)| share.id() < f.id()) {
                                first = Some((i, share));
                            }
                            break;
                        }
                        _ => *list = rest,
                    }
                }
            }
            let Some((i, share)) = first else { break };
            if items.len() == page.count {
                more = true;
                break;
            }
            items.push(share.clone());
            if let Some((list, _)) = runs.get_mut(i) {
                *list = list.get(1..).unwrap_or_default();
            }
        }
        let next =
            if more { items.last().map(|s: &Share| Cursor::after(s.id().as_str())) } else { None };
        Ok(Paged { items, total, next })
    }

    async fn list(&self, filter: &ShareFilter, page: &Page) -> Result<Paged<Share>, StoreError> {
        let state = self.read()?;
        let recipient_numbers: Vec<Number>;
        let mut candidates: Vec<&[Number]> = Vec::new();
        if let Some(resource) = &filter.resource {
            let shelf = state.shelf_of(resource);
            candidates.push(shelf.map_or(&[][..], |s| s.numbers.as_slice()));
        }
        if let Some(sharer) = &filter.shared_by {
            candidates.push(numbers(state.by_sharer.get(sharer)));
        }
        if let Some(recipient) = &filter.recipient {
            let keyed = state.by_recipient.get(index_key(recipient).as_ref());
            recipient_numbers = keyed.into_iter().flatten().map(|k| k.n).collect();
            candidates.push(&recipient_numbers);
        }
        if let Some(share_type) = filter.share_type {
            candidates.push(numbers(state.by_type.get(share_type as usize)));
        }
        let public: Vec<Number>;
        if filter.public_only {
            public = [ShareType::Public, ShareType::Link]
                .iter()
                .filter_map(|t| state.by_type.get(*t as usize))
                .flatten()
                .copied()
                .collect();
            candidates.push(&public);
        }
        let expired: Vec<Number>;
        if let (Some((ShareState::Expired, at)), true) = (filter.state, candidates.is_empty()) {
            // Expired by time, and the used-up links not among them (used up is expired).
            let used_up = numbers(state.by_type.get(ShareType::Link as usize)).iter().filter(|n| {
                state
                    .share(**n)
                    .is_some_and(|s| s.is_used_up() && s.expires().is_none_or(|e| e > at))
            });
            expired = state
                .by_expiry
                .range(..=(at, Number::MAX))
                .map(|(_, n)| *n)
                .chain(used_up.copied())
                .collect();
            candidates.push(&expired);
        }
        if let Some(numbers) = candidates.into_iter().min_by_key(|c| c.len()) {
            return Ok(page_of(state.shares(numbers).filter(|s| filter.accepts(s)), page));
        }
        // No index narrows it: the shares in id order, after the cursor, read only as far as
        // the page needs; the total without reading them all, unless a state is asked for
        // (pending, scheduled and used-up shares have no count of their own to subtract).
        let total = match filter.state {
            None => state.live,
            Some(_) => state
                .by_id
                .values()
                .filter_map(|n| state.share(*n))
                .filter(|s| filter.accepts(s))
                .count(),
        };
        let after: Option<ShareId> = page.after.as_ref().map(|c| c.key().parse()).transpose()?;
        let lower = after.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
        let mut items = Vec::new();
        let mut more = false;
        for (_, &n) in state.by_id.range((lower, Bound::Unbounded)) {
            let Some(share) = state.share(n).filter(|s| filter.accepts(s)) else { continue };
            if items.len() == page.count {
                more = true;
                break;
            }
            items.push(share.clone());
        }
        let next =
            if more { items.last().map(|s: &Share| Cursor::after(s.id().as_str())) } else { None };
        Ok(Paged { items, total, next })
    }

    async fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
        let state = self.read()?;
        let key = Recipient::Link(ShareLink::from_digest(*digest));
        let first =
            state.by_recipient.get(&key).into_iter().flatten().find_map(|k| state.share(k.n));
        Ok(first.cloned())
    }

    async fn log_for_share(
        &self,
        id: &ShareId,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        let last = match state.number(id).and_then(|n| state.place(n)) {
            Some(place) => place.last_log,
            None => state.gone.get(id).copied().unwrap_or(NONE),
        };
        Ok(log_page(state.log_chain(last, |l| l.prev_for_share), page))
    }

    async fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError> {
        let state = self.read()?;
        let last = state.shelf_of(resource).map_or(NONE, |shelf| shelf.last_log);
        Ok(log_page(state.log_chain(last, |l| l.prev_for_resource), page))
    }

    async fn changes_since(
        &self,
        after: Revision,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError> {
        let state = self.read()?;
        // One entry per write, at revision = its place + 1.
        let start = usize::try_from(after.get()).unwrap_or(usize::MAX);
        Ok(state.log.iter().skip(start).take(limit).map(|l| l.entry.clone()).collect())
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        Ok(self.read()?.revision)
    }

    async fn expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Share>, StoreError> {
        let state = self.read()?;
        // The port lists them by share id, not by expiry: the first `limit` ids.
        let used_up =
            state.shares(&state.by_type[ShareType::Link as usize]).filter(|s| s.is_used_up());
        let mut expired: Vec<&Share> = state
            .by_expiry
            .range(..=(now, Number::MAX))
            .filter_map(|(_, n)| state.share(*n))
            .filter(|s| !s.is_used_up())
            .chain(used_up)
            .collect();
        expired.sort_unstable_by(|a, b| a.id().cmp(b.id()));
        Ok(expired.into_iter().take(limit).cloned().collect())
    }
}
