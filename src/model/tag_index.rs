//! [`TagIndex`]: where each of a table's ids sits, found by the id's tag.

/// Where each id of a table sits, found by the id's [tag](super::Tagged): eight bytes a slot,
/// so that a lookup usually reads one cache line before the table's own entry, where a
/// `HashMap` keyed by the id reads its control bytes, then a bucket, then the entry. The
/// table keeps the ids; a lookup confirms each candidate place against it, so two ids with
/// one tag are told apart. Tags are keyed hashes, so no one can choose ids that crowd one run
/// of slots.
#[derive(Debug, Clone, Default)]
pub(crate) struct TagIndex {
    /// Open addressing with linear probing: a power of two long, at most half full, so that
    /// every probe ends at an empty slot.
    slots: Vec<Slot>,
    len: usize,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    tag: u32,
    place: u32,
}

/// The place of an empty slot; no table holds this many entries.
const EMPTY: u32 = u32::MAX;

impl TagIndex {
    /// The place of the id with `tag` for which `is(place)` holds, if the index has one.
    #[inline]
    pub(crate) fn get(&self, tag: u32, mut is: impl FnMut(u32) -> bool) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = tag as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.place == EMPTY {
                return None;
            }
            if slot.tag == tag && is(slot.place) {
                return Some(slot.place);
            }
            i = (i + 1) & mask;
        }
    }

    /// Records `place` (below `u32::MAX`) for an id with `tag` that the index does not hold:
    /// look it up first.
    pub(crate) fn insert(&mut self, tag: u32, place: u32) {
        debug_assert!(place != EMPTY, "a place of u32::MAX");
        if 2 * (self.len + 1) > self.slots.len() {
            let size = (2 * self.slots.len()).max(16);
            let old = std::mem::replace(&mut self.slots, vec![Slot { tag: 0, place: EMPTY }; size]);
            for slot in old.into_iter().filter(|s| s.place != EMPTY) {
                put(&mut self.slots, slot);
            }
        }
        put(&mut self.slots, Slot { tag, place });
        self.len += 1;
    }
}

/// Puts `slot` in the first empty slot from its tag's (there is one: the slots are at most
/// half full).
fn put(slots: &mut [Slot], slot: Slot) {
    let mask = slots.len() - 1;
    let mut i = slot.tag as usize & mask;
    while let Some(s) = slots.get_mut(i) {
        if s.place == EMPTY {
            *s = slot;
            return;
        }
        i = (i + 1) & mask;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::TagIndex;

    proptest! {
        /// The index finds what a map from ids to places finds, for ids whose tags collide
        /// (a tag space of 8 values, ids up to 200) and for ids it never held.
        #[test]
        fn finds_what_a_map_finds(ids in proptest::collection::vec(0u32..200, 0..300), probes in proptest::collection::vec(0u32..250, 0..50)) {
            let tag = |id: u32| id % 8;
            let (mut index, mut places, mut table) = (TagIndex::default(), HashMap::new(), Vec::new());
            for id in ids {
                let found = index.get(tag(id), |p| table[p as usize] == id);
                prop_assert_eq!(found, places.get(&id).copied());
                if found.is_none() {
                    let place = u32::try_from(table.len()).unwrap();
                    table.push(id);
                    index.insert(tag(id), place);
                    places.insert(id, place);
                }
            }
            for id in probes {
                prop_assert_eq!(index.get(tag(id), |p| table[p as usize] == id), places.get(&id).copied());
            }
        }
    }

    #[test]
    fn an_empty_index_finds_nothing() {
        assert_eq!(TagIndex::default().get(7, |_| true), None);
    }
}
