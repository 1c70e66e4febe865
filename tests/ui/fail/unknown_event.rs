use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
#[datalake(event = "order_place")]
pub struct Order {
    order_id: String,
}

#[derive(DatalakeEvent)]
pub struct Shipped {
    order_id: String,
}

fn main() {}
