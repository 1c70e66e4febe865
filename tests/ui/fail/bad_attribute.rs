use eventlake::{DatalakeEvent, DatalakeStruct};

#[derive(DatalakeEvent)]
#[datalake(event = "order_placed", evnt = "order_placed", event = "order_placed")]
pub struct Order {
    #[datalake(rename = "id")]
    order_id: String,
}

#[derive(DatalakeStruct)]
pub struct Geo {
    lat: Option<f64>,
}

#[derive(DatalakeStruct)]
#[datalake(event = "order_placed", field = "shiping.geo")]
pub struct Geo2 {
    lat: Option<f64>,
}

#[derive(DatalakeEvent)]
#[datalake(schema = "/etc/events.toml")]
pub struct Absolute {
    order_id: String,
}

fn main() {}
