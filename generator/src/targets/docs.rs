//! `README.md`: the data dictionary of the lake, written for the people who query it.
//!
//! Per event: its columns (nested struct fields as `parent.child` rows, `[]` for array
//! elements, `{}` for map values) with Glue types, nullability, the producer's JSON key
//! when it differs, docs and enum values; its partitions; where its data lands (every
//! prefix as the plan has it); and its starter queries. Plus a Mermaid diagram of the
//! pipeline and a tour of the output folder.
//!
//! User text (docs, descriptions, enum values) is escaped here for Markdown table cells
//! (`|`, `<`, `>`, `&`, line breaks); the template prints it as is.

use serde::Serialize;

use eventlake_schema::{Catalog, Event, Field, Partitioning, StreamMode, Type};

use super::{Context, athena, glue};
use crate::output::{Artifact, GENERATED_MARK};
use crate::plan::EventPlan;

/// Template of `README.md`.
pub const TEMPLATE: &str = "docs/README.md.j2";

/// `README.md` in the output folder.
pub fn render(cx: &Context<'_>) -> Result<Vec<Artifact>, crate::Error> {
    let plan = &cx.plan;
    let human = |s: &str| cx.humanize(s);
    let events: Vec<EventDoc> = cx
        .schema
        .events
        .iter()
        .zip(&plan.events)
        .enumerate()
        .map(|(i, (e, p))| event_doc(cx, i, e, p))
        .collect();
    let retention: Vec<u32> = cx
        .schema
        .events
        .iter()
        .map(|e| e.settings.raw_retention_days)
        .collect();
    let raw_expiry = match (retention.iter().min(), retention.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("expires after {a} days"),
        (Some(a), Some(b)) => format!("expires after {a} to {b} days"),
        _ => String::new(),
    };
    let database = human(&plan.database_sub);
    let workgroup = human(&plan.workgroup_sub);
    let doc = LakeDoc {
        header: format!(
            "<!-- {GENERATED_MARK} by eventlake from {}; do not edit -->",
            cx.source_name
        ),
        source_name: &cx.source_name,
        lake: &plan.name,
        description: plan.description.as_deref().map(md_text),
        env_param: plan.env_param,
        env_default: plan.env_default,
        database_mermaid: mermaid_text(&database),
        workgroup_mermaid: mermaid_text(&workgroup),
        database,
        workgroup,
        lake_bucket: human(&plan.lake_bucket.name_sub),
        raw_bucket: human(&plan.raw_bucket.name_sub),
        athena_bucket: human(&plan.athena_bucket.name_sub),
        any_crawler: plan.any_crawler,
        any_projection: plan.events.iter().any(|e| !e.projection.is_empty()),
        raw_expiry,
        event_count: events.len(),
        events,
        deploy: super::deploy::deploy(cx)?,
    };
    let text = crate::render::render(&cx.env, TEMPLATE, doc)?;
    Ok(vec![Artifact::new("README.md", text)])
}

/// The context of [`TEMPLATE`].
#[derive(Debug, Serialize)]
struct LakeDoc<'a> {
    header: String,
    source_name: &'a str,
    lake: &'a str,
    description: Option<String>,
    env_param: &'static str,
    env_default: &'static str,
    database: String,
    database_mermaid: String,
    workgroup_mermaid: String,
    workgroup: String,
    lake_bucket: String,
    raw_bucket: String,
    athena_bucket: String,
    any_crawler: bool,
    any_projection: bool,
    raw_expiry: String,
    event_count: usize,
    events: Vec<EventDoc>,
    deploy: super::deploy::Deploy,
}

/// One event's section.
#[derive(Debug, Serialize)]
struct EventDoc {
    name: String,
    description: Option<String>,
    stream: String,
    firehose: String,
    capacity: String,
    retention_hours: u32,
    partition_key: Option<String>,
    time_field: Option<String>,
    partitioning: String,
    catalog: String,
    buffering: String,
    compression: &'static str,
    raw_retention_days: u32,
    location: String,
    firehose_prefix: String,
    error_prefix: String,
    raw_prefix: String,
    raw_error_prefix: String,
    columns: Vec<ColumnDoc>,
    /// Whether any column row has a JSON key of its own.
    json_keys: bool,
    partitions: Vec<PartitionDoc>,
    queries: Vec<QueryDoc>,
}

/// One row of the column table.
#[derive(Debug, Serialize)]
struct ColumnDoc {
    /// `shipping.geo.lat`, `items[].sku`.
    path: String,
    /// Glue type.
    glue_type: String,
    /// `yes` / `no`.
    nullable: &'static str,
    /// JSON key path, when it differs from the column path.
    json_key: Option<String>,
    /// Docs and enum values, escaped for a table cell.
    doc: String,
}

#[derive(Debug, Serialize)]
struct PartitionDoc {
    name: String,
    glue_type: String,
    comment: String,
}

#[derive(Debug, Serialize)]
struct QueryDoc {
    name: String,
    description: String,
}

fn event_doc(cx: &Context<'_>, index: usize, e: &Event, p: &EventPlan) -> EventDoc {
    let s = &e.settings;
    let human = |t: &str| cx.humanize(t);
    let mut columns = Vec::new();
    for f in &e.fields {
        column_rows(f, "", "", &mut columns);
    }
    let partitions = glue::partition_keys(p)
        .into_iter()
        .map(|k| PartitionDoc {
            comment: md_text(k.comment.as_deref().unwrap_or_default()),
            name: k.name,
            glue_type: k.glue_type,
        })
        .collect();
    let queries = athena::starter_queries(cx, index)
        .into_iter()
        .map(|q| QueryDoc {
            name: md_text(&q.name),
            description: md_text(&q.description),
        })
        .collect();
    let granularity = s.granularity.name();
    let partitioning = match (s.partitioning, e.time_field.as_deref()) {
        (Partitioning::EventTime, Some(tf)) => {
            format!("by event time (`{tf}`, Firehose dynamic partitioning), per {granularity}")
        }
        _ => format!("by arrival time at Firehose, per {granularity}"),
    };
    let catalog = match s.catalog {
        Catalog::Projection => "partition projection (no crawler needed)".to_owned(),
        Catalog::Crawler => format!("Glue crawler, schedule `{}`", s.crawler_schedule),
        Catalog::Both => format!(
            "partition projection, plus a Glue crawler on schedule `{}`",
            s.crawler_schedule
        ),
    };
    let capacity = match s.stream_mode {
        StreamMode::Provisioned => format!(
            "provisioned, {} shard{}",
            s.shards,
            eventlake_schema::diag::plural(s.shards as usize)
        ),
        StreamMode::OnDemand => "on-demand".to_owned(),
    };
    EventDoc {
        name: e.name.clone(),
        description: e.description.as_deref().map(md_text),
        stream: human(&p.stream_name_sub),
        firehose: human(&p.firehose_name_sub),
        capacity,
        retention_hours: s.retention_hours,
        partition_key: e
            .partition_key
            .as_ref()
            .map(|pk| match &p.partition_key_json {
                Some(key) if key != pk => format!("`{pk}` (JSON key `{key}`)"),
                _ => format!("`{pk}`"),
            }),
        time_field: e.time_field.clone(),
        partitioning,
        catalog,
        buffering: format!(
            "{} s or {} MiB, whichever comes first",
            s.buffer_interval_seconds, s.buffer_size_mb
        ),
        compression: s.parquet_compression.firehose(),
        raw_retention_days: s.raw_retention_days,
        location: p.data_prefix.clone(),
        firehose_prefix: p.firehose_prefix.clone(),
        error_prefix: p.error_prefix.clone(),
        raw_prefix: p.raw_prefix.clone(),
        raw_error_prefix: p.raw_error_prefix.clone(),
        json_keys: columns.iter().any(|c| c.json_key.is_some()),
        columns,
        partitions,
        queries,
    }
}

/// Appends the row of `f` (path `prefix` + name) and rows for the struct fields inside it.
fn column_rows(f: &Field, prefix: &str, json_prefix: &str, out: &mut Vec<ColumnDoc>) {
    let path = format!("{prefix}{}", f.name);
    let json_path = format!("{json_prefix}{}", f.json_key());
    let mut doc = f.doc.as_deref().map(md_text).unwrap_or_default();
    if !f.enum_values.is_empty() {
        let values: Vec<String> = f.enum_values.iter().map(|v| md_code(v)).collect();
        if !doc.is_empty() {
            doc.push_str("<br>");
        }
        doc.push_str("One of ");
        doc.push_str(&values.join(", "));
    }
    out.push(ColumnDoc {
        json_key: (json_path != path).then(|| md_code(&json_path)),
        path: md_code(&path),
        glue_type: md_code(&f.ty.glue()),
        nullable: if f.required { "no" } else { "yes" },
        doc,
    });
    nested_rows(&f.ty, &path, &json_path, out);
}

/// Rows for struct fields reachable through arrays and maps.
fn nested_rows(ty: &Type, path: &str, json_path: &str, out: &mut Vec<ColumnDoc>) {
    match ty {
        Type::Struct { fields } => {
            for f in fields {
                column_rows(f, &format!("{path}."), &format!("{json_path}."), out);
            }
        }
        Type::Array { items } => {
            nested_rows(items, &format!("{path}[]"), &format!("{json_path}[]"), out);
        }
        Type::Map { value, .. } => {
            nested_rows(
                value,
                &format!("{path}{{}}"),
                &format!("{json_path}{{}}"),
                out,
            );
        }
        _ => {}
    }
}

/// Text for a Mermaid label: `<` and `>` as Mermaid entity codes (labels are HTML).
pub fn mermaid_text(s: &str) -> String {
    s.replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace('"', "#quot;")
}

/// Text for a Markdown table cell: no line breaks, no pipes, no raw HTML.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span for a Markdown table cell, whatever backticks the text holds.
pub fn md_code(s: &str) -> String {
    let text: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let mut fence = "`".to_owned();
    while text.contains(fence.as_str()) {
        fence.push('`');
    }
    if text.contains('`') || text.starts_with(' ') || text.ends_with(' ') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_escape_pipes_and_html() {
        assert_eq!(md_text("a|b <c>\nd & e"), "a\\|b &lt;c&gt;<br>d &amp; e");
        assert_eq!(md_code("x|y"), "`x\\|y`");
        assert_eq!(md_code("a`b"), "`` a`b ``");
    }
}
