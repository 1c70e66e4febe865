//! Decimals written straight into a record's buffer, digit for digit (itoa for the
//! mantissa), exactly as `rust_decimal`'s `Display` writes them.

/// Appends a decimal exactly as its `Display` does: `-` for a negative value (negative zero
/// included), the mantissa's digits, a point before the last `scale` of them (with a `0`
/// before the point and zeros after it when the mantissa is shorter).
pub(super) fn push_decimal(buf: &mut Vec<u8>, value: &rust_decimal::Decimal) {
    let scale = value.scale() as usize;
    if value.is_sign_negative() {
        buf.push(b'-');
    }
    let mut itoa = itoa::Buffer::new();
    let mantissa = value.mantissa().unsigned_abs();
    // 64-bit digits are much cheaper than 128-bit ones, and most mantissas fit.
    let digits = match u64::try_from(mantissa) {
        Ok(small) => itoa.format(small),
        Err(_) => itoa.format(mantissa),
    }
    .as_bytes();
    if scale == 0 {
        buf.extend_from_slice(digits);
    } else if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        buf.extend_from_slice(whole);
        buf.push(b'.');
        buf.extend_from_slice(fraction);
    } else {
        // A zero mantissa is the digit `0`, which lands among the padding zeros.
        buf.extend_from_slice(b"0.");
        buf.resize(buf.len() + (scale - digits.len()), b'0');
        buf.extend_from_slice(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_match_display() {
        use rust_decimal::Decimal;
        let text = |d: &Decimal| {
            let mut buf = Vec::new();
            push_decimal(&mut buf, d);
            String::from_utf8(buf).expect("ASCII")
        };
        let mut cases = vec![
            Decimal::ZERO,
            Decimal::new(0, 2),
            -Decimal::new(0, 2),
            Decimal::new(12_990, 2),
            Decimal::new(-12_990, 2),
            Decimal::new(5, 3),
            Decimal::new(-5, 28),
            Decimal::new(1, 0),
            Decimal::new(100, 2),
            Decimal::new(123_456, 3),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::from_i128_with_scale(79_228_162_514_264_337_593_543_950_335, 28),
            "12345678901234567890.123456789".parse().unwrap_or_default(),
        ];
        for b in crate::column::test_bits(4, 20_000) {
            let scale = (b % 29) as u32;
            let m = i128::from(b as i64) * i128::from((b >> 7) as u32);
            cases.push(Decimal::from_i128_with_scale(m, scale));
        }
        for d in &cases {
            assert_eq!(text(d), d.to_string(), "{d:?}");
        }
        assert_eq!(text(&-Decimal::new(0, 2)), "-0.00");
    }
}
