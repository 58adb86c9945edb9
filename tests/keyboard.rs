//! The whole procedure with the keyboard alone: no click anywhere.
// A panic is how a test (or a benchmark set-up) reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use backup_accounts::app::BackupAccountsApp;
use backup_accounts::store::ConfigFile;
use common::*;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn press(harness: &mut Harness<'_, BackupAccountsApp>, key: Key) {
    harness.key_press(key);
    harness.run();
}

fn is_focused(harness: &Harness<'_, BackupAccountsApp>, label: &str) -> bool {
    harness
        .query_by_label(label)
        .is_some_and(|n| n.is_focused())
}

/// Presses Tab until the control named `label` has the focus.
fn tab_to(harness: &mut Harness<'_, BackupAccountsApp>, label: &str) {
    for _ in 0..40 {
        if is_focused(harness, label) {
            return;
        }
        press(harness, Key::Tab);
    }
    panic!("Tab never reached {label}");
}

fn type_text(harness: &mut Harness<'_, BackupAccountsApp>, text: &str) {
    harness.event(egui::Event::Text(text.to_owned()));
    harness.run();
}

#[test]
fn the_whole_procedure_with_key_presses_only() {
    let folder = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = start_app(options_in(folder.path()), Ok(secrets.clone()));

    // Inventory: Tab in, arrows move through the organizations and the selection follows.
    tab_to(&mut harness, "Contoso Ltd (Basic authentication)");
    press(&mut harness, Key::ArrowDown);
    assert!(is_focused(
        &harness,
        "Fabrikam Inc (Modern authentication (legacy protocols allowed))"
    ));
    assert!(
        harness
            .query_by_label_contains("svc-veeam@fabrikam")
            .is_some(),
        "details follow"
    );
    press(&mut harness, Key::ArrowUp);
    assert!(is_focused(&harness, "Contoso Ltd (Basic authentication)"));

    // Shift+F10 opens the context menu; Down enters it, Enter picks the item.
    harness.key_press_modifiers(Modifiers::SHIFT, Key::F10);
    harness.run();
    assert!(
        harness
            .query_by_label("Manage backup accounts...")
            .is_some(),
        "the menu opened"
    );
    press(&mut harness, Key::ArrowDown);
    assert!(is_focused(&harness, "Manage backup accounts..."));
    press(&mut harness, Key::Enter);
    assert!(
        harness.state().manager_draft().is_some(),
        "the manager opened"
    );

    // Select..., type to search, Down to highlight, Enter to add.
    tab_to(&mut harness, "Select...");
    press(&mut harness, Key::Enter);
    assert!(is_focused(&harness, "Search groups"));
    type_text(&mut harness, "sharepoint");
    press(&mut harness, Key::ArrowDown);
    press(&mut harness, Key::Enter);
    let draft = harness.state().manager_draft().unwrap();
    assert_eq!(draft.group().unwrap().id, PLAIN_GROUP);
    assert!(
        is_focused(&harness, "Select..."),
        "focus returns to Select..."
    );

    // Space checks Alice; Enter on her password link opens Add Password.
    for (upn, password) in [(ALICE, "alice-keys-1"), (BOB_MFA, "bob-keys-2")] {
        tab_to(&mut harness, &format!("Use {upn}"));
        press(&mut harness, Key::Space);
        let link = format!("Password for {upn}: Not configured");
        tab_to(&mut harness, &link);
        press(&mut harness, Key::Enter);
        type_text(&mut harness, password);
        press(&mut harness, Key::Enter);
        let configured = format!("Password for {upn}: Configured");
        assert!(
            is_focused(&harness, &configured),
            "focus returns to the link of {upn}"
        );
    }

    // Escape in Add Password cancels only that dialog.
    press(&mut harness, Key::Enter);
    assert!(harness.query_all_by_label_contains("Edit Password").count() > 0);
    press(&mut harness, Key::Escape);
    assert_eq!(
        harness.query_all_by_label_contains("Edit Password").count(),
        0
    );
    assert!(harness.state().manager_draft().is_some());

    // Tab to OK, Enter commits.
    tab_to(&mut harness, "OK");
    harness.key_press(Key::Enter);
    harness.step();
    wait_until_saved(&mut harness);
    assert!(harness.state().manager_draft().is_none());
    assert!(
        is_focused(&harness, "Contoso Ltd (Basic authentication)"),
        "focus returns to the organization"
    );
    let saved = ConfigFile::in_folder(folder.path()).load().unwrap();
    assert_eq!(saved.organizations[CONTOSO].accounts, [ALICE, BOB_MFA]);
    assert_eq!(secrets.get(CONTOSO, ALICE).as_deref(), Some("alice-keys-1"));
    assert_eq!(secrets.get(CONTOSO, BOB_MFA).as_deref(), Some("bob-keys-2"));
}

/// Issue 24: every command of the File menu has its own shortcut; F5 (reload the file) and
/// Shift+F5 (sync with Microsoft 365) are two commands, not one key with two meanings.
#[test]
fn no_two_commands_share_a_shortcut() {
    use backup_accounts::ui::command::UiCommand;
    let shortcuts: Vec<(UiCommand, egui::KeyboardShortcut)> = UiCommand::ALL
        .into_iter()
        .filter_map(|command| Some((command, command.shortcut()?)))
        .collect();
    assert!(shortcuts.len() >= 4, "{shortcuts:?}");
    for (n, (command, shortcut)) in shortcuts.iter().enumerate() {
        for (other, other_shortcut) in &shortcuts[n + 1..] {
            assert_ne!(shortcut, other_shortcut, "{command:?} and {other:?}");
        }
    }
}

#[test]
fn menu_shortcuts_are_shown_and_work() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = start_app(
        options_in(folder.path()),
        Ok(Arc::new(MemorySecrets::default())),
    );
    harness.get_by_label("File").click();
    harness.run();
    for item in [
        "Open directory... Ctrl+O",
        "Reload directory F5",
        "Sync now Shift+F5",
        "Quit Ctrl+Q",
    ] {
        assert!(
            harness.query_by_label(item).is_some(),
            "the File menu shows {item}"
        );
    }
    harness.key_press(Key::Escape);
    harness.run();
    harness.key_press(Key::F5);
    harness.run();
    assert_eq!(harness.state().banner_text(), Some("Directory reloaded."));
}

#[test]
fn backup_applications_with_key_presses_only() {
    use common::applications::*;
    use common::certificates::PFX_PASSWORD;
    let folder = tempfile::tempdir().unwrap();
    let northwind = northwind(folder.path());
    let secrets = Arc::new(MemorySecrets::default());
    let mut harness = start_app(northwind.options.clone(), Ok(secrets.clone()));

    // The context menu of the app-only organization: its enabled item is the applications'.
    tab_to(
        &mut harness,
        "Northwind Traders (Modern app-only authentication)",
    );
    harness.key_press_modifiers(Modifiers::SHIFT, Key::F10);
    harness.run();
    press(&mut harness, Key::ArrowDown);
    if !is_focused(&harness, "Manage backup applications...") {
        press(&mut harness, Key::ArrowDown);
    }
    assert!(is_focused(&harness, "Manage backup applications..."));
    press(&mut harness, Key::Enter);

    // Add...: the search has the focus; type, Tab to the application, Space, then Add.
    tab_to(&mut harness, "Add...");
    press(&mut harness, Key::Enter);
    assert!(is_focused(&harness, "Search applications"));
    type_text(&mut harness, "Backup Application 3");
    tab_to(&mut harness, &option(THIRD_NAME, THIRD_APP));
    press(&mut harness, Key::Space);
    tab_to(&mut harness, "Add application");
    press(&mut harness, Key::Enter);
    assert!(harness.query_by_label(THIRD_NAME).is_some(), "added");

    // Install Certificate from the link; the file comes from the native dialog.
    tab_to(
        &mut harness,
        &format!("Certificate for {VEEAM_NAME}: Not configured"),
    );
    press(&mut harness, Key::Enter);
    common::windows::choose_file(
        &mut harness,
        backup_accounts::app::FileRequest::Certificate { key: false },
        &northwind.veeam.pfx,
    );
    assert!(is_focused(&harness, "Certificate password:"));
    type_text(&mut harness, PFX_PASSWORD);
    // Enter in the field is Install; the focus goes back to the link.
    press(&mut harness, Key::Enter);
    assert!(
        harness.query_by_label("Install Certificate").is_none(),
        "closed"
    );
    assert!(
        harness
            .query_by_label_contains(&format!("Certificate for {VEEAM_NAME}: Configured"))
            .is_some(),
        "installed"
    );

    // Select the added application with Space and remove it, then OK.
    tab_to(&mut harness, THIRD_NAME);
    press(&mut harness, Key::Space);
    tab_to(&mut harness, "Remove 1 selected");
    press(&mut harness, Key::Enter);
    assert!(harness.query_by_label(THIRD_NAME).is_none(), "removed");
    tab_to(&mut harness, "OK, save the backup applications");
    harness.key_press(Key::Enter);
    harness.step();
    wait_until_saved(&mut harness);
    assert!(secrets.certificate(NORTHWIND, VEEAM).is_some());
}

#[test]
fn the_health_view_with_key_presses_only() {
    let folder = tempfile::tempdir().unwrap();
    let mut harness = start_app(
        options_in(folder.path()),
        Ok(Arc::new(MemorySecrets::default())),
    );
    tab_to(&mut harness, "Health");
    press(&mut harness, Key::Enter);
    // The legacy-authentication notice of Contoso, and its fix, reached with Tab.
    let review = "Review for Contoso Ltd: legacy authentication";
    wait_for(&mut harness, "the report", |h| {
        h.query_by_label(review).is_some()
    });
    tab_to(&mut harness, review);
    press(&mut harness, Key::Enter);
    assert!(
        harness.state().manager_draft().is_some(),
        "Review opened the manager"
    );
    press(&mut harness, Key::Escape);
    tab_to(&mut harness, "Details");
    press(&mut harness, Key::Enter);
    assert!(
        harness.query_by_label(review).is_none(),
        "back to the details"
    );
}

#[test]
fn sign_in_with_key_presses_only_reaches_the_code_buttons_and_escape_cancels() {
    use common::tenant_server::{Tenant, TenantServer};
    let server = TenantServer::start(Tenant::contoso(), 1);
    // The sign-in never completes: the identity platform keeps answering "pending".
    server
        .faults
        .pending_polls
        .store(usize::MAX, std::sync::atomic::Ordering::Relaxed);
    let folder = tempfile::tempdir().unwrap();
    let config = backup_accounts::store::Config {
        graph: backup_accounts::store::config::GraphSettings {
            login_url: Some(server.base.clone()),
            graph_url: Some(server.base),
            ..Default::default()
        },
        ..Default::default()
    };
    ConfigFile::in_folder(folder.path()).save(&config).unwrap();
    let mut harness = start_app(
        options_in(folder.path()),
        Ok(Arc::new(MemorySecrets::default())),
    );
    tab_to(&mut harness, "File");
    press(&mut harness, Key::Enter);
    tab_to(&mut harness, "Sign in to Microsoft 365...");
    press(&mut harness, Key::Enter);
    assert!(
        harness.query_by_label("Quit Ctrl+Q").is_none(),
        "the menu closed, so the dialog gets the keys"
    );
    wait_for(&mut harness, "the code", |h| {
        h.query_by_label("ABCD-EFGH").is_some()
    });
    // Both buttons are reached with Tab (what they do is checked by label in sync_window).
    tab_to(&mut harness, "Copy the code ABCD-EFGH");
    tab_to(&mut harness, "Open the sign-in page");
    press(&mut harness, Key::Escape);
    wait_for(&mut harness, "the cancelled sign-in", |h| {
        h.state()
            .banner_text()
            .is_some_and(|b| b.contains("cancelled; nothing changed"))
    });
    assert!(harness.query_by_label("Sign in to Microsoft 365").is_none());
    assert!(
        !folder.path().join("tenants").exists()
            || std::fs::read_dir(folder.path().join("tenants"))
                .unwrap()
                .next()
                .is_none(),
        "nothing written"
    );
}
