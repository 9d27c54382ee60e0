//! A small reference directory: nested groups and role chains, resolved into principals.

use std::collections::{HashMap, HashSet};

use crate::model::{GroupId, ModelError, Principal, PrincipalBuilder, RoleId};

/// Nested groups (`member_of`) and role chains (`reports_to`), resolved transitively into
/// [`Principal`]s. Cycles are refused with an error that names them.
///
/// Resolution is iterative and visits each group and role once, so its work grows with the
/// size of the directory: a chain of 100 000 nested groups does not exhaust the stack, and
/// groups that reach the same groups by many paths are not walked once per path.
///
/// A real service resolves principals from its own directory; this one serves tests,
/// examples, the scenario runner and small services.
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
/// use shareguard::model::{Directory, GroupId};
///
/// let mut dir = Directory::new();
/// dir.add_group("eng".parse()?, ["staff".parse()?]);
/// dir.add_group("staff".parse()?, ["everyone".parse()?]);
/// dir.add_role("vp-sales".parse()?, Some("ceo".parse()?));
///
/// let bob = dir.resolve(Principal::builder("bob", PrincipalKind::Internal).group("eng").role("vp-sales"))?;
/// assert!(bob.in_group(&"everyone".parse::<GroupId>()?));
/// assert!(bob.has_role_or_reports_to(&"ceo".parse()?));
///
/// dir.add_group("everyone".parse()?, ["eng".parse()?]);
/// assert_eq!(dir.check().unwrap_err().to_string(), "groups: cycle eng -> staff -> everyone -> eng");
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Directory {
    member_of: HashMap<GroupId, Vec<GroupId>>,
    // Every declared role, with the role it reports to (if any).
    reports_to: HashMap<RoleId, Option<RoleId>>,
    // Insertion order, so that cycles are reported the same way every time.
    group_order: Vec<GroupId>,
    role_order: Vec<RoleId>,
}

impl Directory {
    /// An empty directory.
    ///
    /// ```
    /// use shareguard::model::{Directory, GroupId, RoleId};
    ///
    /// let dir = Directory::new();
    /// let eng: GroupId = "eng".parse()?;
    /// assert_eq!(dir.groups_of(&[eng.clone()])?, [eng]); // no group nests in another
    /// assert!(dir.role_chain(&"rep".parse::<RoleId>()?)?.is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a group and the groups it is a member of (adding to any declared before).
    ///
    /// ```
    /// use shareguard::model::{Directory, GroupId};
    ///
    /// let mut dir = Directory::new();
    /// dir.add_group("eng".parse()?, ["staff".parse()?]);
    /// dir.add_group("eng".parse()?, ["on-call".parse()?]);
    /// let eng: GroupId = "eng".parse()?;
    /// let names: Vec<String> = dir.groups_of(&[eng])?.iter().map(ToString::to_string).collect();
    /// assert_eq!(names, ["eng", "staff", "on-call"]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn add_group(&mut self, group: GroupId, member_of: impl IntoIterator<Item = GroupId>) {
        if !self.member_of.contains_key(&group) {
            self.group_order.push(group.clone());
        }
        let parents = self.member_of.entry(group).or_default();
        for parent in member_of {
            if !parents.contains(&parent) {
                parents.push(parent);
            }
        }
    }

    /// Declares a role and the role it reports to.
    ///
    /// ```
    /// use shareguard::model::{Directory, RoleId};
    ///
    /// let mut dir = Directory::new();
    /// dir.add_role("rep".parse()?, Some("vp-sales".parse()?));
    /// dir.add_role("vp-sales".parse()?, Some("ceo".parse()?));
    /// let rep: RoleId = "rep".parse()?;
    /// assert_eq!(dir.role_chain(&rep)?.len(), 2);
    /// // Declaring a role again replaces where it reports; `None` makes it report nowhere.
    /// dir.add_role("vp-sales".parse()?, None);
    /// assert_eq!(dir.role_chain(&rep)?, ["vp-sales".parse::<RoleId>()?]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn add_role(&mut self, role: RoleId, reports_to: Option<RoleId>) {
        if !self.reports_to.contains_key(&role) {
            self.role_order.push(role.clone());
        }
        self.reports_to.insert(role, reports_to);
    }

    /// Refuses any cycle among groups or roles, naming it.
    ///
    /// ```
    /// use shareguard::model::Directory;
    ///
    /// let mut dir = Directory::new();
    /// dir.add_role("vp-sales".parse()?, Some("ceo".parse()?));
    /// assert!(dir.check().is_ok());
    /// dir.add_role("ceo".parse()?, Some("vp-sales".parse()?));
    /// let err = dir.check().unwrap_err();
    /// assert_eq!(err.to_string(), "roles: cycle vp-sales -> ceo -> vp-sales");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn check(&self) -> Result<(), ModelError> {
        // One walk from every group in declaration order finds the cycle that resolving each
        // group alone, in that order, would find first: a group walked without error reaches
        // no cycle, so skipping it later changes nothing.
        self.walk_groups(&self.group_order, |_| ())?;
        let mut done = HashSet::new();
        for role in &self.role_order {
            if !done.contains(role) {
                done.extend(self.climb(role, &done)?);
            }
        }
        Ok(())
    }

    /// Every group reached from `direct` through `member_of`, each once: depth first, each
    /// direct group followed by the groups it is in.
    ///
    /// ```
    /// use shareguard::model::{Directory, GroupId};
    ///
    /// let mut dir = Directory::new();
    /// dir.add_group("eng".parse()?, ["staff".parse()?]);
    /// dir.add_group("ops".parse()?, ["staff".parse()?]);
    /// let direct: Vec<GroupId> = vec!["eng".parse()?, "ops".parse()?];
    /// let names: Vec<String> = dir.groups_of(&direct)?.iter().map(ToString::to_string).collect();
    /// assert_eq!(names, ["eng", "staff", "ops"]);
    ///
    /// dir.add_group("staff".parse()?, ["eng".parse()?]);
    /// assert_eq!(dir.groups_of(&direct).unwrap_err().field(), "groups");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn groups_of(&self, direct: &[GroupId]) -> Result<Vec<GroupId>, ModelError> {
        let mut all: Vec<GroupId> = Vec::new();
        self.walk_groups(direct, |group| all.push(group.clone()))?;
        Ok(all)
    }

    /// Walks `member_of` depth first from each of `starts` in turn, calling `visit` on each
    /// group the first time it is reached (before the groups it is in), and refusing the
    /// first cycle met with the path that closes it.
    ///
    /// Iterative, with each group entered once: a group is either on the current path (met
    /// again, it closes a cycle) or finished (it reaches no cycle and all it reaches has
    /// been visited, so it is skipped). This is the order and the cycle of a plain recursive
    /// walk, in time and memory linear in the groups and memberships reached.
    fn walk_groups<'a>(
        &'a self,
        starts: &'a [GroupId],
        mut visit: impl FnMut(&'a GroupId),
    ) -> Result<(), ModelError> {
        // The current path: each group with the parents it has yet to walk.
        let mut stack: Vec<(&GroupId, std::slice::Iter<'a, GroupId>)> = Vec::new();
        // Where each group on the path stands in `stack`.
        let mut on_path: HashMap<&GroupId, usize> = HashMap::new();
        let mut finished: HashSet<&GroupId> = HashSet::new();
        let parents = |group: &GroupId| self.member_of.get(group).map_or(&[][..], Vec::as_slice);
        for start in starts {
            if finished.contains(start) {
                continue;
            }
            visit(start);
            on_path.insert(start, 0);
            stack.push((start, parents(start).iter()));
            while let Some((_, pending)) = stack.last_mut() {
                match pending.next() {
                    Some(parent) => {
                        if let Some(&at) = on_path.get(parent) {
                            let mut cycle: Vec<String> =
                                stack[at..].iter().map(|(g, _)| g.to_string()).collect();
                            cycle.push(parent.to_string());
                            return Err(ModelError::Cycle { field: "groups", cycle });
                        }
                        if !finished.contains(parent) {
                            visit(parent);
                            on_path.insert(parent, stack.len());
                            stack.push((parent, parents(parent).iter()));
                        }
                    }
                    None => {
                        if let Some((group, _)) = stack.pop() {
                            on_path.remove(group);
                            finished.insert(group);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The roles `role` reports to, transitively, nearest first.
    ///
    /// ```
    /// use shareguard::model::{Directory, RoleId};
    ///
    /// let mut dir = Directory::new();
    /// dir.add_role("rep".parse()?, Some("vp-sales".parse()?));
    /// dir.add_role("vp-sales".parse()?, Some("ceo".parse()?));
    /// let chain = dir.role_chain(&"rep".parse()?)?;
    /// assert_eq!(chain, ["vp-sales".parse::<RoleId>()?, "ceo".parse()?]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn role_chain(&self, role: &RoleId) -> Result<Vec<RoleId>, ModelError> {
        let climbed = self.climb(role, &HashSet::new())?;
        Ok(climbed.into_iter().skip(1).cloned().collect())
    }

    /// `role` and the roles it reports to, nearest first, up to the top or to the first role
    /// of `stop` (which is left out); a cycle is refused, named from its first role.
    /// Linear in the chain's length.
    fn climb<'a>(
        &'a self,
        role: &'a RoleId,
        stop: &HashSet<&'a RoleId>,
    ) -> Result<Vec<&'a RoleId>, ModelError> {
        let mut chain = vec![role];
        let mut position: HashMap<&RoleId, usize> = HashMap::from([(role, 0)]);
        let mut current = role;
        while let Some(boss) = self.reports_to.get(current).and_then(Option::as_ref) {
            if stop.contains(boss) {
                break;
            }
            if let Some(&at) = position.get(boss) {
                let mut cycle: Vec<String> = chain[at..].iter().map(ToString::to_string).collect();
                cycle.push(boss.to_string());
                return Err(ModelError::Cycle { field: "roles", cycle });
            }
            position.insert(boss, chain.len());
            chain.push(boss);
            current = boss;
        }
        Ok(chain)
    }

    /// Builds the principal with its groups expanded through nested groups and its role's
    /// `reports_to` chain added.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{Directory, RoleId};
    ///
    /// let mut dir = Directory::new();
    /// dir.add_group("eng".parse()?, ["staff".parse()?]);
    /// dir.add_role("vp-sales".parse()?, Some("ceo".parse()?));
    /// let bob = dir.resolve(Principal::builder("bob", PrincipalKind::Internal)
    ///     .group("eng")
    ///     .role("vp-sales"))?;
    /// assert!(bob.in_group(&"staff".parse()?));
    /// assert_eq!(bob.reports_to(), ["ceo".parse::<RoleId>()?]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn resolve(&self, builder: PrincipalBuilder) -> Result<Principal, ModelError> {
        let principal = builder.build()?;
        let groups = self.groups_of(principal.groups())?;
        let chain = match principal.role() {
            Some(role) => self.role_chain(role)?,
            None => Vec::new(),
        };
        Ok(principal.with_resolved(groups, chain))
    }
}
