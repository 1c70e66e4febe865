// Built with EVENTLAKE_SCHEMA=tests/fixtures/malformed.toml (see tests/ui.rs).
use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
pub struct OrderPlaced {
    order_id: String,
    total: f64,
}

fn main() {}
