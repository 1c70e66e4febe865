use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
#[datalake(schema = "no/such/events.toml")]
pub struct OrderPlaced {
    order_id: String,
}

fn main() {}
