//! Select Application (R15): the tenant's applications to add to a pool, each with why it
//! cannot be added, if so.

use egui::RichText;

use super::a11y;
use super::action::{ActionSender, ApplicationsAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use crate::model::application_pool::PoolDraft;

/// Select Application's dialog id.
pub const SELECT_DIALOG_ID: &str = "select_application";

/// Select Application's form: search text and the highlighted application.
#[derive(Debug)]
pub struct SelectApplicationView {
    search: String,
    highlighted: Option<crate::model::AppId>,
    focus_search: bool,
}

impl Default for SelectApplicationView {
    fn default() -> Self {
        Self {
            search: String::new(),
            highlighted: None,
            // Typing filters at once, as in Select Security Group.
            focus_search: true,
        }
    }
}

impl SelectApplicationView {
    /// One application of the list: its name and id, and why it cannot be added, if so.
    fn option_ui(
        &mut self,
        ui: &mut egui::Ui,
        application: &crate::model::application::Application,
        refusal: Option<&crate::model::application::ApplicationRefusal>,
        index: usize,
        sender: &ActionSender,
    ) {
        let selected = self.highlighted.as_ref() == Some(&application.app_id);
        let mut text = format!("{}\n{}", application.display_name, application.app_id);
        if let Some(refusal) = refusal {
            text = format!("{text} — {refusal}");
        }
        let mut rich = RichText::new(text);
        if refusal.is_some() {
            rich = rich.weak();
        }
        let response = ui
            .selectable_label(selected, rich)
            // With the id: the pool's rows below have the same names.
            .accessible_name(format!(
                "{} ({})",
                application.display_name, application.app_id
            ));
        a11y::list_option(&response, selected, index);
        if let Some(refusal) = refusal {
            // Read after the name, as a disabled control's reason is.
            let reason = format!("Cannot be added: {refusal}.");
            response.ctx.accesskit_node_builder(response.id, |node| {
                node.set_description(reason);
            });
        }
        if response.clicked() {
            self.highlighted = Some(application.app_id.clone());
        }
        if response.double_clicked() && refusal.is_none() {
            sender.send(ApplicationsAction::Add(application.app_id.clone()));
        }
    }

    /// Draws the modal over the manager.
    pub fn ui(&mut self, ctx: &egui::Context, draft: &PoolDraft, sender: &ActionSender) {
        let candidates = draft.candidates();
        let query = self.search.trim().to_lowercase();
        let listed: Vec<_> = candidates
            .iter()
            .filter(|(a, _)| {
                a.display_name.to_lowercase().contains(&query) || a.app_id.contains(&query)
            })
            .collect();
        let highlighted = listed
            .iter()
            .find(|(a, _)| Some(&a.app_id) == self.highlighted.as_ref());
        let refusal = match highlighted {
            Some((_, Some(refusal))) => Some(format!("It cannot be added: {refusal}.")),
            Some((_, None)) => None,
            None => Some("Select an application in the list first.".to_owned()),
        };
        let dialog = Dialog::new(
            SELECT_DIALOG_ID,
            "Select Application",
            tokens::DIALOG_WIDTH_PICKER,
        )
        .ok(DialogButton::new("Add")
            .named("Add application")
            .disabled_because(refusal))
        .cancel(DialogButton::new("Cancel").named("Cancel application selection"));
        let response = dialog.show(ctx, |ui, footer| {
            let search = ui
                .add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text("Search applications")
                        .desired_width(f32::INFINITY),
                )
                .accessible_name("Search applications");
            if std::mem::take(&mut self.focus_search) {
                search.request_focus();
            }
            let row_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 8.0;
            a11y::list_box(ui, "Applications", listed.len(), |ui| {
                egui::ScrollArea::vertical()
                    .max_height(240.0)
                    .auto_shrink([false, true])
                    .show_rows(ui, row_height, listed.len(), |ui, range| {
                        for index in range {
                            let (application, refusal) = listed[index];
                            self.option_ui(ui, application, refusal.as_ref(), index, sender);
                        }
                    });
            });
            footer.ui(ui, |_| {}, |_| {});
        });
        match response.answer {
            Some(DialogAnswer::Ok) => {
                if let Some(app_id) = &self.highlighted {
                    sender.send(ApplicationsAction::Add(app_id.clone()));
                }
            }
            Some(DialogAnswer::Cancel) => sender.send(ApplicationsAction::CloseSelect),
            None => {}
        }
    }
}
