//! Marker types for Glue column types, the `G` of [`Column<G>`](crate::column::Column).
//!
//! They are never constructed; they only name a column type at the type level so rustc can
//! check a field's Rust type against it. The derive spells each column's type with them
//! (`decimal(12,2)` is `Decimal<12, 2>`, `array<struct<…>>` is `Array<Struct<ID>>`).

use core::marker::PhantomData;

macro_rules! markers {
    ($($(#[$m:meta])* $name:ident),+ $(,)?) => {
        $($(#[$m])* #[derive(Debug)] pub enum $name {})+
    };
}

markers! {
    /// `boolean`
    Boolean,
    /// `tinyint`
    Tinyint,
    /// `smallint`
    Smallint,
    /// `int`
    Int,
    /// `bigint`
    Bigint,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `string`
    String,
    /// `date`
    Date,
    /// `timestamp`
    Timestamp,
}

/// `decimal(P,S)`
#[derive(Debug)]
pub struct Decimal<const P: u8, const S: u8>(PhantomData<()>);

/// `varchar(L)`
#[derive(Debug)]
pub struct Varchar<const L: u32>(PhantomData<()>);

/// `char(L)`
#[derive(Debug)]
pub struct Char<const L: u32>(PhantomData<()>);

/// `array<G>`
#[derive(Debug)]
pub struct Array<G>(PhantomData<G>);

/// `map<K,V>`
#[derive(Debug)]
pub struct Map<K, V>(PhantomData<(K, V)>);

/// `struct<…>`: `ID` is a fingerprint of the struct's fields (names, JSON keys, types,
/// nullability, enums), so one Rust struct fits every column with the same struct type.
#[derive(Debug)]
pub struct Struct<const ID: u64>(PhantomData<()>);

/// A text column restricted to `enum = [...]` values; `ID` is a fingerprint of the values.
#[derive(Debug)]
pub struct Enum<const ID: u64>(PhantomData<()>);
