//! Any bytes given as a directory snapshot: parsing must return a value or an error, and a
//! snapshot that parses must be usable by the manager without panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backup_accounts::fuzzing::check_directory_bytes(data);
});
