use eventlake::DatalakeEvent;
use eventlake::chrono::{DateTime, FixedOffset};
use std::collections::BTreeMap;

#[derive(DatalakeEvent)]
pub struct OrderPlaced {
    order_id: String,
    occurred_at: DateTime<FixedOffset>,
    customer_id: u64,
    total: f64,
    currency: Option<String>,
    items: Option<Vec<f64>>,
    shipping: Option<Geo>,
    attributes: Option<BTreeMap<String, i32>>,
    is_test: Option<bool>,
}

#[derive(eventlake::DatalakeStruct)]
#[datalake(event = "order_placed", field = "shipping.geo")]
pub struct Geo {
    lat: Option<f64>,
    lon: Option<String>,
}

fn main() {}
