//! The checks the fuzz targets run (`fuzz/`), kept in the library so that every crasher
//! they find is replayed by `tests/fuzz_regressions.rs` on a normal `cargo test`.

use std::path::Path;
use std::sync::Arc;

use crate::model::{Directory, ManagerDraft, Password};
use crate::store::ConfigFile;
use crate::store::config::to_ron;

/// Parses bytes as `config.ron`; what parses must round-trip through the writer.
pub fn check_config_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = ConfigFile::in_folder(Path::new("fuzz"));
    if let Ok(config) = file.parse(text) {
        let again = file
            .parse(&to_ron(&config))
            .expect("a parsed configuration must parse again once written");
        assert_eq!(again, config, "the round trip changed the configuration");
    }
}

/// Parses bytes as a directory snapshot; what parses must work in the manager: every
/// group previewed and chosen, every member checked and given a password, then committed.
pub fn check_directory_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(directory) = Directory::from_ron(text, "fuzz") else {
        return;
    };
    let directory = Arc::new(directory);
    for organization in &directory.organizations {
        let Ok(mut draft) = ManagerDraft::open(directory.clone(), &organization.id, None) else {
            continue;
        };
        for group in &organization.groups {
            let _ = draft.preview_group(&group.id);
            if draft.choose_group(&group.id).is_err() {
                continue;
            }
            let upns: Vec<String> = draft
                .rows()
                .iter()
                .map(|row| organization.users[row.user_index].upn.clone())
                .collect();
            for upn in &upns {
                let _ = draft.set_checked(upn, true);
                let _ = draft.set_password(upn, Password::new("x".to_owned()));
            }
            let _ = draft.commit();
        }
    }
}
