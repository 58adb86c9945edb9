//! A save killed at a random moment (SIGKILL) leaves either the old or the new
//! configuration, never a mix or a torn file.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use backup_accounts::model::OrganizationSelection;
use backup_accounts::store::{Config, ConfigFile};

const CHILD: &str = "BACKUP_ACCOUNTS_SAVE_LOOP_DIR";

/// A configuration big enough (about 200 KB) that a kill often lands mid-write.
fn config(generation: u32) -> Config {
    let accounts = (0..5_000)
        .map(|i| format!("user{i:05}-gen{generation}@contoso.com"))
        .collect();
    Config {
        organizations: BTreeMap::from([(
            "contoso".into(),
            OrganizationSelection {
                group_id: format!("group-{generation}").into(),
                group_name: "Backup".into(),
                accounts,
                passwords: BTreeMap::new(),
            },
        )]),
        ..Config::default()
    }
}

/// In the child: save generations 1 and 2 alternately until killed.
fn save_forever(folder: &Path) -> ! {
    let file = ConfigFile::in_folder(folder);
    let configs = [config(1), config(2)];
    // Tell the parent the loop starts now, so its random delay lands among the saves
    // rather than in process start-up.
    println!("saving");
    loop {
        for config in &configs {
            file.save(config).unwrap();
        }
    }
}

/// A small deterministic generator, so a failure can be replayed: a delay in `0..span`.
fn next_delay(seed: &mut u64, span: Duration) -> Duration {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    Duration::from_nanos(*seed % span.as_nanos().max(1) as u64)
}

#[test]
fn a_killed_save_leaves_the_old_or_the_new_file() {
    if let Some(folder) = std::env::var_os(CHILD) {
        save_forever(Path::new(&folder));
    }
    let kills: usize = std::env::var("BACKUP_ACCOUNTS_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(500);
    let folder = tempfile::tempdir().unwrap();
    let file = ConfigFile::in_folder(folder.path());
    let started = std::time::Instant::now();
    file.save(&config(1)).unwrap();
    // Kills spread over about two saves.
    let span = started.elapsed() * 2;
    let expected = [config(1), config(2)];
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut seen = [0_usize; 2];
    let mut interrupted_saves = 0;
    for kill in 0..kills {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_killed_save_leaves_the_old_or_the_new_file",
                "--nocapture",
            ])
            .env(CHILD, folder.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        while !ready.contains("saving") {
            ready.clear();
            if std::io::BufRead::read_line(&mut stdout, &mut ready).unwrap() == 0 {
                panic!("the saving child exited early");
            }
        }
        if kill % 2 == 1 {
            // Every other kill waits for a write to begin, then strikes within it.
            while std::fs::read_dir(folder.path()).unwrap().count() < 2 {
                std::thread::sleep(Duration::from_micros(20));
            }
            std::thread::sleep(next_delay(&mut seed, Duration::from_micros(300)));
        } else {
            std::thread::sleep(next_delay(&mut seed, span));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let loaded = file
            .load()
            .unwrap_or_else(|e| panic!("after kill {kill}: {e}"));
        let which = expected
            .iter()
            .position(|c| *c == loaded)
            .unwrap_or_else(|| panic!("after kill {kill}: neither old nor new content"));
        seen[which] += 1;
        // A temporary file left behind means the kill landed in the middle of a save.
        if std::fs::read_dir(folder.path()).unwrap().count() > 1 {
            interrupted_saves += 1;
        }
        // What an interrupted save leaves is cleaned up at the next start.
        file.remove_stale_temporary_files();
    }
    eprintln!(
        "{kills} kills, {interrupted_saves} in the middle of a save: generation 1 seen {} \
         times, generation 2 {} times",
        seen[0], seen[1]
    );
    assert!(
        interrupted_saves * 4 >= kills,
        "too few kills landed mid-save ({interrupted_saves}) for the test to mean anything"
    );
    let names: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["config.ron"]);
}
