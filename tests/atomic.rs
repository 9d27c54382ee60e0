//! The defects of issue "Authorise and apply in one step", each reproduced as the issue says:
//! through the public `Admin` API, with a resource tree whose `path()` can be paused, so that a
//! second request runs between the first one's reading of the share and its write. On the old
//! facade (decide on one read, write on another) each of these tests fails; now a request
//! decides on what its write is conditioned on, so it sees the second request's effect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::{Hierarchy, PathItem, ResourceTree, TreeError};
use shareguard::model::{Level, LogEvent, SharePatch};
use shareguard::store::{BatchOutcome, GrantItem, Page};
use shareguard::{
    AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient,
    ReshareRights, ResourceRef, Share, ShareStore,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn r(s: &str) -> ResourceRef {
    s.parse().unwrap()
}

fn user(id: &str) -> Principal {
    Principal::builder(id, PrincipalKind::Internal).build().unwrap()
}

fn to(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

/// A `Hierarchy` whose next `path()` call, once armed, stops until the test lets it go.
struct PausingTree {
    inner: Hierarchy,
    armed: AtomicBool,
    paused: Mutex<Sender<()>>,
    resume: Mutex<Receiver<()>>,
}

#[async_trait]
impl ResourceTree for PausingTree {
    async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
        if self.armed.swap(false, Ordering::SeqCst) {
            self.paused.lock().unwrap().send(()).unwrap();
            self.resume.lock().unwrap().recv_timeout(StdDuration::from_secs(30)).unwrap();
        }
        self.inner.path(resource).await
    }
}

/// A folder alice owns, holding one document; the facade over a pausing tree, and the handles
/// to pause and resume it.
struct World {
    admin: Arc<Admin<Arc<MemoryStore>, Arc<PausingTree>>>,
    tree: Arc<PausingTree>,
    paused: Receiver<()>,
    resume: Sender<()>,
}

fn world() -> World {
    let mut inner = Hierarchy::new();
    inner.add(r("folder:f1"), None, Some("alice".parse().unwrap())).unwrap();
    inner.add(r("document:d1"), Some(r("folder:f1")), None).unwrap();
    let (paused_tx, paused) = channel();
    let (resume, resume_rx) = channel();
    let tree = Arc::new(PausingTree {
        inner,
        armed: AtomicBool::new(false),
        paused: Mutex::new(paused_tx),
        resume: Mutex::new(resume_rx),
    });
    let admin = Arc::new(Admin::new(Arc::new(MemoryStore::new()), tree.clone(), Policy::default()));
    World { admin, tree, paused, resume }
}

impl World {
    /// Runs `first` on a thread until its next tree lookup, runs `second` to completion, then
    /// lets `first` finish; returns what `first` returned.
    fn interleave<R: Send + 'static>(
        &self,
        first: impl FnOnce(&Admin<Arc<MemoryStore>, Arc<PausingTree>>) -> R + Send + 'static,
        second: impl FnOnce(&Admin<Arc<MemoryStore>, Arc<PausingTree>>),
    ) -> R {
        self.tree.armed.store(true, Ordering::SeqCst);
        let admin = self.admin.clone();
        let handle = std::thread::spawn(move || first(&admin));
        self.paused.recv_timeout(StdDuration::from_secs(30)).unwrap();
        second(&self.admin);
        self.resume.send(()).unwrap();
        handle.join().unwrap()
    }

    fn share(&self, id: &shareguard::model::ShareId) -> Option<Share> {
        block_on(self.admin.store().get(id)).unwrap()
    }

    fn create(&self, actor: &Principal, new: NewShare) -> Share {
        block_on(self.admin.create(actor, new, now())).unwrap()
    }

    fn update(&self, actor: &Principal, share: &Share, patch: SharePatch) -> Share {
        block_on(self.admin.update(actor, share.id(), share.version(), &patch, now())).unwrap()
    }
}

/// bob re-shares with carol while his own hold has no end; then alice gives bob's hold an
/// end. Returns bob's share and carol's.
fn reshared(w: &World, bob_holds: AccessLevel) -> (Share, Share) {
    let (alice, bob) = (user("alice"), user("bob"));
    let held = w.create(
        &alice,
        NewShare::new(r("folder:f1"), to("bob"), bob_holds).reshare(ReshareRights::INTERNAL),
    );
    let carols = w.create(&bob, NewShare::new(r("document:d1"), to("carol"), bob_holds));
    let end = now() + Duration::days(7);
    let held =
        w.update(&alice, &held, SharePatch { expires: Some(Some(end)), ..Default::default() });
    (held, carols)
}

#[test]
fn update_is_decided_on_the_version_it_writes_so_a_share_cannot_outlive_the_resharers_hold() {
    let w = world();
    let (held, carols) = reshared(&w, AccessLevel::Viewer);
    let end = held.expires().unwrap();
    let id = carols.id().clone();
    // bob's first request: "no expiry" — a no-op on the share as it is now (version 1) —
    // naming the version his second request will make.
    let remove_expiry = SharePatch { expires: Some(None), ..Default::default() };
    let first = w.interleave(
        move |admin| block_on(admin.update(&user("bob"), &id, 2, &remove_expiry, now())),
        // His second: a narrowing, the expiry of his own hold: allowed, version 2.
        |_| {
            w.update(
                &user("bob"),
                &carols,
                SharePatch { expires: Some(Some(end)), ..Default::default() },
            );
        },
    );
    let denied = first.unwrap_err();
    assert_eq!(denied.decision().map(|d| d.reason()), Some(Reason::Escalation), "{denied}");
    assert_eq!(
        w.share(carols.id()).unwrap().expires(),
        Some(end),
        "carol's share ends with bob's hold"
    );
}

#[test]
fn update_is_decided_on_the_version_it_writes_so_a_restrict_is_not_turned_back_into_an_editor_share()
 {
    let w = world();
    let (held, carols) = reshared(&w, AccessLevel::Editor);
    let alice = user("alice");
    // alice takes bob's right to re-share.
    w.update(
        &alice,
        &held,
        SharePatch { reshare: Some(ReshareRights::empty()), ..Default::default() },
    );
    let id = carols.id().clone();
    // bob's request: "editor" — a no-op on carol's share as it is now (version 1) — naming
    // version 2; meanwhile alice turns carol's share into a restrict (version 2).
    let to_editor = SharePatch { access: Some(Level::Editor), ..Default::default() };
    let first = w.interleave(
        move |admin| block_on(admin.update(&user("bob"), &id, 2, &to_editor, now())),
        |_| {
            w.update(
                &alice,
                &carols,
                SharePatch { access: Some(Level::Restrict), ..Default::default() },
            );
        },
    );
    assert!(first.is_err(), "bob may not lift a restriction he could not make: {first:?}");
    assert_eq!(w.share(carols.id()).unwrap().access(), AccessLevel::Restrict);
}

#[test]
fn grant_batch_applies_the_create_checks_when_the_actors_share_is_gone_meanwhile() {
    let w = world();
    let (_, carols) = reshared(&w, AccessLevel::Viewer);
    // bob's batch item for carol is, as he reads it, a no-op change of his share to her…
    let item = GrantItem { recipient: to("carol"), access: AccessLevel::Viewer, view_log: false };
    let first = w.interleave(
        move |admin| block_on(admin.grant_batch(&user("bob"), &r("document:d1"), &[item], now())),
        // …which alice deletes before his write.
        |admin| {
            block_on(admin.delete(&user("alice"), carols.id(), now())).unwrap();
        },
    );
    // A new share from bob with no end would outlive his hold: the create checks refuse it.
    let outcomes = first.unwrap();
    assert!(
        matches!(&outcomes[0], BatchOutcome::Denied { decision } if decision.reason() == Reason::Escalation),
        "{outcomes:?}"
    );
    let on = block_on(w.admin.store().shares_on(&[r("document:d1")])).unwrap();
    assert!(on[0].0.iter().all(|s| s.recipient() != &to("carol")), "no share for carol: {on:?}");
}

#[test]
fn leave_is_decided_on_the_share_it_deletes_so_no_one_leaves_a_restrict_on_themselves() {
    let w = world();
    let alice = user("alice");
    let carols =
        w.create(&alice, NewShare::new(r("document:d1"), to("carol"), AccessLevel::Editor));
    let id = carols.id().clone();
    let first = w.interleave(
        move |admin| block_on(admin.leave(&user("carol"), &id, now())),
        // Meanwhile alice turns carol's share into a restrict on her.
        |_| {
            w.update(
                &alice,
                &carols,
                SharePatch { access: Some(Level::Restrict), ..Default::default() },
            );
        },
    );
    assert_eq!(first.unwrap_err().decision().map(|d| d.reason()), Some(Reason::NotPermitted));
    assert_eq!(w.share(carols.id()).unwrap().access(), AccessLevel::Restrict, "the restrict stays");
}

#[test]
fn delete_is_decided_on_the_share_it_deletes() {
    let w = world();
    let alice = user("alice");
    // carol may delete (leave) her own user share…
    let carols =
        w.create(&alice, NewShare::new(r("document:d1"), to("carol"), AccessLevel::Viewer));
    let id = carols.id().clone();
    let first = w.interleave(
        move |admin| block_on(admin.delete(&user("carol"), &id, now())),
        // …but meanwhile alice makes it a restrict on her, which no one lifts from themselves.
        |_| {
            w.update(
                &alice,
                &carols,
                SharePatch { access: Some(Level::Restrict), ..Default::default() },
            );
        },
    );
    assert_eq!(first.unwrap_err().decision().map(|d| d.reason()), Some(Reason::NotPermitted));
    assert_eq!(w.share(carols.id()).unwrap().access(), AccessLevel::Restrict);
}

#[test]
fn revoke_batch_is_decided_on_the_shares_it_removes() {
    let w = world();
    let alice = user("alice");
    let carols =
        w.create(&alice, NewShare::new(r("document:d1"), to("carol"), AccessLevel::Viewer));
    let first = w.interleave(
        move |admin| {
            block_on(admin.revoke_batch(&user("carol"), &r("document:d1"), &[to("carol")], now()))
        },
        |_| {
            w.update(
                &alice,
                &carols,
                SharePatch { access: Some(Level::Restrict), ..Default::default() },
            );
        },
    );
    let outcomes = first.unwrap();
    assert!(
        matches!(&outcomes[0], BatchOutcome::Denied { decision } if decision.reason() == Reason::NotPermitted),
        "{outcomes:?}"
    );
    assert_eq!(w.share(carols.id()).unwrap().access(), AccessLevel::Restrict);
}

#[test]
fn a_share_id_used_again_starts_a_log_of_its_own() {
    let store = MemoryStore::new();
    let share = Share::new(
        "vendor-7".parse().unwrap(),
        r("document:d1"),
        "alice".parse().unwrap(),
        to("bob"),
        AccessLevel::Viewer,
        now(),
    );
    let alice = "alice".parse().unwrap();
    block_on(store.create(share.clone(), &alice, now())).unwrap();
    block_on(store.delete(share.id(), &alice, now())).unwrap();
    block_on(store.create(share.clone(), &alice, now())).unwrap();
    let log = block_on(store.log_for_share(share.id(), &Page::ALL)).unwrap();
    let events: Vec<&LogEvent> = log.items.iter().map(|e| &e.event).collect();
    assert_eq!(events, [&LogEvent::Created], "the earlier share's log is not this one's");
}
