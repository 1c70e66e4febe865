//! [`string_enum!`](crate::string_enum::string_enum): an enum whose values are spelled as
//! strings in events.toml (the settings' values, the change codes of `[[accept]]`), with its
//! spellings, parser and JSON Schema defined from one list.

/// Defines an enum from `Variant = "spelling"` rows: the enum (serialised and described in
/// JSON Schema by its spellings), `ALL` and `NAMES` in declaration order, `from_name` and
/// `name`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::schemars::JsonSchema,
        )]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The value spelled `s`.
            pub fn from_name(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The spelling (`on_demand`, `column_renamed`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }
    };
}

pub(crate) use string_enum;
