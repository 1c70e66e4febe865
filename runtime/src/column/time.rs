//! Timestamps and dates written straight into a record's buffer, in the forms Firehose's
//! OpenX JSON deserializer reads: `yyyy-MM-ddTHH:mm:ss.fffZ` (3, 6 or 9 fraction digits)
//! and `yyyy-MM-dd`. Years are written as `format!("{y:04}")` writes them: at least four
//! characters, the sign included (`-001`, `12345`).

/// `00` to `99`.
static PAIRS: [u8; 200] = {
    let mut table = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        table[2 * i] = b'0' + (i / 10) as u8;
        table[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    table
};

/// The two digits of `n` (below 100).
#[inline]
fn pair(n: u32) -> [u8; 2] {
    let i = (n as usize % 100) * 2;
    [PAIRS[i], PAIRS[i + 1]]
}

/// Appends `value` zero-padded to `width` characters, the sign included (`{:0width$}`).
fn push_padded(buf: &mut Vec<u8>, value: i64, width: usize) {
    if (0..10_000).contains(&value) && width == 4 {
        let v = value as u32;
        let [a, b] = pair(v / 100);
        let [c, d] = pair(v % 100);
        buf.extend_from_slice(&[a, b, c, d]);
        return;
    }
    let mut itoa = itoa::Buffer::new();
    let digits = itoa.format(value.unsigned_abs());
    let mut width = width;
    if value < 0 {
        buf.push(b'-');
        width = width.saturating_sub(1);
    }
    for _ in digits.len()..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(digits.as_bytes());
}

/// Appends a month or day as two digits (more when it has more: `{:02}`).
#[inline]
fn push_two(buf: &mut Vec<u8>, value: u32) {
    if value < 100 {
        buf.extend_from_slice(&pair(value));
    } else {
        push_padded(buf, i64::from(value), 2);
    }
}

/// Appends `yyyy-MM-dd`.
pub(super) fn push_date(buf: &mut Vec<u8>, year: i64, month: u32, day: u32) {
    push_padded(buf, year, 4);
    buf.push(b'-');
    push_two(buf, month);
    buf.push(b'-');
    push_two(buf, day);
}

/// Appends `yyyy-MM-ddTHH:mm:ss.fffZ` for `secs` and `nanos` (clamped to 999,999,999) since
/// the Unix epoch: 3 fraction digits, or 6 or 9 when the value needs them.
pub(super) fn push_timestamp(buf: &mut Vec<u8>, secs: i64, nanos: u32) {
    let nanos = nanos.min(999_999_999);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    // 0 to 86,399.
    let rem = u32::try_from(secs.rem_euclid(86_400)).unwrap_or(0);
    push_date(buf, y, mo, d);
    let [h0, h1] = pair(rem / 3600);
    let [m0, m1] = pair(rem / 60 % 60);
    let [s0, s1] = pair(rem % 60);
    buf.extend_from_slice(&[b'T', h0, h1, b':', m0, m1, b':', s0, s1, b'.']);
    let (fraction, digits) = if nanos.is_multiple_of(1_000_000) {
        (nanos / 1_000_000, 3)
    } else if nanos.is_multiple_of(1_000) {
        (nanos / 1_000, 6)
    } else {
        (nanos, 9)
    };
    let mut text = [b'0'; 9];
    let mut rest = fraction;
    for slot in text[..digits].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    buf.extend_from_slice(&text[..digits]);
    buf.push(b'Z');
}

/// Civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runtime keeps its own copy (producers do not depend on the schema crate); it must
    /// agree with the schema's, which the generator and the local lake use.
    #[test]
    fn civil_dates_agree_with_the_schema_crate() {
        for z in (-800_000..=3_000_000)
            .step_by(7)
            .chain([-719_468, -1, 0, 1, 2_932_896])
        {
            assert_eq!(
                civil_from_days(z),
                eventlake_schema::time::civil_from_days(z),
                "day {z}"
            );
        }
    }

    fn timestamp(secs: i64, nanos: u32) -> String {
        let mut buf = Vec::new();
        push_timestamp(&mut buf, secs, nanos);
        String::from_utf8(buf).expect("ASCII")
    }

    /// The formatting of the writer before this module, kept as the reference.
    fn reference(secs: i64, nanos: u32) -> String {
        let nanos = nanos.min(999_999_999);
        let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        let (h, mi, s) = (rem / 3600, rem / 60 % 60, rem % 60);
        let frac = if nanos.is_multiple_of(1_000_000) {
            format!("{:03}", nanos / 1_000_000)
        } else if nanos.is_multiple_of(1_000) {
            format!("{:06}", nanos / 1_000)
        } else {
            format!("{nanos:09}")
        };
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac}Z")
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(-1, 999_999_999), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(
            timestamp(1_578_186_300, 1_500),
            "2020-01-05T01:05:00.000001500Z"
        );
        assert_eq!(
            timestamp(1_578_186_300, 7_000),
            "2020-01-05T01:05:00.000007Z"
        );
        assert_eq!(
            timestamp(1_578_186_300, 120_000_000),
            "2020-01-05T01:05:00.120Z"
        );
        assert_eq!(
            timestamp(0, 2_000_000_000),
            "1970-01-01T00:00:00.999999999Z"
        );
        // Leap days: 2024-02-29, 2000-02-29 (a leap century), 1900-03-01 (not one).
        assert_eq!(timestamp(1_709_164_800, 0), "2024-02-29T00:00:00.000Z");
        assert_eq!(timestamp(951_782_400, 0), "2000-02-29T00:00:00.000Z");
        assert_eq!(timestamp(-2_203_891_200, 0), "1900-03-01T00:00:00.000Z");
        // Year 0, negative and five-digit years are padded like `{:04}`.
        assert_eq!(timestamp(-62_167_219_200, 0), "0000-01-01T00:00:00.000Z");
        assert_eq!(timestamp(-62_167_219_201, 0), "-001-12-31T23:59:59.000Z");
        assert_eq!(timestamp(253_402_300_800, 0), "10000-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamps_match_the_reference() {
        let extremes = [
            i64::MIN / 2,
            i64::MAX / 2,
            -8_334_632_851_200,
            8_210_298_412_799,
        ];
        let mut state = 7u64;
        let mut secs: Vec<i64> = extremes.to_vec();
        for _ in 0..50_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            // ±300,000 years around the epoch.
            secs.push((state >> 1) as i64 % 9_500_000_000_000);
        }
        for (i, &s) in secs.iter().enumerate() {
            let nanos = [0, 1, 999, 1_000, 1_000_000, 999_999_999, (i as u32) * 7919][i % 7];
            assert_eq!(timestamp(s, nanos), reference(s, nanos), "{s} {nanos}");
        }
    }

    #[test]
    fn dates_pad_like_format() {
        for (y, m, d) in [
            (2024, 2, 29),
            (0, 1, 1),
            (-1, 12, 31),
            (-12_345, 1, 1),
            (99_999, 10, 9),
            (5, 7, 3),
            (-262_143, 1, 1),
            (2024, 123, 4_000_000_000),
        ] {
            let mut buf = Vec::new();
            push_date(&mut buf, y, m, d);
            assert_eq!(
                String::from_utf8(buf).expect("ASCII"),
                format!("{y:04}-{m:02}-{d:02}")
            );
        }
    }
}
