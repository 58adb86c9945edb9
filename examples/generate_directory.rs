//! Writes a generated directory snapshot: `generate_directory L out.ron` (S, L or XL).
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backup_accounts::generate::{TenantSize, tenant_ron};

fn main() {
    let mut arguments = std::env::args().skip(1);
    let size = match arguments.next().as_deref() {
        Some("S") => TenantSize::S,
        Some("L") => TenantSize::L,
        Some("XL") => TenantSize::XL,
        _ => {
            eprintln!("usage: generate_directory S|L|XL OUTPUT.ron");
            std::process::exit(2);
        }
    };
    let Some(output) = arguments.next() else {
        eprintln!("usage: generate_directory S|L|XL OUTPUT.ron");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::write(&output, tenant_ron(size)) {
        eprintln!("could not write {output}: {e}");
        std::process::exit(1);
    }
    println!(
        "wrote {output}: {} users, {} groups",
        size.users, size.groups
    );
}
