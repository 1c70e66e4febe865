use eventlake::DatalakeEvent;

#[derive(DatalakeEvent)]
pub struct StaffUpdated {
    #[serde(rename = "staffName")]
    staff_name: String,
    #[serde(rename = "staffId")]
    staff_id: i32,
}

fn main() {}
