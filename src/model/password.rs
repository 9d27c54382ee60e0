//! Link passwords (SEMANTICS.md section 8): what a request carries, what a store keeps, and
//! what a principal presents once it has unlocked a link.
//!
//! Only a salted Argon2id hash is kept ([`LinkPassword`]); a password in clear exists only in
//! a request ([`Password`]). Neither is ever shown by `Debug`, `Display` or serde output. An
//! unlock ([`LinkUnlock`]) is bound to the hash it was checked against: setting the password
//! again, even to the same text, makes a new salt and so locks every earlier unlock out.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{LinkDigest, ModelError};

/// A link password in clear, as a request gives it. Never shown: `Debug` prints
/// `Password(<redacted>)` and serde writes nothing but that placeholder.
///
/// ```
/// use shareguard::model::Password;
///
/// let p = Password::new("correct horse")?;
/// assert_eq!(format!("{p:?}"), "Password(<redacted>)");
/// assert!(Password::new("").is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// A password; an empty one is refused (`password: must not be empty`).
    ///
    /// ```
    /// use shareguard::model::Password;
    /// assert_eq!(Password::new("").unwrap_err().to_string(), "password: must not be empty");
    /// ```
    pub fn new(text: impl Into<String>) -> Result<Self, ModelError> {
        let text = text.into();
        if text.is_empty() {
            return Err(ModelError::Empty { field: "password" });
        }
        Ok(Self(text))
    }

    /// The text, for the hashing function and nothing else.
    ///
    /// ```
    /// use shareguard::model::Password;
    /// assert_eq!(Password::new("s3cret")?.reveal(), "s3cret");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Serialize for Password {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for Password {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text == REDACTED {
            return Err(serde::de::Error::custom(
                "password: a redacted password cannot be read back; give it in clear",
            ));
        }
        Password::new(text).map_err(serde::de::Error::custom)
    }
}

const REDACTED: &str = "<redacted>";

/// What a store keeps of a link's password: an Argon2id hash in the PHC string format, with a
/// random salt. Comparing two compares their hashes; `Debug` shows neither.
///
/// ```
/// use shareguard::model::{LinkPassword, Password};
///
/// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
/// assert!(kept.verify(&Password::new("s3cret")?));
/// assert!(!kept.verify(&Password::new("guess")?));
/// assert_eq!(format!("{kept:?}"), "LinkPassword(<redacted>)");
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone)]
pub struct LinkPassword {
    phc: Box<str>,
    stamp: [u8; 16],
}

impl LinkPassword {
    /// Hashes `password` with Argon2id (RustCrypto's `argon2`, its default parameters) and a
    /// fresh random salt. This is slow on purpose (tens of milliseconds).
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, Password};
    /// let a = LinkPassword::hash(&Password::new("same")?)?;
    /// let b = LinkPassword::hash(&Password::new("same")?)?;
    /// assert_ne!(a, b, "each hash has its own salt");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn hash(password: &Password) -> Result<Self, ModelError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| ModelError::Hashing(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| ModelError::Hashing(e.to_string()))?;
        let hash = Argon2::default()
            .hash_password(password.reveal().as_bytes(), &salt)
            .map_err(|e| ModelError::Hashing(e.to_string()))?;
        Ok(Self::from_phc_unchecked(hash.to_string()))
    }

    /// Reads back what [`LinkPassword::stored_form`] gave, for a store adapter; a string that is
    /// not a PHC hash is refused, naming the field `password`.
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, Password};
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// assert_eq!(LinkPassword::from_stored(kept.stored_form())?, kept);
    /// assert_eq!(LinkPassword::from_stored("s3cret").unwrap_err().field(), "password");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn from_stored(phc: &str) -> Result<Self, ModelError> {
        PasswordHash::new(phc).map_err(|_| ModelError::Invalid {
            field: "password",
            value: "<redacted>".to_owned(),
            reason: "not a password hash in the PHC string format",
        })?;
        Ok(Self::from_phc_unchecked(phc.to_owned()))
    }

    fn from_phc_unchecked(phc: String) -> Self {
        let digest = Sha256::digest(phc.as_bytes());
        let mut stamp = [0u8; 16];
        stamp.copy_from_slice(&digest[..16]);
        Self { phc: phc.into_boxed_str(), stamp }
    }

    /// The PHC string a store adapter persists (and gives back to
    /// [`LinkPassword::from_stored`]). It is the only way to see the hash: never log it.
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, Password};
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// assert!(kept.stored_form().starts_with("$argon2id$"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn stored_form(&self) -> &str {
        &self.phc
    }

    /// Whether `password` is the one hashed (the comparison is Argon2's, in constant time).
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, Password};
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// assert!(kept.verify(&Password::new("s3cret")?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn verify(&self, password: &Password) -> bool {
        PasswordHash::new(&self.phc).is_ok_and(|hash| {
            Argon2::default().verify_password(password.reveal().as_bytes(), &hash).is_ok()
        })
    }

    /// Whether `unlock` was made against this very hash for the link `digest`.
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// let unlock = LinkUnlock::new(token.digest(), &kept);
    /// assert!(kept.is_unlocked_by(&token.digest(), &unlock));
    /// let again = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// assert!(!again.is_unlocked_by(&token.digest(), &unlock), "a new hash locks it again");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_unlocked_by(&self, digest: &LinkDigest, unlock: &LinkUnlock) -> bool {
        unlock.digest == *digest && bool::from(unlock.stamp.ct_eq(&self.stamp))
    }
}

impl PartialEq for LinkPassword {
    fn eq(&self, other: &Self) -> bool {
        self.stamp.ct_eq(&other.stamp).into()
    }
}

impl Eq for LinkPassword {}

/// Written as `"<redacted>"`; read from a password in clear, which is hashed as it is read
/// (so a redacted form cannot be read back).
impl Serialize for LinkPassword {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

impl<'de> Deserialize<'de> for LinkPassword {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let password = Password::deserialize(d)?;
        LinkPassword::hash(&password).map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for LinkPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkPassword(<redacted>)")
    }
}

/// Proof that a principal gave a link's password, made by [`LinkPassword`] checking it once
/// (the facade's `unlock_link`), carried by the principal afterwards so that decisions pay no
/// hashing cost. It names the link's digest and a stamp of the hash it was checked against.
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
/// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
///
/// let token = LinkToken::presented("tok-1")?;
/// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
/// let visitor = Principal::builder("v", PrincipalKind::Anonymous)
///     .link_token(&token)
///     .unlocked(LinkUnlock::new(token.digest(), &kept))
///     .build()?;
/// assert_eq!(visitor.unlocked().len(), 1);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkUnlock {
    digest: LinkDigest,
    #[serde(with = "stamp_hex")]
    stamp: [u8; 16],
}

impl LinkUnlock {
    /// An unlock of the link `digest` against `password`: make it only once the password was
    /// verified ([`LinkPassword::verify`]).
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// assert_eq!(LinkUnlock::new(token.digest(), &kept).digest(), &token.digest());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(digest: LinkDigest, password: &LinkPassword) -> Self {
        Self { digest, stamp: password.stamp }
    }

    /// The link it unlocks.
    ///
    /// ```
    /// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("x")?)?;
    /// assert_eq!(*LinkUnlock::new(token.digest(), &kept).digest(), token.digest());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn digest(&self) -> &LinkDigest {
        &self.digest
    }
}

impl fmt::Debug for LinkUnlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkUnlock").field("digest", &self.digest).finish_non_exhaustive()
    }
}

mod stamp_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(stamp: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::super::link::hex(stamp))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 16], D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 16];
        if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(serde::de::Error::custom("stamp: expected 32 hex digits"));
        }
        for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(serde::de::Error::custom)?;
            *byte = u8::from_str_radix(pair, 16).map_err(serde::de::Error::custom)?;
        }
        Ok(out)
    }
}
