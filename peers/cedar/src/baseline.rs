//! The hand-written baseline: what a careful engineer writes for exactly this workload and
//! nothing else. Arrays of compact shares per document and per folder, each user's groups as
//! a sorted list, and a scan of the ~22 shares on the path.

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

/// 16 bytes: recipient (group bit + index), expiry, permission mask (0 = restrict).
#[derive(Clone, Copy)]
struct Compact {
    /// The high bit marks a group.
    who: u32,
    mask: u8,
    expires: i64,
}

const GROUP: u32 = 1 << 31;

pub struct Baseline {
    on_doc: Vec<Vec<Compact>>,
    on_folder: Vec<Vec<Compact>>,
    doc_folder: Vec<u32>,
    groups: Vec<Vec<u32>>,
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
        Self {
            on_doc: on_doc.iter().map(|v| v.iter().map(compact).collect()).collect(),
            on_folder: on_folder.iter().map(|v| v.iter().map(compact).collect()).collect(),
            doc_folder: w.doc_folder.clone(),
            groups: (0..w.users as u32).map(|u| w.transitive_groups(u)).collect(),
        }
    }

    #[inline]
    pub fn check(&self, user: u32, document: u32, needed: u8, now: i64) -> bool {
        let groups = &self.groups[user as usize];
        let folder = self.doc_folder[document as usize];
        let mut held = 0u8;
        for s in self.on_doc[document as usize].iter().chain(&self.on_folder[folder as usize]) {
            let matches = if s.who & GROUP != 0 {
                groups.binary_search(&(s.who & !GROUP)).is_ok()
            } else {
                s.who == user
            };
            if matches && now < s.expires {
                if s.mask == 0 {
                    return false;
                }
                held |= s.mask;
            }
        }
        held & needed != 0
    }
}
