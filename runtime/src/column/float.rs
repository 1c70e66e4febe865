//! Floats written straight into a record's buffer, byte for byte as Rust's `Display` writes
//! them: the shortest round-tripping digits, never an exponent, no `.0` for integral values
//! (`1e21` → `1000000000000000000000`, `1.0` → `1`, `-0.0` → `-0`).
//!
//! The digits come from ryu (which serde_json used for years), laid out in `Display`'s form.
//! ryu and `Display` pick the same shortest, closest digits except when the value lies
//! exactly halfway between two shortest candidates: ryu then picks the even digit, `Display`
//! the one away from zero (`-1699035690989648.25` is `…648.2` in ryu, `…648.3` in
//! `Display`). Such a tie needs a value whose exact decimal expansion has at most 18
//! significant digits; those values (and integral values, written with itoa) skip ryu, so
//! ties go through `Display` itself.

use std::fmt;

/// A float type with the bits ryu and the tie check need.
pub(super) trait Float: Copy + fmt::Display + ryu::Float {
    /// Mantissa bits, the implicit one included.
    const MANTISSA_BITS: u32;
    /// `(negative, m, e)` with the value = ±m × 2^e.
    fn parts(self) -> (bool, u64, i32);
}

impl Float for f64 {
    const MANTISSA_BITS: u32 = 53;
    fn parts(self) -> (bool, u64, i32) {
        let bits = self.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32;
        let frac = bits & ((1 << 52) - 1);
        let (m, e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), exp - 1075)
        };
        (bits >> 63 == 1, m, e)
    }
}

impl Float for f32 {
    const MANTISSA_BITS: u32 = 24;
    fn parts(self) -> (bool, u64, i32) {
        let bits = self.to_bits();
        let exp = ((bits >> 23) & 0xff) as i32;
        let frac = u64::from(bits & ((1 << 23) - 1));
        let (m, e) = if exp == 0 {
            (frac, -149)
        } else {
            (frac | (1 << 23), exp - 150)
        };
        (bits >> 31 == 1, m, e)
    }
}

/// A [`fmt::Write`] into a record's buffer: `Display` output without an intermediate `String`.
struct Append<'a>(&'a mut Vec<u8>);

impl fmt::Write for Append<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Appends a finite float as `Display` writes it.
pub(super) fn push_float<F: Float>(buf: &mut Vec<u8>, value: F) {
    let (negative, m, e) = value.parts();
    if m == 0 {
        buf.extend_from_slice(if negative { b"-0" } else { b"0" });
        return;
    }
    let zeros = m.trailing_zeros();
    let (m, e) = (m >> zeros, e + zeros as i32);
    if e >= 0 {
        // Integral. Below 2^MANTISSA_BITS every integer is exact and its shortest digits are
        // its own digits, which `Display` writes in full.
        if e < 64 && (m << e) >> e == m && (m << e) < (1 << F::MANTISSA_BITS) {
            if negative {
                buf.push(b'-');
            }
            buf.extend_from_slice(itoa::Buffer::new().format(m << e).as_bytes());
            return;
        }
    } else if !tie_possible(m, e.unsigned_abs()) {
        push_shortest(buf, ryu::Buffer::new().format_finite(value));
        return;
    }
    use fmt::Write;
    // Writing into a Vec cannot fail.
    let _ = write!(Append(buf), "{value}");
}

/// Whether m × 2^-j (m odd) has at most 18 significant decimal digits: it is m × 5^j / 10^j,
/// whose significant digits are those of m × 5^j.
fn tie_possible(m: u64, j: u32) -> bool {
    const LIMIT: u128 = 1_000_000_000_000_000_000;
    let mut x = u128::from(m);
    for _ in 0..j {
        x *= 5;
        if x >= LIMIT {
            return false;
        }
    }
    x < LIMIT
}

/// Appends ryu's output for a finite float (`1.0`, `1e21`, `-1.5e-7`, `0.3`) in `Display`'s
/// form.
fn push_shortest(buf: &mut Vec<u8>, ryu: &str) {
    let text = ryu.as_bytes();
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exp) = match text.iter().position(|&b| b == b'e') {
        Some(e) => (&text[..e], parse_exp(&text[e + 1..])),
        None => (text, 0),
    };
    let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
        Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
        None => (mantissa, &[][..]),
    };
    // At most 17 significant digits, plus ryu's leading `0.` and up to 4 zeros after it.
    let mut digits = [0u8; 32];
    let mut n = 0;
    for (slot, &d) in digits.iter_mut().zip(int.iter().chain(frac)) {
        *slot = d;
        n += 1;
    }
    // The value is 0.DIGITS × 10^point.
    let mut point = int.len() as i64 + exp;
    let mut digits = &digits[..n];
    while let Some((b'0', rest)) = digits.split_first() {
        digits = rest;
        point -= 1;
    }
    while let Some((b'0', rest)) = digits.split_last() {
        digits = rest;
    }
    if negative {
        buf.push(b'-');
    }
    if digits.is_empty() {
        buf.push(b'0');
    } else if point <= 0 {
        buf.extend_from_slice(b"0.");
        push_zeros(buf, point.unsigned_abs());
        buf.extend_from_slice(digits);
    } else if point.unsigned_abs() >= digits.len() as u64 {
        buf.extend_from_slice(digits);
        push_zeros(buf, point.unsigned_abs() - digits.len() as u64);
    } else {
        let (whole, fraction) = digits.split_at(usize::try_from(point).unwrap_or(0));
        buf.extend_from_slice(whole);
        buf.push(b'.');
        buf.extend_from_slice(fraction);
    }
}

/// The exponent after ryu's `e` (a sign and at most 3 digits).
fn parse_exp(text: &[u8]) -> i64 {
    let (sign, digits) = match text.split_first() {
        Some((b'-', rest)) => (-1, rest),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i64, |acc, &d| acc * 10 + i64::from(d.wrapping_sub(b'0')))
}

fn push_zeros(buf: &mut Vec<u8>, count: u64) {
    buf.resize(buf.len() + usize::try_from(count).unwrap_or(0), b'0');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<F: Float>(v: F) -> String {
        let mut buf = Vec::new();
        push_float(&mut buf, v);
        String::from_utf8(buf).expect("ASCII")
    }

    #[test]
    fn known_values() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (52.52, "52.52"),
            (13.405, "13.405"),
            (1e21, "1000000000000000000000"),
            (1.5e-7, "0.00000015"),
            // Exactly -1699035690989648.25: a tie, which ryu breaks to …648.2.
            (f64::from_bits(0xc318_250e_4b49_e141), "-1699035690989648.3"),
            // 2^53 + 1 rounds to 2^53; at 2^53 integers stop being exact.
            (2.0_f64.powi(53) + 1.0, "9007199254740992"),
        ];
        for (v, expected) in cases {
            assert_eq!(text(v), expected);
        }
        assert_eq!(text(0.1_f32), "0.1");
        assert_eq!(text(16_777_217.0_f32), "16777216");
    }

    #[test]
    fn f64s_match_display() {
        let special = [
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            f64::EPSILON,
            1e15,
            1e16,
            1e22,
            1e23,
            123_456_789_012_345_680.0,
            2.0_f64.powi(53),
            2.0_f64.powi(64),
            2.0_f64.powi(-20),
            0.3,
            1e-5,
            1e-7,
        ];
        for v in special {
            assert_eq!(text(v), v.to_string(), "{v:e}");
        }
        for b in crate::column::test_bits(1, 300_000) {
            let v = f64::from_bits(b);
            if v.is_finite() {
                assert_eq!(text(v), v.to_string(), "{b:#x}");
            }
        }
        // Short decimals and binary fractions (where ties live) and integers.
        for r in crate::column::test_bits(2, 100_000) {
            let v = (r % 2_000_000_000) as f64 / 1000.0 - 1e6;
            assert_eq!(text(v), v.to_string());
            let w = ((r >> 8) % (1 << 53)) as f64 / f64::from(1u32 << (r % 32));
            assert_eq!(text(w), w.to_string(), "{w:e}");
            let x = (r >> 11) as f64 * 2.0_f64.powi((r % 40) as i32);
            assert_eq!(text(x), x.to_string(), "{x:e}");
        }
    }

    #[test]
    fn f32s_match_display() {
        for v in [f32::MAX, f32::MIN_POSITIVE, 1e-45, 1e10, 0.3, 16_777_216.0] {
            assert_eq!(text(v), v.to_string(), "{v:e}");
        }
        for b in crate::column::test_bits(3, 300_000) {
            let v = f32::from_bits(b as u32);
            if v.is_finite() {
                assert_eq!(text(v), v.to_string(), "{b:#x}");
            }
            let w = ((b >> 8) % (1 << 24)) as f32 / (1u32 << (b % 24)) as f32;
            assert_eq!(text(w), w.to_string(), "{w:e}");
        }
    }
}
