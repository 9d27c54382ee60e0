//! Structured traces of the facade (feature `tracing`): an event per decision; the spans
//! are the `#[instrument]` attributes on each operation. Without the feature these are empty
//! and cost nothing. Fields carry ids and reason codes only: never a token, a password or a
//! hash.

use crate::model::Revision;
use crate::policy::Decision;

/// Records a decision of the current operation: verdict, reason code and the ids of its
/// evidence.
#[cfg(feature = "tracing")]
pub(super) fn decision(decision: &Decision) {
    let evidence = decision.evidence();
    tracing::event!(
        target: "shareguard::decision",
        tracing::Level::DEBUG,
        allowed = decision.is_allowed(),
        reason = decision.reason().code(),
        share = evidence.share.as_ref().map(|s| s.as_str()),
        resource = evidence.resource.as_ref().map(tracing::field::display),
        needed = evidence.needed.map(|p| p.name()),
        setting = evidence.setting.as_deref(),
    );
}

/// Records a decision of the current operation (feature `tracing` off: nothing).
#[cfg(not(feature = "tracing"))]
#[inline]
pub(super) fn decision(_: &Decision) {}

/// Records the revision a write got on the current operation's span.
#[cfg(feature = "tracing")]
pub(super) fn revision(revision: Revision) {
    tracing::Span::current().record("revision", revision.get());
}

/// Records the revision a write got (feature `tracing` off: nothing).
#[cfg(not(feature = "tracing"))]
#[inline]
pub(super) fn revision(_: Revision) {}
