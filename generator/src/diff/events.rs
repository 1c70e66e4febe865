//! Lake and event comparison: the lake's name, events added, removed or renamed, and each
//! event's partitioning, catalog, stream and delivery settings, using the deployment plan for
//! the names and prefixes AWS sees.
//!
//! Rules (sources in docs/schema-evolution.md):
//! - CloudFormation replaces a resource when a create-only property changes (bucket, stream,
//!   delivery stream, table and database names); buckets are retained, so a new bucket name
//!   orphans the history;
//! - a time layout change leaves old files under a layout partition projection no longer
//!   matches, and Firehose cannot turn dynamic partitioning on for an existing stream;
//! - `UpdateShardCount` goes at most from half to double the current count in one update;
//! - S3 lifecycle rules apply to existing objects, so a shorter raw retention expires them.

use eventlake_schema::evolution::ChangeCode as C;
use eventlake_schema::{Event, Partitioning, Schema, Settings, StreamMode};

use super::columns::{Scope, compare_fields};
use super::{At, Cx};
use crate::plan::{EventPlan, LakePlan};

/// Compares two whole lakes.
pub fn compare_lakes(cx: &mut Cx<'_>, old: &Schema, new: &Schema) {
    let (old_plan, new_plan) = (plan(old), plan(new));
    let bucket = |p: &Option<LakePlan>, s: &Schema| {
        p.as_ref().map_or_else(
            || format!("{}-…", s.lake.name),
            |p| p.lake_bucket.name_sub.clone(),
        )
    };
    let database = old_plan
        .as_ref()
        .map_or_else(|| old.lake.name.clone(), |p| p.database_sub.clone());
    if old.lake.name != new.lake.name {
        cx.push(
            C::LakeRenamed,
            &At {
                new: cx.new.key(&["lake",
                "name"]),
                old: cx.old.key(&["lake",
                "name"]),
                ..At::default()
            },
            format!(
                "the lake is renamed from `{}` to `{}`: bucket names change (`{}` becomes `{}`), `BucketName` is create-only and the buckets are retained, so CloudFormation creates new empty buckets and every file written so far is orphaned; the database `{}`, every stream, delivery stream and table are replaced",
                old.lake.name,
                new.lake.name,
                bucket(&old_plan, old),
                bucket(&new_plan, new),
                database
            ),
            Some(format!("keep `name = \"{}\"` (change `description` instead); a new lake name means a new lake and a migration of the data", old.lake.name)),
        );
    }
    if old.lake.description != new.lake.description {
        cx.push(
            C::DocChanged,
            &At {
                new: cx.new.key(&["lake", "description"]),
                old: cx.old.key(&["lake", "description"]),
                ..At::default()
            },
            "the lake's description changes: the Glue database description is updated in place"
                .to_owned(),
            None,
        );
    }

    let removed: Vec<&Event> = old
        .events
        .iter()
        .filter(|e| new.event(&e.name).is_none())
        .collect();
    let mut added: Vec<&Event> = new
        .events
        .iter()
        .filter(|e| old.event(&e.name).is_none())
        .collect();
    for gone in removed {
        let gone_plan = plan_of(old_plan.as_ref(), &gone.name);
        if let Some(k) = added
            .iter()
            .position(|e| e.fingerprint() == gone.fingerprint())
        {
            let renamed = added.remove(k);
            cx.push(
                C::EventRenamed,
                &At {
                    event: Some(&renamed.name),
                    new: Some(renamed.span.clone()),
                    old: Some(gone.span.clone()),
                    ..At::default()
                },
                format!(
                    "event `{}` is probably renamed to `{}` (same columns): the stream, delivery stream and table names are create-only, so CloudFormation replaces them; records still in stream `{}` are lost and table `{}` does not show the files under `{}`",
                    gone.name,
                    renamed.name,
                    gone_plan.map_or(String::new(), |p| p.stream_name_sub.clone()),
                    renamed.name,
                    gone_plan.map_or(String::new(), |p| p.data_prefix.clone()),
                ),
                Some(format!("keep the event name `{}`; a table name is what queries and Firehose know", gone.name)),
            );
            continue;
        }
        cx.push(
            C::EventRemoved,
            &At {
                event: Some(&gone.name),
                old: Some(gone.span.clone()),
                ..At::default()
            },
            format!(
                "event `{}` is removed: the stack deletes stream `{}`, its delivery stream and table `{}`, so producers still sending it fail (ResourceNotFoundException) and the Parquet files under `{}` belong to no table (the bucket is retained)",
                gone.name,
                gone_plan.map_or(String::new(), |p| p.stream_name_sub.clone()),
                gone.name,
                gone_plan.map_or(String::new(), |p| p.data_prefix.clone()),
            ),
            Some("stop every producer of the event first; recreate a table over the old prefix if its history is still needed".to_owned()),
        );
    }
    for e in added {
        cx.push(
            C::EventAdded,
            &At {
                event: Some(&e.name),
                new: Some(e.span.clone()),
                ..At::default()
            },
            format!(
                "event `{}` is added: a new stream, delivery stream and table",
                e.name
            ),
            None,
        );
    }
    for n in &new.events {
        if let Some(o) = old.event(&n.name) {
            compare_event(
                cx,
                o,
                n,
                plan_of(old_plan.as_ref(), &o.name),
                plan_of(new_plan.as_ref(), &n.name),
            );
        }
    }
}

/// The deployment plan, when the names allow one: an old schema that fails today's
/// validation may have a lake name the naming rules were never meant for.
fn plan(schema: &Schema) -> Option<LakePlan> {
    let names_ok = schema.lake.name.is_ascii() && schema.events.iter().all(|e| e.name.is_ascii());
    names_ok.then(|| LakePlan::new(schema))
}

fn plan_of<'p>(plan: Option<&'p LakePlan>, event: &str) -> Option<&'p EventPlan> {
    plan?.events.iter().find(|p| p.name == event)
}

/// The span of an event's setting: on the event, else in `[lake.defaults]`, else the event's
/// header.
fn setting_span(
    loc: &eventlake_schema::evolution::Locator<'_>,
    event: &Event,
    key: &str,
) -> Option<eventlake_schema::Span> {
    loc.key(&["events", &event.name, key])
        .or_else(|| loc.key(&["lake", "defaults", key]))
        .or_else(|| Some(event.span.clone()))
}

fn compare_event(
    cx: &mut Cx<'_>,
    o: &Event,
    n: &Event,
    old_plan: Option<&EventPlan>,
    new_plan: Option<&EventPlan>,
) {
    let name = n.name.as_str();
    // A change of the event's setting `key`.
    let setting = |cx: &Cx<'_>, key: &str| At {
        event: Some(name),
        column: None,
        new: setting_span(&cx.new, n, key),
        old: setting_span(&cx.old, o, key),
    };
    let (os, ns): (&Settings, &Settings) = (&o.settings, &n.settings);
    let prefix = |p: Option<&EventPlan>| p.map_or(String::new(), |p| p.firehose_prefix.clone());

    if o.description != n.description {
        cx.push(C::DocChanged, &setting(cx, "description"), format!("the description of `{name}` changes: the Glue table description is updated in place"), None);
    }
    if os.partitioning != ns.partitioning {
        let at = setting(cx, "partitioning");
        let turning_on = ns.partitioning == Partitioning::EventTime;
        cx.push(
            C::PartitioningChanged,
            &at,
            format!(
                "`{name}` switches from {} to {} partitioning: {}; the files already written were partitioned by {}, so the same partition values now mean another time",
                os.partitioning.name(),
                ns.partitioning.name(),
                if turning_on {
                    "Firehose cannot enable dynamic partitioning on an existing delivery stream, so the update fails"
                } else {
                    "the delivery stream drops dynamic partitioning"
                },
                if turning_on { "arrival time" } else { "event time" },
            ),
            Some("create a new event (a new delivery stream and table) for the new layout and keep the old one readable".to_owned()),
        );
    }
    if os.granularity != ns.granularity {
        cx.push(
            C::GranularityChanged,
            &setting(cx, "granularity"),
            format!(
                "`{name}` changes granularity from {} to {}: new files land under `{}`, while the files already written stay under `{}`, a layout the table's partitions (projection) no longer match",
                os.granularity.name(),
                ns.granularity.name(),
                prefix(new_plan),
                prefix(old_plan),
            ),
            Some("keep the granularity, or create a new event for the new layout".to_owned()),
        );
    }
    if o.time_field != n.time_field {
        let at = setting(cx, "time_field");
        let shown =
            |t: &Option<String>| t.as_deref().map_or("none".to_owned(), |t| format!("`{t}`"));
        if os.partitioning == Partitioning::EventTime || ns.partitioning == Partitioning::EventTime
        {
            cx.push(
                C::PartitionTimeFieldChanged,
                &at,
                format!("`{name}` takes its partitions from {} instead of {}: old partitions hold rows by the old field's time, new ones by the new field's, so time filters on partition columns mean two things", shown(&n.time_field), shown(&o.time_field)),
                None,
            );
        } else {
            cx.push(
                C::TimeFieldChanged,
                &at,
                format!("`{name}`'s event time becomes {} (was {}): it is partitioned by arrival time, so only the starter queries change (their named queries are replaced, which is harmless)", shown(&n.time_field), shown(&o.time_field)),
                None,
            );
        }
    }
    if o.partition_key != n.partition_key {
        cx.push(
            C::PartitionKeyChanged,
            &setting(cx, "partition_key"),
            format!("the Kinesis partition key of `{name}` changes: records of one key may land on other shards, so per-key ordering holds only among producers built with the same schema"),
            Some("rebuild and redeploy every producer together".to_owned()),
        );
    }
    if os.catalog != ns.catalog {
        let at = setting(cx, "catalog");
        if os.catalog.projection() && !ns.catalog.projection() {
            cx.push(
                C::ProjectionDisabled,
                &at,
                format!("`{name}` stops using partition projection ({} to {}): Athena then reads partitions from the Glue catalog, which holds none until the crawler runs (`{}`), so existing data is invisible until then", os.catalog.name(), ns.catalog.name(), ns.crawler_schedule),
                Some("run the crawler once right after deploying".to_owned()),
            );
        } else {
            cx.push(
                C::CatalogChanged,
                &at,
                format!("`{name}`'s catalog changes from {} to {}: partition projection stays on or is turned on, and Athena then computes partitions from the table's properties", os.catalog.name(), ns.catalog.name()),
                None,
            );
        }
    }
    if os.crawler_schedule != ns.crawler_schedule {
        cx.push(
            C::CrawlerScheduleChanged,
            &setting(cx, "crawler_schedule"),
            format!("the crawler schedule of `{name}` changes: updated in place"),
            None,
        );
    }
    if os.stream_mode != ns.stream_mode {
        cx.push(
            C::StreamModeChanged,
            &setting(cx, "stream_mode"),
            format!("the stream of `{name}` switches from {} to {}: updated in place (Kinesis allows two switches per 24 hours)", os.stream_mode.name(), ns.stream_mode.name()),
            None,
        );
    } else if ns.stream_mode == StreamMode::Provisioned && os.shards != ns.shards {
        let at = setting(cx, "shards");
        let (from, to) = (u64::from(os.shards), u64::from(ns.shards));
        if to <= from * 2 && to * 2 >= from {
            cx.push(
                C::ShardsChanged,
                &at,
                format!("the stream of `{name}` goes from {from} to {to} shards: within one UpdateShardCount step (half to double), updated in place"),
                None,
            );
        } else {
            let step = if to > from {
                from * 2
            } else {
                from.div_ceil(2)
            };
            cx.push(
                C::ShardsStepTooLarge,
                &at,
                format!("the stream of `{name}` goes from {from} to {to} shards: UpdateShardCount scales at most to double or down to half the current count, so the deployment fails and rolls back"),
                Some(format!("deploy in steps of at most double or half: first {step} shards")),
            );
        }
    }
    if os.retention_hours != ns.retention_hours {
        cx.push(C::StreamRetentionChanged, &setting(cx, "retention_hours"), format!("the stream retention of `{name}` goes from {} to {} hours: updated in place; Firehose reads records within seconds", os.retention_hours, ns.retention_hours), None);
    }
    if os.buffer_interval_seconds != ns.buffer_interval_seconds
        || os.buffer_size_mb != ns.buffer_size_mb
    {
        let key = if os.buffer_interval_seconds != ns.buffer_interval_seconds {
            "buffer_interval_seconds"
        } else {
            "buffer_size_mb"
        };
        cx.push(C::BufferingChanged, &setting(cx, key), format!("the Firehose buffering of `{name}` changes: updated in place; only file sizes and delivery delay change"), None);
    }
    if os.parquet_compression != ns.parquet_compression {
        cx.push(C::CompressionChanged, &setting(cx, "parquet_compression"), format!("the Parquet compression of `{name}` goes from {} to {}: each Parquet file records its codec, so old and new files read alike", os.parquet_compression.name(), ns.parquet_compression.name()), None);
    }
    if os.raw_retention_days != ns.raw_retention_days {
        let at = setting(cx, "raw_retention_days");
        if ns.raw_retention_days < os.raw_retention_days {
            cx.push(
                C::RawRetentionLowered,
                &at,
                format!("raw backups of `{name}` expire after {} days instead of {}: S3 lifecycle rules apply to existing objects, so backups older than {} days expire after the update", ns.raw_retention_days, os.raw_retention_days, ns.raw_retention_days),
                Some("copy the raw backups you still need before deploying".to_owned()),
            );
        } else {
            cx.push(C::RawRetentionRaised, &at, format!("raw backups of `{name}` are kept {} days instead of {}: backups not yet expired are kept longer", ns.raw_retention_days, os.raw_retention_days), None);
        }
    }

    let scope = Scope {
        event: name,
        prefix: "",
        new_event_span: &n.span,
    };
    compare_fields(cx, scope, &o.fields, &n.fields);
}
