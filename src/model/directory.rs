//! A small reference directory: nested groups and role chains, resolved into principals.

use std::collections::HashMap;

use crate::model::{GroupId, ModelError, Principal, PrincipalBuilder, RoleId};

/// Nested groups (`member_of`) and role chains (`reports_to`), resolved transitively into
/// [`Principal`]s. Cycles are refused with an error that names them.
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
    reports_to: HashMap<RoleId, RoleId>,
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
        if !self.role_order.contains(&role) {
            self.role_order.push(role.clone());
        }
        match reports_to {
            Some(boss) => self.reports_to.insert(role, boss),
            None => self.reports_to.remove(&role),
        };
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
        for group in &self.group_order {
            self.groups_of(std::slice::from_ref(group))?;
        }
        for role in &self.role_order {
            self.role_chain(role)?;
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
        for group in direct {
            let mut path = Vec::new();
            self.visit_group(group, &mut path, &mut all)?;
        }
        Ok(all)
    }

    fn visit_group(
        &self,
        group: &GroupId,
        path: &mut Vec<GroupId>,
        all: &mut Vec<GroupId>,
    ) -> Result<(), ModelError> {
        if let Some(start) = path.iter().position(|g| g == group) {
            let mut cycle: Vec<String> = path[start..].iter().map(|g| g.to_string()).collect();
            cycle.push(group.to_string());
            return Err(ModelError::Cycle { field: "groups", cycle });
        }
        if !all.contains(group) {
            all.push(group.clone());
        }
        path.push(group.clone());
        for parent in self.member_of.get(group).into_iter().flatten() {
            self.visit_group(parent, path, all)?;
        }
        path.pop();
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
        let mut seen = vec![role.clone()];
        let mut current = role;
        while let Some(boss) = self.reports_to.get(current) {
            if let Some(pos) = seen.iter().position(|r| r == boss) {
                let mut cycle: Vec<String> = seen[pos..].iter().map(ToString::to_string).collect();
                cycle.push(boss.to_string());
                return Err(ModelError::Cycle { field: "roles", cycle });
            }
            seen.push(boss.clone());
            current = boss;
        }
        seen.remove(0);
        Ok(seen)
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
