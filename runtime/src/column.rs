//! How Rust values are written into a record: [`Column<G>`] says "this Rust type can be
//! written to a Glue column of type `G`" and writes it with a [`JsonWriter`].
//!
//! Rules of this module:
//! - one impl per (Rust type, Glue type) pair in the table of the crate docs; an integer type
//!   is accepted wherever all its values fit, a float never goes into a `decimal`;
//! - what is written is what Firehose's OpenX JSON deserializer accepts for that Glue type
//!   (docs/aws-behaviour.md, "Timestamps"): timestamps `yyyy-MM-ddTHH:mm:ss.fffZ` in UTC, dates `yyyy-MM-dd`,
//!   decimals as exact JSON numbers, map keys as JSON strings;
//! - writing never fails and never panics: a non-finite float is written as `null`.
//!
//! Implement [`Column`] for your own types (a newtype id, say) by delegating to the inner
//! value:
//!
//! ```
//! use eventlake::column::{Column, JsonWriter};
//! use eventlake::glue;
//!
//! pub struct CustomerId(i64);
//! impl Column<glue::Bigint> for CustomerId {
//!     fn write_json(&self, out: &mut JsonWriter) {
//!         self.0.write_json(out);
//!     }
//! }
//! ```

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use crate::glue;

#[cfg(feature = "rust_decimal")]
mod decimal;
mod float;
mod json;
mod time;

/// Reproducible pseudo-random bits for the writers' property tests.
#[cfg(test)]
fn test_bits(seed: u64, count: usize) -> impl Iterator<Item = u64> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..count).map(move |_| rng.u64(..))
}

pub use json::JsonWriter;

/// A Rust type that can be written to a Glue column of type `G` (a [`glue`] marker).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be written to a Glue `{G}` column",
    label = "not a Rust type for this column",
    note = "the Rust types each Glue type accepts are listed in the `eventlake` crate docs, \"Supported types\""
)]
pub trait Column<G> {
    /// Writes the value as one JSON value.
    fn write_json(&self, out: &mut JsonWriter);
}

/// A Rust type usable as the key of a `map<G,…>` column; keys are written as JSON strings.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a key of a Glue `map<{G},…>` column",
    label = "not a map key type for this column",
    note = "map keys are text, integer or boolean types"
)]
pub trait MapKey<G> {
    /// The key as text.
    fn key_text(&self) -> Cow<'_, str>;
}

/// A value usable as a Kinesis partition key (the schema's `partition_key` field).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a Kinesis partition key",
    note = "partition keys are text, integer, boolean, decimal, date or timestamp values"
)]
pub trait PartitionValue {
    /// The key, or `None` when the value is absent (a random key is used then).
    fn partition_value(&self) -> Option<String>;
}

// ---- scalars --------------------------------------------------------------------------

/// `impl Column<G> for T` for an integer type, written by `JsonWriter::$write` after a
/// lossless conversion to `$wide`, for each listed Glue marker; its map keys and partition
/// keys are the same digits.
macro_rules! int_columns {
    ($ty:ty as $wide:ty, $write:ident => $($g:ty),+) => {
        $(impl Column<$g> for $ty {
            #[inline]
            fn write_json(&self, out: &mut JsonWriter) {
                out.$write(<$wide>::from(*self));
            }
        }
        impl MapKey<$g> for $ty {
            fn key_text(&self) -> Cow<'_, str> {
                Cow::Owned(itoa::Buffer::new().format(*self).to_owned())
            }
        })+
        impl PartitionValue for $ty {
            fn partition_value(&self) -> Option<String> {
                Some(itoa::Buffer::new().format(*self).to_owned())
            }
        }
    };
}

int_columns!(i8 as i64, int => glue::Tinyint, glue::Smallint, glue::Int, glue::Bigint);
int_columns!(i16 as i64, int => glue::Smallint, glue::Int, glue::Bigint);
int_columns!(i32 as i64, int => glue::Int, glue::Bigint);
int_columns!(i64 as i64, int => glue::Bigint);
int_columns!(u8 as u64, uint => glue::Smallint, glue::Int, glue::Bigint);
int_columns!(u16 as u64, uint => glue::Int, glue::Bigint);
int_columns!(u32 as u64, uint => glue::Bigint);

impl Column<glue::Boolean> for bool {
    #[inline]
    fn write_json(&self, out: &mut JsonWriter) {
        out.boolean(*self);
    }
}

impl MapKey<glue::Boolean> for bool {
    fn key_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

impl PartitionValue for bool {
    fn partition_value(&self) -> Option<String> {
        Some(if *self { "true" } else { "false" }.to_owned())
    }
}

impl Column<glue::Float> for f32 {
    #[inline]
    fn write_json(&self, out: &mut JsonWriter) {
        out.float(*self);
    }
}

/// An `f32` in a `double` column is written with its own shortest digits (`0.1`, not
/// `0.10000000149011612`), as before.
impl Column<glue::Double> for f32 {
    #[inline]
    fn write_json(&self, out: &mut JsonWriter) {
        out.float(*self);
    }
}

impl Column<glue::Double> for f64 {
    #[inline]
    fn write_json(&self, out: &mut JsonWriter) {
        out.double(*self);
    }
}

/// Text types: every text Glue type and every enum column.
macro_rules! text_columns {
    ($($ty:ty),+) => {
        $(
            impl Column<glue::String> for $ty {
                fn write_json(&self, out: &mut JsonWriter) {
                    out.string(self.as_ref());
                }
            }
            impl<const L: u32> Column<glue::Varchar<L>> for $ty {
                fn write_json(&self, out: &mut JsonWriter) {
                    out.string(self.as_ref());
                }
            }
            impl<const L: u32> Column<glue::Char<L>> for $ty {
                fn write_json(&self, out: &mut JsonWriter) {
                    out.string(self.as_ref());
                }
            }
            impl<const ID: u64> Column<glue::Enum<ID>> for $ty {
                fn write_json(&self, out: &mut JsonWriter) {
                    out.string(self.as_ref());
                }
            }
            impl MapKey<glue::String> for $ty {
                fn key_text(&self) -> Cow<'_, str> {
                    Cow::Borrowed(self.as_ref())
                }
            }
            impl<const L: u32> MapKey<glue::Varchar<L>> for $ty {
                fn key_text(&self) -> Cow<'_, str> {
                    Cow::Borrowed(self.as_ref())
                }
            }
            impl<const L: u32> MapKey<glue::Char<L>> for $ty {
                fn key_text(&self) -> Cow<'_, str> {
                    Cow::Borrowed(self.as_ref())
                }
            }
            impl PartitionValue for $ty {
                fn partition_value(&self) -> Option<String> {
                    let s: &str = self.as_ref();
                    Some(s.to_owned())
                }
            }
        )+
    };
}

text_columns!(str, String, Cow<'_, str>);

macro_rules! char_columns {
    ($($g:ty),+) => {
        $(impl Column<$g> for char {
            fn write_json(&self, out: &mut JsonWriter) {
                out.string(self.encode_utf8(&mut [0; 4]));
            }
        })+
    };
}

char_columns!(glue::String);

impl<const L: u32> Column<glue::Varchar<L>> for char {
    fn write_json(&self, out: &mut JsonWriter) {
        out.string(self.encode_utf8(&mut [0; 4]));
    }
}

impl<const L: u32> Column<glue::Char<L>> for char {
    fn write_json(&self, out: &mut JsonWriter) {
        out.string(self.encode_utf8(&mut [0; 4]));
    }
}

impl PartitionValue for char {
    fn partition_value(&self) -> Option<String> {
        Some(self.to_string())
    }
}

impl Column<glue::Timestamp> for std::time::SystemTime {
    fn write_json(&self, out: &mut JsonWriter) {
        let (secs, nanos) = match self.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                d.subsec_nanos(),
            ),
            Err(e) => {
                let d = e.duration();
                let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
                if d.subsec_nanos() == 0 {
                    (-secs, 0)
                } else {
                    (-secs - 1, 1_000_000_000 - d.subsec_nanos())
                }
            }
        };
        out.timestamp(secs, nanos);
    }
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::{Column, JsonWriter, PartitionValue};
    use crate::glue;
    use chrono::{DateTime, Datelike, NaiveDate, Utc};

    impl Column<glue::Timestamp> for DateTime<Utc> {
        fn write_json(&self, out: &mut JsonWriter) {
            out.timestamp(self.timestamp(), self.timestamp_subsec_nanos());
        }
    }

    impl Column<glue::Date> for NaiveDate {
        fn write_json(&self, out: &mut JsonWriter) {
            out.date(self.year(), self.month(), self.day());
        }
    }

    impl PartitionValue for DateTime<Utc> {
        fn partition_value(&self) -> Option<String> {
            let mut text = Vec::with_capacity(32);
            super::time::push_timestamp(&mut text, self.timestamp(), self.timestamp_subsec_nanos());
            String::from_utf8(text).ok()
        }
    }

    impl PartitionValue for NaiveDate {
        fn partition_value(&self) -> Option<String> {
            let mut text = Vec::with_capacity(16);
            super::time::push_date(&mut text, i64::from(self.year()), self.month(), self.day());
            String::from_utf8(text).ok()
        }
    }
}

#[cfg(feature = "rust_decimal")]
mod decimal_impls {
    use super::{Column, JsonWriter, PartitionValue};
    use crate::glue;
    use rust_decimal::Decimal;

    impl<const P: u8, const S: u8> Column<glue::Decimal<P, S>> for Decimal {
        #[inline]
        fn write_json(&self, out: &mut JsonWriter) {
            // Exact, like `Display`: every digit of the mantissa at the value's own scale.
            out.decimal(self);
        }
    }

    impl PartitionValue for Decimal {
        fn partition_value(&self) -> Option<String> {
            let mut digits = Vec::with_capacity(32);
            super::decimal::push_decimal(&mut digits, self);
            String::from_utf8(digits).ok()
        }
    }
}

// ---- containers -----------------------------------------------------------------------

impl<G, T: Column<G>> Column<glue::Array<G>> for [T] {
    fn write_json(&self, out: &mut JsonWriter) {
        out.begin_array();
        for item in self {
            out.element();
            item.write_json(out);
        }
        out.end_array();
    }
}

impl<G, T: Column<G>> Column<glue::Array<G>> for Vec<T> {
    fn write_json(&self, out: &mut JsonWriter) {
        Column::<glue::Array<G>>::write_json(self.as_slice(), out);
    }
}

impl<G, T: Column<G>, const N: usize> Column<glue::Array<G>> for [T; N] {
    fn write_json(&self, out: &mut JsonWriter) {
        Column::<glue::Array<G>>::write_json(self.as_slice(), out);
    }
}

impl<G, T: Column<G>> Column<glue::Array<G>> for VecDeque<T> {
    fn write_json(&self, out: &mut JsonWriter) {
        out.begin_array();
        for item in self {
            out.element();
            item.write_json(out);
        }
        out.end_array();
    }
}

fn write_map<'a, KG, VG, K, V>(out: &mut JsonWriter, entries: impl Iterator<Item = (&'a K, &'a V)>)
where
    K: MapKey<KG> + 'a + ?Sized,
    V: Column<VG> + 'a + ?Sized,
{
    out.begin_object();
    for (k, v) in entries {
        out.key(&k.key_text());
        v.write_json(out);
    }
    out.end_object();
}

impl<KG, VG, K: MapKey<KG>, V: Column<VG>, S> Column<glue::Map<KG, VG>> for HashMap<K, V, S> {
    fn write_json(&self, out: &mut JsonWriter) {
        write_map::<KG, VG, K, V>(out, self.iter());
    }
}

impl<KG, VG, K: MapKey<KG>, V: Column<VG>> Column<glue::Map<KG, VG>> for BTreeMap<K, V> {
    fn write_json(&self, out: &mut JsonWriter) {
        write_map::<KG, VG, K, V>(out, self.iter());
    }
}

// ---- pointers -------------------------------------------------------------------------

macro_rules! forward {
    ($($ptr:ident)::+ <$t:ident>) => {
        impl<G, $t: Column<G> + ?Sized> Column<G> for $($ptr)::+<$t> {
            fn write_json(&self, out: &mut JsonWriter) {
                (**self).write_json(out);
            }
        }
        impl<G, $t: MapKey<G> + ?Sized> MapKey<G> for $($ptr)::+<$t> {
            fn key_text(&self) -> Cow<'_, str> {
                (**self).key_text()
            }
        }
        impl<$t: PartitionValue + ?Sized> PartitionValue for $($ptr)::+<$t> {
            fn partition_value(&self) -> Option<String> {
                (**self).partition_value()
            }
        }
    };
}

forward!(Box<T>);
forward!(Rc<T>);
forward!(Arc<T>);

impl<G, T: Column<G> + ?Sized> Column<G> for &T {
    fn write_json(&self, out: &mut JsonWriter) {
        (**self).write_json(out);
    }
}

impl<G, T: MapKey<G> + ?Sized> MapKey<G> for &T {
    fn key_text(&self) -> Cow<'_, str> {
        (**self).key_text()
    }
}

impl<T: PartitionValue + ?Sized> PartitionValue for &T {
    fn partition_value(&self) -> Option<String> {
        (**self).partition_value()
    }
}

impl<T: PartitionValue> PartitionValue for Option<T> {
    fn partition_value(&self) -> Option<String> {
        self.as_ref().and_then(PartitionValue::partition_value)
    }
}

// ---- column checks --------------------------------------------------------------------

pub mod check {
    //! The traits the derives check field types through. Their
    //! `#[diagnostic::on_unimplemented]` messages are the type errors a producer sees:
    //!
    //! ```text
    //! error[E0277]: column `total` is `decimal(12,2)` in events.toml; `f64` cannot be written as one
    //! ```
    //!
    //! One required (`IsX`) and one optional (`IsOptionalX`) trait per scalar Glue type
    //! family, implemented for every `T: Column<G>` (and `Option<T>`); the const generics carry
    //! `decimal(P,S)`, `varchar(L)` and `char(L)`. `C` stands for the column: the derive writes
    //! each column as one call, spanned on the field's type,
    //!
    //! ```text
    //! <f64 as IsDecimal<total, 12, 2>>::write(&__s.total, "total", __out);
    //! ```
    //!
    //! inside a function whose type parameters are named after the columns
    //! (`fn __eventlake_columns<total, …>`), so rustc prints the column name for `{C}`. A
    //! mismatch is one error at the field's type, and nothing is declared or implemented per
    //! column, which keeps the derive cheap to compile (see docs/benchmarks.md, "Derive").
    //! Columns these traits cannot spell (arrays, maps, structs, enum values) and fields of
    //! nested structs get a local trait per column from the derive instead.
    //!
    //! Not meant to be implemented or named by hand; implement [`Column`] for your types.

    use super::{Column, JsonWriter, PartitionValue};
    use crate::__private::{partition_key_of, random_partition_key};
    use crate::glue;

    /// `K` of a column check: the column is the event's partition key, so its type must also be a
    /// [`PartitionValue`].
    #[derive(Debug)]
    pub enum Key {}

    /// `K` of a column check: an ordinary column.
    #[derive(Debug)]
    pub enum NotKey {}

    /// The partition key of a value, when `K` is [`Key`]; every type is `KeyOf<NotKey>`.
    pub trait KeyOf<K> {
        /// The key (a random one when the value gives none).
        fn key_of(&self) -> String;
    }

    impl<T: ?Sized> KeyOf<NotKey> for T {
        fn key_of(&self) -> String {
            random_partition_key()
        }
    }

    impl<T: ?Sized + PartitionValue> KeyOf<Key> for T {
        fn key_of(&self) -> String {
            partition_key_of(self)
        }
    }

    /// A required (`IsX`) and an optional (`IsOptionalX`) column check for one Glue type family:
    /// `C` is the column (a type parameter named after it), `K` says whether it is the key.
    macro_rules! families {
        (
            $req:ident $opt:ident [$($gen:tt)*] [$($arg:ident,)*] $glue:ty,
            $msg:tt, $label:tt, $opt_msg:tt, $opt_label:tt, $accepts:tt $(,)?
        ) => {
            /// A Rust type for a required column of this Glue type; `C` names the column.
            #[diagnostic::on_unimplemented(
                message = $msg,
                label = $label,
                note = $accepts,
                note = "a required column takes the value itself, not `Option<…>`"
            )]
            pub trait $req<C, $($gen)* K = NotKey> {
                /// Writes `"key":value`.
                fn write(&self, key: &'static str, out: &mut JsonWriter);
                /// The partition key (for `K` = [`Key`]).
                fn key(&self) -> String;
            }

            #[diagnostic::do_not_recommend]
            impl<C, $($gen)* K, T: ?Sized + Column<$glue> + KeyOf<K>> $req<C, $($arg,)* K> for T {
                #[inline]
                fn write(&self, key: &'static str, out: &mut JsonWriter) {
                    out.key(key);
                    Column::<$glue>::write_json(self, out);
                }
                #[inline]
                fn key(&self) -> String {
                    KeyOf::<K>::key_of(self)
                }
            }

            /// `Option<T>` of a Rust type for an optional column of this Glue type; `C` names the
            /// column.
            #[diagnostic::on_unimplemented(
                message = $opt_msg,
                label = $opt_label,
                note = $accepts,
                note = "an optional column takes `Option<…>`; `None` leaves the column NULL"
            )]
            pub trait $opt<C, $($gen)* K = NotKey> {
                /// Writes `"key":value`, or nothing for `None`.
                fn write(&self, key: &'static str, out: &mut JsonWriter);
                /// The partition key (for `K` = [`Key`]; a random one for `None`).
                fn key(&self) -> String;
            }

            #[diagnostic::do_not_recommend]
            impl<C, $($gen)* K, T: Column<$glue> + KeyOf<K>> $opt<C, $($arg,)* K> for Option<T> {
                #[inline]
                fn write(&self, key: &'static str, out: &mut JsonWriter) {
                    if let Some(value) = self {
                        out.key(key);
                        Column::<$glue>::write_json(value, out);
                    }
                }
                #[inline]
                fn key(&self) -> String {
                    match self {
                        Some(value) => KeyOf::<K>::key_of(value),
                        None => random_partition_key(),
                    }
                }
            }
        };
    }

    families! {
        IsBoolean IsOptionalBoolean [] [] glue::Boolean,
        "column `{C}` is `boolean` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `boolean`",
        "column `{C}` is an optional `boolean` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `boolean`",
        "`boolean` accepts `bool`",
    }
    families! {
        IsTinyint IsOptionalTinyint [] [] glue::Tinyint,
        "column `{C}` is `tinyint` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `tinyint`",
        "column `{C}` is an optional `tinyint` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `tinyint`",
        "`tinyint` accepts `i8`",
    }
    families! {
        IsSmallint IsOptionalSmallint [] [] glue::Smallint,
        "column `{C}` is `smallint` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `smallint`",
        "column `{C}` is an optional `smallint` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `smallint`",
        "`smallint` accepts `i16`, `i8`, `u8`",
    }
    families! {
        IsInt IsOptionalInt [] [] glue::Int,
        "column `{C}` is `int` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `int`",
        "column `{C}` is an optional `int` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `int`",
        "`int` accepts `i32`, `i16`, `i8`, `u16`, `u8`",
    }
    families! {
        IsBigint IsOptionalBigint [] [] glue::Bigint,
        "column `{C}` is `bigint` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `bigint`",
        "column `{C}` is an optional `bigint` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `bigint`",
        "`bigint` accepts `i64`, `i32`, `i16`, `i8`, `u32`, `u16`, `u8`",
    }
    families! {
        IsFloat IsOptionalFloat [] [] glue::Float,
        "column `{C}` is `float` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `float`",
        "column `{C}` is an optional `float` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `float`",
        "`float` accepts `f32`",
    }
    families! {
        IsDouble IsOptionalDouble [] [] glue::Double,
        "column `{C}` is `double` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `double`",
        "column `{C}` is an optional `double` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `double`",
        "`double` accepts `f64`, `f32`",
    }
    families! {
        IsDecimal IsOptionalDecimal [const P: u8, const S: u8,] [P, S,] glue::Decimal<P, S>,
        "column `{C}` is `decimal({P},{S})` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `decimal({P},{S})`",
        "column `{C}` is an optional `decimal({P},{S})` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `decimal({P},{S})`",
        "`decimal({P},{S})` accepts `rust_decimal::Decimal` (never a float: binary floats round)",
    }
    families! {
        IsString IsOptionalString [] [] glue::String,
        "column `{C}` is `string` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `string`",
        "column `{C}` is an optional `string` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `string`",
        "`string` accepts `String`, `&str`, `Cow<str>`, `char`",
    }
    families! {
        IsVarchar IsOptionalVarchar [const L: u32,] [L,] glue::Varchar<L>,
        "column `{C}` is `varchar({L})` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `varchar({L})`",
        "column `{C}` is an optional `varchar({L})` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `varchar({L})`",
        "`varchar({L})` accepts `String`, `&str`, `Cow<str>`, `char`",
    }
    families! {
        IsChar IsOptionalChar [const L: u32,] [L,] glue::Char<L>,
        "column `{C}` is `char({L})` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `char({L})`",
        "column `{C}` is an optional `char({L})` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `char({L})`",
        "`char({L})` accepts `String`, `&str`, `Cow<str>`, `char`",
    }
    families! {
        IsDate IsOptionalDate [] [] glue::Date,
        "column `{C}` is `date` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `date`",
        "column `{C}` is an optional `date` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `date`",
        "`date` accepts `chrono::NaiveDate`",
    }
    families! {
        IsTimestamp IsOptionalTimestamp [] [] glue::Timestamp,
        "column `{C}` is `timestamp` in events.toml; `{Self}` cannot be written as one",
        "expected a Rust type for `timestamp`",
        "column `{C}` is an optional `timestamp` in events.toml; `{Self}` cannot be written as one",
        "expected `Option<T>`, T a Rust type for `timestamp`",
        "`timestamp` accepts `chrono::DateTime<Utc>`, `std::time::SystemTime`",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<G, T: Column<G> + ?Sized>(v: &T) -> String {
        let mut w = JsonWriter::with_capacity(16);
        v.write_json(&mut w);
        String::from_utf8(w.into_bytes()).unwrap()
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(
            json::<glue::String, _>("a\"b\\c\n\u{1}é"),
            r#""a\"b\\c\n\u0001é""#
        );
    }

    #[test]
    fn timestamps_use_z_and_the_shortest_fraction() {
        let mut w = JsonWriter::default();
        w.begin_array();
        w.element();
        w.timestamp(1_578_186_300, 0);
        w.element();
        w.timestamp(1_578_186_300, 1_500);
        w.element();
        w.timestamp(-1, 999_999_999);
        w.end_array();
        let text = String::from_utf8(w.into_bytes()).unwrap();
        assert_eq!(
            text,
            r#"["2020-01-05T01:05:00.000Z","2020-01-05T01:05:00.000001500Z","1969-12-31T23:59:59.999999999Z"]"#
        );
        let st = std::time::UNIX_EPOCH - std::time::Duration::from_millis(1500);
        assert_eq!(
            json::<glue::Timestamp, _>(&st),
            r#""1969-12-31T23:59:58.500Z""#
        );
    }

    #[test]
    fn floats_and_containers() {
        assert_eq!(json::<glue::Double, _>(&f64::NAN), "null");
        assert_eq!(json::<glue::Double, _>(&0.1_f32), "0.1");
        assert_eq!(json::<glue::Double, _>(&1e21_f64), "1000000000000000000000");
        let v: Vec<Vec<i32>> = vec![vec![1, 2], vec![]];
        assert_eq!(
            json::<glue::Array<glue::Array<glue::Int>>, _>(&v),
            "[[1,2],[]]"
        );
        let mut m = BTreeMap::new();
        m.insert(7_i64, "x");
        m.insert(-1, "y");
        assert_eq!(
            json::<glue::Map<glue::Bigint, glue::String>, _>(&m),
            r#"{"-1":"y","7":"x"}"#
        );
    }

    #[cfg(feature = "rust_decimal")]
    #[test]
    fn decimals_are_exact_numbers() {
        let d = rust_decimal::Decimal::new(12_990, 2);
        assert_eq!(json::<glue::Decimal<12, 2>, _>(&d), "129.90");
        let big: rust_decimal::Decimal = "12345678901234567890.123456789".parse().unwrap();
        assert_eq!(
            json::<glue::Decimal<38, 9>, _>(&big),
            "12345678901234567890.123456789"
        );
    }
}
