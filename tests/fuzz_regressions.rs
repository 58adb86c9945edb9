//! Replays every input the fuzzers ever crashed on (and the seeds), so a fixed crash stays
//! fixed without running the fuzzers. Add a crasher by copying it into
//! `tests/fuzz_regressions/<target>/`.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn replay(folder: &str, check: fn(&[u8])) -> usize {
    let mut count = 0;
    for folder in [
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz_regressions")
            .join(folder),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds")
            .join(folder),
    ] {
        // Git keeps no empty folder: a kind with no crasher yet has none.
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            check(&std::fs::read(&path).unwrap());
            count += 1;
        }
    }
    count
}

#[test]
fn configuration_parser_inputs_that_once_failed() {
    let count = replay("config", backup_accounts::fuzzing::check_config_bytes);
    assert!(count >= 1);
}

#[test]
fn directory_parser_inputs_that_once_failed() {
    let count = replay("directory", backup_accounts::fuzzing::check_directory_bytes);
    assert!(count >= 1);
}

#[test]
fn graph_import_inputs_that_once_failed() {
    let count = replay("graph", backup_accounts::fuzzing::check_graph_bytes);
    assert!(count >= 1);
}

/// The crasher `config_parser` found: a `Config(...)` file of a newer schema was taken for
/// the current one. It is refused as newer, with its own error, not as a parse error.
#[test]
fn a_newer_schema_behind_the_named_struct_form_is_refused_as_newer() {
    use backup_accounts::store::{ConfigError, ConfigFile};
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fuzz_regressions/config/named-struct-hides-newer-schema.ron"),
    )
    .unwrap();
    let error = ConfigFile::in_folder(Path::new("fuzz"))
        .parse(&text)
        .unwrap_err();
    assert!(
        matches!(error, ConfigError::NewerSchema { found: 9, .. }),
        "{error:?}"
    );
}

#[test]
fn graph_sync_inputs_that_once_failed() {
    let count = replay(
        "graph_sync",
        backup_accounts::fuzzing::check_graph_sync_bytes,
    );
    assert!(count >= 1);
}
