use eventlake::DatalakeEnum;

#[derive(DatalakeEnum)]
#[datalake(event = "order_placed", field = "currency")]
pub enum Currency {
    #[serde(rename = "USD")]
    Usd,
    #[serde(rename = "EUR")]
    Eur,
    #[serde(rename = "JPY")]
    Jpy,
}

#[derive(DatalakeEnum)]
#[datalake(event = "payment_captured", field = "method")]
pub enum Method {
    Card,
    Paypal,
    BankTransfer(String),
}

#[derive(DatalakeEnum)]
#[datalake(event = "order_placed", field = "order_id")]
pub enum NotAnEnumColumn {
    A,
}

fn main() {}
