//! Typed events for the tests: the generated producers of the example lake
//! (`out/rust/shop.rs`, checked against events.toml by the derive as they compile here).

#[allow(dead_code, missing_docs)]
pub mod shop {
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../out/rust/shop.rs"));
}

use std::collections::BTreeMap;

use eventlake::chrono::{Duration, TimeZone, Utc};
use eventlake::rust_decimal::Decimal;
use shop::*;

/// `n` distinct orders (unique `order_id`), over 997 customers (the partition key), with
/// every column kind filled in for some of them.
pub fn orders(n: usize) -> Vec<OrderPlaced> {
    let start = Utc
        .with_ymd_and_hms(2024, 5, 1, 9, 30, 0)
        .single()
        .expect("a valid date");
    (0..n)
        .map(|i| {
            let i64_ = i as i64;
            OrderPlaced {
                order_id: format!("order-{i:06}"),
                occurred_at: start + Duration::milliseconds(i64_ * 137),
                customer_id: 1000 + (i64_ * 7919) % 997,
                total: Decimal::new(i64_ * 13 + 99, 2),
                currency: match i % 4 {
                    0 => Some(OrderPlacedCurrency::Eur),
                    1 => Some(OrderPlacedCurrency::Usd),
                    2 => Some(OrderPlacedCurrency::Gbp),
                    _ => None,
                },
                items: (i % 3 != 0).then(|| {
                    (0..(i % 5))
                        .map(|k| OrderPlacedItems {
                            sku: Some(format!("sku-{k}-\"quoted\"-ü")),
                            quantity: Some(k as i32 + 1),
                            unit_price: Some(Decimal::new(150 + k as i64, 2)),
                        })
                        .collect()
                }),
                shipping: (i % 2 == 0).then(|| OrderPlacedShipping {
                    city: Some("Zürich".into()),
                    zip: Some(format!("{:04}", i % 10_000)),
                    geo: Some(OrderPlacedShippingGeo {
                        lat: Some(47.37 + (i % 100) as f64 / 1000.0),
                        lon: Some(8.54),
                    }),
                }),
                attributes: (i % 7 == 0).then(|| {
                    BTreeMap::from([
                        ("channel".to_owned(), "web".to_owned()),
                        ("n".to_owned(), i.to_string()),
                    ])
                }),
                is_test: (i % 11 == 0).then_some(i % 2 == 0),
            }
        })
        .collect()
}
