//! What the SQL adapters share: how a recipient is kept in a row.

use crate::model::Recipient;

use super::StoreError;

/// A recipient as a row keeps it: its JSON — but a retrievable link with its token, which no
/// serde output of the model carries, so that it reads back retrievable.
pub(crate) fn recipient_json(recipient: &Recipient) -> Result<String, StoreError> {
    let encoded = match recipient {
        Recipient::Link(link) => match link.token() {
            Some(token) => serde_json::to_string(
                &serde_json::json!({ "type": "link", "token": token.reveal() }),
            ),
            None => serde_json::to_string(recipient),
        },
        other => serde_json::to_string(other),
    };
    encoded
        .map_err(|e| StoreError::Backend(format!("store: cannot encode a share's recipient: {e}")))
}
