//! Loads a schema and prints the outcome (development aid).
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "events.toml".into());
    match eventlake_schema::load_path(std::path::Path::new(&path)) {
        Ok(l) => println!(
            "ok {} events {} cols\n{}",
            l.schema.events.len(),
            l.schema.column_count(),
            l.warnings.render(false)
        ),
        Err(r) => println!("{}", r.render(false)),
    }
}
