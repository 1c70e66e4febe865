use eventlake::DatalakeEvent;
use std::time::SystemTime;

type MaybeName = Option<String>;

#[derive(DatalakeEvent)]
#[serde(rename_all = "camelCase")]
pub struct StaffUpdated {
    staff_name: MaybeName,
    staff_id: Option<i32>,
    email_id: String,
    status: Option<String>,
    source_timestamp: SystemTime,
    #[serde(skip)]
    metadata: (),
}

fn main() {}
