//! Typed identifiers and resource references.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::ModelError;

/// The text of an id with a 32-bit tag kept beside it: a keyed hash of the text, under a key
/// drawn at random once a process. Two different ids almost always differ in their tags, so
/// comparing them (what matching a recipient to a principal does, many times a decision)
/// rarely reads the text, and hashing an id hashes its tag, not its text. No one outside the
/// process knows the key, so no one can craft ids whose tags collide: a hash table keyed by
/// ids keeps its guarantees. A text of up to [`INLINE`] bytes (user names, numeric and most
/// vendor ids, `kind:id` of short ids) is kept in place, so cloning it copies 24 bytes and
/// touches no other memory; a longer one is shared (cloning it is a reference count). Which
/// form a text takes depends on its length alone, so equal texts always take the same form.
/// Ordering uses the text itself.
///
/// `repr(u8)` lays each form out in the order written, after a one-byte discriminant: the tag
/// sits at offset 4 in both, so reading it takes one load and no branch.
#[derive(Clone)]
#[repr(u8)]
enum IdText {
    Inline { len: u8, _fill: [u8; 2], tag: u32, bytes: [u8; INLINE] },
    Shared { tag: u32, text: Arc<str> },
}

/// The longest text an id keeps in place (24 bytes in all, with its tag and length).
const INLINE: usize = 16;

const _: () = assert!(std::mem::size_of::<IdText>() == 24);

impl IdText {
    fn new(text: String) -> Self {
        let tag = tag_of(text.as_bytes());
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                Self::Inline { len, _fill: [0; 2], tag, bytes }
            }
            _ => Self::Shared { tag, text: text.into() },
        }
    }

    #[inline]
    const fn tag(&self) -> u32 {
        match self {
            Self::Inline { tag, .. } | Self::Shared { tag, .. } => *tag,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes, .. } => &bytes[..usize::from(*len)],
            Self::Shared { text, .. } => text.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Always valid: the bytes were copied whole from a `String`.
            Self::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Self::Shared { text, .. } => text,
        }
    }
}

/// The 32-bit tag of an id's text, for compact indexes that tell ids apart without reading
/// them (two equal ids have equal tags; the converse needs the text).
pub(crate) trait Tagged {
    fn tag(&self) -> u32;

    /// The id's bit in a 64-bit filter of a few ids (a principal's own and its groups').
    fn filter_bit(&self) -> u64 {
        1 << filter_index(self.tag())
    }
}

/// Which bit of a 64-bit filter of ids stands for an id with this tag: 0 to 62. Bit 63
/// ([`ANYONE`]) is every filter's, for what is not an id.
pub(crate) const fn filter_index(tag: u32) -> u8 {
    // Below 63: the remainder fits.
    (tag % 63) as u8
}

/// The bit of a 64-bit filter of ids that every filter holds.
pub(crate) const ANYONE: u8 = 63;

impl PartialEq for IdText {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.tag() == other.tag() && self.same_text(other)
    }
}

impl IdText {
    /// The rare half of `eq`: two tags alike, the texts still to compare.
    fn same_text(&self, other: &Self) -> bool {
        match (self, other) {
            // Texts in place are padded with zeros: comparing the whole arrays is a couple of
            // word compares, not a call to `memcmp`.
            (Self::Inline { len: a, bytes: x, .. }, Self::Inline { len: b, bytes: y, .. }) => {
                a == b && x == y
            }
            (Self::Shared { text: a, .. }, Self::Shared { text: b, .. }) => {
                Arc::ptr_eq(a, b) || a == b
            }
            // The form follows the length: texts of different forms differ.
            _ => false,
        }
    }
}

impl Eq for IdText {}

impl std::hash::Hash for IdText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // The tag is already a keyed hash of the text: equal texts have equal tags.
        state.write_u32(self.tag());
    }
}

/// The tag of a text: SipHash under the process's random key, folded to 32 bits.
fn tag_of(text: &[u8]) -> u32 {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    let hash = KEY.get_or_init(RandomState::new).hash_one(text);
    // Folding keeps every bit of the hash in play; the truncation is the point.
    #[allow(clippy::cast_possible_truncation)]
    let folded = (hash ^ (hash >> 32)) as u32;
    folded
}

/// A [`Hasher`](std::hash::Hasher) for the crate's maps keyed by ids ([`ById`]): an id hashes
/// to its tag, already a keyed hash, so spreading its bits over 64 is all that is left to do.
/// Only for keys that hash through [`IdText`]: other bytes are mixed, not keyed.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TagHasher(u64);

impl std::hash::Hasher for TagHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0.rotate_left(32) ^ u64::from(n)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// How the crate's maps keyed by ids hash them (see [`TagHasher`]).
pub(crate) type ById = std::hash::BuildHasherDefault<TagHasher>;

impl PartialOrd for IdText {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdText {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal, $example:literal) => {
        $(#[$doc])*
        ///
        /// A non-empty string, compared exactly. Cloning it is cheap (a copy of 24 bytes, or a
        /// reference count for a text longer than 16 bytes), and so is comparing two different
        /// ids (a 32-bit tag kept beside the text).
        ///
        /// ```
        #[doc = concat!("use shareguard::model::", stringify!($name), ";")]
        ///
        #[doc = concat!("let id: ", stringify!($name), " = \"", $example, "\".parse()?;")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert!(\"\".parse::<", stringify!($name), ">().is_err());")]
        /// # Ok::<(), shareguard::ModelError>(())
        /// ```
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(IdText);

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.0.as_str())
            }
        }

        impl $name {
            /// Makes an identifier, refusing an empty one.
            ///
            /// ```
            #[doc = concat!("use shareguard::model::", stringify!($name), ";")]
            ///
            #[doc = concat!("let id = ", stringify!($name), "::new(\"", $example, "\")?;")]
            #[doc = concat!("assert_eq!(id, \"", $example, "\".parse()?);")]
            #[doc = concat!("let empty = ", stringify!($name), "::new(String::new());")]
            #[doc = concat!("assert_eq!(empty.unwrap_err().field(), \"", $field, "\");")]
            /// # Ok::<(), shareguard::ModelError>(())
            /// ```
            pub fn new(id: impl Into<String>) -> Result<Self, ModelError> {
                let id: String = id.into();
                if id.is_empty() {
                    return Err(ModelError::Empty { field: $field });
                }
                Ok(Self(IdText::new(id)))
            }

            /// The identifier as a string.
            ///
            /// ```
            #[doc = concat!("use shareguard::model::", stringify!($name), ";")]
            ///
            #[doc = concat!("let short = ", stringify!($name), "::new(\"", $example, "\")?;")]
            #[doc = concat!("assert_eq!(short.as_str(), \"", $example, "\");")]
            /// // Past 16 bytes the text is shared rather than kept in place: the same either way.
            #[doc = concat!(
                "let long = ", stringify!($name), "::new(\"", $example, "-0123456789abcdef\")?;"
            )]
            #[doc = concat!("assert_eq!(long.as_str(), \"", $example, "-0123456789abcdef\");")]
            /// # Ok::<(), shareguard::ModelError>(())
            /// ```
            #[must_use]
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl Tagged for $name {
            fn tag(&self) -> u32 {
                self.0.tag()
            }
        }

        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ModelError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// The id of a principal: a user, a portal user, an external person or an anonymous visitor.
    PrincipalId,
    "principal",
    "alice"
);
string_id!(
    /// The id of a group. Groups nest; see [`Directory`](crate::model::Directory).
    GroupId,
    "group",
    "eng"
);
string_id!(
    /// The id of a role. Roles report to roles; see [`Directory`](crate::model::Directory).
    RoleId,
    "role",
    "vp-sales"
);
string_id!(
    /// The id of a share.
    ShareId,
    "share",
    "s1"
);
string_id!(
    /// The kind of a resource (`folder`, `document`, `room`, `asset`, …): what administrative
    /// rights are limited by.
    ResourceKind,
    "resource.kind",
    "folder"
);

impl ShareId {
    /// A fresh random id: a UUID v4 in its 32-digit simple form (no hyphens: four characters
    /// fewer, which the allocator's 16-byte rounding makes 16 bytes less to keep for each of a
    /// store's million shares), for stores that make their own ids.
    ///
    /// ```
    /// use shareguard::model::ShareId;
    ///
    /// let id = ShareId::random();
    /// assert_eq!(id.as_str().len(), 32);
    /// assert!(id.as_str().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    /// assert_eq!(id.as_str().as_bytes()[12], b'4'); // the UUID's version
    /// assert_ne!(id, ShareId::random());
    /// ```
    #[must_use]
    pub fn random() -> Self {
        Self(IdText::new(uuid::Uuid::new_v4().simple().to_string()))
    }
}

/// A reference to a resource: its kind and its id, written `kind:id`.
///
/// ```
/// use shareguard::ResourceRef;
///
/// let r: ResourceRef = "document:d1".parse()?;
/// assert_eq!(r.kind().as_str(), "document");
/// assert_eq!(r.id(), "d1");
/// assert_eq!(r.to_string(), "document:d1");
/// assert!("d1".parse::<ResourceRef>().is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceRef {
    // `kind:id` in one text; the kind ends at the first colon.
    text: IdText,
}

impl ResourceRef {
    /// Makes a reference from a kind and an id.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    /// use shareguard::model::ResourceKind;
    ///
    /// let folder: ResourceKind = "folder".parse()?;
    /// assert_eq!(ResourceRef::new(&folder, "f1")?, "folder:f1".parse()?);
    /// assert_eq!(ResourceRef::new(&folder, "").unwrap_err().field(), "resource.id");
    /// // The kind ends at the first colon, so it cannot hold one.
    /// let odd: ResourceKind = "team:x".parse()?;
    /// assert_eq!(ResourceRef::new(&odd, "f1").unwrap_err().field(), "resource.kind");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn new(kind: &ResourceKind, id: &str) -> Result<Self, ModelError> {
        if id.is_empty() {
            return Err(ModelError::Empty { field: "resource.id" });
        }
        if kind.as_str().contains(':') {
            return Err(ModelError::Invalid {
                field: "resource.kind",
                value: kind.to_string(),
                reason: "a kind has no `:`",
            });
        }
        Ok(Self { text: IdText::new(format!("{kind}:{id}")) })
    }

    /// The kind of the resource.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    /// use shareguard::model::ResourceKind;
    ///
    /// let room: ResourceRef = "room:r-7".parse()?;
    /// assert_eq!(room.kind(), "room".parse::<ResourceKind>()?);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        ResourceKind(IdText::new(self.kind_str().to_owned()))
    }

    /// The kind of the resource, as a string.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    ///
    /// let asset: ResourceRef = "asset:clip:42".parse()?;
    /// assert_eq!(asset.kind_str(), "asset"); // up to the first colon
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn kind_str(&self) -> &str {
        let text = self.text.as_str();
        text.split_once(':').map_or(text, |(kind, _)| kind)
    }

    /// The id of the resource within its kind.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    ///
    /// let asset: ResourceRef = "asset:clip:42".parse()?;
    /// assert_eq!(asset.id(), "clip:42"); // everything after the first colon
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        self.text.as_str().split_once(':').map_or("", |(_, id)| id)
    }

    /// The reference as `kind:id`.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    /// use shareguard::model::ResourceKind;
    ///
    /// let document: ResourceKind = "document".parse()?;
    /// assert_eq!(ResourceRef::new(&document, "d1")?.as_str(), "document:d1");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }
}

impl Tagged for ResourceRef {
    fn tag(&self) -> u32 {
        self.text.tag()
    }
}

impl FromStr for ResourceRef {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.find(':') {
            Some(colon) if colon > 0 && colon + 1 < s.len() => {
                Ok(Self { text: IdText::new(s.to_owned()) })
            }
            _ => Err(ModelError::Invalid {
                field: "resource",
                value: s.to_owned(),
                reason: "expected `kind:id`",
            }),
        }
    }
}

impl fmt::Display for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ResourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResourceRef({:?})", self.as_str())
    }
}

impl Serialize for ResourceRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResourceRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// An email address, compared and hashed ignoring ASCII case (SEMANTICS.md section 3), and
/// kept as written.
///
/// ```
/// use shareguard::model::Email;
///
/// let a: Email = "Alice@Corp.Example".parse()?;
/// let b: Email = "alice@corp.example".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "Alice@Corp.Example");
/// assert!("not-an-address".parse::<Email>().is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone)]
pub struct Email(Arc<str>);

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Email {
    /// Makes an address, refusing one without a local part, an `@` and a domain.
    ///
    /// ```
    /// use shareguard::model::Email;
    ///
    /// assert_eq!(Email::new("bob@corp.example")?.as_str(), "bob@corp.example");
    /// for bad in ["bob", "@corp.example", "bob@", "bob@corp@example", "bob @corp.example"] {
    ///     assert_eq!(Email::new(bad).unwrap_err().field(), "email");
    /// }
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn new(address: impl Into<String>) -> Result<Self, ModelError> {
        let address: String = address.into();
        match address.split_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && !address.chars().any(char::is_whitespace) =>
            {
                Ok(Self(address.into()))
            }
            _ => Err(ModelError::Invalid {
                field: "email",
                value: address,
                reason: "expected an address `local@domain`",
            }),
        }
    }

    /// The address as written.
    ///
    /// ```
    /// use shareguard::model::Email;
    ///
    /// assert_eq!(Email::new("Bob@Corp.Example")?.as_str(), "Bob@Corp.Example");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address in ASCII lower case: the form it is compared and indexed in.
    ///
    /// ```
    /// use shareguard::model::Email;
    ///
    /// let bob = Email::new("Bob@Corp.Example")?;
    /// assert_eq!(bob.normalized(), "bob@corp.example");
    /// assert_eq!(bob, Email::new(bob.normalized())?);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// What follows the `@`: the domain that `email_domains` governs (SEMANTICS.md section 8).
    ///
    /// ```
    /// use shareguard::model::Email;
    /// assert_eq!(Email::new("ann@EU.Example.com")?.domain(), "EU.Example.com");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Email {}

impl std::hash::Hash for Email {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for b in self.0.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
        state.write_u8(0xff);
    }
}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let a = self.0.bytes().map(|b| b.to_ascii_lowercase());
        let b = other.0.bytes().map(|b| b.to_ascii_lowercase());
        a.cmp(b)
    }
}

impl TryFrom<&str> for Email {
    type Error = ModelError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for Email {
    type Error = ModelError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl FromStr for Email {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({:?})", self.0)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
