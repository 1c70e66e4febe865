//! The errors table of each event (`<event>__errors`): Firehose's error documents under
//! `errors/<event>/<error-type>/year=…/month=…/day=…/hour=…/`, queryable in Athena next to
//! the data. Its columns and error types come from [`eventlake_schema::errors_table`], the
//! one definition the local lake registers too; this module turns it into the Glue
//! `TableInput` (written to `glue/errors/<event>.table.json` and embedded in the stack) and
//! the Athena DDL (`athena/errors/<event>.ddl.sql`, built from that `TableInput`).
//!
//! The table is partitioned the way the error prefix is laid out (generator/src/plan.rs):
//! by error type, then by arrival hour, never by event time. Partitions are always projected,
//! with `storage.location.template`, because the error type is a plain folder name
//! (`format-conversion-failed/`), not a Hive `key=value` folder.

use eventlake_schema::Event;
use eventlake_schema::errors_table::{
    self as def, COLUMNS, ERROR_TYPE_COLUMN, ErrorColumn, error_types,
};

use super::glue::{Column, Formats, TableInput};
use super::{Context, athena, pretty_json};
use crate::output::Artifact;
use crate::plan::{EventPlan, PartitionPlan};
use crate::render::render as render_template;

/// JSON text files read by the OpenX JSON SerDe, which matches keys case-insensitively (so
/// `ErrorCode` and `errorcode` are one column).
const JSON_FORMATS: Formats = Formats {
    input: "org.apache.hadoop.mapred.TextInputFormat",
    output: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    serde: "org.openx.data.jsonserde.JsonSerDe",
    serde_parameters: &[("case.insensitive", "TRUE")],
};

/// `glue/errors/<event>.table.json` and `athena/errors/<event>.ddl.sql` of every event.
pub fn render(cx: &Context<'_>) -> Result<(Vec<Artifact>, Vec<Artifact>), crate::Error> {
    let mut glue = Vec::new();
    let mut ddl = Vec::new();
    for (event, plan) in cx.schema.events.iter().zip(&cx.plan.events) {
        let table = table_input(event, plan, &cx.plan.lake_bucket.logical);
        glue.push(Artifact::new(
            format!("glue/errors/{}.table.json", event.name),
            pretty_json(&table),
        ));
        let path = format!("athena/errors/{}.ddl.sql", event.name);
        let context = athena::ddl_context(cx, table, |_| None, (true, false), path.clone());
        ddl.push(Artifact::new(
            path,
            render_template(&cx.env, athena::DDL_TEMPLATE, context)?,
        ));
    }
    Ok((glue, ddl))
}

/// The table's location: `s3://${<bucket>}/errors/<event>/`.
pub fn location(bucket_logical: &str, plan: &EventPlan) -> String {
    format!("s3://${{{bucket_logical}}}/errors/{}/", plan.name)
}

/// The Glue `TableInput` of the event's errors table.
pub fn table_input(event: &Event, plan: &EventPlan, bucket_logical: &str) -> TableInput {
    let location = location(bucket_logical, plan);
    let hours = eventlake_schema::Granularity::Hour.partition_columns();
    let mut params: Vec<(String, String)> = vec![
        ("classification".into(), "json".into()),
        ("EXTERNAL".into(), "TRUE".into()),
        ("projection.enabled".into(), "true".into()),
        (
            format!("projection.{ERROR_TYPE_COLUMN}.type"),
            "enum".into(),
        ),
        (
            format!("projection.{ERROR_TYPE_COLUMN}.values"),
            error_types(event).join(","),
        ),
    ];
    let mut template = format!("{location}${{{ERROR_TYPE_COLUMN}}}/");
    let mut keys = vec![Column {
        name: ERROR_TYPE_COLUMN.to_owned(),
        glue_type: "string".to_owned(),
        comment: Some(
            "Partition: the error-output type (the folder after errors/<event>/)".to_owned(),
        ),
    }];
    for p in hours.iter().map(PartitionPlan::of) {
        params.extend(p.projection());
        template.push_str(&format!("{}=${{{}}}/", p.name, p.name));
        keys.push(Column {
            name: p.name.to_owned(),
            glue_type: p.glue_type,
            comment: Some(format!("Partition: {} of the arrival time (UTC)", p.name)),
        });
    }
    params.push(("storage.location.template".into(), template));
    TableInput::external(
        def::table_name(&event.name),
        Some(format!(
            "Records of {} that Firehose could not deliver: its error documents under errors/{}/",
            event.name, event.name
        )),
        params,
        keys,
        columns(),
        location,
        JSON_FORMATS,
    )
}

/// Glue `Column`s of the error document.
pub fn columns() -> Vec<Column> {
    COLUMNS
        .iter()
        .map(|c: &ErrorColumn| Column {
            name: c.name().to_owned(),
            glue_type: c.glue_type(),
            comment: Some(c.comment.to_owned()),
        })
        .collect()
}

/// Rows of the "latest failed records" query.
pub const LATEST_FAILURES_LIMIT: usize = 20;

/// The errors table's starter queries for `event`: today's failures by code and message,
/// and the latest failed records with their raw data decoded. Same rules as the data
/// tables' queries ([`super::athena`]): Trino SQL the local lake runs unchanged, today's
/// partitions only (arrival time, UTC).
pub fn starter_queries(event: &Event) -> Vec<super::athena::StarterQuery> {
    use def::{ERROR_CODE_SQL, ERROR_MESSAGE_SQL};
    let table = crate::plan::dml_ident(&def::table_name(&event.name));
    let today = "WHERE year = EXTRACT(YEAR FROM current_date)\n  \
                 AND month = EXTRACT(MONTH FROM current_date)\n  \
                 AND day = EXTRACT(DAY FROM current_date)";
    let by_error = format!(
        "SELECT {ERROR_CODE_SQL} AS error_code, {ERROR_MESSAGE_SQL} AS error_message, \
         count(*) AS failures\nFROM {table}\n{today}\n\
         GROUP BY {ERROR_CODE_SQL}, {ERROR_MESSAGE_SQL}\n\
         ORDER BY failures DESC, error_code NULLS LAST, error_message NULLS LAST"
    );
    let latest = format!(
        "SELECT from_unixtime(arrivaltimestamp / 1000) AS arrived_at, {ERROR_TYPE_COLUMN}, \
         {ERROR_CODE_SQL} AS error_code, {ERROR_MESSAGE_SQL} AS error_message, \
         from_utf8(from_base64(rawdata)) AS raw_record\nFROM {table}\n{today}\n\
         ORDER BY arrivaltimestamp DESC, sequencenumber DESC\nLIMIT {LATEST_FAILURES_LIMIT}"
    );
    let name = |what: &str| {
        crate::plan::shorten(
            &format!("{}: {what}", event.name),
            super::athena::NAMED_QUERY_NAME_MAX,
        )
    };
    vec![
        super::athena::StarterQuery {
            slug: "failures_today".to_owned(),
            name: name("failed records today by error"),
            description: format!(
                "Records of {} that failed today (arrival time, UTC), per error code and \
                 message, from the errors table {}.",
                event.name,
                def::table_name(&event.name)
            ),
            sql: by_error,
        },
        super::athena::StarterQuery {
            slug: "latest_failures".to_owned(),
            name: name(&format!("latest {LATEST_FAILURES_LIMIT} failed records")),
            description: format!(
                "The {LATEST_FAILURES_LIMIT} most recent failed records of {} today, with the \
                 record as sent (rawData decoded), from the errors table {}.",
                event.name,
                def::table_name(&event.name)
            ),
            sql: latest,
        },
    ]
}
