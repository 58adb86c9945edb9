//! Any bytes as the users and members responses of a Microsoft Graph export: the import
//! returns a directory or an error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backup_accounts::fuzzing::check_graph_bytes(data);
});
