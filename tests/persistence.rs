//! The RON configuration file: round trip, refusals that leave the file alone, atomic writes.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use backup_accounts::model::{DirectoryError, OrganizationSelection, SettingsByOrganization};
use backup_accounts::state::{AppState, StartupError, StartupOptions};
use backup_accounts::store::{
    Config, ConfigError, ConfigFile, DirectorySource, SCHEMA_VERSION, SecretError,
};

fn sample_config() -> Config {
    Config {
        schema_version: SCHEMA_VERSION,
        directory: DirectorySource::Snapshot("/srv/tenants/contoso.ron".into()),
        organizations: BTreeMap::from([(
            "contoso".into(),
            OrganizationSelection {
                group_id: "g1".into(),
                group_name: "SharePoint Backup Operators".into(),
                accounts: vec!["alice@contoso.com".into(), "bob@contoso.com".into()],
                passwords: BTreeMap::from([(
                    "alice@contoso.com".to_owned(),
                    backup_accounts::model::PasswordRecord {
                        set: "2026-11-01T08:00:00Z".parse().unwrap(),
                        app_password: true,
                    },
                )]),
            },
        )]),
        organization_settings: BTreeMap::new(),
        max_password_age_days: 60,
        application_pools: BTreeMap::from([(
            "northwind".into(),
            backup_accounts::model::application_pool::ApplicationPool {
                applications: vec![
                    backup_accounts::model::application_pool::PooledApplication {
                        app_id: "5b1f3a2e-7c44-4d6a-9e21-0f3c9d2a7b10".into(),
                        certificate: Some(
                            backup_accounts::model::application_pool::InstalledCertificate {
                                thumbprint: "3C8F1A2B4D5E6F708192A3B4C5D6E7F8091A2B3C".into(),
                                subject: "CN=Veeam Backup".into(),
                                expires: "2028-01-15T00:00:00Z".parse().unwrap(),
                            },
                        ),
                    },
                ],
            },
        )]),
        graph: backup_accounts::store::config::GraphSettings {
            cloud: backup_accounts::store::graph::signin::Cloud::China,
            requests_in_flight: 8,
            ..Default::default()
        },
        backup_server: Some(backup_accounts::store::config::BackupServerSettings {
            address: "vbo.contoso.com:4443".into(),
            user: "CONTOSO\\svc-backup".into(),
            pinned_certificate: Some(format!("{}:AB", "01:".repeat(31))),
        }),
    }
}

#[test]
fn configuration_round_trips_through_the_file() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    assert_eq!(
        file.load().unwrap(),
        Config::default(),
        "a missing file is empty"
    );
    file.save(&sample_config()).unwrap();
    assert_eq!(file.load().unwrap(), sample_config());
    assert!(
        fs::read_to_string(folder.path().join("config.ron"))
            .unwrap()
            .contains("requests_in_flight: 8")
    );
    assert_eq!(
        backup_accounts::store::config::GraphSettings::default().requests_in_flight,
        4,
        "four requests in flight unless the file says otherwise"
    );
    let leftovers: Vec<_> = fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["config.ron"],
        "no temporary file is left behind"
    );
}

#[test]
fn a_file_that_does_not_parse_is_reported_with_line_and_column_and_kept() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let broken = "(\n    schema_version: 1,\n    organizations: {\n        \"contoso\": (group_id: 7),\n    },\n)\n";
    fs::write(file.path(), broken).unwrap();
    let error = file.load().unwrap_err();
    let ConfigError::Parse { line, column, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!((*line, *column), (4, 31), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains(":4:31"), "{message}");

    // Starting the app on it fails and leaves the bytes exactly as they were.
    let options = StartupOptions {
        config_dir: Some(folder.path().to_path_buf()),
        directory: None,
        ..Default::default()
    };
    let no_keyring = Err(SecretError::Unavailable {
        store: "test",
        detail: "none".into(),
    });
    assert!(matches!(
        AppState::load(&options, no_keyring),
        Err(StartupError::Config(ConfigError::Parse { .. }))
    ));
    assert_eq!(fs::read_to_string(file.path()).unwrap(), broken);
}

#[test]
fn unknown_fields_are_refused_not_dropped() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    fs::write(file.path(), "(schema_version: 1, pasword: \"oops\")").unwrap();
    let error = file.load().unwrap_err();
    assert!(
        matches!(error, ConfigError::Parse { line: 1, .. }),
        "{error:?}"
    );
}

#[test]
fn a_newer_schema_is_refused_and_never_overwritten() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let newer = "(\n  schema_version: 99,\n  shiny_new_field: true,\n)\n";
    fs::write(file.path(), newer).unwrap();
    let error = file.load().unwrap_err();
    match &error {
        ConfigError::NewerSchema {
            found,
            line,
            column,
            ..
        } => assert_eq!((*found, *line, *column), (99, 2, 3)),
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("Update Backup Accounts"));
    assert_eq!(fs::read_to_string(file.path()).unwrap(), newer);
}

#[test]
fn directory_snapshot_errors_name_the_file_and_object() {
    let error = backup_accounts::store::snapshot::parse_snapshot(
        "(organizations: [(id: \"x\")])",
        "tenant.ron",
    )
    .unwrap_err();
    assert!(
        matches!(error, DirectoryError::Parse { line: 1, .. }),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("tenant.ron:1:"), "{error}");

    let dangling = r#"(organizations: [(id: "x", name: "X", authentication: Basic, added_by: "a@x",
        users: [(upn: "a@x", display_name: "A")],
        groups: [(id: "g", display_name: "G", security_enabled: true, members: [User("ghost@x")])])])"#;
    let error =
        backup_accounts::store::snapshot::parse_snapshot(dangling, "tenant.ron").unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("group G (g)") && message.contains("ghost@x"),
        "{message}"
    );
}

#[test]
fn directory_option_overrides_the_configured_source() {
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    fs::write(
        &snapshot,
        r#"(organizations: [(id: "solo", name: "Solo", authentication: Basic, added_by: "a@solo",
            users: [(upn: "a@solo", display_name: "A")])])"#,
    )
    .unwrap();
    let options = StartupOptions {
        config_dir: Some(folder.path().join("config")),
        directory: Some(snapshot.clone()),
        ..Default::default()
    };
    let no_keyring = Err(SecretError::Unavailable {
        store: "test",
        detail: "none".into(),
    });
    let state = AppState::load(&options, no_keyring).unwrap();
    assert_eq!(state.directory().organizations[0].id, "solo");
    assert_eq!(
        state.config().directory,
        DirectorySource::Snapshot(snapshot)
    );
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The folder is created 0700 and `config.ron` is 0600; its temporary file is a new file
/// (`create_new`, so never one planted beforehand) with a random name, 0600 too.
#[cfg(unix)]
#[test]
fn configuration_files_are_private() {
    use backup_accounts::store::private_files::create_temporary_beside;
    let scratch = tempfile::tempdir().unwrap();
    let folder = scratch.path().join("new").join("config");
    let file = ConfigFile::in_folder(&folder);
    file.save(&Config::default()).unwrap();
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(file.path()), 0o600);

    let (first, _) = create_temporary_beside(file.path()).unwrap();
    let (second, _) = create_temporary_beside(file.path()).unwrap();
    assert_ne!(first, second, "temporary names are random");
    assert_eq!(mode(&first), 0o600);
    let name = first.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(".config.ron.") && name.ends_with(".tmp"),
        "{name}"
    );
    // A symbolic link planted under a temporary name is never followed.
    let target = scratch.path().join("elsewhere");
    fs::remove_file(&second).unwrap();
    std::os::unix::fs::symlink(&target, &second).unwrap();
    file.save(&Config::default()).unwrap();
    assert!(!target.exists(), "nothing was written through the link");
}

/// A parsed snapshot is kept as a binary copy and reused while the file is unchanged; a
/// changed file, or a copy that does not decode, is parsed again.
#[test]
fn a_parsed_snapshot_is_reused_only_while_the_file_is_unchanged() {
    use backup_accounts::store::snapshot::DEMO_DIRECTORY;
    use backup_accounts::store::snapshot_cache::SnapshotCache;
    use backup_accounts::store::{DirectorySource, LoadedDirectory, load_directory};
    let folder = tempfile::tempdir().unwrap();
    let snapshot = folder.path().join("tenant.ron");
    fs::write(&snapshot, DEMO_DIRECTORY).unwrap();
    let cache = SnapshotCache::in_folder(&folder.path().join("cache"));
    let source = DirectorySource::Snapshot(snapshot.clone());
    let load = || match load_directory(&source, &BTreeMap::new(), &BTreeMap::new(), &cache) {
        Ok(LoadedDirectory::Ready(directory)) => directory,
        other => panic!("{other:?}"),
    };
    assert!(
        cache
            .load(&snapshot, &fs::metadata(&snapshot).unwrap())
            .is_none()
    );
    assert_eq!(load().organizations.len(), 3);
    let cached = cache
        .load(&snapshot, &fs::metadata(&snapshot).unwrap())
        .expect("the parsed copy is kept");
    assert_eq!(cached.organizations.len(), 3);
    assert!(
        cached.organizations[0].user("ALICE@contoso.com").is_some(),
        "indexes rebuilt"
    );
    let copy = fs::read_dir(folder.path().join("cache"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    #[cfg(unix)]
    assert_eq!(mode(&copy), 0o600);

    // The file changes: the copy no longer applies.
    let northwind = DEMO_DIRECTORY
        .find("        (\n            id: \"northwind\"")
        .unwrap();
    let two = format!("{}    ],\n)\n", &DEMO_DIRECTORY[..northwind]);
    fs::write(&snapshot, &two).unwrap();
    assert_eq!(load().organizations.len(), 2);

    // A copy that does not decode is parsed again, not trusted.
    fs::write(&copy, b"not a cached directory").unwrap();
    assert_eq!(load().organizations.len(), 2);
}

/// A Graph export (a synced tenant) is parsed once: later loads take the cached copy while
/// every file is as it was (name, size, time) and the settings are the same; an edit, or
/// new settings, build it again.
#[test]
fn a_parsed_graph_export_is_reused_only_while_its_files_and_settings_are_unchanged() {
    use backup_accounts::model::{AuthenticationMethod, OrganizationSettings};
    use backup_accounts::store::snapshot_cache::SnapshotCache;
    use backup_accounts::store::{DirectorySource, LoadedDirectory, load_directory};
    let folder = tempfile::tempdir().unwrap();
    let export = folder.path().join("export");
    copy_folder(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/graph/contoso"),
        &export,
    );
    let tenant = "84841066-274d-4ec0-a5c1-276be684bdd3";
    let settings = |added_by: &str| {
        BTreeMap::from([(
            tenant.into(),
            OrganizationSettings {
                authentication: AuthenticationMethod::Basic,
                added_by: added_by.to_owned(),
                mfa_not_enabled: Default::default(),
                added_with_application: None,
            },
        )])
    };
    let cache = SnapshotCache::in_folder(&folder.path().join("cache"));
    let source = DirectorySource::GraphExport(export.clone());
    let load = |settings: &SettingsByOrganization| match load_directory(
        &source,
        settings,
        &BTreeMap::new(),
        &cache,
    ) {
        Ok(LoadedDirectory::Ready(directory)) => directory,
        other => panic!("{other:?}"),
    };
    let admin = settings("admin@contoso.onmicrosoft.com");
    let parsed = load(&admin);
    let other_dependencies = SnapshotCache::folder_key(&export, b"").unwrap();
    assert!(
        cache.load_folder(&other_dependencies).is_none(),
        "keyed by what it depends on too"
    );
    assert_eq!(
        fs::read_dir(folder.path().join("cache")).unwrap().count(),
        1
    );
    let cached = load(&admin);
    // The index is a hash map, whose order differs; the content is what must match.
    let content = |d: &backup_accounts::model::Directory| {
        let o = &d.organizations[0];
        format!(
            "{:?} {:?} {:?} {:?}",
            o.users, o.groups, o.applications, o.added_by
        )
    };
    assert_eq!(content(&parsed), content(&cached));

    // The copy is what a load returns while the files look unchanged: a name edited in
    // place, size and time kept, still reads as cached...
    let users = export.join("users.json");
    let modified = fs::metadata(&users).unwrap().modified().unwrap();
    let text = fs::read_to_string(&users).unwrap();
    fs::write(&users, text.replace("Adele Vance", "Adele Vanc3")).unwrap();
    set_modified(&users, modified);
    let name = |directory: &backup_accounts::model::Directory| {
        directory.organizations[0]
            .user("AdeleV@contoso.com")
            .unwrap()
            .display_name
            .clone()
    };
    assert_eq!(name(&load(&admin)), "Adele Vance", "from the copy");
    // ...and once the file's time changes, as any edit's does, it is parsed again.
    set_modified(&users, std::time::SystemTime::now());
    assert_eq!(name(&load(&admin)), "Adele Vanc3");

    // Other settings: built again, with them.
    let other = load(&settings("AdeleV@contoso.com"));
    assert_eq!(other.organizations[0].added_by, "AdeleV@contoso.com");
    assert_eq!(
        load(&admin).organizations[0].added_by,
        "admin@contoso.onmicrosoft.com"
    );
}

fn set_modified(path: &Path, time: std::time::SystemTime) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(time).unwrap();
}

fn copy_folder(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &to.join(entry.file_name()));
        } else {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Strings are written unescaped, or as raw strings when they hold a quote or a backslash:
/// whatever a name or path holds, the file parses back to the same configuration.
#[test]
fn any_string_round_trips_through_the_configuration_file() {
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let mut config = Config::default();
    for (index, awkward) in [
        "plain@contoso.com",
        "quote\"inside",
        "back\\slash",
        "r#\"raw-looking\"#",
        "hashes ## and \"# closers",
        "line\nbreak and tab\t",
        "unicode émoji 🔑",
    ]
    .into_iter()
    .enumerate()
    {
        config.organizations.insert(
            format!("org{index}").into(),
            OrganizationSelection {
                group_id: awkward.into(),
                group_name: awkward.to_owned(),
                accounts: vec![awkward.to_owned()],
                passwords: Default::default(),
            },
        );
    }
    config.directory =
        backup_accounts::store::DirectorySource::Snapshot("/tmp/a \"quoted\" path".into());
    file.save(&config).unwrap();
    assert_eq!(file.load().unwrap(), config);
}
