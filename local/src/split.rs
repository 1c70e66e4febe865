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
//!
//! Most inputs are newline-delimited, one object per line. For them, [`split_lines`] finds
//! the same records from the newlines alone, without reading every byte of every record a
//! second time before the conversion parses it: a line that parses as one JSON value is
//! exactly the record the bracket scan would make, so only the lines that fail to parse
//! need [`line_is_exact`]; the ingest falls back to [`split_records`] when one is not.

use std::ops::Range;

/// Inputs smaller than this are cut on the calling thread.
const PARALLEL_MIN_BYTES: usize = 8 << 20;

/// Byte ranges of the records in `input`, in order.
///
/// Large inputs are cut into pieces at line starts, one per core, each split on its own
/// thread; a piece's records are kept only when the previous piece's last record ended
/// exactly at the piece's start (the sequential scan would then be in the same state
/// there). Otherwise (a record spans the cut, as in pretty-printed input) the rest is
/// split sequentially, so the result is always that of the sequential scan.
pub fn split_records(input: &[u8]) -> Vec<Range<usize>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    split_pieces(input, threads.min(input.len() / PARALLEL_MIN_BYTES).max(1))
}

/// The sequential scan's result, computed in `pieces` pieces on as many threads.
fn split_pieces(input: &[u8], pieces: usize) -> Vec<Range<usize>> {
    let n = input.len();
    if pieces <= 1 {
        return split_from(input, 0, n).0;
    }
    // Piece starts: just after the first newline at or after k·n/pieces.
    let mut bounds = vec![0];
    for k in 1..pieces {
        let at = (n / pieces * k).max(bounds.last().copied().unwrap_or(0));
        let b = input
            .get(at..)
            .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
            .map_or(n, |p| at + p + 1);
        bounds.push(b);
    }
    bounds.push(n);
    bounds.dedup();
    let results: Option<Vec<(Vec<Range<usize>>, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .skip(1)
            .map(|w| {
                let (from, until) = (w[0], w[1]);
                s.spawn(move || split_from(input, from, until))
            })
            .collect();
        let first = split_from(input, 0, bounds.get(1).copied().unwrap_or(n));
        let mut all = vec![first];
        for h in handles {
            all.push(h.join().ok()?);
        }
        Some(all)
    });
    let Some(results) = results else {
        // A piece's thread failed (there is no panic path): scan on this thread.
        return split_from(input, 0, n).0;
    };
    let mut out: Vec<Range<usize>> = Vec::with_capacity(results.iter().map(|r| r.0.len()).sum());
    let mut end = 0;
    for (k, (ranges, piece_end)) in results.into_iter().enumerate() {
        if bounds.get(k) != Some(&end) {
            out.extend(split_from(input, end, n).0);
            return out;
        }
        out.extend(ranges);
        end = piece_end;
    }
    out
}

/// The sequential scan from `from` (a position where a record may start) while the
/// position is before `until`: the records found and the position where the scan stopped
/// (at or after `until`).
fn split_from(input: &[u8], from: usize, until: usize) -> (Vec<Range<usize>>, usize) {
    let mut out = Vec::new();
    let mut i = from;
    let n = input.len();
    let until = until.min(n);
    while i < until {
        let b = input[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let end = if b == b'{' || b == b'[' {
            match balanced_end(input, i) {
                Some(e) => e,
                None => memchr_newline(input, i),
            }
        } else {
            memchr_newline(input, i)
        };
        // A bracketed record that closed on a later line but left garbage right after the
        // start line's content is still one record: the conversion reports the syntax.
        out.push(i..end);
        i = end;
    }
    (out, i)
}

fn memchr_newline(input: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &input[from..]).map_or(input.len(), |p| from + p)
}

/// The records of `input` read as newline-delimited JSON: each line that is not blank, from
/// its first non-blank byte; a line starting with `{` or `[` ends at its last non-blank
/// byte, any other at the newline (as in [`split_records`]).
///
/// This is [`split_records`]'s result whenever every line starting with a bracket holds
/// exactly one bracketed value ([`line_is_exact`]): the bracket scan then ends each such
/// record where the line's content ends, and runs every other record to its newline.
pub fn split_lines(input: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', input).chain(std::iter::once(input.len()));
    for end in ends {
        let line = &input[start..end];
        if let Some(first) = line.iter().position(|b| !b.is_ascii_whitespace()) {
            let from = start + first;
            let until = if matches!(line[first], b'{' | b'[') {
                start + line.trim_ascii_end().len()
            } else {
                end
            };
            out.push(from..until);
        }
        start = end + 1;
    }
    out
}

/// Whether [`split_records`], reaching `record.start`, would make the record `record` that
/// [`split_lines`] made: true for a line not starting with a bracket, and for a bracketed
/// one whose bracket closes exactly at the line's last non-blank byte (or never closes,
/// on a line without trailing blanks).
pub fn line_is_exact(input: &[u8], record: Range<usize>) -> bool {
    match input.get(record.start) {
        Some(b'{' | b'[') => match balanced_end(input, record.start) {
            Some(end) => end == record.end,
            None => memchr_newline(input, record.start) == record.end,
        },
        _ => true,
    }
}

/// Bytes that matter outside a JSON string while looking for the closing bracket: 1 for a
/// quote, 2 and 3 for the opening brackets, 4 and 5 for the closing ones, 0 for the rest.
static OUTSIDE: [u8; 256] = byte_classes(b"\"{[}]");
/// Bytes that matter inside a JSON string: 1 for its closing quote, 2 for an escape, 3 for
/// a raw newline (JSON forbids one in a string, so the value is broken there).
static INSIDE: [u8; 256] = byte_classes(b"\"\\\n");

/// `table[b]` is the index of `b` in `bytes` plus one, or 0 when `b` is not in `bytes`.
const fn byte_classes(bytes: &[u8]) -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut k = 0;
    while k < bytes.len() {
        table[bytes[k] as usize] = k as u8 + 1;
        k += 1;
    }
    table
}

/// End (exclusive) of the bracketed value starting at `start`, or `None` when it never
/// closes.
///
/// Brackets of either kind count alike and strings (with their escapes) are skipped; the
/// conversion checks the syntax. This scan reads every byte of every record once before
/// the conversion parses it, so it runs tight loops over the bytes that do not matter (a
/// table lookup each) rather than one branchy state machine per byte: about twice as fast
/// on NDJSON events (docs/benchmarks.md, "Local lake").
fn balanced_end(input: &[u8], start: usize) -> Option<usize> {
    let n = input.len();
    let mut depth: usize = 0;
    let mut i = start;
    loop {
        while i < n && OUTSIDE[usize::from(input[i])] == 0 {
            i += 1;
        }
        match OUTSIDE[usize::from(*input.get(i)?)] {
            // A string: find its closing quote, honouring escapes.
            1 => {
                i += 1;
                loop {
                    while i < n && INSIDE[usize::from(input[i])] == 0 {
                        i += 1;
                    }
                    match INSIDE[usize::from(*input.get(i)?)] {
                        1 => break,
                        // An escape takes the next byte whatever it is, but not a newline.
                        2 => match input.get(i + 1) {
                            None | Some(b'\n') => return None,
                            Some(_) => i += 2,
                        },
                        _ => return None,
                    }
                }
            }
            2 | 3 => depth += 1,
            _ => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
        }
        i += 1;
    }
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
    fn parallel_split_equals_sequential() {
        let mut ndjson = String::new();
        for i in 0..2000 {
            ndjson.push_str(&format!("{{\"a\":{i},\"s\":\"x}}{{\\\"\"}}\n"));
            if i % 7 == 0 {
                ndjson.push_str("\n  \n");
            }
            if i % 11 == 0 {
                ndjson.push_str("{\"b\":[1,\n2]}{\"c\":1} tail\n{\"open\":\"x\n");
            }
        }
        let pretty = "{\n  \"a\": [\n    {\"b\": 1}\n  ]\n}\n".repeat(500);
        for input in [ndjson.as_str(), pretty.as_str(), "", "\n\n", "{\n"] {
            let seq = split_from(input.as_bytes(), 0, input.len()).0;
            for pieces in [2, 3, 8, 64] {
                assert_eq!(
                    split_pieces(input.as_bytes(), pieces),
                    seq,
                    "{pieces} pieces"
                );
            }
            assert_eq!(split_records(input.as_bytes()), seq);
        }
    }

    /// The byte-at-a-time state machine that [`balanced_end`] replaced: the reference.
    fn balanced_end_reference(input: &[u8], start: usize) -> Option<usize> {
        let mut depth: usize = 0;
        let mut in_string = false;
        let mut escaped = false;
        for (off, &b) in input[start..].iter().enumerate() {
            if in_string {
                if b == b'\n' {
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

    #[test]
    fn table_scan_equals_the_state_machine() {
        // Inputs made of the bytes that matter (and two that do not), from every start
        // position: escapes at the end, escaped newlines, unclosed strings, stray closers.
        let alphabet: &[u8] = b"{}[]\"\\\n a";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            // xorshift64: deterministic, no dependency.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for case in 0..20_000 {
            let len = usize::try_from(next() % 24).unwrap_or(0) + case % 3;
            let input: Vec<u8> = (0..len)
                .map(|_| alphabet[usize::try_from(next()).unwrap_or(0) % alphabet.len()])
                .collect();
            for start in 0..input.len() {
                assert_eq!(
                    balanced_end(&input, start),
                    balanced_end_reference(&input, start),
                    "{:?} from {start}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
        for text in [
            "{\"a\":\"x\\\"}\"}",
            "{\"a\":\"x\\",
            "{\"a\":\"x\\\n\"}",
            "[[\"]\"],{\"b\":[]}]tail",
            "}{",
            "{\"é\":\"ü}\"}",
        ] {
            let input = text.as_bytes();
            for start in 0..input.len() {
                assert_eq!(
                    balanced_end(input, start),
                    balanced_end_reference(input, start),
                    "{text:?} from {start}"
                );
            }
        }
    }

    /// Random inputs over the bytes that matter to both splits, with valid JSON values
    /// among them.
    fn random_inputs(cases: usize) -> Vec<Vec<u8>> {
        let pieces: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b"\n",
            b"\r\n",
            b" ",
            b"\x0c",
            b"a",
            b":1",
            b",",
            b"{\"k\":\"v\"}",
            b"[1,{\"a\":[]}]",
            b"\"s}\\\"\"",
            b"42",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        (0..cases)
            .map(|_| {
                let len = rng.usize(0..16);
                (0..len)
                    .flat_map(|_| pieces[rng.usize(0..pieces.len())].iter().copied())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn line_split_equals_the_bracket_scan_when_every_line_is_exact() {
        let mut agreeing = 0;
        for input in random_inputs(50_000) {
            let lines = split_lines(&input);
            let exact = split_records(&input);
            for r in &lines {
                // A line that parses as one JSON value needs no check: the ingest relies
                // on it, checking only the lines that fail to parse.
                if serde_json::from_slice::<serde::de::IgnoredAny>(&input[r.clone()]).is_ok() {
                    assert!(line_is_exact(&input, r.clone()), "{input:?} {r:?}");
                }
            }
            if lines.iter().all(|r| line_is_exact(&input, r.clone())) {
                assert_eq!(lines, exact, "{:?}", String::from_utf8_lossy(&input));
                agreeing += 1;
            }
        }
        // Both outcomes occur: the test is not vacuous.
        assert!((10_000..45_000).contains(&agreeing), "{agreeing}");
    }

    #[test]
    fn lines_keep_what_the_bracket_scan_keeps() {
        let input = b"  {\"a\":1} \r\n\n42 \r\n[1]\n{\"open\":\"x\n\t\n{\"b\":2}{\"c\":3}\n";
        let lines = split_lines(input);
        let text: Vec<&[u8]> = lines.iter().map(|r| &input[r.clone()]).collect();
        assert_eq!(
            text,
            [
                &b"{\"a\":1}"[..],
                b"42 \r",
                b"[1]",
                b"{\"open\":\"x",
                b"{\"b\":2}{\"c\":3}"
            ]
        );
        let exactness: Vec<bool> = lines
            .iter()
            .map(|r| line_is_exact(input, r.clone()))
            .collect();
        assert_eq!(exactness, [true, true, true, true, false]);
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
