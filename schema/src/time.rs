//! Timestamps and dates in the forms Firehose's OpenX JSON deserializer accepts, and the one
//! canonical form eventlake writes (`2024-01-05T01:05:00.000Z`).
//!
//! Accepted (docs/aws-behaviour.md, "Timestamps"): `yyyy-MM-dd'T'HH:mm:ss[.f{1,9}]Z` with a literal `Z`,
//! `yyyy-[M]M-[d]d HH:mm:ss[.f{1,9}]`, epoch seconds, epoch milliseconds and float epoch
//! seconds. Numeric offsets such as `+00:00` are *not* accepted by Firehose, so they are
//! rejected here too. All instants are UTC.

use chrono::{Datelike, NaiveDate};

/// The text forms [`parse_timestamp_str`] accepts, as a regular expression (the JSON
/// Schema's `pattern`). It checks the layout only: a day or hour out of range matches it but
/// is rejected by the parser (tests/timestamps in the schema crate hold both to one table).
pub const TIMESTAMP_PATTERN: &str = r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z|\d{4}-\d{1,2}-\d{1,2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?)$";
/// Dates as eventlake writes them and [`parse_date`] reads them.
pub const DATE_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}$";

/// A UTC instant with nanosecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// Epoch numbers with more digits than this are milliseconds (year 5138 in seconds).
const MILLIS_THRESHOLD: i128 = 100_000_000_000;

impl Instant {
    /// Microseconds since the epoch (Parquet `TIMESTAMP(MICROS)`).
    pub fn micros(&self) -> i64 {
        self.secs
            .saturating_mul(1_000_000)
            .saturating_add(i64::from(self.nanos / 1_000))
    }

    /// Civil date and time in UTC: (year, month, day, hour, minute, second).
    pub fn civil(&self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.secs.div_euclid(86_400);
        let rem = self.secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let rem = u32::try_from(rem).unwrap_or(0);
        (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
    }

    /// The canonical form: `yyyy-MM-ddTHH:mm:ss.fffZ` (more fraction digits only when needed).
    pub fn format(&self) -> String {
        let (y, mo, d, h, mi, s) = self.civil();
        let frac = if self.nanos.is_multiple_of(1_000_000) {
            format!("{:03}", self.nanos / 1_000_000)
        } else if self.nanos.is_multiple_of(1_000) {
            format!("{:06}", self.nanos / 1_000)
        } else {
            format!("{:09}", self.nanos)
        };
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac}Z")
    }
}

/// Parses a timestamp string in one of the OpenX-accepted text forms.
pub fn parse_timestamp_str(s: &str) -> Option<Instant> {
    parse_fixed_width(s).or_else(|| parse_any_width(s))
}

/// [`parse_any_width`] for the two-digit forms (`yyyy-MM-ddTHH:mm:ss[.f]Z`, `yyyy-MM-dd
/// HH:mm:ss[.f]`) in one pass over the bytes: the local lake parses every timestamp of
/// every record, and producers write these forms. `None` sends the text to the general
/// parser, which gives the same answer for every text this one accepts.
fn parse_fixed_width(s: &str) -> Option<Instant> {
    let (b, separator) = match s.as_bytes().split_last()? {
        (b'Z', rest) => (rest, b'T'),
        _ => (s.as_bytes(), b' '),
    };
    let (fixed, fraction) = b.split_at_checked(19)?;
    let number = |at: std::ops::Range<usize>| digits_value(&fixed[at]);
    if fixed[4] != b'-'
        || fixed[7] != b'-'
        || fixed[10] != separator
        || fixed[13] != b':'
        || fixed[16] != b':'
    {
        return None;
    }
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (h, mi, sec) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let nanos = match fraction {
        [] => 0,
        [b'.', digits @ ..] => fraction_nanos(digits)?,
        _ => return None,
    };
    if y < 1 || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(y), m, d)?;
    checked(Instant {
        secs: days * 86_400 + i64::from(h * 3600 + mi * 60 + sec),
        nanos,
    })
}

/// Every OpenX text form, field by field.
fn parse_any_width(s: &str) -> Option<Instant> {
    if let Some(rest) = s.strip_suffix('Z') {
        let (date, time) = rest.split_once('T')?;
        let (y, m, d) = parse_ymd(date, true)?;
        instant(y, m, d, time)
    } else {
        let (date, time) = s.split_once(' ')?;
        let (y, m, d) = parse_ymd(date, false)?;
        instant(y, m, d, time)
    }
}

/// Parses an epoch number as OpenX reads it: integer seconds, integer milliseconds (more
/// than 11 digits), or fractional seconds. `text` is the JSON number as written.
pub fn parse_epoch(text: &str) -> Option<Instant> {
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    if text.contains(['e', 'E']) {
        return None;
    }
    let int: i128 = int_part.parse().ok()?;
    match frac_part {
        None if int.abs() >= MILLIS_THRESHOLD => {
            let secs = i64::try_from(int.div_euclid(1000)).ok()?;
            let nanos = u32::try_from(int.rem_euclid(1000) * 1_000_000).ok()?;
            checked(Instant { secs, nanos })
        }
        None => checked(Instant {
            secs: i64::try_from(int).ok()?,
            nanos: 0,
        }),
        Some(frac) => {
            let nanos = fraction_nanos(frac.as_bytes())?;
            let secs = i64::try_from(int).ok()?;
            if int_part.starts_with('-') && nanos > 0 {
                checked(Instant {
                    secs: secs - 1,
                    nanos: 1_000_000_000 - nanos,
                })
            } else {
                checked(Instant { secs, nanos })
            }
        }
    }
}

/// Keeps instants within years 1..=9999, the range every reader handles.
fn checked(i: Instant) -> Option<Instant> {
    const MIN: i64 = -62_135_596_800; // 0001-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    (MIN..=MAX).contains(&i.secs).then_some(i)
}

fn instant(y: i64, m: u32, d: u32, time: &str) -> Option<Instant> {
    let (hms, frac) = match time.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (time, None),
    };
    let mut parts = hms.split(':');
    let h = two_digits(parts.next()?)?;
    let mi = two_digits(parts.next()?)?;
    let s = two_digits(parts.next()?)?;
    if parts.next().is_some() || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) => fraction_nanos(f.as_bytes())?,
    };
    let days = days_from_civil(y, m, d)?;
    let secs = days * 86_400 + i64::from(h * 3600 + mi * 60 + s);
    checked(Instant { secs, nanos })
}

/// The value of a run of ASCII digits (at most 9, so it fits), or `None` for any other
/// byte.
fn digits_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// Nanoseconds of a fraction of a second written with 1 to 9 digits.
fn fraction_nanos(digits: &[u8]) -> Option<u32> {
    let len = u32::try_from(digits.len())
        .ok()
        .filter(|n| (1..=9).contains(n))?;
    Some(digits_value(digits)? * 10u32.pow(9 - len))
}

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses a `yyyy-MM-dd` date (the only form eventlake writes and OpenX reads for `date`).
pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    parse_ymd(s, true)
}

/// Days since 1970-01-01 of a `yyyy-MM-dd` date.
pub fn date_to_days(s: &str) -> Option<i64> {
    let (y, m, d) = parse_date(s)?;
    days_from_civil(y, m, d)
}

fn parse_ymd(s: &str, strict_width: bool) -> Option<(i64, u32, u32)> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !y.bytes().all(|b| b.is_ascii_digit())
        || !m.bytes().all(|b| b.is_ascii_digit())
        || !d.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let width_ok = |p: &str| {
        if strict_width {
            p.len() == 2
        } else {
            (1..=2).contains(&p.len())
        }
    };
    if !width_ok(m) || !width_ok(d) {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if y < 1 || civil_date(y, m, d).is_none() {
        return None;
    }
    Some((y, m, d))
}

/// A civil date, if it exists in the proleptic Gregorian calendar.
fn civil_date(y: i64, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

/// Days since 1970-01-01 of a civil date, or `None` if there is no such date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    Some(i64::from(civil_date(y, m, d)?.num_days_from_ce()) - UNIX_EPOCH_CE_DAYS)
}

/// Civil date of a day count since 1970-01-01 (1970-01-01 outside chrono's range of about
/// ±262,000 years, which no checked [`Instant`] reaches).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let date = i32::try_from(z + UNIX_EPOCH_CE_DAYS)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_default();
    (i64::from(date.year()), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openx_text_forms() {
        let t = parse_timestamp_str("2020-01-05T01:05:00.000Z").map(|i| i.format());
        assert_eq!(t.as_deref(), Some("2020-01-05T01:05:00.000Z"));
        let t = parse_timestamp_str("2017-02-07 15:13:01.14").map(|i| i.format());
        assert_eq!(t.as_deref(), Some("2017-02-07T15:13:01.140Z"));
        let t = parse_timestamp_str("2017-2-7 15:13:01").map(|i| i.format());
        assert_eq!(t.as_deref(), Some("2017-02-07T15:13:01.000Z"));
        let t = parse_timestamp_str("2017-02-07T15:13:01.39256Z").map(|i| i.format());
        assert_eq!(t.as_deref(), Some("2017-02-07T15:13:01.392560Z"));
    }

    #[test]
    fn offsets_and_other_layouts_are_rejected() {
        for s in [
            "2026-05-21T14:00:00+00:00",
            "2026-05-21",
            "2026-05-21T14:00:00",
            "2026-02-30 00:00:00",
            "2026-05-21T24:00:00Z",
            "yesterday",
        ] {
            assert_eq!(parse_timestamp_str(s), None, "{s}");
        }
    }

    #[test]
    fn the_fixed_width_parser_agrees_with_the_general_one() {
        // Texts of the fixed layout with each byte sometimes replaced: every text the fast
        // path accepts must parse the same in the general parser, and every two-digit text
        // the general parser accepts must be accepted by the fast path.
        let mut rng = fastrand::Rng::with_seed(12);
        let bytes = b"0123456789-:. TZx";
        let mut accepted = 0;
        for _ in 0..200_000 {
            let y = rng.u32(0..=9999);
            let base = format!(
                "{y:04}-{:02}-{:02}{}{:02}:{:02}:{:02}{}{}",
                rng.u32(0..=13),
                rng.u32(0..=32),
                if rng.bool() { 'T' } else { ' ' },
                rng.u32(0..=25),
                rng.u32(0..=61),
                rng.u32(0..=61),
                [".", ".5", ".123456", ".123456789", ".1234567890", ""][rng.usize(0..6)],
                ["Z", "", "ZZ"][rng.usize(0..3)],
            );
            let mut text = base.into_bytes();
            if rng.u8(0..4) == 0 {
                let at = rng.usize(0..text.len());
                text[at] = bytes[rng.usize(0..bytes.len())];
            }
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            let fast = parse_fixed_width(&text);
            let general = parse_any_width(&text);
            if fast.is_some() {
                assert_eq!(fast, general, "{text}");
                accepted += 1;
            } else if general.is_some() {
                // Only the one-digit month or day of the space form is left to it.
                assert!(!text.ends_with('Z') && text.len() < 19, "{text}");
            }
        }
        assert!(accepted > 20_000, "{accepted}");
    }

    #[test]
    fn epoch_forms() {
        let s = parse_epoch("1518033528").map(|i| i.format());
        assert_eq!(s.as_deref(), Some("2018-02-07T19:58:48.000Z"));
        let ms = parse_epoch("1518033528123").map(|i| i.format());
        assert_eq!(ms.as_deref(), Some("2018-02-07T19:58:48.123Z"));
        let f = parse_epoch("1518033528.5").map(|i| i.format());
        assert_eq!(f.as_deref(), Some("2018-02-07T19:58:48.500Z"));
        assert_eq!(parse_epoch("1e9"), None);
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), Some(days));
        }
    }
}
