use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
#[serde(rename_all = "camelCase")]
pub struct StaffUpdated {
    staff_name: String,
    staff_id: i32,
    email_id: Option<String>,
    stauts: Option<String>,
    source_timestamp: std::time::SystemTime,
    metadata: Option<String>,
    favourite_colour: Option<String>,
}

#[derive(DatalakeEvent)]
#[datalake(event = "staff_updated")]
pub struct StaffSnakeCase {
    staff_name: String,
    #[serde(rename = "staffId")]
    staff_id: i32,
    #[serde(rename = "emailId")]
    email_id: Option<String>,
    status: Option<String>,
    #[serde(rename = "sourceTimestamp")]
    source_timestamp: std::time::SystemTime,
    metadata: Option<String>,
}

fn main() {}
