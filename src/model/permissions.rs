//! The fifteen fine permissions (SEMANTICS.md section 1).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::ModelError;

macro_rules! permissions {
    ($($variant:ident = $flag:ident = $bit:literal = $name:literal : $doc:literal;)*) => {
        /// One fine permission: what an action on a resource needs.
        ///
        /// ```
        /// use shareguard::{Permission, Permissions};
        ///
        /// let p: Permission = "fill_forms".parse()?;
        /// assert_eq!(p, Permission::FillForms);
        /// assert_eq!(p.to_string(), "fill_forms");
        /// assert_eq!(Permissions::from(p), Permissions::FILL_FORMS);
        /// # Ok::<(), shareguard::ModelError>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Permission {
            $(#[doc = $doc] $variant,)*
        }

        bitflags::bitflags! {
            /// A set of the fifteen fine permissions.
            ///
            /// Printed and parsed as snake_case names separated by commas; serialized as a
            /// list of names.
            ///
            /// ```
            /// use shareguard::Permissions;
            ///
            /// let set: Permissions = "view, comment".parse()?;
            /// assert_eq!(set, Permissions::VIEW | Permissions::COMMENT);
            /// assert_eq!(set.to_string(), "view, comment");
            /// assert_eq!(serde_json::to_string(&set)?, r#"["view","comment"]"#);
            /// assert!("view, own".parse::<Permissions>().is_err());
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
            pub struct Permissions: u16 {
                $(#[doc = $doc] const $flag = 1 << $bit;)*
            }
        }

        impl Permission {
            /// Every permission, in the order of SEMANTICS.md section 1.
            ///
            /// ```
            /// use shareguard::{Permission, Permissions};
            ///
            /// assert_eq!(Permission::ALL.len(), 15);
            /// assert_eq!(Permission::ALL[14], Permission::ManageAccess);
            /// let every: Permissions = Permission::ALL.into_iter().collect();
            /// assert_eq!(every, Permissions::all());
            /// ```
            pub const ALL: [Permission; 15] = [$(Permission::$variant,)*];

            /// The snake_case name of the permission, as it is parsed and serialized.
            ///
            /// ```
            /// use shareguard::Permission;
            ///
            /// assert_eq!(Permission::ViewLog.name(), "view_log");
            /// assert_eq!(serde_json::to_string(&Permission::ReshareLink)?, r#""reshare_link""#);
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Permission::$variant => $name,)*
                }
            }

            /// The permission as a one-element set.
            ///
            /// ```
            /// use shareguard::{AccessLevel, Permission, Permissions};
            ///
            /// assert_eq!(Permission::Edit.as_set(), Permissions::EDIT);
            /// assert!(AccessLevel::Editor.permissions().contains(Permission::Edit.as_set()));
            /// ```
            #[must_use]
            pub const fn as_set(self) -> Permissions {
                match self {
                    $(Permission::$variant => Permissions::$flag,)*
                }
            }
        }

        impl FromStr for Permission {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Permission::$variant),)*
                    _ => Err(ModelError::UnknownPermission { field: "permissions", value: s.to_owned() }),
                }
            }
        }
    };
}

permissions! {
    View = VIEW = 0 = "view" : "Open or read the resource.";
    Download = DOWNLOAD = 1 = "download" : "Take a copy out.";
    Comment = COMMENT = 2 = "comment" : "Add comments.";
    Review = REVIEW = 3 = "review" : "Suggest changes (track changes).";
    FillForms = FILL_FORMS = 4 = "fill_forms" : "Fill in forms.";
    Edit = EDIT = 5 = "edit" : "Change the content.";
    Create = CREATE = 6 = "create" : "Add new items inside (a folder, room, collection).";
    Delete = DELETE = 7 = "delete" : "Delete or move items.";
    ViewLog = VIEW_LOG = 8 = "view_log" : "See the share log of the resource's shares.";
    ReshareInternal = RESHARE_INTERNAL = 9 = "reshare_internal" : "Share on with internal recipients (users, groups, roles, the organisation).";
    ReshareExternal = RESHARE_EXTERNAL = 10 = "reshare_external" : "Share on with external people by email and with portal audiences.";
    ResharePublic = RESHARE_PUBLIC = 11 = "reshare_public" : "Share on with the public.";
    ReshareLink = RESHARE_LINK = 12 = "reshare_link" : "Create share links.";
    GrantReshare = GRANT_RESHARE = 13 = "grant_reshare" : "Give re-share rights to others.";
    ManageAccess = MANAGE_ACCESS = 14 = "manage_access" : "Administer every share of the resource.";
}

impl Permissions {
    /// The four re-share rights.
    ///
    /// ```
    /// use shareguard::Permissions;
    ///
    /// let names = "reshare_internal, reshare_external, reshare_public, reshare_link";
    /// assert_eq!(Permissions::RESHARE.to_string(), names);
    /// // Giving re-share rights to others is a right of its own.
    /// assert!(!Permissions::RESHARE.contains(Permissions::GRANT_RESHARE));
    /// ```
    pub const RESHARE: Permissions = Permissions::RESHARE_INTERNAL
        .union(Permissions::RESHARE_EXTERNAL)
        .union(Permissions::RESHARE_PUBLIC)
        .union(Permissions::RESHARE_LINK);

    /// What a principal that is not internal loses unless the settings allow it
    /// (SEMANTICS.md 4.5): management, the log, and every re-share right.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    ///
    /// assert_eq!(Permissions::MANAGEMENT.permissions().count(), 7);
    /// // Unless the settings allow more, a manager that is not internal keeps a contributor's set.
    /// let kept = AccessLevel::Manager.permissions().difference(Permissions::MANAGEMENT);
    /// assert_eq!(kept, AccessLevel::Contributor.permissions());
    /// ```
    pub const MANAGEMENT: Permissions = Permissions::MANAGE_ACCESS
        .union(Permissions::VIEW_LOG)
        .union(Permissions::GRANT_RESHARE)
        .union(Permissions::RESHARE);

    /// The permissions in the set, in the order of SEMANTICS.md section 1.
    ///
    /// ```
    /// use shareguard::{Permission, Permissions};
    ///
    /// let set = Permissions::EDIT | Permissions::VIEW;
    /// let listed: Vec<Permission> = set.permissions().collect();
    /// assert_eq!(listed, [Permission::View, Permission::Edit]);
    /// assert_eq!(Permissions::empty().permissions().count(), 0);
    /// ```
    pub fn permissions(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.into_iter().filter(move |p| self.contains(p.as_set()))
    }

    /// Whether the set holds the permission.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permission};
    ///
    /// let viewer = AccessLevel::Viewer.permissions();
    /// assert!(viewer.has(Permission::Download));
    /// assert!(!viewer.has(Permission::Comment));
    /// ```
    #[must_use]
    pub const fn has(self, permission: Permission) -> bool {
        self.contains(permission.as_set())
    }
}

impl From<Permission> for Permissions {
    fn from(p: Permission) -> Self {
        p.as_set()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter().fold(Permissions::empty(), |set, p| set | p.as_set())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.permissions().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

impl FromStr for Permissions {
    type Err = ModelError;
    /// Parses names separated by commas (white space around them is ignored); the empty
    /// string is the empty set.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::parse::<Permission>)
            .collect()
    }
}

impl Serialize for Permissions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.permissions())
    }
}

impl<'de> Deserialize<'de> for Permissions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<Permission>::deserialize(d)?.into_iter().collect())
    }
}
