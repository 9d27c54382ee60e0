//! The workload through shareguard's facade: an `Admin` over a `MemoryStore` loaded with
//! every share and a `Hierarchy` of documents in folders (no owners), asked `Admin::check`
//! once per query, each call's future polled once with a waker that does nothing: the store
//! and the tree never wait, so the first poll finishes it. (A service awaits it inside its own
//! runtime and pays nothing to drive it; `pollster::block_on` would add an allocation, a
//! mutex and a condition variable a call, ~570 instructions here, which are not the facade's.)

use std::pin::pin;
use std::task::{Context, Poll, Waker};

use shareguard::Admin;
use shareguard::admin::Hierarchy;
use shareguard::model::{Permission, Principal, ResourceRef};
use shareguard::policy::{Decision, Policy};
use shareguard::store::MemoryStore;

use crate::guard::Guard;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub struct Facade {
    pub admin: Admin<MemoryStore, Hierarchy>,
}

impl Facade {
    /// The facade over the guard's shares (clones, holding the same ids), with its documents
    /// and folders as the tree.
    pub fn build(guard: &Guard) -> Result<Self, String> {
        let shares = guard.on_doc.iter().chain(&guard.on_folder).flat_map(|on| on.iter().cloned());
        let store = MemoryStore::load(shares).map_err(err)?;
        let mut tree = Hierarchy::new();
        for folder in &guard.folders {
            tree.add(folder.clone(), None, None).map_err(err)?;
        }
        for (document, &folder) in guard.documents.iter().zip(&guard.doc_folder) {
            let parent = guard.folders.get(folder as usize).cloned();
            tree.add(document.clone(), parent, None).map_err(err)?;
        }
        Ok(Self { admin: Admin::new(store, tree, Policy::default()) })
    }

    /// `Admin::check`, driven to completion: an error if it would have waited.
    #[inline]
    pub fn check(
        &self,
        principal: &Principal,
        permission: Permission,
        document: &ResourceRef,
        guard: &Guard,
    ) -> Result<Decision, String> {
        let mut future = pin!(self.admin.check(principal, permission, document, guard.now));
        match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(decision) => decision.map_err(err),
            Poll::Pending => Err("Admin::check waited on an in-memory store".to_owned()),
        }
    }
}
