//! `#[datalake(crate = "…")]`: a producer that reaches the runtime through another path (a
//! facade crate's re-export, a renamed dependency) gets the same checks and the same record.
//! The facade module is named `email_id` on purpose: so is a column, and inside the generated
//! code a column's name is a type parameter, which must not capture the crate path.

mod email_id {
    pub use eventlake as lake;
}
use email_id as facade;

use facade::lake::DatalakeEvent;
use std::time::{Duration, UNIX_EPOCH};

#[derive(facade::lake::DatalakeStruct)]
#[datalake(crate = "email_id::lake", event = "staff_updated", field = "metadata")]
pub struct Source {
    #[serde(rename = "appName")]
    app: Option<String>,
    #[serde(rename = "eventType")]
    kind: Option<&'static str>,
}

#[derive(facade::lake::DatalakeEnum)]
#[datalake(crate = "email_id::lake", event = "staff_updated", field = "status")]
pub enum Status {
    Active,
    Inactive,
    OnLeave,
}

#[derive(facade::lake::DatalakeEvent)]
#[datalake(crate = "email_id::lake", event = "staff_updated")]
#[serde(rename_all = "camelCase")]
pub struct StaffUpdated {
    staff_name: String,
    staff_id: u16,
    email_id: Option<String>,
    status: Option<Status>,
    source_timestamp: std::time::SystemTime,
    metadata: Option<Source>,
}

fn main() {
    let staff = StaffUpdated {
        staff_name: "Balu".into(),
        staff_id: 4,
        email_id: None,
        status: Some(Status::OnLeave),
        source_timestamp: UNIX_EPOCH + Duration::from_secs(1_578_186_300),
        metadata: Some(Source {
            app: Some("hr".into()),
            kind: None,
        }),
    };
    assert_eq!(StaffUpdated::STREAM, "shop-staff_updated");
    assert_eq!(staff.partition_key(), "4");
    assert_eq!(
        String::from_utf8(staff.to_record()).unwrap(),
        r#"{"staffName":"Balu","staffId":4,"status":"OnLeave","sourceTimestamp":"2020-01-05T01:05:00.000Z","metadata":{"appName":"hr"}}"#
    );
}
