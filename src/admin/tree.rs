//! The service's resource tree: the second, read-only port.

use async_trait::async_trait;

use crate::model::Tagged;
use crate::model::{ModelError, PrincipalId, ResourceRef};

/// One resource of a path, with its owner and whether it inherits its ancestors' grants.
///
/// ```
/// use shareguard::admin::{Hierarchy, PathItem, ResourceTree};
///
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
/// let path = pollster::block_on(tree.path(&"document:d1".parse()?))?;
/// assert_eq!(path, [
///     PathItem::new("document:d1".parse()?, None),
///     PathItem::new("folder:f1".parse()?, Some("alice".parse()?)),
/// ]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathItem {
    /// The resource.
    pub resource: ResourceRef,
    /// Its owner, if it has one.
    pub owner: Option<PrincipalId>,
    /// Whether the resource inherits its ancestors' grants: `false` where inheritance is cut
    /// (SEMANTICS.md section 10).
    pub inherits: bool,
}

impl PathItem {
    /// A resource with its owner, inheriting its ancestors' grants.
    ///
    /// ```
    /// use shareguard::admin::PathItem;
    /// let item = PathItem::new("folder:f1".parse()?, Some("alice".parse()?));
    /// assert!(item.inherits);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(resource: ResourceRef, owner: Option<PrincipalId>) -> Self {
        Self { resource, owner, inherits: true }
    }

    /// The item, borrowed.
    ///
    /// ```
    /// use shareguard::admin::PathItem;
    /// let item = PathItem::new("folder:f1".parse()?, None);
    /// assert_eq!(item.step().resource, &item.resource);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn step(&self) -> PathStep<'_> {
        PathStep { resource: &self.resource, owner: self.owner.as_ref(), inherits: self.inherits }
    }
}

/// One resource of a path, borrowed from the tree that holds it: what
/// [`ResourceTree::path_ready`] hands its reader, so that a decision over a tree in memory
/// copies no ids (an id longer than 16 bytes is shared, and each copy is an atomic count).
///
/// ```
/// use shareguard::admin::{PathItem, PathStep};
///
/// let item = PathItem::new("folder:f1".parse()?, Some("alice".parse()?));
/// let step: PathStep<'_> = item.step();
/// assert_eq!(step.owner.map(|o| o.as_str()), Some("alice"));
/// assert_eq!(PathItem::from(step), item);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathStep<'a> {
    /// The resource.
    pub resource: &'a ResourceRef,
    /// Its owner, if it has one.
    pub owner: Option<&'a PrincipalId>,
    /// Whether the resource inherits its ancestors' grants (SEMANTICS.md section 10).
    pub inherits: bool,
}

impl From<PathStep<'_>> for PathItem {
    /// The step, owned.
    fn from(step: PathStep<'_>) -> Self {
        Self {
            resource: step.resource.clone(),
            owner: step.owner.cloned(),
            inherits: step.inherits,
        }
    }
}

/// Why the resource tree could not give a path.
///
/// ```
/// use shareguard::admin::TreeError;
///
/// let err = TreeError::Unknown("document:d9".parse()?);
/// assert_eq!(err.to_string(), "resource: unknown resource `document:d9`");
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The service does not know the resource.
    #[error("resource: unknown resource `{0}`")]
    Unknown(ResourceRef),
    /// The lookup failed (the service's database, a timeout, …): not an answer about the
    /// resource.
    #[error("resource tree: looking up `{resource}` failed: {reason}")]
    Failed {
        /// The resource looked up.
        resource: ResourceRef,
        /// What failed.
        reason: String,
    },
}

/// Where resources sit: what the facade asks to learn a resource's owner and ancestors. The
/// service implements it over its own data; [`Hierarchy`] is a small reference one. A failing
/// lookup is an error ([`TreeError::Failed`]), never "unknown resource".
///
/// ```
/// use async_trait::async_trait;
/// use chrono::{TimeZone, Utc};
/// use shareguard::{Admin, AdminError, MemoryStore, Permission, Policy, Principal, PrincipalKind, Reason, ResourceRef};
/// use shareguard::admin::{PathItem, ResourceTree, TreeError};
///
/// // A service whose documents all sit in one folder, which alice owns.
/// struct OneFolder;
///
/// #[async_trait]
/// impl ResourceTree for OneFolder {
///     async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
///         let unknown = || TreeError::Unknown(resource.clone());
///         let folder = PathItem::new("folder:shared".parse().map_err(|_| unknown())?,
///             "alice".parse().ok());
///         match resource.kind_str() {
///             "document" => Ok(vec![PathItem::new(resource.clone(), None), folder]),
///             _ if *resource == folder.resource => Ok(vec![folder]),
///             _ => Err(unknown()),
///         }
///     }
/// }
///
/// # pollster::block_on(async {
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let admin = Admin::new(MemoryStore::new(), OneFolder, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// // alice owns every document through the folder…
/// let decision = admin.check(&alice, Permission::Delete, &"document:d7".parse()?, now).await?;
/// assert_eq!(decision.reason(), Reason::Owner);
/// // …and a resource the tree does not know is an error, not a denial.
/// let unknown = admin.check(&alice, Permission::View, &"folder:other".parse()?, now).await;
/// assert!(matches!(unknown, Err(AdminError::Tree(TreeError::Unknown(_)))));
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait ResourceTree: Send + Sync {
    /// The resource and its ancestors, nearest first, with their owners.
    async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError>;

    /// [`path`](Self::path) at once, without a future, for a tree that never waits (held in
    /// memory): calls `read` once with the path, borrowed, which it may keep on the stack.
    /// `None`, the default, sends the facade to `path`. [`Hierarchy`] answers here, so that a
    /// decision over it costs no boxed future, no allocation and no copy of an id.
    ///
    /// ```
    /// use shareguard::admin::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, None)?;
    /// let mut len = 0;
    /// tree.path_ready(&"folder:f1".parse()?, &mut |path| len = path.len()).transpose()?;
    /// assert_eq!(len, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn path_ready(
        &self,
        resource: &ResourceRef,
        read: &mut dyn FnMut(&[PathStep<'_>]),
    ) -> Option<Result<(), TreeError>> {
        let _ = (resource, read);
        None
    }
}

#[async_trait]
impl<T: ResourceTree + ?Sized> ResourceTree for &T {
    async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
        (**self).path(resource).await
    }
    fn path_ready(
        &self,
        resource: &ResourceRef,
        read: &mut dyn FnMut(&[PathStep<'_>]),
    ) -> Option<Result<(), TreeError>> {
        (**self).path_ready(resource, read)
    }
}

#[async_trait]
impl<T: ResourceTree + ?Sized> ResourceTree for std::sync::Arc<T> {
    async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
        (**self).path(resource).await
    }
    fn path_ready(
        &self,
        resource: &ResourceRef,
        read: &mut dyn FnMut(&[PathStep<'_>]),
    ) -> Option<Result<(), TreeError>> {
        (**self).path_ready(resource, read)
    }
}

/// A reference [`ResourceTree`]: resources with owners and parents, held in memory. A parent
/// cycle is refused when it is added.
///
/// ```
/// use shareguard::admin::{Hierarchy, ResourceTree};
///
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
/// let path = pollster::block_on(tree.path(&"document:d1".parse()?))?;
/// assert_eq!(path.len(), 2);
/// assert_eq!(path[1].owner.as_ref().map(|o| o.as_str()), Some("alice"));
/// assert!(tree.add("folder:f1".parse()?, Some("document:d1".parse()?), None).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    /// One entry a resource, added or only named as a parent, in the slot its id's tag picks
    /// (open addressing, linear probing, a power of two long and at most half full): a
    /// lookup reads the entry's own cache line first, not an index's and then the entry's.
    /// Parents are slots, so a path costs one lookup, not one a level.
    slots: Vec<Option<Entry>>,
    len: usize,
}

/// 64 bytes, one cache line: a path reads one line a resource once its place is known.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct Entry {
    resource: ResourceRef,
    parent: Option<u32>,
    owner: Option<PrincipalId>,
    /// Added (not only named as a parent).
    added: bool,
    inherits: bool,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 64);
const _: () = assert!(std::mem::size_of::<Option<Entry>>() == 64);

impl Entry {
    fn step(&self) -> PathStep<'_> {
        PathStep { resource: &self.resource, owner: self.owner.as_ref(), inherits: self.inherits }
    }
}

impl Hierarchy {
    /// An empty hierarchy.
    ///
    /// ```
    /// use shareguard::admin::Hierarchy;
    ///
    /// assert!(!Hierarchy::new().contains(&"folder:f1".parse()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a resource with its parent and owner. A parent that is not known
    /// yet is allowed (it may be added later); a parent that would make a cycle is refused
    /// with an error naming the cycle, and the hierarchy is left as it was.
    ///
    /// ```
    /// use shareguard::admin::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// // Adding the folder again replaces it: it changes hands.
    /// tree.add("folder:f1".parse()?, None, Some("bob".parse()?))?;
    /// let path = pollster::block_on(tree.path(&"document:d1".parse()?))?;
    /// assert_eq!(path[1].owner, Some("bob".parse()?));
    ///
    /// // Putting the folder inside its own document is refused, and changes nothing.
    /// let err = tree.add("folder:f1".parse()?, Some("document:d1".parse()?), None).unwrap_err();
    /// assert_eq!(err.to_string(), "resources: cycle folder:f1 -> document:d1 -> folder:f1");
    /// assert_eq!(pollster::block_on(tree.path(&"document:d1".parse()?))?, path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add(
        &mut self,
        resource: ResourceRef,
        parent: Option<ResourceRef>,
        owner: Option<PrincipalId>,
    ) -> Result<(), ModelError> {
        let mut cycle = vec![resource.to_string()];
        if let Some(p) = &parent {
            cycle.push(p.to_string());
            if *p == resource {
                return Err(ModelError::Cycle { field: "resources", cycle });
            }
            let mut next = self.find(p).and_then(|i| self.entry(i)?.parent);
            while let Some(e) = next.and_then(|i| self.entry(i)) {
                cycle.push(e.resource.to_string());
                if e.resource == resource {
                    return Err(ModelError::Cycle { field: "resources", cycle });
                }
                next = e.parent;
            }
        }
        // Room for both first: making room moves entries, and with them the parent's slot.
        self.reserve(2)?;
        let parent = parent.map(|p| self.place(p)).transpose()?;
        let at = self.place(resource)?;
        if let Some(e) = self.slots.get_mut(at as usize).and_then(Option::as_mut) {
            *e = Entry { parent, owner, added: true, ..e.clone() };
        }
        Ok(())
    }

    /// Makes room for `more` entries without moving any, growing (and moving every entry)
    /// now if need be.
    fn reserve(&mut self, more: usize) -> Result<(), ModelError> {
        let wanted = self.len + more;
        if 2 * wanted <= self.slots.len() {
            return Ok(());
        }
        let size = (2 * wanted).next_power_of_two().max(16);
        if u32::try_from(size).is_err() {
            return Err(ModelError::Invalid {
                field: "resource",
                value: wanted.to_string(),
                reason: "the hierarchy holds 2^30 resources, its most",
            });
        }
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        // Where each old slot's entry went, to move the parents with them.
        let mut moved = vec![u32::MAX; old.len()];
        for (from, entry) in old.into_iter().enumerate() {
            if let Some(entry) = entry {
                let to = self.vacant(entry.resource.tag());
                moved[from] = to;
                self.slots[to as usize] = Some(entry);
            }
        }
        for entry in self.slots.iter_mut().flatten() {
            entry.parent = entry.parent.and_then(|p| moved.get(p as usize).copied());
        }
        Ok(())
    }

    /// The first empty slot from the tag's (there is one: the slots are at most half full).
    fn vacant(&self, tag: u32) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = tag as usize & mask;
        while self.slots.get(i).is_some_and(Option::is_some) {
            i = (i + 1) & mask;
        }
        // Below 2^31: `reserve` keeps the table that small.
        i as u32
    }

    /// The resource's slot, made (not added) if it has none. Making one may grow the table,
    /// which moves every entry: a caller that holds a slot reserves room first.
    fn place(&mut self, resource: ResourceRef) -> Result<u32, ModelError> {
        if let Some(at) = self.find(&resource) {
            return Ok(at);
        }
        self.reserve(1)?;
        let at = self.vacant(resource.tag());
        self.slots[at as usize] =
            Some(Entry { resource, parent: None, owner: None, added: false, inherits: true });
        self.len += 1;
        Ok(at)
    }

    /// The resource's slot, if it has one.
    fn find(&self, resource: &ResourceRef) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = resource.tag() as usize & mask;
        loop {
            let entry = self.slots.get(i)?.as_ref()?;
            if entry.resource == *resource {
                // Below 2^31: `reserve` keeps the table that small.
                return Some(i as u32);
            }
            i = (i + 1) & mask;
        }
    }

    fn entry(&self, at: u32) -> Option<&Entry> {
        self.slots.get(at as usize)?.as_ref()
    }

    /// Cuts (`false`) or restores (`true`) the resource's inheritance of its ancestors'
    /// grants (SEMANTICS.md section 10). Record here what [`crate::Admin::set_inheritance`]
    /// allowed; an unknown resource is refused.
    ///
    /// ```
    /// use shareguard::admin::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("folder:private".parse()?, Some("folder:f1".parse()?), None)?;
    /// tree.set_inherits(&"folder:private".parse()?, false)?;
    /// let path = pollster::block_on(tree.path(&"folder:private".parse()?))?;
    /// assert!(!path[0].inherits && path[1].inherits);
    /// assert!(tree.set_inherits(&"folder:nope".parse()?, false).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_inherits(
        &mut self,
        resource: &ResourceRef,
        inherits: bool,
    ) -> Result<(), ModelError> {
        match self.find(resource).and_then(|i| self.slots.get_mut(i as usize)?.as_mut()) {
            Some(e) if e.added => {
                e.inherits = inherits;
                Ok(())
            }
            _ => Err(ModelError::Invalid {
                field: "resource",
                value: resource.to_string(),
                reason: "unknown resource",
            }),
        }
    }

    /// Whether the resource is known.
    ///
    /// ```
    /// use shareguard::admin::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// assert!(tree.contains(&"document:d1".parse()?));
    /// // Naming a parent does not add it: until it is added, the document has no path.
    /// assert!(!tree.contains(&"folder:f1".parse()?));
    /// assert!(pollster::block_on(tree.path(&"document:d1".parse()?)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn contains(&self, resource: &ResourceRef) -> bool {
        self.find(resource).and_then(|i| self.entry(i)).is_some_and(|e| e.added)
    }

    /// The path, without the future (the hierarchy never waits).
    pub(crate) fn path_now(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
        self.with_path(resource, |path| path.iter().map(|&step| PathItem::from(step)).collect())
    }

    /// Runs `read` over the resource's path: on the stack for a path of up to three resources.
    fn with_path<R>(
        &self,
        resource: &ResourceRef,
        read: impl FnOnce(&[PathStep<'_>]) -> R,
    ) -> Result<R, TreeError> {
        let unknown = || TreeError::Unknown(resource.clone());
        let entry = |i: u32| match self.entry(i) {
            Some(e) if e.added => Ok(e),
            Some(e) => Err(TreeError::Unknown(e.resource.clone())),
            None => Err(unknown()),
        };
        let first = entry(self.find(resource).ok_or_else(unknown)?)?;
        let Some(p) = first.parent else { return Ok(read(&[first.step()])) };
        let second = entry(p)?;
        let Some(q) = second.parent else { return Ok(read(&[first.step(), second.step()])) };
        let third = entry(q)?;
        let Some(mut next) = third.parent else {
            return Ok(read(&[first.step(), second.step(), third.step()]));
        };
        let mut path = vec![first.step(), second.step(), third.step()];
        loop {
            let e = entry(next)?;
            path.push(e.step());
            match e.parent {
                Some(p) => next = p,
                None => return Ok(read(&path)),
            }
        }
    }
}

#[async_trait]
impl ResourceTree for Hierarchy {
    async fn path(&self, resource: &ResourceRef) -> Result<Vec<PathItem>, TreeError> {
        self.path_now(resource)
    }
    fn path_ready(
        &self,
        resource: &ResourceRef,
        read: &mut dyn FnMut(&[PathStep<'_>]),
    ) -> Option<Result<(), TreeError>> {
        Some(self.with_path(resource, read))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::{Hierarchy, PathItem};
    use crate::model::{PrincipalId, ResourceRef};

    /// A step: add resource `r` under `parent` (owned by `owner`), or cut or restore its
    /// inheritance.
    #[derive(Debug, Clone)]
    enum Op {
        Add { r: u8, parent: Option<u8>, owner: Option<u8> },
        Inherit { r: u8, inherits: bool },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u8..60, proptest::option::of(0u8..60), proptest::option::of(0u8..3))
                .prop_map(|(r, parent, owner)| Op::Add { r, parent, owner }),
            1 => (0u8..60, any::<bool>()).prop_map(|(r, inherits)| Op::Inherit { r, inherits }),
        ]
    }

    fn resource(r: u8) -> ResourceRef {
        format!("folder:r{r}").parse().unwrap()
    }

    fn owner(o: u8) -> PrincipalId {
        format!("user{o}").parse().unwrap()
    }

    /// The model: each added resource's parent, owner and inheritance.
    type Model = HashMap<u8, (Option<u8>, Option<u8>, bool)>;

    /// The path the model gives, or `None` if some resource on it is not added.
    fn model_path(model: &Model, r: u8) -> Option<Vec<PathItem>> {
        let mut path = Vec::new();
        let mut next = Some(r);
        while let Some(at) = next {
            let &(parent, o, inherits) = model.get(&at)?;
            path.push(PathItem { resource: resource(at), owner: o.map(owner), inherits });
            next = parent;
        }
        Some(path)
    }

    fn makes_cycle(model: &Model, r: u8, parent: u8) -> bool {
        let mut next = Some(parent);
        while let Some(at) = next {
            if at == r {
                return true;
            }
            next = model.get(&at).and_then(|e| e.0);
        }
        false
    }

    proptest! {
        /// Whatever is added, in whatever order (parents before or after their children,
        /// replacements, refused cycles) and however often the table grows and moves its
        /// entries, every path is the model's.
        #[test]
        fn paths_are_the_models(ops in proptest::collection::vec(op(), 0..200)) {
            let (mut tree, mut model) = (Hierarchy::new(), Model::new());
            for op in ops {
                match op {
                    Op::Add { r, parent, owner: o } => {
                        let refused = parent.is_some_and(|p| makes_cycle(&model, r, p));
                        let added = tree.add(resource(r), parent.map(resource), o.map(owner));
                        prop_assert_eq!(added.is_err(), refused);
                        if !refused {
                            let inherits = model.get(&r).is_none_or(|e| e.2);
                            model.insert(r, (parent, o, inherits));
                        }
                    }
                    Op::Inherit { r, inherits } => {
                        let known = model.contains_key(&r);
                        prop_assert_eq!(tree.set_inherits(&resource(r), inherits).is_ok(), known);
                        if let Some(e) = model.get_mut(&r) {
                            e.2 = inherits;
                        }
                    }
                }
            }
            for r in 0..60 {
                prop_assert_eq!(tree.contains(&resource(r)), model.contains_key(&r));
                prop_assert_eq!(tree.path_now(&resource(r)).ok(), model_path(&model, r));
            }
        }
    }
}
