//! The hand-written baseline: what a careful engineer writes for exactly this workload and
//! nothing else. `u32` ids; the shares of every document and of every folder in one flat
//! array, each target's shares contiguous and found by its start and end; each user's
//! transitive groups as a sorted run of one flat array; and a scan of the ~22 shares on the
//! path. A decision touches a handful of cache lines: the document's entry (its range and
//! its folder), its shares, the folder's range and shares, and the user's groups.

use crate::workload::{Action, Level, Who, Workload};

const VIEW: u8 = 1;
const COMMENT: u8 = 2;
const EDIT: u8 = 4;
const DELETE: u8 = 8;
const MANAGE_ACCESS: u8 = 16;

fn mask(level: Option<Level>) -> u8 {
    match level {
        None => 0,
        Some(Level::Viewer) => VIEW,
        Some(Level::Commenter) => VIEW | COMMENT,
        Some(Level::Editor) => VIEW | COMMENT | EDIT,
        Some(Level::Manager) => VIEW | COMMENT | EDIT | DELETE | MANAGE_ACCESS,
    }
}

pub fn needed(action: Action) -> u8 {
    match action {
        Action::View => VIEW,
        Action::Comment => COMMENT,
        Action::Edit => EDIT,
        Action::Delete => DELETE,
        Action::ManageAccess => MANAGE_ACCESS,
    }
}

/// 16 bytes: recipient (group bit + index), permission mask (0 = restrict), expiry.
#[derive(Clone, Copy)]
struct Compact {
    /// The high bit marks a group.
    who: u32,
    mask: u8,
    /// Seconds since the epoch; `i64::MAX` for none.
    expires: i64,
}

const GROUP: u32 = 1 << 31;

/// A document: where its shares are in `Baseline::shares`, and its folder (one cache line
/// for all three).
#[derive(Clone, Copy)]
struct Doc {
    start: u32,
    end: u32,
    folder: u32,
}

pub struct Baseline {
    docs: Vec<Doc>,
    /// Folder `f`'s shares are `shares[folder_start[f]..folder_start[f + 1]]`.
    folder_start: Vec<u32>,
    shares: Vec<Compact>,
    /// User `u`'s groups are `groups[group_start[u]..group_start[u + 1]]`, sorted.
    group_start: Vec<u32>,
    groups: Vec<u32>,
}

fn index(n: usize) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| panic!("the baseline holds at most 2^32 items, not {n}"))
}

impl Baseline {
    pub fn build(w: &Workload) -> Self {
        let compact = |i: &u32| {
            let s = &w.shares[*i as usize];
            Compact {
                who: match s.who {
                    Who::User(u) => u,
                    Who::Group(g) => g | GROUP,
                },
                mask: mask(s.level),
                expires: s.expires.unwrap_or(i64::MAX),
            }
        };
        let (on_doc, on_folder) = w.shares_by_target();
        let mut shares = Vec::with_capacity(w.shares.len());
        let mut docs = Vec::with_capacity(on_doc.len());
        for (d, on) in on_doc.iter().enumerate() {
            let start = index(shares.len());
            shares.extend(on.iter().map(compact));
            docs.push(Doc { start, end: index(shares.len()), folder: w.doc_folder[d] });
        }
        let mut folder_start = Vec::with_capacity(on_folder.len() + 1);
        for on in &on_folder {
            folder_start.push(index(shares.len()));
            shares.extend(on.iter().map(compact));
        }
        folder_start.push(index(shares.len()));
        let (mut group_start, mut groups) = (Vec::with_capacity(w.users + 1), Vec::new());
        for u in 0..w.users as u32 {
            group_start.push(index(groups.len()));
            groups.extend(w.transitive_groups(u));
        }
        group_start.push(index(groups.len()));
        Self { docs, folder_start, shares, group_start, groups }
    }

    #[inline]
    pub fn check(&self, user: u32, document: u32, needed: u8, now: i64) -> bool {
        let u = user as usize;
        let groups = &self.groups[self.group_start[u] as usize..self.group_start[u + 1] as usize];
        let doc = self.docs[document as usize];
        let f = doc.folder as usize;
        let on_doc = &self.shares[doc.start as usize..doc.end as usize];
        let on_folder =
            &self.shares[self.folder_start[f] as usize..self.folder_start[f + 1] as usize];
        let mut held = 0u8;
        if scan(on_doc, user, groups, now, &mut held)
            && scan(on_folder, user, groups, now, &mut held)
        {
            held & needed != 0
        } else {
            false
        }
    }
}

/// Adds the permissions of the active shares reaching the user to `held`; `false` at the
/// first active restrict reaching the user.
#[inline(always)]
fn scan(shares: &[Compact], user: u32, groups: &[u32], now: i64, held: &mut u8) -> bool {
    for s in shares {
        let matches = if s.who & GROUP != 0 {
            groups.binary_search(&(s.who & !GROUP)).is_ok()
        } else {
            s.who == user
        };
        if matches && now < s.expires {
            if s.mask == 0 {
                return false;
            }
            *held |= s.mask;
        }
    }
    true
}
