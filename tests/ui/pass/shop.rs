//! Hand-written producers for every event of the shop fixture, using the range of Rust types
//! the runtime accepts (borrowed text, aliases, pointers, `SystemTime`, `HashMap`, serde
//! renames), plus `serde::Serialize` agreeing with `to_record` on the keys.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use eventlake::chrono::NaiveDate;
use eventlake::rust_decimal::Decimal;
use eventlake::{DatalakeEnum, DatalakeEvent, DatalakeStruct};

type Money = Decimal;

#[derive(serde::Serialize, DatalakeEvent)]
pub struct OrderPlaced<'a> {
    order_id: &'a str,
    occurred_at: SystemTime,
    customer_id: i32,
    total: Money,
    currency: Option<Cow<'a, str>>,
    items: Option<Vec<Line>>,
    shipping: Option<Box<Shipping>>,
    attributes: Option<HashMap<String, String>>,
    is_test: Option<bool>,
    #[serde(skip)]
    _trace: u64,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "items")]
pub struct Line {
    sku: Option<String>,
    quantity: Option<u16>,
    unit_price: Option<Decimal>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "shipping")]
pub struct Shipping {
    city: Option<String>,
    zip: Option<String>,
    geo: Option<Geo>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "order_placed", field = "shipping.geo")]
pub struct Geo {
    lat: Option<f64>,
    lon: Option<f32>,
}

#[derive(serde::Serialize, DatalakeEvent)]
#[datalake(event = "payment_captured")]
pub struct Payment {
    payment_id: String,
    order_id: String,
    captured_at: SystemTime,
    amount: Decimal,
    method: Method,
    #[serde(rename = "merchantId")]
    merchant: Option<i64>,
    date: Option<NaiveDate>,
    attempt: Option<i8>,
    installments: Option<i16>,
    fee_rate: Option<f32>,
    risk_score: Option<f64>,
    processor_ref: Option<String>,
    country: Option<char>,
}

#[derive(serde::Serialize, DatalakeEnum, Clone, Copy)]
#[datalake(event = "payment_captured", field = "method")]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Card,
    Paypal,
    BankTransfer,
}

#[derive(serde::Serialize, DatalakeEvent)]
#[serde(rename_all = "camelCase")]
pub struct StaffUpdated {
    staff_name: String,
    staff_id: i32,
    email_id: Option<String>,
    status: Option<String>,
    source_timestamp: SystemTime,
    metadata: Option<Meta>,
}

#[derive(serde::Serialize, DatalakeStruct)]
#[datalake(event = "staff_updated", field = "metadata")]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(rename = "appName")]
    appname: Option<String>,
    #[serde(rename = "eventType")]
    eventtype: Option<String>,
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn main() {
    let at = UNIX_EPOCH + Duration::from_millis(1_578_186_300_250);
    let order = OrderPlaced {
        order_id: "o-1",
        occurred_at: at,
        customer_id: 7,
        total: Decimal::new(12_990, 2),
        currency: Some(Cow::Borrowed("EUR")),
        items: Some(vec![Line { sku: Some("a".into()), quantity: Some(2), unit_price: None }]),
        shipping: Some(Box::new(Shipping {
            city: None,
            zip: Some("10115".into()),
            geo: Some(Geo { lat: Some(52.5), lon: None }),
        })),
        attributes: None,
        is_test: Some(false),
        _trace: 1,
    };
    let record = String::from_utf8(order.to_record()).unwrap();
    assert_eq!(
        record,
        r#"{"order_id":"o-1","occurred_at":"2020-01-05T01:05:00.250Z","customer_id":7,"total":129.90,"currency":"EUR","items":[{"sku":"a","quantity":2}],"shipping":{"zip":"10115","geo":{"lat":52.5}},"is_test":false}"#
    );
    assert_eq!(order.partition_key(), "7");

    let payment = Payment {
        payment_id: "p".into(),
        order_id: "o-1".into(),
        captured_at: at,
        amount: Decimal::new(5, 0),
        method: Method::BankTransfer,
        merchant: Some(9),
        date: NaiveDate::from_ymd_opt(2024, 2, 29),
        attempt: Some(1),
        installments: None,
        fee_rate: Some(0.1),
        risk_score: Some(f64::NAN),
        processor_ref: None,
        country: None,
    };
    let record: serde_json::Value = serde_json::from_slice(&payment.to_record()).unwrap();
    assert_eq!(record["method"], "bank_transfer");
    assert_eq!(record["merchantId"], 9);
    assert_eq!(record["date"], "2024-02-29");
    assert_eq!(record["fee_rate"].to_string(), "0.1");
    assert!(record["risk_score"].is_null());
    assert_eq!(payment.partition_key(), "o-1");

    let staff = StaffUpdated {
        staff_name: "Ann".into(),
        staff_id: 4,
        email_id: None,
        status: Some("Active".into()),
        source_timestamp: at,
        metadata: Some(Meta { appname: Some("WebApp".into()), eventtype: None }),
    };
    let record: serde_json::Value = serde_json::from_slice(&staff.to_record()).unwrap();
    let serde_keys = serde_json::to_value(&staff).unwrap();
    assert_eq!(keys(&record), ["staffName", "staffId", "status", "sourceTimestamp", "metadata"]);
    assert!(keys(&record).iter().all(|k| serde_keys.get(k).is_some()), "serde sends the same keys");
    assert_eq!(record["metadata"]["appName"], "WebApp");
    assert_eq!(StaffUpdated::STREAM, "shop-staff_updated");
}
