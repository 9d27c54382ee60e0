//! Access levels and re-share rights (SEMANTICS.md section 2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{ModelError, Permissions};

macro_rules! levels {
    ($($variant:ident = $name:literal : $doc:literal;)*) => {
        /// The name of an access level, without the set a `custom` level carries.
        ///
        /// Requests name a level and, for `custom`, a set apart (as the scenario format and
        /// ONLYOFFICE do); a [`Share`](crate::Share) holds the resolved [`AccessLevel`].
        ///
        /// ```
        /// use shareguard::model::Level;
        ///
        /// let level: Level = "form_filler".parse()?;
        /// assert_eq!(level, Level::FormFiller);
        /// assert_eq!(level.to_string(), "form_filler");
        /// # Ok::<(), shareguard::ModelError>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Level {
            $(#[doc = $doc] $variant,)*
        }

        impl Level {
            /// Every level, in the order of SEMANTICS.md section 2.
            ///
            /// ```
            /// use shareguard::model::Level;
            ///
            /// assert_eq!(Level::ALL.len(), 11);
            /// assert_eq!((Level::ALL[0], Level::ALL[10]), (Level::None, Level::Restrict));
            /// assert!(Level::ALL.iter().all(|l| l.name().parse::<Level>() == Ok(*l)));
            /// ```
            pub const ALL: [Level; 11] = [$(Level::$variant,)*];

            /// The snake_case name of the level, as it is parsed and serialized.
            ///
            /// ```
            /// use shareguard::model::Level;
            ///
            /// assert_eq!(Level::ContentCreator.name(), "content_creator");
            /// assert_eq!(serde_json::to_string(&Level::FormFiller)?, r#""form_filler""#);
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Level::$variant => $name,)*
                }
            }
        }

        impl FromStr for Level {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Level::$variant),)*
                    _ => Err(ModelError::UnknownLevel { field: "access", value: s.to_owned() }),
                }
            }
        }
    };
}

levels! {
    None = "none" : "Grants nothing and denies nothing.";
    Viewer = "viewer" : "view, download.";
    Commenter = "commenter" : "viewer + comment.";
    Reviewer = "reviewer" : "commenter + review.";
    FormFiller = "form_filler" : "viewer + fill_forms.";
    Editor = "editor" : "view, download, comment, review, fill_forms, edit.";
    ContentCreator = "content_creator" : "editor + create.";
    Contributor = "contributor" : "content_creator + delete.";
    Manager = "manager" : "All fifteen permissions.";
    Custom = "custom" : "An explicit set given with the share.";
    Restrict = "restrict" : "A deny rule: a matching active restrict denies everything.";
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The access a share gives: a named level of SEMANTICS.md section 2, a `custom` set, or
/// `restrict`.
///
/// Levels are not a total order (`commenter` and `form_filler` are siblings), so the type
/// offers no ordering: compare [`AccessLevel::permissions`] instead.
///
/// Serialized as the level's name, or `{"custom": [names…]}`.
///
/// ```
/// use shareguard::{AccessLevel, Permissions};
///
/// let commenter = AccessLevel::Commenter.permissions();
/// let form_filler = AccessLevel::FormFiller.permissions();
/// assert!(!commenter.contains(form_filler) && !form_filler.contains(commenter));
/// assert!(AccessLevel::Editor.permissions().contains(commenter | form_filler));
/// assert_eq!(AccessLevel::Restrict.permissions(), Permissions::empty());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    /// Grants nothing and denies nothing (ONLYOFFICE None).
    None,
    /// view, download (Filr VIEWER, ONLYOFFICE Read, Salesforce View).
    Viewer,
    /// viewer + comment (ONLYOFFICE Comment).
    Commenter,
    /// commenter + review (ONLYOFFICE Review).
    Reviewer,
    /// viewer + fill_forms (ONLYOFFICE FillForms).
    FormFiller,
    /// view, download, comment, review, fill_forms, edit (Filr EDITOR, Salesforce Edit).
    Editor,
    /// editor + create (ONLYOFFICE ContentCreator).
    ContentCreator,
    /// content_creator + delete (Filr CONTRIBUTOR).
    Contributor,
    /// All fifteen permissions (ONLYOFFICE RoomManager, Salesforce Manage).
    Manager,
    /// An explicit set (ONLYOFFICE CustomFilter).
    Custom(Permissions),
    /// A deny rule (ONLYOFFICE Restrict): see SEMANTICS.md 4.4.
    Restrict,
}

impl AccessLevel {
    /// Resolves a level name and an optional set, as requests give them.
    ///
    /// `custom` needs a non-empty set; every other level refuses one, even empty.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    /// use shareguard::model::Level;
    ///
    /// assert_eq!(
    ///     AccessLevel::from_parts(Level::Custom, Some(Permissions::VIEW))?,
    ///     AccessLevel::Custom(Permissions::VIEW)
    /// );
    /// assert!(AccessLevel::from_parts(Level::Custom, None).is_err());
    /// assert!(AccessLevel::from_parts(Level::Viewer, Some(Permissions::empty())).is_err());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn from_parts(level: Level, set: Option<Permissions>) -> Result<Self, ModelError> {
        let access = match (level, set) {
            (Level::Custom, Some(set)) if !set.is_empty() => AccessLevel::Custom(set),
            (Level::Custom, _) => return Err(empty_custom_set()),
            (_, Some(set)) => {
                return Err(ModelError::Invalid {
                    field: "permissions",
                    value: set.to_string(),
                    reason: "a permission set goes only with the `custom` level",
                });
            }
            (Level::None, None) => AccessLevel::None,
            (Level::Viewer, None) => AccessLevel::Viewer,
            (Level::Commenter, None) => AccessLevel::Commenter,
            (Level::Reviewer, None) => AccessLevel::Reviewer,
            (Level::FormFiller, None) => AccessLevel::FormFiller,
            (Level::Editor, None) => AccessLevel::Editor,
            (Level::ContentCreator, None) => AccessLevel::ContentCreator,
            (Level::Contributor, None) => AccessLevel::Contributor,
            (Level::Manager, None) => AccessLevel::Manager,
            (Level::Restrict, None) => AccessLevel::Restrict,
        };
        Ok(access)
    }

    /// The level's name.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    /// use shareguard::model::Level;
    ///
    /// assert_eq!(AccessLevel::Editor.level(), Level::Editor);
    /// assert_eq!(AccessLevel::Custom(Permissions::VIEW).level(), Level::Custom);
    /// ```
    #[must_use]
    pub const fn level(self) -> Level {
        match self {
            AccessLevel::None => Level::None,
            AccessLevel::Viewer => Level::Viewer,
            AccessLevel::Commenter => Level::Commenter,
            AccessLevel::Reviewer => Level::Reviewer,
            AccessLevel::FormFiller => Level::FormFiller,
            AccessLevel::Editor => Level::Editor,
            AccessLevel::ContentCreator => Level::ContentCreator,
            AccessLevel::Contributor => Level::Contributor,
            AccessLevel::Manager => Level::Manager,
            AccessLevel::Custom(_) => Level::Custom,
            AccessLevel::Restrict => Level::Restrict,
        }
    }

    /// The set of permissions the level stands for, exactly as the table of SEMANTICS.md
    /// section 2 says. `restrict` and `none` stand for the empty set.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    ///
    /// let reviewer = "view, download, comment, review".parse::<Permissions>()?;
    /// assert_eq!(AccessLevel::Reviewer.permissions(), reviewer);
    /// assert_eq!(AccessLevel::Manager.permissions(), Permissions::all());
    /// assert_eq!(AccessLevel::Custom(Permissions::EDIT).permissions(), Permissions::EDIT);
    /// assert!(AccessLevel::None.permissions().is_empty());
    /// assert!(AccessLevel::Restrict.permissions().is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn permissions(self) -> Permissions {
        const VIEWER: Permissions = Permissions::VIEW.union(Permissions::DOWNLOAD);
        const COMMENTER: Permissions = VIEWER.union(Permissions::COMMENT);
        const EDITOR: Permissions = COMMENTER
            .union(Permissions::REVIEW)
            .union(Permissions::FILL_FORMS)
            .union(Permissions::EDIT);
        const CONTENT_CREATOR: Permissions = EDITOR.union(Permissions::CREATE);
        match self {
            AccessLevel::None | AccessLevel::Restrict => Permissions::empty(),
            AccessLevel::Viewer => VIEWER,
            AccessLevel::Commenter => COMMENTER,
            AccessLevel::Reviewer => COMMENTER.union(Permissions::REVIEW),
            AccessLevel::FormFiller => VIEWER.union(Permissions::FILL_FORMS),
            AccessLevel::Editor => EDITOR,
            AccessLevel::ContentCreator => CONTENT_CREATOR,
            AccessLevel::Contributor => CONTENT_CREATOR.union(Permissions::DELETE),
            AccessLevel::Manager => Permissions::all(),
            AccessLevel::Custom(set) => set,
        }
    }

    /// The level itself, or an error for the one malformed value the type can hold: a
    /// `custom` level with an empty set.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    ///
    /// assert!(AccessLevel::Custom(Permissions::VIEW).validated().is_ok());
    /// assert_eq!(AccessLevel::Custom(Permissions::empty()).validated().unwrap_err().field(), "permissions");
    /// ```
    pub fn validated(self) -> Result<Self, ModelError> {
        match self {
            AccessLevel::Custom(set) if set.is_empty() => Err(empty_custom_set()),
            access => Ok(access),
        }
    }

    /// The set of a `custom` level; `None` for every named level.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    ///
    /// let set = Permissions::VIEW | Permissions::FILL_FORMS;
    /// assert_eq!(AccessLevel::Custom(set).custom_set(), Some(set));
    /// assert_eq!(AccessLevel::FormFiller.custom_set(), None);
    /// ```
    #[must_use]
    pub const fn custom_set(self) -> Option<Permissions> {
        match self {
            AccessLevel::Custom(set) => Some(set),
            _ => None,
        }
    }

    /// Whether this is the `restrict` deny rule.
    ///
    /// ```
    /// use shareguard::AccessLevel;
    ///
    /// assert!(AccessLevel::Restrict.is_restrict());
    /// // `none` grants nothing, but denies nothing either.
    /// assert!(!AccessLevel::None.is_restrict());
    /// ```
    #[must_use]
    pub const fn is_restrict(self) -> bool {
        matches!(self, AccessLevel::Restrict)
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessLevel::Custom(set) => write!(f, "custom({set})"),
            other => f.write_str(other.level().name()),
        }
    }
}

impl FromStr for AccessLevel {
    type Err = ModelError;
    /// Parses a level name, or `custom(names…)` as [`Display`](fmt::Display) writes it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(inner) = s.strip_prefix("custom(").and_then(|r| r.strip_suffix(')')) {
            return AccessLevel::from_parts(Level::Custom, Some(inner.parse()?));
        }
        AccessLevel::from_parts(s.parse()?, None)
    }
}

bitflags::bitflags! {
    /// Re-share rights given on a share (Filr's `sharing` flags), folded into its
    /// permissions by [`ReshareRights::permissions`].
    ///
    /// Serialized as a list of `internal`, `external`, `public`, `link`, `grant`.
    ///
    /// ```
    /// use shareguard::{Permissions, ReshareRights};
    ///
    /// let rights: ReshareRights = serde_json::from_str(r#"["internal", "grant"]"#)?;
    /// assert_eq!(rights.permissions(), Permissions::RESHARE_INTERNAL | Permissions::GRANT_RESHARE);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ReshareRights: u8 {
        /// Share on with internal recipients.
        const INTERNAL = 1;
        /// Share on with external people and portal audiences.
        const EXTERNAL = 1 << 1;
        /// Share on with the public.
        const PUBLIC = 1 << 2;
        /// Create share links.
        const LINK = 1 << 3;
        /// Give re-share rights to others.
        const GRANT = 1 << 4;
    }
}

fn empty_custom_set() -> ModelError {
    ModelError::Invalid {
        field: "permissions",
        value: String::new(),
        reason: "a `custom` level needs a non-empty permission set",
    }
}

/// Where `reshare_internal` sits in [`Permissions`]; the other four follow it in the order of
/// [`ReshareRights`]'s bits (checked by the test below).
const RESHARE_SHIFT: u32 = 9;

const RESHARE_NAMES: [(ReshareRights, &str, Permissions); 5] = [
    (ReshareRights::INTERNAL, "internal", Permissions::RESHARE_INTERNAL),
    (ReshareRights::EXTERNAL, "external", Permissions::RESHARE_EXTERNAL),
    (ReshareRights::PUBLIC, "public", Permissions::RESHARE_PUBLIC),
    (ReshareRights::LINK, "link", Permissions::RESHARE_LINK),
    (ReshareRights::GRANT, "grant", Permissions::GRANT_RESHARE),
];

impl ReshareRights {
    /// The permissions these rights stand for. Constant time: the five rights have the bits
    /// of `reshare_internal` … `grant_reshare`, shifted (every decision asks this of every
    /// share on the path).
    ///
    /// ```
    /// use shareguard::{Permissions, ReshareRights};
    ///
    /// let rights = ReshareRights::EXTERNAL | ReshareRights::LINK;
    /// assert_eq!(rights.permissions(), Permissions::RESHARE_EXTERNAL | Permissions::RESHARE_LINK);
    /// let every = Permissions::RESHARE | Permissions::GRANT_RESHARE;
    /// assert_eq!(ReshareRights::all().permissions(), every);
    /// ```
    #[must_use]
    pub const fn permissions(self) -> Permissions {
        Permissions::from_bits_truncate((self.bits() as u16) << RESHARE_SHIFT)
    }

    /// The rights a permission set holds (its re-share rights and `grant_reshare`).
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions, ReshareRights};
    ///
    /// let set = Permissions::VIEW | Permissions::RESHARE_PUBLIC | Permissions::GRANT_RESHARE;
    /// let rights = ReshareRights::from_permissions(set);
    /// assert_eq!(rights, ReshareRights::PUBLIC | ReshareRights::GRANT);
    /// // The other permissions, `manage_access` among them, stand for no right.
    /// let contributor = AccessLevel::Contributor.permissions() | Permissions::MANAGE_ACCESS;
    /// assert!(ReshareRights::from_permissions(contributor).is_empty());
    /// ```
    #[must_use]
    pub const fn from_permissions(set: Permissions) -> Self {
        ReshareRights::from_bits_truncate((set.bits() >> RESHARE_SHIFT) as u8)
    }

    fn names(self) -> impl Iterator<Item = &'static str> {
        RESHARE_NAMES.iter().filter(move |(r, _, _)| self.contains(*r)).map(|(_, n, _)| *n)
    }
}

impl fmt::Display for ReshareRights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.names().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl FromStr for ReshareRights {
    type Err = ModelError;
    /// Parses names separated by commas; the empty string is no rights.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut rights = ReshareRights::empty();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let (right, _, _) =
                RESHARE_NAMES.iter().find(|(_, n, _)| *n == name).ok_or_else(|| {
                    ModelError::UnknownName {
                        field: "reshare",
                        value: name.to_owned(),
                        expected: "internal, external, public, link, grant",
                    }
                })?;
            rights |= *right;
        }
        Ok(rights)
    }
}

impl Serialize for ReshareRights {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for ReshareRights {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names.join(",").parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshare_rights_are_the_shifted_permission_bits() {
        for (right, _, permission) in RESHARE_NAMES {
            assert_eq!(right.permissions(), permission);
            assert_eq!(ReshareRights::from_permissions(permission), right);
        }
        assert_eq!(
            ReshareRights::all().permissions(),
            Permissions::RESHARE | Permissions::GRANT_RESHARE
        );
        assert_eq!(ReshareRights::from_permissions(Permissions::all()), ReshareRights::all());
        assert_eq!(
            ReshareRights::from_permissions(Permissions::MANAGE_ACCESS | Permissions::VIEW),
            ReshareRights::empty()
        );
    }
}
