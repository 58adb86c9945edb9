//! Any bytes given as `config.ron`: parsing must return a value or an error, never panic,
//! and whatever parses must survive a save-and-load round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backup_accounts::fuzzing::check_config_bytes(data);
});
