//! The errors table of an event: the one definition of the table that reads Firehose's error
//! documents under `errors/<event>/<error-type>/year=…/month=…/day=…/hour=…/`. The Glue
//! `TableInput`, the Athena DDL, the starter queries, the data dictionary and the local
//! lake's registration are all built from the constants here.
//!
//! Sources (docs/operations.md has the links): the error document is AWS's "Handling errors
//! for data format conversion" page, which has shown the code and message keys both as
//! `lastErrorCode`/`lastErrorMessage` and as `ErrorCode`/`ErrorMessage`; the table has a
//! column for each spelling, and queries read `coalesce(errorcode, lasterrorcode)`.

use crate::model::{Event, Partitioning};

/// Suffix of an errors table's name: `<event>__errors`. Validation rejects event names that
/// end with it, so an errors table never has an event's name.
pub const TABLE_SUFFIX: &str = "__errors";

/// Error-output type of records that failed conversion (`!{firehose:error-output-type}`).
pub const FORMAT_CONVERSION_FAILED: &str = "format-conversion-failed";
/// Error-output type of records whose dynamic-partitioning keys could not be extracted.
/// AWS's dynamic-partitioning troubleshooting page says only that errors are "organized
/// based on the error type"; the folder name is the one AWS CDK's integration test of
/// dynamic partitioning observes in S3 (docs/operations.md).
pub const PARTITIONING_FAILED: &str = "partitioning-failed";

/// Name of the partition column that holds the error-output type (the folder after
/// `errors/<event>/`).
pub const ERROR_TYPE_COLUMN: &str = "error_type";

/// The Glue type of one column of the errors table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorColumnType {
    /// `bigint` (JSON number).
    Bigint,
    /// `string`.
    String,
    /// `struct<…>` of the string fields [`DATA_CATALOG_TABLE_KEYS`].
    CatalogTable,
}

/// One column of the errors table: the document's JSON key and the Glue column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorColumn {
    /// The key in Firehose's error document (`attemptsMade`).
    pub json_key: &'static str,
    /// Column type.
    pub ty: ErrorColumnType,
    /// Column comment.
    pub comment: &'static str,
}

impl ErrorColumn {
    /// The Glue column name: the JSON key in lowercase, as OpenX matches keys
    /// case-insensitively (`attemptsmade`).
    pub fn name(&self) -> String {
        self.json_key.to_ascii_lowercase()
    }

    /// The Glue type string.
    pub fn glue_type(&self) -> String {
        match self.ty {
            ErrorColumnType::Bigint => "bigint".to_owned(),
            ErrorColumnType::String => "string".to_owned(),
            ErrorColumnType::CatalogTable => {
                let fields: Vec<String> = DATA_CATALOG_TABLE_KEYS
                    .iter()
                    .map(|k| format!("{}:string", k.to_ascii_lowercase()))
                    .collect();
                format!("struct<{}>", fields.join(","))
            }
        }
    }
}

/// Keys of the document's `dataCatalogTable` object.
pub const DATA_CATALOG_TABLE_KEYS: &[&str] = &[
    "catalogId",
    "databaseName",
    "tableName",
    "region",
    "versionId",
    "catalogArn",
];

/// The columns, in the document's order; both spellings of the code and message.
pub const COLUMNS: &[ErrorColumn] = &[
    ErrorColumn {
        json_key: "attemptsMade",
        ty: ErrorColumnType::Bigint,
        comment: "Delivery attempts made",
    },
    ErrorColumn {
        json_key: "arrivalTimestamp",
        ty: ErrorColumnType::Bigint,
        comment: "When the record arrived, epoch milliseconds",
    },
    ErrorColumn {
        json_key: "ErrorCode",
        ty: ErrorColumnType::String,
        comment: "Error code (key ErrorCode); read coalesce(errorcode, lasterrorcode)",
    },
    ErrorColumn {
        json_key: "ErrorMessage",
        ty: ErrorColumnType::String,
        comment: "Error message (key ErrorMessage); read coalesce(errormessage, lasterrormessage)",
    },
    ErrorColumn {
        json_key: "lastErrorCode",
        ty: ErrorColumnType::String,
        comment: "Error code (key lastErrorCode, the other documented spelling)",
    },
    ErrorColumn {
        json_key: "lastErrorMessage",
        ty: ErrorColumnType::String,
        comment: "Error message (key lastErrorMessage, the other documented spelling)",
    },
    ErrorColumn {
        json_key: "attemptEndingTimestamp",
        ty: ErrorColumnType::Bigint,
        comment: "When the last attempt ended, epoch milliseconds",
    },
    ErrorColumn {
        json_key: "rawData",
        ty: ErrorColumnType::String,
        comment: "The record as received, base64; read from_utf8(from_base64(rawdata))",
    },
    ErrorColumn {
        json_key: "sequenceNumber",
        ty: ErrorColumnType::String,
        comment: "Kinesis sequence number of the record",
    },
    ErrorColumn {
        json_key: "subSequenceNumber",
        ty: ErrorColumnType::Bigint,
        comment: "Position inside an aggregated Kinesis record",
    },
    ErrorColumn {
        json_key: "dataCatalogTable",
        ty: ErrorColumnType::CatalogTable,
        comment: "The Glue table the conversion used",
    },
];

/// The errors table of `event`: `<event>__errors`.
pub fn table_name(event: &str) -> String {
    format!("{event}{TABLE_SUFFIX}")
}

/// The error-output types the event's delivery stream can write, one folder each.
pub fn error_types(event: &Event) -> Vec<&'static str> {
    let mut types = vec![FORMAT_CONVERSION_FAILED];
    if event.settings.partitioning == Partitioning::EventTime {
        types.push(PARTITIONING_FAILED);
    }
    types
}

/// The SQL expression of the error code, whichever key the document used.
pub const ERROR_CODE_SQL: &str = "coalesce(errorcode, lasterrorcode)";
/// The SQL expression of the error message, whichever key the document used.
pub const ERROR_MESSAGE_SQL: &str = "coalesce(errormessage, lasterrormessage)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lowercase_keys_and_unique() {
        let mut names: Vec<String> = COLUMNS.iter().map(ErrorColumn::name).collect();
        assert!(names.contains(&"lasterrorcode".to_owned()));
        assert!(names.contains(&"errorcode".to_owned()));
        names.sort();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
        assert_eq!(
            COLUMNS[10].glue_type(),
            "struct<catalogid:string,databasename:string,tablename:string,region:string,versionid:string,catalogarn:string>"
        );
        assert_eq!(table_name("order_placed"), "order_placed__errors");
    }

    #[test]
    fn an_event_named_like_an_errors_table_is_rejected_with_its_location() {
        let src = "[lake]\nname = \"shop\"\n\n[events.order__errors.fields]\nid = \"string\"\n";
        let Err(report) = crate::load_str(src, "events.toml") else {
            panic!("an event named `order__errors` must be rejected");
        };
        let text = report.to_string();
        assert!(text.contains("ends with `__errors`"), "{text}");
        assert!(text.contains("events.toml:4:"), "{text}");
        assert!(text.contains("order_failures"), "{text}");
    }
}
