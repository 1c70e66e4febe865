//! Cutting an input file into records, as a producer would have sent them to Kinesis.
//!
//! Accepted layouts: newline-delimited JSON (one record per line) and concatenated JSON
//! values (`{…}{…}`, or pretty-printed objects spanning several lines). The rules:
//! - whitespace between records is a separator, never a record (blank lines are skipped);
//! - a record starting with `{` or `[` ends at its matching bracket (strings and escapes
//!   are honoured), so one line may hold several records and one record may span lines;
//! - anything else (a scalar, garbage) runs to the end of its line;
//! - an object or array that is never closed (or has a string running past the end of a
//!   line, which JSON forbids) is one bad record up to the end of the line where it
//!   started, and splitting resumes on the next line, so one broken line in an NDJSON file
//!   costs exactly that line.
//!
//! Splitting never fails: every byte that is not separator whitespace ends up in exactly
//! one record, and the conversion decides what is valid.

use std::ops::Range;

/// Byte ranges of the records in `input`, in order.
pub fn split_records(input: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = input.len();
    while i < n {
        let b = input[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let line_end = memchr_newline(input, i);
        let end = if b == b'{' || b == b'[' {
            match balanced_end(input, i) {
                Some(e) => e,
                None => line_end,
            }
        } else {
            line_end
        };
        // A bracketed record that closed on a later line but left garbage right after the
        // start line's content is still one record: the conversion reports the syntax.
        out.push(i..end);
        i = end;
    }
    out
}

fn memchr_newline(input: &[u8], from: usize) -> usize {
    input[from..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(input.len(), |p| from + p)
}

/// End (exclusive) of the bracketed value starting at `start`, or `None` when it never
/// closes.
fn balanced_end(input: &[u8], start: usize) -> Option<usize> {
    let mut depth: usize = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (off, &b) in input[start..].iter().enumerate() {
        if in_string {
            if b == b'\n' {
                // JSON strings cannot hold a raw newline: the value is broken here.
                return None;
            }
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(start + off + 1);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(input: &str) -> Vec<&str> {
        split_records(input.as_bytes())
            .into_iter()
            .map(|r| &input[r])
            .collect()
    }

    #[test]
    fn ndjson_concatenated_and_pretty_printed() {
        assert_eq!(parts("{\"a\":1}\n{\"a\":2}\n"), ["{\"a\":1}", "{\"a\":2}"]);
        assert_eq!(
            parts("{\"a\":1}{\"a\":\"}\"}"),
            ["{\"a\":1}", "{\"a\":\"}\"}"]
        );
        assert_eq!(
            parts("{\n  \"a\": 1\n}\n\n{\"b\":[1,{}]}"),
            ["{\n  \"a\": 1\n}", "{\"b\":[1,{}]}"]
        );
    }

    #[test]
    fn broken_lines_cost_only_themselves() {
        assert_eq!(parts("{\"a\":1\n{\"a\":2}\n"), ["{\"a\":1", "{\"a\":2}"]);
        assert_eq!(parts("42\nnot json\n{}"), ["42", "not json", "{}"]);
        assert_eq!(parts("{\"a\":1} trailing\n"), ["{\"a\":1}", "trailing"]);
        assert_eq!(
            parts("{\"a\":\"open\n{\"a\":2}\n"),
            ["{\"a\":\"open", "{\"a\":2}"]
        );
    }
}
