//! Deterministic fake events: type-valid JSON records as a producer would send them, for
//! `eventlake demo`, tests and benchmarks.
//!
//! Rules: the same (event, seed, count, now) gives the same bytes; keys are the producer's
//! JSON keys (`json` renames applied), in column order; `enum` columns take one of their
//! values; a field with an `example` uses it in about a third of the records; optional
//! fields are missing or null in about one record in ten; every timestamp falls on the UTC
//! day of `now`, at or before `now`, so the starter queries (which read today's partitions)
//! see every record; text fits `varchar(n)`/`char(n)`; decimals fit their precision and scale.

use std::str::FromStr;

use serde_json::{Map, Number, Value};

use eventlake_schema::time::Instant;
use eventlake_schema::{Event, Field, Type, fingerprint, sample};

/// A small, fast, deterministic generator (`fastrand`'s, seeded).
#[derive(Debug, Clone)]
pub struct Rng(fastrand::Rng);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(fastrand::Rng::with_seed(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.0.u64(..n) }
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// `count` fake records of `event`, as NDJSON (one record per line).
pub fn ndjson(event: &Event, count: usize, seed: u64, now: Instant) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ fingerprint::fnv1a64(event.name.as_bytes()));
    let mut out = Vec::with_capacity(count * 256);
    for _ in 0..count {
        let record = record(event, &mut rng, now);
        // Serialising a `Value` cannot fail.
        let _ = serde_json::to_writer(&mut out, &record);
        out.extend_from_slice(b"\n");
    }
    out
}

/// One fake record.
pub fn record(event: &Event, rng: &mut Rng, now: Instant) -> Value {
    object(&event.fields, rng, now)
}

fn object(fields: &[Field], rng: &mut Rng, now: Instant) -> Value {
    let mut out = Map::new();
    for f in fields {
        if !f.required && rng.one_in(10) {
            if rng.one_in(2) {
                out.insert(f.json_key().to_owned(), Value::Null);
            }
            continue;
        }
        let value = field_value(f, rng, now);
        out.insert(f.json_key().to_owned(), value);
    }
    Value::Object(out)
}

fn field_value(f: &Field, rng: &mut Rng, now: Instant) -> Value {
    if !f.enum_values.is_empty() {
        let i = rng.below(f.enum_values.len() as u64) as usize;
        return Value::String(f.enum_values[i].clone());
    }
    // Examples, except for timestamps: those must stay on today's date.
    if let Some(example) = &f.example
        && f.ty != Type::Timestamp
        && rng.one_in(3)
    {
        return example.clone();
    }
    value(&f.ty, &f.name, rng, now)
}

fn value(ty: &Type, name: &str, rng: &mut Rng, now: Instant) -> Value {
    match ty {
        Type::Boolean => Value::Bool(rng.one_in(2)),
        Type::Tinyint => Value::from(rng.below(100) as i64),
        Type::Smallint => Value::from(rng.below(10_000) as i64),
        Type::Int => Value::from(rng.below(1_000_000) as i64),
        Type::Bigint => Value::from(rng.below(10_000_000_000) as i64),
        Type::Float | Type::Double => {
            let cents = rng.below(100_000);
            number(&format!("{}.{:02}", cents / 100, cents % 100))
        }
        Type::Decimal { precision, scale } => {
            let int_digits = u32::from(precision - scale).min(6);
            let int = if int_digits == 0 {
                0
            } else {
                rng.below(10u64.pow(int_digits))
            };
            let frac_digits = u32::from(*scale).min(6);
            let text = if *scale == 0 {
                int.to_string()
            } else {
                let frac = rng.below(10u64.pow(frac_digits));
                format!(
                    "{int}.{frac:0width$}{}",
                    "0".repeat(usize::from(*scale) - frac_digits as usize),
                    width = frac_digits as usize
                )
            };
            number(&text)
        }
        Type::String => Value::String(format!("{name}-{}", rng.below(50))),
        Type::Varchar { length } | Type::Char { length } => Value::String(
            format!("{name}-{}", rng.below(50))
                .chars()
                .take(*length as usize)
                .collect(),
        ),
        Type::Date => {
            let day = now.secs.div_euclid(86_400) - rng.below(30) as i64;
            let (y, m, d) = eventlake_schema::time::civil_from_days(day);
            Value::String(format!("{y:04}-{m:02}-{d:02}"))
        }
        Type::Timestamp => {
            let midnight = now.secs - now.secs.rem_euclid(86_400);
            let span = u64::try_from(now.secs - midnight).unwrap_or(0) + 1;
            let secs = midnight + rng.below(span) as i64;
            let nanos = if secs == now.secs {
                0
            } else {
                (rng.below(1000) * 1_000_000) as u32
            };
            Value::String(Instant { secs, nanos }.format())
        }
        Type::Array { items } => {
            let n = rng.below(4);
            Value::Array((0..n).map(|_| value(items, name, rng, now)).collect())
        }
        Type::Map { key, value: v } => {
            let mut m = Map::new();
            // Several distinct keys only where the key type has room for them.
            let n = match key.as_ref() {
                Type::String | Type::Int | Type::Bigint | Type::Smallint | Type::Tinyint => {
                    rng.below(3)
                }
                _ => rng.below(2),
            };
            for i in 0..n {
                let k = map_key(key, i);
                m.insert(k, value(v, name, rng, now));
            }
            Value::Object(m)
        }
        Type::Struct { fields } => object(fields, rng, now),
    }
}

/// The `i`-th distinct key of a map whose key type is `key`.
fn map_key(key: &Type, i: u64) -> String {
    match key {
        Type::String => format!("key{i}"),
        t if t.is_integer() => i.to_string(),
        Type::Boolean => i.is_multiple_of(2).to_string(),
        _ => sample::sample_map_key(key),
    }
}

fn number(text: &str) -> Value {
    Number::from_str(text).map_or(Value::Null, Value::Number)
}
