//! Driving the window by label, as a user or a screen reader would: one place for clicking,
//! opening context menus and windows, and reading a control's state.

use backup_accounts::app::BackupAccountsApp;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

/// Clicks the control named `label` and lets the window settle.
pub fn click(harness: &mut Harness<'_, BackupAccountsApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.run();
}

/// True when the control named `label` is disabled.
pub fn is_disabled(harness: &Harness<'_, BackupAccountsApp>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

/// The accessible description of the control named `label` (a disabled control's reason).
pub fn description(harness: &Harness<'_, BackupAccountsApp>, label: &str) -> String {
    harness
        .get_by_label(label)
        .accesskit_node()
        .description()
        .unwrap_or_default()
}

/// Opens the context menu of the inventory item named `organization` and picks `item`.
pub fn pick_from_context_menu(
    harness: &mut Harness<'_, BackupAccountsApp>,
    organization: &str,
    item: &str,
) {
    harness.get_by_label(organization).click_secondary();
    harness.run();
    click(harness, item);
}

/// Answers the native file dialog the app opened for `request` with `path`, as the dialog's
/// worker would.
pub fn choose_file(
    harness: &mut Harness<'_, BackupAccountsApp>,
    request: backup_accounts::app::FileRequest,
    path: &std::path::Path,
) {
    harness
        .state()
        .event_sender()
        .send(backup_accounts::app::WorkerEvent::FileChosen {
            request,
            path: path.to_path_buf(),
        });
    harness.run();
}
