//! Times: the range the model accepts, and their wire form (RFC 3339, to the nanosecond, with
//! an error that says so).

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

use crate::model::ModelError;

/// The earliest time the model accepts: `0001-01-01T00:00:00Z`.
///
/// The model's times run from [`EARLIEST_TIME`] to [`LATEST_TIME`] inclusive: the times
/// RFC 3339 can write (its years have four digits), so that every share, log entry and
/// expiry the model holds can be written and read back by every wire form and store. A time
/// outside the range is refused where it enters the model, by [`check_time`], with an error
/// naming the field.
///
/// ```
/// use shareguard::model::{EARLIEST_TIME, LATEST_TIME};
///
/// assert_eq!(EARLIEST_TIME.to_rfc3339(), "0001-01-01T00:00:00+00:00");
/// assert!(EARLIEST_TIME < LATEST_TIME);
/// ```
pub const EARLIEST_TIME: DateTime<Utc> = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => DateTime::from_naive_utc_and_offset(day.and_time(NaiveTime::MIN), Utc),
    None => DateTime::<Utc>::MIN_UTC, // never: the date is valid
};

/// The latest time the model accepts: `9999-12-31T23:59:59.999999999Z` (see
/// [`EARLIEST_TIME`]).
///
/// ```
/// use chrono::SecondsFormat;
/// use shareguard::model::LATEST_TIME;
///
/// let text = LATEST_TIME.to_rfc3339_opts(SecondsFormat::AutoSi, true);
/// assert_eq!(text, "9999-12-31T23:59:59.999999999Z");
/// ```
pub const LATEST_TIME: DateTime<Utc> = match (
    NaiveDate::from_ymd_opt(9999, 12, 31),
    NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999),
) {
    (Some(day), Some(time)) => DateTime::from_naive_utc_and_offset(day.and_time(time), Utc),
    _ => DateTime::<Utc>::MAX_UTC, // never: the date and time are valid
};

/// The time, if it lies in the model's range ([`EARLIEST_TIME`] to [`LATEST_TIME`],
/// inclusive), or an error naming `field`.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use shareguard::model::{LATEST_TIME, check_time};
///
/// let t = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// assert_eq!(check_time("expires", t)?, t);
/// assert_eq!(check_time("expires", LATEST_TIME)?, LATEST_TIME);
/// let err = check_time("expires", LATEST_TIME + Duration::nanoseconds(1)).unwrap_err();
/// assert_eq!(err.field(), "expires");
/// assert_eq!(
///     err.to_string(),
///     "expires: invalid value \"+10000-01-01T00:00:00Z\": outside the model's time range, \
///      0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
/// );
/// # Ok::<(), shareguard::ModelError>(())
/// ```
pub fn check_time(field: &'static str, t: DateTime<Utc>) -> Result<DateTime<Utc>, ModelError> {
    if (EARLIEST_TIME..=LATEST_TIME).contains(&t) {
        Ok(t)
    } else {
        Err(ModelError::Invalid {
            field,
            value: t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            reason: "outside the model's time range, \
                     0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z",
        })
    }
}

/// [`check_time`] for a time that may be absent.
pub(crate) fn check_time_option(
    field: &'static str,
    t: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, ModelError> {
    t.map(|t| check_time(field, t)).transpose()
}

fn parse<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        E::custom(format!(
            "invalid time \"{text}\" ({e}): expected an RFC 3339 time such as 2026-03-01T12:00:00Z"
        ))
    })
}

/// `DateTime<Utc>` as RFC 3339.
pub(crate) mod rfc3339 {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(t, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        super::parse(&String::deserialize(d)?)
    }
}

/// `Option<DateTime<Utc>>` as RFC 3339 or `null`.
pub(crate) mod rfc3339_option {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(t, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?.map(|t| super::parse(&t)).transpose()
    }
}

/// `Option<Option<DateTime<Utc>>>` for a change: absent leaves the field, `null` removes it.
pub(crate) mod rfc3339_change {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<Option<DateTime<Utc>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&t.flatten(), s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
        Ok(Some(Option::<String>::deserialize(d)?.map(|t| super::parse(&t)).transpose()?))
    }
}
