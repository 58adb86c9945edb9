//! Any bytes as Microsoft Graph's answers to a sync (pages, `$batch` answers, delta rounds),
//! served by an in-memory transport: the sync ends with a snapshot or an error, never a
//! panic, a request to another server, or a file outside its folder.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    backup_accounts::fuzzing::check_graph_sync_bytes(data);
});
