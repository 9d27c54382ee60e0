//! Share link tokens: random, kept as SHA-256 digests, compared in constant time.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{Email, ModelError, Principal, PrincipalKind};

/// A link token in clear: the secret a link's holder presents.
///
/// Made from 32 bytes of OS randomness by [`LinkToken::generate`], or taken from what a
/// visitor presented with [`LinkToken::presented`]. It has no `Display`, and its `Debug`
/// never prints it; read it deliberately with [`LinkToken::reveal`].
///
/// ```
/// use shareguard::model::LinkToken;
///
/// let token = LinkToken::generate()?;
/// assert_eq!(token.reveal().len(), 64);
/// assert!(!format!("{token:?}").contains(token.reveal()));
/// assert_ne!(token.reveal(), LinkToken::generate()?.reveal());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone)]
pub struct LinkToken(String);

impl LinkToken {
    /// A new token: 32 bytes from the OS random source, written as 64 lowercase hex digits.
    ///
    /// ```
    /// use shareguard::model::LinkToken;
    ///
    /// let token = LinkToken::generate()?;
    /// assert_eq!(token.reveal().len(), 64);
    /// assert!(token.reveal().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn generate() -> Result<Self, ModelError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ModelError::Random(e.to_string()))?;
        Ok(Self(hex(&bytes)))
    }

    /// A token as a visitor presented it (from a URL, say).
    ///
    /// ```
    /// use shareguard::model::LinkToken;
    ///
    /// assert_eq!(LinkToken::presented("tok-1")?.reveal(), "tok-1");
    /// assert_eq!(LinkToken::presented("").unwrap_err().field(), "token");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn presented(token: impl Into<String>) -> Result<Self, ModelError> {
        let token = token.into();
        if token.is_empty() {
            return Err(ModelError::Empty { field: "token" });
        }
        Ok(Self(token))
    }

    /// The token in clear, to put in a URL or hand to the link's maker once.
    ///
    /// ```
    /// use shareguard::model::LinkToken;
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// assert_eq!(token.reveal(), "tok-1");
    /// assert_eq!(format!("{token:?}"), "LinkToken(<redacted>)"); // only `reveal` shows it
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// The SHA-256 digest of the token: what is kept and compared.
    ///
    /// ```
    /// use shareguard::model::LinkToken;
    ///
    /// let sha256_of_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    /// assert_eq!(LinkToken::presented("abc")?.digest().to_hex(), sha256_of_abc);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn digest(&self) -> LinkDigest {
        LinkDigest(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkToken(<redacted>)")
    }
}

/// The SHA-256 digest of a link token. Equality is decided in constant time; serialized as
/// 64 hex digits (a digest is not a secret: it cannot be turned back into its token).
///
/// ```
/// use shareguard::model::{LinkDigest, LinkToken};
///
/// let token = LinkToken::presented("tok-1")?;
/// let digest = token.digest();
/// assert_eq!(digest, LinkToken::presented("tok-1")?.digest());
/// assert_eq!(digest.to_hex().parse::<LinkDigest>()?, digest);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone, Copy, Eq)]
pub struct LinkDigest([u8; 32]);

impl LinkDigest {
    /// The digest as 64 lowercase hex digits.
    ///
    /// ```
    /// use shareguard::model::LinkDigest;
    ///
    /// let digest = LinkDigest::from_bytes([0xab; 32]);
    /// assert_eq!(digest.to_hex(), "ab".repeat(32));
    /// assert_eq!(serde_json::to_string(&digest)?, format!("\"{}\"", digest.to_hex()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The digest's bytes.
    ///
    /// ```
    /// use shareguard::model::LinkToken;
    ///
    /// let digest = LinkToken::presented("abc")?.digest();
    /// assert_eq!(digest.as_bytes()[..4], [0xba, 0x78, 0x16, 0xbf]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Makes a digest from its bytes.
    ///
    /// ```
    /// use shareguard::model::{LinkDigest, LinkToken};
    ///
    /// let digest = LinkToken::presented("tok-1")?.digest();
    /// let stored: [u8; 32] = *digest.as_bytes(); // as a store keeps it
    /// assert_eq!(LinkDigest::from_bytes(stored), digest);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl PartialEq for LinkDigest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::hash::Hash for LinkDigest {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for LinkDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkDigest({}…)", &self.to_hex()[..8])
    }
}

impl Serialize for LinkDigest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for LinkDigest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for LinkDigest {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ModelError::Invalid {
            field: "digest",
            value: s.to_owned(),
            reason: "expected 64 hex digits",
        };
        // Digits only: `from_str_radix` alone would also take a `+` sign.
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }
}

/// The link of a link share: the digest of its token, and the token itself only when its
/// maker asked for a retrievable link (iconik's pre-generated share URL). Per-recipient
/// emailed links are never retrievable.
///
/// Links compare by digest, in constant time. `Debug` shows neither token nor full digest.
///
/// Serialized as `{"digest": "<hex>"}`, with `"token"` beside it for a retrievable link;
/// reading `{"token": "…"}` alone makes a retrievable link of that token.
///
/// ```
/// use shareguard::model::{LinkToken, ShareLink};
///
/// let token = LinkToken::generate()?;
/// let kept = ShareLink::new(&token, false);
/// assert!(kept.token().is_none());
/// assert!(kept.accepts(&token.digest()));
/// let retrievable = ShareLink::new(&token, true);
/// assert_eq!(retrievable.token().map(|t| t.reveal()), Some(token.reveal()));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone)]
pub struct ShareLink {
    // Boxed so that a `Recipient` stays as small as an id: most recipients are not links.
    inner: Box<LinkInner>,
}

#[derive(Clone)]
struct LinkInner {
    digest: LinkDigest,
    token: Option<LinkToken>,
    audience: Audience,
}

impl ShareLink {
    /// A link for a token; the token is kept only if `retrievable`.
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = serde_json::to_value(ShareLink::new(&token, false))?;
    /// assert!(kept.get("token").is_none());
    /// // Written out, a retrievable link shows its digest only: no serde output carries a token.
    /// let retrievable = serde_json::to_value(ShareLink::new(&token, true))?;
    /// assert!(retrievable.get("token").is_none());
    /// assert_eq!(retrievable["digest"], kept["digest"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(token: &LinkToken, retrievable: bool) -> Self {
        Self {
            inner: Box::new(LinkInner {
                digest: token.digest(),
                token: retrievable.then(|| token.clone()),
                audience: Audience::Anyone,
            }),
        }
    }

    /// A non-retrievable link known only by its digest (as a store reads it back).
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// let link = ShareLink::from_digest(token.digest());
    /// assert!(!link.is_retrievable());
    /// assert_eq!(link, ShareLink::new(&token, true)); // links compare by digest
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn from_digest(digest: LinkDigest) -> Self {
        Self { inner: Box::new(LinkInner { digest, token: None, audience: Audience::Anyone }) }
    }

    /// The digest of the link's token.
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// assert_eq!(*ShareLink::new(&token, false).digest(), token.digest());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn digest(&self) -> &LinkDigest {
        &self.inner.digest
    }

    /// The token, if the link was made retrievable.
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// assert_eq!(ShareLink::new(&token, true).token().map(LinkToken::reveal), Some("tok-1"));
    /// assert!(ShareLink::new(&token, false).token().is_none());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn token(&self) -> Option<&LinkToken> {
        self.inner.token.as_ref()
    }

    /// Whether the link was made retrievable.
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::generate()?;
    /// assert!(ShareLink::new(&token, true).is_retrievable());
    /// assert!(!ShareLink::new(&token, false).is_retrievable());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_retrievable(&self) -> bool {
        self.inner.token.is_some()
    }

    /// Whether a presented token's digest opens this link (constant time).
    ///
    /// ```
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let link = ShareLink::new(&LinkToken::presented("tok-1")?, false);
    /// assert!(link.accepts(&LinkToken::presented("tok-1")?.digest()));
    /// assert!(!link.accepts(&LinkToken::presented("tok-2")?.digest()));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn accepts(&self, presented: &LinkDigest) -> bool {
        self.inner.digest == *presented
    }

    /// The same link with another audience (SEMANTICS.md section 8). The audience is part of
    /// the recipient, so it is chosen when the link is made and never changes.
    ///
    /// ```
    /// use shareguard::model::{Audience, LinkToken, ShareLink};
    ///
    /// let link = ShareLink::new(&LinkToken::presented("tok-1")?, false)
    ///     .with_audience(Audience::Organization);
    /// assert_eq!(link.audience(), &Audience::Organization);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_audience(mut self, audience: Audience) -> Self {
        self.inner.audience = audience;
        self
    }

    /// Who the link admits besides presenting its token.
    ///
    /// ```
    /// use shareguard::model::{Audience, LinkToken, ShareLink};
    /// let link = ShareLink::new(&LinkToken::presented("tok-1")?, false);
    /// assert_eq!(link.audience(), &Audience::Anyone);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn audience(&self) -> &Audience {
        &self.inner.audience
    }
}

/// Whom a link admits, besides presenting its token (SEMANTICS.md section 8).
///
/// Written as `"anyone"`, `"organization"` or a list of email addresses.
///
/// ```
/// use shareguard::model::Audience;
///
/// let people: Audience = serde_json::from_str(r#"["ann@partner.example"]"#)?;
/// assert!(matches!(people, Audience::People(ref emails) if emails.len() == 1));
/// assert_eq!(serde_json::to_string(&Audience::Organization)?, r#""organization""#);
/// assert!(serde_json::from_str::<Audience>("[]").is_err(), "a people link names someone");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Audience {
    /// Whoever presents the token, anonymous principals included.
    #[default]
    Anyone,
    /// Internal principals presenting the token.
    Organization,
    /// Principals presenting the token with one of these verified emails (compared ignoring
    /// ASCII case). Never empty.
    People(Vec<Email>),
}

impl Audience {
    /// The audience of these people; an empty list is refused (`audience`).
    ///
    /// ```
    /// use shareguard::model::Audience;
    /// assert!(Audience::people(["ann@partner.example".parse()?]).is_ok());
    /// assert_eq!(Audience::people([]).unwrap_err().field(), "audience");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn people(emails: impl IntoIterator<Item = Email>) -> Result<Self, ModelError> {
        let emails: Vec<Email> = emails.into_iter().collect();
        if emails.is_empty() {
            return Err(ModelError::Invalid {
                field: "audience",
                value: "[]".to_owned(),
                reason: "a `people` link names at least one address",
            });
        }
        Ok(Audience::People(emails))
    }

    /// The addresses through which this audience admits `principal`: none for `anyone` and
    /// `organization` (they admit without an address), the principal's addresses on the list
    /// for `people`.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::Audience;
    ///
    /// let ann = Principal::builder("ann", PrincipalKind::External)
    ///     .email("Ann@Partner.Example").build()?;
    /// let people = Audience::people(["ann@partner.example".parse()?])?;
    /// assert_eq!(people.addresses_of(&ann).count(), 1);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn addresses_of<'a>(&'a self, principal: &'a Principal) -> impl Iterator<Item = &'a Email> {
        let listed: &[Email] = match self {
            Audience::People(emails) => emails,
            Audience::Anyone | Audience::Organization => &[],
        };
        principal.emails().iter().filter(move |e| listed.contains(e))
    }

    /// Whether the audience admits `principal` (who presents the link's token).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::Audience;
    ///
    /// let visitor = Principal::new("v".parse()?, PrincipalKind::Anonymous);
    /// assert!(Audience::Anyone.admits(&visitor));
    /// assert!(!Audience::Organization.admits(&visitor));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn admits(&self, principal: &Principal) -> bool {
        match self {
            Audience::Anyone => true,
            Audience::Organization => principal.kind() == PrincipalKind::Internal,
            Audience::People(_) => {
                principal.kind() != PrincipalKind::Anonymous
                    && self.addresses_of(principal).next().is_some()
            }
        }
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Audience::Anyone => s.serialize_str("anyone"),
            Audience::Organization => s.serialize_str("organization"),
            Audience::People(emails) => emails.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Name(String),
            People(Vec<String>),
        }
        match Form::deserialize(d)? {
            Form::Name(name) => match name.as_str() {
                "anyone" => Ok(Audience::Anyone),
                "organization" => Ok(Audience::Organization),
                _ => Err(D::Error::custom(ModelError::UnknownName {
                    field: "audience",
                    value: name,
                    expected: "anyone, organization, or a list of emails",
                })),
            },
            Form::People(emails) => {
                let emails = emails
                    .into_iter()
                    .map(Email::new)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(D::Error::custom)?;
                Audience::people(emails).map_err(D::Error::custom)
            }
        }
    }
}

// Two links are the same recipient when their tokens and audiences are.
impl PartialEq for ShareLink {
    fn eq(&self, other: &Self) -> bool {
        self.inner.digest == other.inner.digest && self.inner.audience == other.inner.audience
    }
}

impl Eq for ShareLink {}

impl std::hash::Hash for ShareLink {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.digest.hash(state);
    }
}

impl fmt::Debug for ShareLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareLink")
            .field("digest", &self.inner.digest)
            .field("retrievable", &self.is_retrievable())
            .field("audience", &self.inner.audience)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(default, skip_serializing_if = "is_anyone")]
    audience: Audience,
}

fn is_anyone(audience: &Audience) -> bool {
    *audience == Audience::Anyone
}

// Written with its digest only, even when retrievable: no serde output carries a token
// (DESIGN invariant 9, issue "Hardening"). A store that keeps retrievable tokens writes them
// itself; reading still takes a token, as scenario files and vendor forms give one.
impl Serialize for ShareLink {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LinkWire {
            digest: Some(self.inner.digest.to_hex()),
            token: None,
            audience: self.inner.audience.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for ShareLink {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let wire = LinkWire::deserialize(d)?;
        let audience = wire.audience;
        let link = match (wire.digest, wire.token) {
            (digest, Some(token)) => {
                let token = LinkToken::presented(token).map_err(D::Error::custom)?;
                let link = ShareLink::new(&token, true);
                if let Some(digest) = digest {
                    if digest.parse::<LinkDigest>().map_err(D::Error::custom)? != link.inner.digest
                    {
                        return Err(D::Error::custom("link: digest does not match token"));
                    }
                }
                Ok(link)
            }
            (Some(digest), None) => {
                Ok(ShareLink::from_digest(digest.parse().map_err(D::Error::custom)?))
            }
            (None, None) => Err(D::Error::custom("link: needs `token` or `digest`")),
        }?;
        Ok(link.with_audience(audience))
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}
