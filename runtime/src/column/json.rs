//! [`JsonWriter`]: the writer records are built with. Everything is written straight into one
//! byte buffer: strings are escaped with a lookup table, copying unescaped runs whole (as
//! serde_json does); integers (itoa), floats, decimals, timestamps and dates are formatted without any
//! intermediate `String` (see the sibling modules `float`, `decimal` and `time`).

use super::{float, time};

/// A minimal JSON writer that records are built with. Keys and values are written in order;
/// commas are inserted automatically.
#[derive(Debug)]
pub struct JsonWriter {
    buf: Vec<u8>,
    first: bool,
}

impl Default for JsonWriter {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

/// What a byte becomes inside a JSON string: 0 = itself; `u` = `\u00XX`; anything else `c` =
/// the two bytes `\c`. Control characters other than `\n`, `\r` and `\t` are written as
/// `\u00XX` (lower-case hex); `"` and `\` are escaped; everything else, 0x7f and non-ASCII
/// UTF-8 included, is copied.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[b'\t' as usize] = b't';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether any of the eight bytes of `word` is a control character, `"` or `\\` (the
/// bytes `ESCAPE` escapes). The "has a byte less than n" and "has a zero byte" bit tricks
/// are exact for the word as a whole: bytes of 0x80 and above (UTF-8) never count.
#[inline]
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let quote = quote.wrapping_sub(ONES) & !quote;
    let backslash = backslash.wrapping_sub(ONES) & !backslash;
    (control | quote | backslash) & HIGH != 0
}

impl JsonWriter {
    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
            first: true,
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// Starts an object (`{`).
    pub fn begin_object(&mut self) {
        self.buf.push(b'{');
        self.first = true;
    }

    /// Ends an object (`}`).
    pub fn end_object(&mut self) {
        self.buf.push(b'}');
        self.first = false;
    }

    /// Starts an array (`[`).
    pub fn begin_array(&mut self) {
        self.buf.push(b'[');
        self.first = true;
    }

    /// Ends an array (`]`).
    pub fn end_array(&mut self) {
        self.buf.push(b']');
        self.first = false;
    }

    /// Writes an object key (and the comma before it when needed); the value follows.
    #[inline]
    pub fn key(&mut self, key: &str) {
        // Comma, two quotes and the colon; escapes (rare in keys) reserve for themselves.
        self.buf.reserve(key.len() + 4);
        self.comma();
        self.string(key);
        self.buf.push(b':');
    }

    /// Writes the comma before an array element when needed; the element follows.
    #[inline]
    pub fn element(&mut self) {
        self.comma();
    }

    #[inline]
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.buf.push(b',');
        }
    }

    /// Writes a JSON string, escaped.
    pub fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.buf.reserve(bytes.len() + 2);
        self.buf.push(b'"');
        let mut start = 0;
        let mut i = 0;
        while i < bytes.len() {
            // Eight bytes at a time while none of them needs escaping.
            if let Some(word) = bytes
                .get(i..i + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                && !word_needs_escape(u64::from_le_bytes(word))
            {
                i += 8;
                continue;
            }
            let b = bytes[i];
            let escape = ESCAPE[usize::from(b)];
            if escape != 0 {
                self.buf.extend_from_slice(&bytes[start..i]);
                if escape == b'u' {
                    self.buf.extend_from_slice(&[
                        b'\\',
                        b'u',
                        b'0',
                        b'0',
                        HEX[usize::from(b >> 4)],
                        HEX[usize::from(b & 0xf)],
                    ]);
                } else {
                    self.buf.extend_from_slice(&[b'\\', escape]);
                }
                start = i + 1;
            }
            i += 1;
        }
        self.buf.extend_from_slice(&bytes[start..]);
        self.buf.push(b'"');
    }

    /// Writes text that is already a valid JSON number (or `true`/`false`/`null`).
    #[inline]
    pub fn raw(&mut self, json: &str) {
        self.buf.extend_from_slice(json.as_bytes());
    }

    /// Writes `null`.
    #[inline]
    pub fn null(&mut self) {
        self.raw("null");
    }

    /// Writes `true` or `false`.
    #[inline]
    pub fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    /// Writes a signed integer.
    #[inline]
    pub fn int(&mut self, value: i64) {
        self.raw(itoa::Buffer::new().format(value));
    }

    /// Writes an unsigned integer.
    #[inline]
    pub fn uint(&mut self, value: u64) {
        self.raw(itoa::Buffer::new().format(value));
    }

    /// Writes a `double` as Rust's `Display` does: its shortest round-tripping digits, never
    /// in exponent form (`1e21` is written `1000000000000000000000`); `null` for NaN and the
    /// infinities.
    pub fn double(&mut self, value: f64) {
        if value.is_finite() {
            float::push_float(&mut self.buf, value);
        } else {
            self.null();
        }
    }

    /// Writes a `float` as its shortest round-tripping decimal (as an `f32`: `0.1_f32` is
    /// `0.1`), like [`double`](Self::double).
    pub fn float(&mut self, value: f32) {
        if value.is_finite() {
            float::push_float(&mut self.buf, value);
        } else {
            self.null();
        }
    }

    /// Writes a decimal exactly: every digit of the mantissa at the value's own scale
    /// (`129.90`, `0.005`, `-0.00`), as its `Display` does.
    #[cfg(feature = "rust_decimal")]
    pub fn decimal(&mut self, value: &rust_decimal::Decimal) {
        super::decimal::push_decimal(&mut self.buf, value);
    }

    /// Writes a timestamp given as seconds and nanoseconds since the Unix epoch, in the
    /// canonical OpenX form `yyyy-MM-ddTHH:mm:ss.fffZ` (6 or 9 fraction digits only when the
    /// value needs them).
    pub fn timestamp(&mut self, secs: i64, nanos: u32) {
        self.buf.push(b'"');
        time::push_timestamp(&mut self.buf, secs, nanos);
        self.buf.push(b'"');
    }

    /// Writes a date as `yyyy-MM-dd`.
    pub fn date(&mut self, year: i32, month: u32, day: u32) {
        self.buf.push(b'"');
        time::push_date(&mut self.buf, i64::from(year), month, day);
        self.buf.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut JsonWriter)) -> String {
        let mut w = JsonWriter::default();
        f(&mut w);
        String::from_utf8(w.into_bytes()).expect("UTF-8")
    }

    /// The escaping of the writer before the lookup table, kept as the reference.
    fn reference_escape(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    #[test]
    fn every_control_character_is_escaped() {
        for b in 0u8..0x20 {
            let s = format!("a{}b", char::from(b));
            assert_eq!(text(|w| w.string(&s)), reference_escape(&s), "byte {b:#x}");
        }
        assert_eq!(
            text(|w| w.string("\u{8}\u{c}\u{1f}")),
            r#""\u0008\u000c\u001f""#
        );
        assert_eq!(
            text(|w| w.string("\u{7f}")),
            "\"\u{7f}\"",
            "DEL is not escaped"
        );
    }

    #[test]
    fn quotes_backslashes_and_unicode() {
        for s in [
            "",
            "plain",
            "\"",
            "\\",
            "a\"b\\c\n\u{1}é",
            "\"\"\\\\",
            "ends with escape\n",
            "\tstarts with one",
            "日本語 🦀 \u{2028}\u{2029} ü",
            "mixed 🦀\"\u{0}é\\\r",
        ] {
            assert_eq!(text(|w| w.string(s)), reference_escape(s), "{s:?}");
        }
    }

    #[test]
    fn escapes_at_every_position_of_long_strings() {
        for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é', '🦀'] {
            for len in 0..24 {
                for at in 0..=len {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                    s.insert(at, special);
                    s.push_str("tail of plain text");
                    assert_eq!(text(|w| w.string(&s)), reference_escape(&s), "{s:?}");
                }
            }
        }
        // Every byte value next to plain ASCII and UTF-8.
        for c in (0u32..0x800).filter_map(char::from_u32) {
            let s = format!("0123456{c}89abcdef\u{e9}{c}");
            assert_eq!(text(|w| w.string(&s)), reference_escape(&s), "{c:?}");
        }
    }

    #[test]
    fn keys_are_escaped_and_separated() {
        let t = text(|w| {
            w.begin_object();
            w.key("a");
            w.int(1);
            w.key("b\"c");
            w.begin_array();
            w.element();
            w.boolean(true);
            w.element();
            w.null();
            w.end_array();
            w.end_object();
        });
        assert_eq!(t, r#"{"a":1,"b\"c":[true,null]}"#);
    }

    #[test]
    fn integers_at_their_limits() {
        for v in [0, 1, -1, 42, i64::MIN, i64::MAX, i64::from(i32::MIN)] {
            assert_eq!(text(|w| w.int(v)), v.to_string());
        }
        for v in [0, 9, 10, u64::MAX, u64::from(u32::MAX)] {
            assert_eq!(text(|w| w.uint(v)), v.to_string());
        }
        assert_eq!(text(|w| w.boolean(false)), "false");
    }

    #[test]
    fn non_finite_floats_are_null() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(text(|w| w.double(v)), "null");
        }
        for v in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert_eq!(text(|w| w.float(v)), "null");
        }
    }
}
