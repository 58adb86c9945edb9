//! Backup Applications Manager (R15), for modern app-only organizations: the pool, its
//! certificates, adding (through Select Application) and removing applications.

use std::collections::BTreeSet;

use egui::{Button, RichText};
use egui_extras::{Column, TableBuilder};

use super::action::{ActionSender, ApplicationsAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use super::{a11y, explain_disabled};
use crate::model::application::{Expiry, date};
use crate::model::application_pool::PoolDraft;
use crate::model::application_pool::PoolError;
use crate::state::CommitFailure;

/// The manager's dialog id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "backup_applications_manager";

/// Why *Create...* is disabled.
pub const CREATE_DISABLED: &str = "Veeam Backup for Microsoft 365 8.4 no longer creates or \
    adds Microsoft Entra applications. Create the application in Microsoft Entra ID, upload \
    its certificate there, then add it here with Add...";

/// The standing note of a pool with more than one application.
pub const SHARED_THROTTLING_NOTE: &str = "Since 1 March 2026 Microsoft counts every \
    application of a tenant against one throttling limit: more applications add no \
    throughput. The vendor recommends a single backup application.";

/// Why the manager refused a change or could not save it, kept as it came until drawn.
#[derive(Debug, thiserror::Error)]
pub enum ApplicationsError {
    /// The pool refused the change (R15).
    #[error(transparent)]
    Refused(#[from] PoolError),
    /// Saving failed; nothing changed.
    #[error(transparent)]
    NotSaved(#[from] CommitFailure),
}

/// The manager's form: the selected rows (for *Remove*) and the last refusal.
#[derive(Debug, Default)]
pub struct BackupApplicationsView {
    /// Application ids of the selected rows.
    selected: BTreeSet<crate::model::AppId>,
    /// The row a Shift-click extends the selection from.
    anchor: Option<usize>,
    error: Option<ApplicationsError>,
}

impl BackupApplicationsView {
    /// Shows a refusal from the model (R15) under the list.
    pub fn set_error(&mut self, error: Option<ApplicationsError>) {
        self.error = error;
    }

    /// Forgets the selection (after *Remove*).
    pub fn clear_selection(&mut self) {
        self.selected.clear();
        self.anchor = None;
    }

    /// Draws the modal. `covered` is true while a dialog is open over it; `saving` is
    /// (keyring changes done, total) while a commit runs.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        draft: &PoolDraft,
        covered: bool,
        saving: Option<(usize, usize)>,
        sender: &ActionSender,
    ) {
        let dialog = Dialog::new(
            DIALOG_ID,
            "Backup Applications Manager",
            tokens::DIALOG_WIDTH_WIDE_TABLE,
        )
        .ok(DialogButton::new("OK").named("OK, save the backup applications"))
        .cancel(DialogButton::new("Cancel").named("Cancel backup applications"))
        .keys(!covered)
        .buttons(saving.is_none());
        let response = dialog.show(ctx, |ui, footer| {
            self.content_ui(ui, draft, sender);
            footer.ui(
                ui,
                |ui| {
                    super::keyring_progress_ui(
                        ui,
                        "Saving certificates to the system keyring",
                        saving,
                    )
                },
                |ui| {
                    let count = draft.rows().len();
                    ui.label(format!(
                        "{count} {}",
                        if count == 1 {
                            "application"
                        } else {
                            "applications"
                        }
                    ));
                },
            );
        });
        match response.answer {
            Some(DialogAnswer::Ok) => sender.send(ApplicationsAction::Commit),
            Some(DialogAnswer::Cancel) => sender.send(ApplicationsAction::Cancel),
            None => {}
        }
    }

    fn content_ui(&mut self, ui: &mut egui::Ui, draft: &PoolDraft, sender: &ActionSender) {
        let organization = draft.organization();
        ui.label(format!(
            "Organization: {} ({})",
            organization.name,
            organization.authentication.label()
        ));
        ui.label(
            RichText::new(
                "This pool is kept here and in the exported script only: applications are \
                 never added to the backup server from this app, because version 8.4 and \
                 later no longer accept new backup applications.",
            )
            .weak(),
        );
        if draft.rows().len() > 1 {
            ui.label(
                RichText::new(format!("ℹ {SHARED_THROTTLING_NOTE}"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        ui.add_space(tokens::GAP);
        self.table_ui(ui, draft, sender);
        ui.horizontal(|ui| {
            if ui.button("Add...").clicked() {
                sender.send(ApplicationsAction::OpenSelect);
            }
            let refusal = self.removal_refusal(draft);
            let remove = ui
                .add_enabled(refusal.is_none(), Button::new("Remove"))
                .accessible_name(format!("Remove {} selected", self.selected.len()));
            if explain_disabled(remove, refusal.as_deref()).clicked() {
                sender.send(ApplicationsAction::Remove(self.selected.clone()));
            }
            let create = ui.add_enabled(false, Button::new("Create..."));
            explain_disabled(create, Some(CREATE_DISABLED));
        });
        if let Some(error) = &self.error {
            super::inline_error_ui(ui, error.to_string());
        }
    }

    /// Why *Remove* is disabled, if it is (R15 keeps the application the organization was
    /// added with).
    fn removal_refusal(&self, draft: &PoolDraft) -> Option<String> {
        if self.selected.is_empty() {
            return Some("Select the applications to remove first.".to_owned());
        }
        let added_with = draft.organization().added_with_application.as_deref();
        crate::model::application::check_can_remove_all(&self.selected, added_with)
            .err()
            .map(|e| format!("{e}."))
    }

    /// Click selects one row; Ctrl-click (or Ctrl+Space) adds or takes one away; Shift-click
    /// selects the range from the last clicked row.
    fn select(&mut self, ui: &egui::Ui, draft: &PoolDraft, index: usize) {
        let modifiers = ui.input(|i| i.modifiers);
        let id = |i: usize| draft.application(&draft.rows()[i]).app_id.clone();
        if modifiers.shift
            && let Some(anchor) = self.anchor
        {
            self.selected = (anchor.min(index)..=anchor.max(index)).map(id).collect();
            return;
        }
        if modifiers.command {
            if !self.selected.remove(&id(index)) {
                self.selected.insert(id(index));
            }
        } else {
            self.selected = BTreeSet::from([id(index)]);
        }
        self.anchor = Some(index);
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, draft: &PoolDraft, sender: &ActionSender) {
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        let rows = draft.rows();
        let now = jiff::Timestamp::now();
        let mut clicked = None;
        a11y::table(ui, "Backup applications", rows.len(), 3, |ui| {
            TableBuilder::new(ui)
                .id_salt("backup_applications")
                .striped(true)
                .min_scrolled_height(200.0)
                .max_scroll_height(200.0)
                .auto_shrink([false, false])
                .column(Column::remainder().at_least(220.0).clip(true))
                .column(Column::exact(300.0))
                .column(Column::exact(170.0))
                .header(row_height, |mut header| {
                    for (column, name) in ["Name", "Application ID", "Certificate"]
                        .into_iter()
                        .enumerate()
                    {
                        header.col(|ui| {
                            a11y::column_header(ui, name, column);
                            ui.strong(name);
                        });
                    }
                })
                .body(|body| {
                    body.rows(row_height, rows.len(), |mut row| {
                        let index = row.index();
                        let application = draft.application(&rows[index]);
                        let selected = self.selected.contains(&application.app_id);
                        row.col(|ui| {
                            a11y::table_cell(ui, index, 0, "Name");
                            let response = ui.selectable_label(selected, &application.display_name);
                            a11y::list_option(&response, selected, index);
                            if response.clicked() {
                                clicked = Some(index);
                            }
                        });
                        row.col(|ui| {
                            a11y::table_cell(ui, index, 1, "Application ID");
                            ui.label(RichText::new(application.app_id.as_str()).monospace());
                        });
                        row.col(|ui| {
                            a11y::table_cell(ui, index, 2, "Certificate");
                            let (text, warn) = match rows[index].certificate() {
                                None => ("Not configured".to_owned(), false),
                                Some(c) => (
                                    format!("Configured, expires {}", date(c.expires)),
                                    Expiry::of(c.expires, now) != Expiry::Later,
                                ),
                            };
                            let mut link_text = RichText::new(&text);
                            if warn {
                                link_text = link_text.color(ui.visuals().warn_fg_color);
                            }
                            let link = ui.link(link_text).accessible_name(format!(
                                "Certificate for {}: {text}",
                                application.display_name
                            ));
                            if link.clicked() {
                                sender.send(ApplicationsAction::OpenCertificate(
                                    application.app_id.clone(),
                                ));
                            }
                        });
                    });
                });
        });
        if let Some(index) = clicked {
            self.select(ui, draft, index);
        }
    }
}
