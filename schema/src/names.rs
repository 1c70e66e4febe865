//! Name rules shared by every artefact: what a lake, event, column or struct-field name may
//! look like, and the one list of reserved words that the SQL generators must quote.
//!
//! Rules: names are lowercase snake case, `^[a-z][a-z0-9_]{0,254}$` (Glue and Athena names);
//! event names are shorter because they become file names, the lake name because it is folded
//! into bucket names; lake and event names may not be Windows device names. Reserved words are
//! *legal* names; generators quote them instead.

/// Longest name Glue and Athena accept for a column, table or struct field.
pub const MAX_NAME_LEN: usize = 255;

/// Longest file name common filesystems accept (ext4, APFS, NTFS: 255 bytes or UTF-16 units).
pub const MAX_FILE_NAME_LEN: usize = 255;

/// Longest file-name suffix `gen` puts after an event name (`glue/<event>.conversion.json`
/// is in fact under `firehose/`; a generator test checks every artefact's file name).
pub const LONGEST_EVENT_FILE_SUFFIX: &str = ".conversion.json";

/// Room kept for the suffix of the temporary sibling `gen` writes each file through
/// (`<file>.eventlake-tmp-<pid>`) before renaming it into place.
pub const TEMP_FILE_SUFFIX_ROOM: usize = 32;

/// Longest event name: it is the Glue table name (255) and the stem of file names, so that
/// `<event>.conversion.json` and its temporary sibling still fit [`MAX_FILE_NAME_LEN`].
pub const MAX_EVENT_NAME_LEN: usize =
    MAX_FILE_NAME_LEN - LONGEST_EVENT_FILE_SUFFIX.len() - TEMP_FILE_SUFFIX_ROOM;

/// Names Windows reserves for devices, with any extension (`con.table.json` cannot be
/// created there): lake and event names become file names, so these are refused.
pub const WINDOWS_DEVICE_NAMES: &[&str] = &[
    "aux", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "con", "lpt1",
    "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "nul", "prn",
];

/// Why a lake or event name cannot be a file name, if it cannot.
pub fn file_name_problem(name: &str) -> Option<String> {
    WINDOWS_DEVICE_NAMES.contains(&name).then(|| {
        format!(
            "`{name}` is a device name on Windows, so files named after it cannot be created there"
        )
    })
}

/// Longest lake name: the lake name is folded into S3 bucket names (63 characters at most)
/// together with an environment, the account id and a suffix.
pub const MAX_LAKE_NAME_LEN: usize = 40;

/// Why a name is not acceptable, if it is not.
pub fn name_problem(name: &str, max_len: usize) -> Option<String> {
    if name.is_empty() {
        return Some("a name cannot be empty".to_owned());
    }
    if name.len() > max_len {
        return Some(format!(
            "`{name_short}…` is {} characters long; at most {max_len} are allowed",
            name.len(),
            name_short = name.chars().take(20).collect::<String>()
        ));
    }
    let first = name.chars().next()?;
    if !first.is_ascii_lowercase() {
        return Some(format!("`{name}` must start with a lowercase letter (a-z)"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Some(format!(
            "`{name}` contains `{bad}`; names may contain only lowercase letters, digits and `_`"
        ));
    }
    None
}

/// A lowercase snake-case spelling of `name`, offered as a fix (`staffName` → `staff_name`).
pub fn to_snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower_or_digit = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower_or_digit {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower_or_digit = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower_or_digit = true;
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower_or_digit = false;
        }
    }
    let trimmed = out.trim_matches('_');
    let mut s = trimmed.to_owned();
    if s.chars().next().is_none_or(|c| !c.is_ascii_lowercase()) {
        s.insert_str(0, "f_");
    }
    s
}

/// Reserved words of Athena DDL (Hive), Athena DML and Trino, upper case, sorted.
///
/// Sources: Athena `reserved-words` page (both lists, with `DIV`), Trino's reserved keyword
/// list, `AUTO` from recent Trino. An identifier in this list must be quoted: backticks in
/// DDL, double quotes in DML.
pub const RESERVED_WORDS: &[&str] = &[
    "ALL",
    "ALTER",
    "AND",
    "ARRAY",
    "AS",
    "AUTHORIZATION",
    "AUTO",
    "BETWEEN",
    "BIGINT",
    "BINARY",
    "BOOLEAN",
    "BOTH",
    "BY",
    "CASE",
    "CASHE",
    "CAST",
    "CHAR",
    "COLUMN",
    "COMMIT",
    "CONF",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CUBE",
    "CURRENT",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_PATH",
    "CURRENT_ROLE",
    "CURRENT_SCHEMA",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "CURSOR",
    "DATABASE",
    "DATE",
    "DAYOFWEEK",
    "DEALLOCATE",
    "DECIMAL",
    "DELETE",
    "DESCRIBE",
    "DISTINCT",
    "DIV",
    "DOUBLE",
    "DROP",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCHANGE",
    "EXECUTE",
    "EXISTS",
    "EXTENDED",
    "EXTERNAL",
    "EXTRACT",
    "FALSE",
    "FETCH",
    "FIRST",
    "FLOAT",
    "FLOOR",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "FUNCTION",
    "GRANT",
    "GROUP",
    "GROUPING",
    "HAVING",
    "IF",
    "IMPORT",
    "IN",
    "INNER",
    "INSERT",
    "INT",
    "INTEGER",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "JSON_ARRAY",
    "JSON_EXISTS",
    "JSON_OBJECT",
    "JSON_QUERY",
    "JSON_TABLE",
    "JSON_VALUE",
    "LAST",
    "LATERAL",
    "LEFT",
    "LESS",
    "LIKE",
    "LISTAGG",
    "LOCAL",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MACRO",
    "MAP",
    "MORE",
    "NATURAL",
    "NONE",
    "NORMALIZE",
    "NOT",
    "NULL",
    "NUMERIC",
    "OF",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "OUT",
    "OUTER",
    "OVER",
    "PARTIALSCAN",
    "PARTITION",
    "PERCENT",
    "PRECEDING",
    "PRECISION",
    "PREPARE",
    "PRESERVE",
    "PRIMARY",
    "PROCEDURE",
    "RANGE",
    "READS",
    "RECURSIVE",
    "REDUCE",
    "REFERENCES",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROLLBACK",
    "ROLLUP",
    "ROW",
    "ROWS",
    "SELECT",
    "SET",
    "SKIP",
    "SMALLINT",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TIME",
    "TIMESTAMP",
    "TO",
    "TRANSFORM",
    "TRIGGER",
    "TRIM",
    "TRUE",
    "TRUNCATE",
    "UESCAPE",
    "UNBOUNDED",
    "UNESCAPE",
    "UNION",
    "UNIQUEJOIN",
    "UNNEST",
    "UPDATE",
    "USER",
    "USING",
    "UTC_TIMESTAMP",
    "VALUES",
    "VARCHAR",
    "VIEWS",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Whether `name` is a reserved word in Athena DDL, Athena DML or Trino (case-insensitive).
pub fn is_reserved(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    RESERVED_WORDS.binary_search(&upper.as_str()).is_ok()
}

/// Whether an identifier must be quoted in SQL: reserved, or not plain `[a-z][a-z0-9_]*`.
pub fn needs_quoting(name: &str) -> bool {
    is_reserved(name) || name_problem(name, usize::MAX).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted_and_unique() {
        let mut sorted = RESERVED_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(
            sorted, RESERVED_WORDS,
            "keep RESERVED_WORDS sorted for binary search"
        );
    }

    #[test]
    fn reserved_lookup_is_case_insensitive() {
        assert!(is_reserved("date"));
        assert!(is_reserved("Order"));
        assert!(!is_reserved("status"));
        assert!(!is_reserved("year"));
    }

    #[test]
    fn name_rules() {
        assert_eq!(name_problem("order_id", 255), None);
        assert!(name_problem("Order", 255).is_some());
        assert!(name_problem("1st", 255).is_some());
        assert!(name_problem("a-b", 255).is_some());
        assert!(name_problem("", 255).is_some());
        assert!(name_problem(&"a".repeat(41), MAX_LAKE_NAME_LEN).is_some());
    }

    #[test]
    fn snake_case_suggestions() {
        assert_eq!(to_snake_case("staffName"), "staff_name");
        assert_eq!(to_snake_case("Order-Id"), "order_id");
        assert_eq!(to_snake_case("2fa"), "f_2fa");
    }
}
