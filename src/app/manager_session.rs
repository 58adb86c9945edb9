//! One visit to the Backup Accounts Manager and the dialogs over it: the draft, the views,
//! the keyring worker of its commit, and where the focus goes when each dialog closes.

use crate::model::{CommitSummary, DraftError, ManagerDraft};
use crate::state::{AppState, CommitFailure};
use crate::ui::Action;
use crate::ui::commit_summary::{self, commit_summary_ui};
use crate::ui::group_picker::{self, GroupPickerView};
use crate::ui::manager::{self, ManagerView};
use crate::ui::modal::dialog_closed;
use crate::ui::password::{self, PasswordView};
use crate::ui::{ActionSender, ManagerAction};

use super::event::WorkerEvent;
use super::keyring_job::KeyringJob;
use super::session::{Closing, Session, SessionContext, Step};

/// The manager and its sub-dialogs for one organization.
#[derive(Debug)]
pub struct ManagerSession {
    draft: ManagerDraft,
    view: ManagerView,
    group_picker: Option<GroupPickerView>,
    password: Option<PasswordView>,
    /// What OK would change, while the administrator confirms it (R14).
    summary: Option<CommitSummary>,
    saving: Option<KeyringJob>,
}

impl ManagerSession {
    /// Opens the manager on a draft.
    pub fn new(draft: ManagerDraft) -> Self {
        Self {
            draft,
            view: ManagerView::default(),
            group_picker: None,
            password: None,
            summary: None,
            saving: None,
        }
    }

    /// Draws the manager and whichever dialog is over it.
    fn windows_ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let covered =
            self.group_picker.is_some() || self.password.is_some() || self.summary.is_some();
        let progress = self.saving.as_ref().map(KeyringJob::progress);
        self.view.ui(ctx, &self.draft, covered, progress, sender);
        if let Some(summary) = &self.summary {
            commit_summary_ui(ctx, summary, sender);
        }
        if let Some(picker) = &mut self.group_picker {
            picker.ui(ctx, &self.draft, sender);
        }
        if let Some(password) = &mut self.password {
            password.ui(ctx, sender);
        }
    }

    /// Applies one of the manager's actions through the draft and the state; true when the
    /// manager closes (Cancel).
    fn apply_manager(&mut self, cx: &SessionContext<'_>, action: ManagerAction) -> bool {
        let ctx = cx.ctx;
        match action {
            ManagerAction::OpenGroupPicker => {
                let current = self.draft.group().map(|g| g.id.clone());
                self.group_picker = Some(GroupPickerView::new(
                    self.draft.organization(),
                    current.as_deref(),
                ));
            }
            ManagerAction::CloseGroupPicker => self.close_group_picker(ctx),
            ManagerAction::ChooseGroup(group_id) => self.choose_group(ctx, &group_id),
            ManagerAction::SetChecked { upn, checked } => {
                let refusal = self.draft.set_checked(&upn, checked).err();
                self.view.set_error(refusal);
            }
            ManagerAction::OpenPassword(upn) => match self.draft.password_prompt(&upn) {
                Ok(prompt) => self.password = Some(PasswordView::new(prompt)),
                Err(e) => self.view.set_error(Some(e)),
            },
            ManagerAction::SubmitPassword { upn, password } => {
                match self.draft.set_password(&upn, password) {
                    Ok(()) => {
                        self.view.set_error(None);
                        self.close_password(ctx);
                    }
                    Err(e) => {
                        if let Some(dialog) = &mut self.password {
                            dialog.set_error(e);
                        }
                    }
                }
            }
            ManagerAction::SetMfaNotEnabled { upn, not_enabled } => {
                let result = self
                    .draft
                    .set_mfa_not_enabled(&upn, not_enabled)
                    .and_then(|()| self.draft.password_prompt(&upn));
                match (result, &mut self.password) {
                    (Ok(prompt), Some(dialog)) => dialog.set_prompt(prompt),
                    (Err(e), Some(dialog)) => dialog.set_error(e),
                    _ => {}
                }
            }
            ManagerAction::ClosePassword => self.close_password(ctx),
            ManagerAction::Commit => self.ask_consent_or_commit(cx),
            ManagerAction::ConfirmCommit => {
                self.close_summary(ctx);
                self.begin_commit(cx);
            }
            ManagerAction::BackToManager => self.close_summary(ctx),
            // A running commit cannot be abandoned half-way; the buttons are disabled meanwhile.
            ManagerAction::Cancel if self.saving.is_none() => return true,
            ManagerAction::Cancel => {}
        }
        false
    }

    fn close_summary(&mut self, ctx: &egui::Context) {
        self.summary = None;
        dialog_closed(ctx, commit_summary::SUMMARY_DIALOG_ID, None);
    }

    /// R14: a commit that deletes secrets or changes the group shows what it changes first.
    fn ask_consent_or_commit(&mut self, cx: &SessionContext<'_>) {
        // Refusals (R7) come first: the commit shows them without asking anything.
        // R7 is the only refusal a commit can meet; asking the draft for it copies no password.
        let valid = self.draft.accounts_missing_password().is_empty();
        let summary = self.draft.summary();
        if valid && summary.needs_consent() && self.saving.is_none() {
            self.summary = Some(summary);
        } else {
            self.begin_commit(cx);
        }
    }

    fn close_group_picker(&mut self, ctx: &egui::Context) {
        self.group_picker = None;
        dialog_closed(ctx, group_picker::DIALOG_ID, None);
    }

    fn close_password(&mut self, ctx: &egui::Context) {
        self.password = None;
        PasswordView::forget_field_state(ctx);
        dialog_closed(ctx, password::DIALOG_ID, None);
    }

    fn choose_group(&mut self, ctx: &egui::Context, group_id: &str) {
        match self.draft.choose_group(group_id) {
            Ok(dropped) => {
                self.close_group_picker(ctx);
                self.view.set_error(None);
                self.view.set_notice((!dropped.is_empty()).then(|| {
                    format!(
                        "Not in the new group, so unchecked: {}. Their passwords are deleted \
                         when you click OK.",
                        dropped.join(", ")
                    )
                }));
            }
            // The picker disables Add for refused groups; this is the safety net.
            Err(e) => self.view.set_error(Some(e)),
        }
    }

    /// Validates the draft and starts writing it on the keyring worker thread.
    fn begin_commit(&mut self, cx: &SessionContext<'_>) {
        if self.saving.is_some() {
            return;
        }
        self.view.set_commit_error(None);
        let pending = match cx.state.begin_commit(&self.draft) {
            Ok(pending) => pending,
            Err(CommitFailure::Invalid(e @ DraftError::MissingPasswords { .. })) => {
                self.view.set_error(Some(e));
                return;
            }
            Err(e) => {
                log::error!("{e}");
                self.view.set_commit_error(Some(e));
                return;
            }
        };
        match KeyringJob::start(pending, cx.events) {
            Ok(job) => self.saving = Some(job),
            Err(e) => self.view.set_commit_error(Some(e)),
        }
    }

    /// How the manager closes: the focus goes back to its organization in the inventory
    /// (the context menu it was opened from is gone).
    fn closing(&self, banner: Option<(String, bool)>) -> Closing {
        Closing {
            dialog: manager::DIALOG_ID,
            focus_organization: Some(self.draft.organization().id.clone()),
            banner,
            then: None,
        }
    }

    /// What the banner says once saved (a live region: a screen reader hears it too).
    fn saved(&self, state: &AppState) -> String {
        let organization = self.draft.organization();
        let accounts = state
            .config()
            .organizations
            .get(organization.id.as_str())
            .map_or(0, |s| s.accounts.len());
        format!(
            "Saved the backup accounts of {}: {accounts} {}.",
            organization.name,
            if accounts == 1 { "account" } else { "accounts" }
        )
    }
}

impl Session for ManagerSession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        self.windows_ui(ctx, sender);
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Manager(action) = action else {
            return Err(action);
        };
        Ok(if self.apply_manager(cx, action) {
            Step::Close(self.closing(None))
        } else {
            Step::Stay
        })
    }

    /// The keyring worker's end: the saved configuration goes to the state and the manager
    /// closes; a failure stays in the manager.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        let saved = KeyringJob::finish(&mut self.saving, event, cx.state)?;
        Ok(match saved {
            Ok(()) => Step::Close(self.closing(Some((self.saved(cx.state), false)))),
            Err(e) => {
                self.view.set_commit_error(Some(e.into()));
                Step::Stay
            }
        })
    }

    fn is_saving(&self) -> bool {
        self.saving.is_some()
    }

    fn manager_draft(&self) -> Option<&ManagerDraft> {
        Some(&self.draft)
    }
}
