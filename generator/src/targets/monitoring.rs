//! CloudWatch monitoring of the lake: per-event alarms that notify an SNS topic, the topic
//! (or an existing one) encrypted with a customer-managed KMS key CloudWatch may use, and
//! the lake's dashboards. The stack template lays them out
//! (`cloudformation/monitoring.yaml.j2`); every value comes from here.
//!
//! Rules of this module:
//! - every alarm reads a metric listed in [`DOCUMENTED_METRICS`], the table of
//!   (namespace, metric, dimension, statistic) that AWS documents; docs/operations.md gives
//!   the source of each row, the threshold and why missing data is treated as it is;
//! - alarms are on by default (`alarms = false` turns an event's off); the "no records"
//!   alarm is off by default (`alarm_no_records_minutes = 0`), since not every event is
//!   continuous;
//! - the topic's key must be customer-managed: with the AWS-managed SNS key CloudWatch
//!   cannot publish, and no alarm would ever notify.

use serde::Serialize;
use serde_json::{Value as Json, json};

use eventlake_schema::{Event, Partitioning};

use crate::plan::EventPlan;

/// CloudWatch namespace of Firehose metrics.
pub const FIREHOSE: &str = "AWS/Firehose";
/// CloudWatch namespace of Kinesis Data Streams metrics.
pub const KINESIS: &str = "AWS/Kinesis";
/// Firehose metrics' dimension.
pub const DELIVERY_STREAM_NAME: &str = "DeliveryStreamName";
/// Kinesis stream-level metrics' dimension.
pub const STREAM_NAME: &str = "StreamName";

/// A metric as AWS documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedMetric {
    /// CloudWatch namespace.
    pub namespace: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// The dimension the metric is published with.
    pub dimension: &'static str,
    /// Statistics the documentation names as meaningful for it.
    pub statistics: &'static [&'static str],
}

/// Every metric an alarm or the dashboard reads (sources in docs/operations.md).
pub const DOCUMENTED_METRICS: &[DocumentedMetric] = &[
    DocumentedMetric::firehose("FailedConversion.Records", &["Sum"]),
    DocumentedMetric::firehose("SucceedConversion.Records", &["Sum"]),
    DocumentedMetric::firehose("PartitionCountExceeded", &["Maximum"]),
    DocumentedMetric::firehose("DeliveryToS3.Success", &["Minimum", "Average"]),
    DocumentedMetric::firehose("DeliveryToS3.DataFreshness", &["Maximum", "Average"]),
    DocumentedMetric::firehose("DataReadFromKinesisStream.Records", &["Sum"]),
    DocumentedMetric::firehose("KinesisMillisBehindLatest", &["Maximum", "Average"]),
    DocumentedMetric::kinesis("IncomingRecords", &["Sum"]),
    DocumentedMetric::kinesis("WriteProvisionedThroughputExceeded", &["Sum", "Average"]),
];

impl DocumentedMetric {
    /// A Firehose metric: published per delivery stream.
    const fn firehose(metric: &'static str, statistics: &'static [&'static str]) -> Self {
        Self {
            namespace: FIREHOSE,
            metric,
            dimension: DELIVERY_STREAM_NAME,
            statistics,
        }
    }

    /// A Kinesis Data Streams metric: published per stream.
    const fn kinesis(metric: &'static str, statistics: &'static [&'static str]) -> Self {
        Self {
            namespace: KINESIS,
            metric,
            dimension: STREAM_NAME,
            statistics,
        }
    }
}

/// Added to the buffer interval for the freshness threshold: AWS recommends alarming when
/// freshness exceeds the buffering limit, which is at most 15 minutes.
pub const FRESHNESS_MARGIN_SECONDS: u32 = 900;
/// Read lag (ms) of the delivery stream behind its Kinesis stream that raises an alarm.
pub const READ_LAG_THRESHOLD_MS: u32 = 600_000;
/// Period of the alarms (seconds).
pub const PERIOD_SECONDS: u32 = 300;

/// How an alarm treats periods without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MissingData {
    /// No data is fine (nothing failed, nothing arrived).
    #[serde(rename = "notBreaching")]
    NotBreaching,
    /// No data is the problem (no records arrived).
    #[serde(rename = "breaching")]
    Breaching,
}

/// One CloudWatch alarm of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    /// Logical id: the event's stem plus the alarm's (`OrderPlacedConversionFailuresAlarm`).
    pub logical: String,
    /// What the alarm means and what to do.
    pub description: String,
    /// Namespace.
    pub namespace: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// Dimension name.
    pub dimension: &'static str,
    /// Logical id of the resource whose `Ref` is the dimension's value (stream or delivery
    /// stream: `Ref` of both is the name).
    pub dimension_ref: String,
    /// Statistic.
    pub statistic: &'static str,
    /// Period (seconds).
    pub period: u32,
    /// Periods evaluated.
    pub evaluation_periods: u32,
    /// Breaching periods among them that raise the alarm.
    pub datapoints_to_alarm: u32,
    /// Threshold.
    pub threshold: u64,
    /// Comparison operator.
    pub comparison: &'static str,
    /// Missing-data treatment.
    pub treat_missing_data: MissingData,
}

/// The alarms of `event` (none when its `alarms` setting is off).
pub fn alarms(event: &Event, plan: &EventPlan) -> Vec<Alarm> {
    let s = &event.settings;
    if !s.alarms {
        return Vec::new();
    }
    let delivery = format!("{}DeliveryStream", plan.logical);
    let stream = format!("{}Stream", plan.logical);
    let alarm = |suffix: &str, description: String, metric: &'static str| Alarm {
        logical: format!("{}{suffix}Alarm", plan.logical),
        description,
        namespace: FIREHOSE,
        metric,
        dimension: DELIVERY_STREAM_NAME,
        dimension_ref: delivery.clone(),
        statistic: "Sum",
        period: PERIOD_SECONDS,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        threshold: 0,
        comparison: "GreaterThanThreshold",
        treat_missing_data: MissingData::NotBreaching,
    };
    let name = &event.name;
    let errors = eventlake_schema::errors_table::table_name(name);
    let mut out = vec![alarm(
        "ConversionFailures",
        format!(
            "Records of {name} failed Parquet conversion (they do not match the table). Look at \
             them in Athena: table {errors}, starter query \"{name}: failed records today by error\"."
        ),
        "FailedConversion.Records",
    )];
    let event_time = s.partitioning == Partitioning::EventTime;
    if event_time {
        out.push(Alarm {
            statistic: "Maximum",
            comparison: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            ..alarm(
                "PartitionLimit",
                format!(
                    "The delivery stream of {name} exceeds its active-partition limit; the rest of \
                     its records go to the error prefix (table {errors})."
                ),
                "PartitionCountExceeded",
            )
        });
    }
    out.push(Alarm {
        statistic: "Minimum",
        comparison: "LessThanThreshold",
        threshold: 1,
        evaluation_periods: 3,
        datapoints_to_alarm: 3,
        ..alarm(
            "S3DeliveryFailing",
            format!(
                "Firehose has failed to put {name} objects into S3 for 15 minutes (check the \
                 delivery stream's CloudWatch log group, the bucket policy and the KMS key)."
            ),
            "DeliveryToS3.Success",
        )
    });
    out.push(Alarm {
        statistic: "Maximum",
        threshold: u64::from(freshness_threshold(event)),
        evaluation_periods: 2,
        datapoints_to_alarm: 2,
        ..alarm(
            "Freshness",
            format!(
                "The oldest undelivered {name} record is older than {} seconds: delivery is \
                 falling behind.",
                freshness_threshold(event)
            ),
            "DeliveryToS3.DataFreshness",
        )
    });
    out.push(Alarm {
        statistic: "Maximum",
        threshold: u64::from(READ_LAG_THRESHOLD_MS),
        evaluation_periods: 2,
        datapoints_to_alarm: 2,
        ..alarm(
            "ReadLag",
            format!(
                "The delivery stream of {name} reads its Kinesis stream more than {} minutes \
                 behind the newest record.",
                READ_LAG_THRESHOLD_MS / 60_000
            ),
            "KinesisMillisBehindLatest",
        )
    });
    out.push(Alarm {
        namespace: KINESIS,
        dimension: STREAM_NAME,
        dimension_ref: stream.clone(),
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        ..alarm(
            "WriteThrottling",
            format!(
                "Producers of {name} are throttled by the Kinesis stream in at least 2 of 3 \
                 periods of 5 minutes: add shards or use on-demand mode."
            ),
            "WriteProvisionedThroughputExceeded",
        )
    });
    if s.alarm_no_records_minutes > 0 {
        out.push(Alarm {
            namespace: KINESIS,
            dimension: STREAM_NAME,
            dimension_ref: stream,
            period: 60,
            evaluation_periods: s.alarm_no_records_minutes,
            datapoints_to_alarm: s.alarm_no_records_minutes,
            comparison: "LessThanOrEqualToThreshold",
            treat_missing_data: MissingData::Breaching,
            ..alarm(
                "NoRecords",
                format!(
                    "No {name} record has reached its Kinesis stream for {} minutes.",
                    s.alarm_no_records_minutes
                ),
                "IncomingRecords",
            )
        });
    }
    out
}

/// Freshness threshold (seconds): the buffer interval (1.5 times it with dynamic
/// partitioning, whose multi-stage buffering delays delivery that much) plus
/// [`FRESHNESS_MARGIN_SECONDS`].
pub fn freshness_threshold(event: &Event) -> u32 {
    let buffer = event.settings.buffer_interval_seconds;
    let buffered = if event.settings.partitioning == Partitioning::EventTime {
        buffer + buffer.div_ceil(2)
    } else {
        buffer
    };
    buffered + FRESHNESS_MARGIN_SECONDS
}

/// The documented metric an alarm reads, if the (namespace, metric, dimension) triple and
/// the statistic are in [`DOCUMENTED_METRICS`].
pub fn documented(alarm: &Alarm) -> Option<&'static DocumentedMetric> {
    DOCUMENTED_METRICS.iter().find(|m| {
        m.namespace == alarm.namespace
            && m.metric == alarm.metric
            && m.dimension == alarm.dimension
            && m.statistics.contains(&alarm.statistic)
    })
}

/// Most widgets one dashboard holds (CloudWatch quota, docs/operations.md).
pub const MAX_DASHBOARD_WIDGETS: usize = 500;
/// Most metrics across the graph widgets of one dashboard (CloudWatch quota).
pub const MAX_DASHBOARD_METRICS: usize = 2500;
/// Widgets per event row.
const WIDGETS_PER_ROW: usize = 4;
/// Metrics per event row.
const METRICS_PER_ROW: usize = 6;
/// Events per dashboard: within both quotas.
pub const EVENTS_PER_DASHBOARD: usize = {
    let by_widgets = MAX_DASHBOARD_WIDGETS / WIDGETS_PER_ROW;
    let by_metrics = MAX_DASHBOARD_METRICS / METRICS_PER_ROW;
    if by_widgets < by_metrics {
        by_widgets
    } else {
        by_metrics
    }
};

// A full dashboard stays within both quotas.
const _: () = assert!(EVENTS_PER_DASHBOARD * WIDGETS_PER_ROW <= MAX_DASHBOARD_WIDGETS);
const _: () = assert!(EVENTS_PER_DASHBOARD * METRICS_PER_ROW <= MAX_DASHBOARD_METRICS);

/// The dashboard bodies of the lake (JSON text with `${…}` placeholders for `!Sub`), one
/// per [`EVENTS_PER_DASHBOARD`] events, one row per event: incoming records, conversion
/// succeeded/failed, freshness, write throttling.
pub fn dashboard_bodies(plans: &[EventPlan]) -> Vec<String> {
    plans
        .chunks(EVENTS_PER_DASHBOARD)
        .map(|chunk| {
            let mut widgets = Vec::new();
            for (row, p) in chunk.iter().enumerate() {
                let y = row * 6;
                let firehose = |metric: &str, stat: &str| {
                    json!([FIREHOSE, metric, DELIVERY_STREAM_NAME, p.firehose_name_sub, {"stat": stat}])
                };
                let kinesis = |metric: &str, stat: &str| {
                    json!([KINESIS, metric, STREAM_NAME, p.stream_name_sub, {"stat": stat}])
                };
                let widget = |x: usize, title: String, metrics: Vec<Json>| {
                    json!({
                        "type": "metric",
                        "x": x, "y": y, "width": 6, "height": 6,
                        "properties": {
                            "title": title,
                            "region": "${AWS::Region}",
                            "view": "timeSeries",
                            "period": PERIOD_SECONDS,
                            "metrics": metrics,
                        }
                    })
                };
                widgets.push(widget(
                    0,
                    format!("{}: incoming records", p.name),
                    vec![
                        kinesis("IncomingRecords", "Sum"),
                        firehose("DataReadFromKinesisStream.Records", "Sum"),
                    ],
                ));
                widgets.push(widget(
                    6,
                    format!("{}: conversion", p.name),
                    vec![
                        firehose("SucceedConversion.Records", "Sum"),
                        firehose("FailedConversion.Records", "Sum"),
                    ],
                ));
                widgets.push(widget(
                    12,
                    format!("{}: freshness (s)", p.name),
                    vec![firehose("DeliveryToS3.DataFreshness", "Maximum")],
                ));
                widgets.push(widget(
                    18,
                    format!("{}: write throttling", p.name),
                    vec![kinesis("WriteProvisionedThroughputExceeded", "Sum")],
                ));
            }
            json!({ "widgets": widgets }).to_string()
        })
        .collect()
}
