//! The deployment plan: every name, prefix and derived value that more than one artefact
//! uses, computed once from the schema so the CloudFormation stack, the Glue JSON, the DDL,
//! the queries and the docs cannot disagree.
//!
//! Naming rules:
//! - the stack takes an `Environment` parameter (`^[a-z][a-z0-9]{0,9}$`) folded into every
//!   physical name, so two environments live side by side in one account;
//! - the Glue database is `<lake>_<environment>`; tables are the event names;
//! - buckets are `<lake>-<environment>-<role>-<account>-<region>`, with the lake part
//!   shortened (and suffixed with a hash) so that the name never exceeds 63 characters;
//! - stream names are shortened the same way to fit Kinesis (128) and Firehose (64);
//! - S3 layout: `data/<event>/<partitions>/` (the table location), `raw/<event>/…` (the
//!   raw JSON backup, in its own bucket), `errors/<event>/<error-type>/…` (outside every
//!   table location, so neither Athena nor a crawler ever reads it).

use serde::Serialize;

use eventlake_schema::model::PARTITION_TYPE;
use eventlake_schema::{Event, PartitionColumn, Partitioning, Schema, StreamMode, names};

/// Name of the stack parameter that separates environments.
pub const ENV_PARAM: &str = "Environment";
/// Longest environment name the parameter accepts.
pub const MAX_ENV_LEN: usize = 10;
/// Default environment.
pub const DEFAULT_ENV: &str = "dev";
/// Longest AWS region name (`ap-southeast-5`, `us-gov-west-1`, … have at most 14 characters).
const MAX_REGION_LEN: usize = 14;
/// Account ids have 12 digits.
const ACCOUNT_LEN: usize = 12;
/// Longest logical-id stem of an event (`OrderPlaced`); suffixes such as `FirehoseRole` and
/// the export names (`<stack>-<stem>StreamArn`) must stay within CloudFormation's 255.
const MAX_LOGICAL_STEM: usize = 100;

/// Everything the templates and JSON builders need about the lake.
#[derive(Debug, Clone, Serialize)]
pub struct LakePlan {
    /// Lake name from the schema.
    pub name: String,
    /// Lake description.
    pub description: Option<String>,
    /// Environment parameter name.
    pub env_param: &'static str,
    /// Default environment.
    pub env_default: &'static str,
    /// Environment parameter pattern.
    pub env_pattern: String,
    /// Glue database name as a CloudFormation `!Sub` string.
    pub database_sub: String,
    /// Athena workgroup name as a `!Sub` string.
    pub workgroup_sub: String,
    /// The data-lake bucket (Parquet, errors).
    pub lake_bucket: BucketPlan,
    /// The raw JSON backup bucket.
    pub raw_bucket: BucketPlan,
    /// The Athena query-results bucket.
    pub athena_bucket: BucketPlan,
    /// Events, in schema order. Not serialised: each stack's template gets only its own
    /// events (passing every event's plan to every stack would make a split lake quadratic).
    #[serde(skip)]
    pub events: Vec<EventPlan>,
    /// Whether any event needs a crawler.
    pub any_crawler: bool,
}

/// One S3 bucket.
#[derive(Debug, Clone, Serialize)]
pub struct BucketPlan {
    /// Logical id in the stack.
    pub logical: String,
    /// Bucket name as a `!Sub` string.
    pub name_sub: String,
}

/// One event's resources.
#[derive(Debug, Clone, Serialize)]
pub struct EventPlan {
    /// Event name (= Glue table name).
    pub name: String,
    /// PascalCase stem of the event's logical ids (`OrderPlaced`).
    pub logical: String,
    /// Event description.
    pub description: Option<String>,
    /// Kinesis stream name as a `!Sub` string.
    pub stream_name_sub: String,
    /// Firehose delivery stream name as a `!Sub` string.
    pub firehose_name_sub: String,
    /// Crawler name as a `!Sub` string (when the event has one).
    pub crawler_name_sub: String,
    /// CloudWatch log group of the delivery stream, as a `!Sub` string.
    pub log_group_sub: String,
    /// Table location under the lake bucket: `data/<event>/`.
    pub data_prefix: String,
    /// Firehose `Prefix` of the Parquet output.
    pub firehose_prefix: String,
    /// Firehose `ErrorOutputPrefix` of the Parquet output.
    pub error_prefix: String,
    /// Prefix of the raw JSON backup (in the raw bucket).
    pub raw_prefix: String,
    /// `ErrorOutputPrefix` of the raw backup.
    pub raw_error_prefix: String,
    /// Partition columns, coarsest first.
    pub partitions: Vec<PartitionPlan>,
    /// Table properties for partition projection (empty when not projected).
    pub projection: Vec<(String, String)>,
    /// Whether the delivery stream uses dynamic partitioning on `time_field`.
    pub dynamic_partitioning: bool,
    /// The JQ `MetadataExtractionQuery` (dynamic partitioning only).
    pub jq_query: Option<String>,
    /// `ColumnToJsonKeyMappings`: column → lower-cased JSON key, for renamed columns.
    pub json_key_mappings: Vec<(String, String)>,
    /// Whether to generate a crawler.
    pub crawler: bool,
    /// Whether the stream is provisioned (else on-demand).
    pub provisioned: bool,
    /// JSON key of the partition-key field, if any.
    pub partition_key_json: Option<String>,
    /// Fingerprint of the event's columns.
    pub fingerprint: String,
}

/// One partition column.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionPlan {
    /// Column name.
    pub name: &'static str,
    /// Glue type of the column.
    pub glue_type: String,
    /// Firehose timestamp pattern (`yyyy`, `MM`, …).
    pub pattern: &'static str,
    /// Projection range `min,max`.
    pub range: String,
    /// Zero-padding width, 0 for none.
    pub digits: u8,
}

impl PartitionPlan {
    /// The plan of a time partition column.
    pub fn of(p: &PartitionColumn) -> Self {
        Self {
            name: p.name,
            glue_type: PARTITION_TYPE.glue(),
            pattern: p.pattern,
            range: format!("{},{}", p.min, p.max),
            digits: p.digits,
        }
    }

    /// The column's partition projection properties: an integer range, zero-padded when
    /// `digits` says so.
    pub fn projection(&self) -> Vec<(String, String)> {
        let key = |what: &str| format!("projection.{}.{what}", self.name);
        let mut props = vec![
            (key("type"), "integer".to_owned()),
            (key("range"), self.range.clone()),
        ];
        if self.digits > 0 {
            props.push((key("digits"), self.digits.to_string()));
        }
        props
    }
}

impl LakePlan {
    /// Plans the whole lake.
    pub fn new(schema: &Schema) -> Self {
        let lake = &schema.lake.name;
        let bucket = |role: &str, logical: &str| BucketPlan {
            logical: logical.to_owned(),
            name_sub: format!(
                "{}-${{{ENV_PARAM}}}-{role}-${{AWS::AccountId}}-${{AWS::Region}}",
                bucket_lake_part(lake)
            ),
        };
        let mut logicals: Vec<String> = Vec::new();
        let events: Vec<EventPlan> = schema
            .events
            .iter()
            .map(|e| {
                let plan = EventPlan::new(lake, e, &logicals);
                logicals.push(plan.logical.clone());
                plan
            })
            .collect();
        Self {
            name: lake.clone(),
            description: schema.lake.description.clone(),
            env_param: ENV_PARAM,
            env_default: DEFAULT_ENV,
            env_pattern: format!("^[a-z][a-z0-9]{{0,{}}}$", MAX_ENV_LEN - 1),
            database_sub: format!("{lake}_${{{ENV_PARAM}}}"),
            workgroup_sub: format!("{}-${{{ENV_PARAM}}}", lake.replace('_', "-")),
            lake_bucket: bucket("lake", "LakeBucket"),
            raw_bucket: bucket("raw", "RawBucket"),
            athena_bucket: bucket("athena", "AthenaResultsBucket"),
            any_crawler: events.iter().any(|e| e.crawler),
            events,
        }
    }
}

impl EventPlan {
    fn new(lake: &str, e: &Event, taken: &[String]) -> Self {
        let s = &e.settings;
        let mut logical = pascal_case(&e.name);
        if logical.len() > MAX_LOGICAL_STEM {
            // Logical ids (≤ 255) and export names carry suffixes: keep the stem short.
            let hash = format!("{:08X}", fnv(e.name.as_bytes()));
            logical = format!("{}{hash}", &logical[..MAX_LOGICAL_STEM - hash.len()]);
        }
        if taken.contains(&logical) {
            let mut n = 2;
            while taken.contains(&format!("{logical}{n}")) {
                n += 1;
            }
            logical = format!("{logical}{n}");
        }
        // `<lake>-${Environment}-<event>`: fixed part is the lake, two dashes and the longest
        // environment.
        let fixed = lake.len() + 2 + MAX_ENV_LEN;
        let stream_event = shorten(&e.name, 128 - fixed);
        let firehose_event = shorten(&e.name, 64 - fixed);
        let partitions: Vec<PartitionPlan> = e
            .partition_columns()
            .iter()
            .map(PartitionPlan::of)
            .collect();
        let dynamic = s.partitioning == Partitioning::EventTime;
        let data_prefix = format!("data/{}/", e.name);
        // Raw backups and errors are always laid out by arrival hour.
        let arrival_path = |cols: &[PartitionColumn]| -> String {
            cols.iter()
                .map(|p| format!("{}=!{{timestamp:{}}}/", p.name, p.pattern))
                .collect()
        };
        let all_hours = eventlake_schema::Granularity::Hour.partition_columns();
        let firehose_prefix = if dynamic {
            let path: String = partitions
                .iter()
                .map(|p| format!("{}=!{{partitionKeyFromQuery:{}}}/", p.name, p.name))
                .collect();
            format!("{data_prefix}{path}")
        } else {
            format!("{data_prefix}{}", arrival_path(e.partition_columns()))
        };
        let jq_query = if dynamic {
            e.time_field
                .as_deref()
                .and_then(|tf| e.field(tf))
                .map(|f| jq_partition_query(f.json_key(), &partitions))
        } else {
            None
        };
        let projection = if s.catalog.projection() {
            let mut props = vec![("projection.enabled".to_owned(), "true".to_owned())];
            props.extend(partitions.iter().flat_map(PartitionPlan::projection));
            props
        } else {
            Vec::new()
        };
        Self {
            name: e.name.clone(),
            logical,
            description: e.description.clone(),
            stream_name_sub: format!("{lake}-${{{ENV_PARAM}}}-{stream_event}"),
            firehose_name_sub: format!("{lake}-${{{ENV_PARAM}}}-{firehose_event}"),
            crawler_name_sub: format!("{lake}-${{{ENV_PARAM}}}-{stream_event}"),
            log_group_sub: format!("/aws/kinesisfirehose/{lake}-${{{ENV_PARAM}}}-{firehose_event}"),
            firehose_prefix,
            error_prefix: format!(
                "errors/{}/!{{firehose:error-output-type}}/{}",
                e.name,
                arrival_path(all_hours)
            ),
            raw_prefix: format!("raw/{}/{}", e.name, arrival_path(all_hours)),
            raw_error_prefix: format!(
                "errors/{}/raw-backup/!{{firehose:error-output-type}}/{}",
                e.name,
                arrival_path(all_hours)
            ),
            data_prefix,
            partitions,
            projection,
            dynamic_partitioning: dynamic,
            jq_query,
            json_key_mappings: e
                .fields
                .iter()
                .filter_map(|f| {
                    let key = f.json_key().to_lowercase();
                    (key != f.name).then(|| (f.name.clone(), key))
                })
                .collect(),
            crawler: s.catalog.crawler(),
            provisioned: s.stream_mode == StreamMode::Provisioned,
            partition_key_json: e
                .partition_key
                .as_deref()
                .and_then(|pk| e.field(pk))
                .map(|f| f.json_key().to_owned()),
            fingerprint: e.fingerprint(),
        }
    }
}

/// The JQ query that extracts `year`, `month`, … from the event's time field. The field may
/// hold any form OpenX accepts: `yyyy-MM-ddTHH:mm:ss[.f]Z`, `yyyy-[M]M-[d]d HH:mm:ss[.f]` (month
/// and day may have one digit, as `java.sql.Timestamp.valueOf` allows) or epoch seconds /
/// milliseconds / fractional seconds (turned into the first form with `todate`). The parts are
/// split at `T` or space, `-` and `:` and zero-padded to the prefix's widths (`month=05`), so
/// every form of one instant lands in the same partition, the one the local lake computes.
/// A value with no time part fails the JQ, so Firehose sends the record to the error prefix.
fn jq_partition_query(json_key: &str, partitions: &[PartitionPlan]) -> String {
    let key = serde_json::to_string(json_key).unwrap_or_default();
    let parts: Vec<String> = partitions
        .iter()
        .map(|p| {
            let value = match p.name {
                "year" => "$d[0]",
                "month" => "(\"0\" + $d[1])[-2:]",
                "day" => "(\"0\" + $d[2])[-2:]",
                _ => "(\"0\" + $h[0])[-2:]",
            };
            format!("{}: {value}", p.name)
        })
        .collect();
    format!(
        ".[{key}] as $v \
         | (if ($v | type) == \"number\" then (if $v >= 100000000000 then $v / 1000 else $v end | floor | todate) else $v end) as $t \
         | ($t | split(\"T\") | if length == 1 then .[0] | split(\" \") else . end) as $p \
         | ($p[0] | split(\"-\")) as $d \
         | ($p[1] | split(\":\")) as $h \
         | {{{}}}",
        parts.join(", ")
    )
}

/// `order_placed` → `OrderPlaced`.
pub fn pascal_case(name: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(name)
}

/// Shortens `name` to `max` characters, keeping it unique with a hash suffix.
pub fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let hash = format!("{:08x}", fnv(name.as_bytes()));
    let keep = max.saturating_sub(9);
    format!("{}-{hash}", name[..keep].trim_end_matches(['_', '-']))
}

/// 32-bit FNV-1a. The `fnv` crate has only the 64-bit variant, and these hashes are part of
/// committed resource names, so the 32-bit one stays (checked against the reference vectors).
fn fnv(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The lake's part of bucket names: hyphens for underscores, short enough that
/// `<part>-<env>-athena-<account>-<region>` fits S3's 63 characters.
pub fn bucket_lake_part(lake: &str) -> String {
    let budget = 63 - (MAX_ENV_LEN + "athena".len() + ACCOUNT_LEN + MAX_REGION_LEN + 4);
    let dashed = lake.replace('_', "-");
    shorten(&dashed, budget)
}

/// A SQL identifier for Athena DDL (backticks when needed).
pub fn ddl_ident(name: &str) -> String {
    if names::needs_quoting(name) {
        format!("`{}`", name.replace('`', "``"))
    } else {
        name.to_owned()
    }
}

/// A SQL identifier for Athena DML / Trino (double quotes when needed).
pub fn dml_ident(name: &str) -> String {
    if names::needs_quoting(name) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_fnv1a_32_reference_vectors() {
        assert_eq!(fnv(b""), 0x811c_9dc5);
        assert_eq!(fnv(b"a"), 0xe40c_292c);
        assert_eq!(fnv(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn bucket_names_fit_s3_for_the_longest_lake_name() {
        let lake = "a".repeat(names::MAX_LAKE_NAME_LEN);
        let part = bucket_lake_part(&lake);
        let longest = format!(
            "{part}-{}-athena-{}-{}",
            "e".repeat(MAX_ENV_LEN),
            "1".repeat(ACCOUNT_LEN),
            "r".repeat(MAX_REGION_LEN)
        );
        assert!(longest.len() <= 63, "{longest} is {} long", longest.len());
        assert!(!part.ends_with('-'));
    }

    #[test]
    fn shortened_names_stay_distinct() {
        let a = shorten(&format!("{}_a", "x".repeat(100)), 40);
        let b = shorten(&format!("{}_b", "x".repeat(100)), 40);
        assert_ne!(a, b);
        assert!(a.len() <= 40 && b.len() <= 40);
        assert_eq!(shorten("short", 40), "short");
    }

    #[test]
    fn pascal_case_logical_ids() {
        assert_eq!(pascal_case("order_placed"), "OrderPlaced");
        assert_eq!(pascal_case("a2b_c"), "A2bC");
    }
}
