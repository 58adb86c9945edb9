//! Select Security Group: search, pick, and see why a group cannot be added.

use std::collections::HashMap;

use egui::{Id, Key, RichText};
use egui_extras::{Column, TableBuilder};

use super::action::{ActionSender, ManagerAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;
use super::{a11y, error_text};
use crate::model::rules::is_listed_in_group_picker;
use crate::model::{GroupPreview, ManagerDraft, Organization};

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "select_security_group";

/// The picker's form: search text, the filtered list and the highlighted group.
#[derive(Debug)]
pub struct GroupPickerView {
    search: String,
    /// The query `filtered` was computed for, so typing one more letter only narrows it.
    filtered_for: String,
    /// Indices into the organization's groups of every group the picker lists (R2).
    listed: Vec<usize>,
    /// Lower-cased names of `listed`, in the same order, computed once.
    listed_names: Vec<String>,
    /// Positions in `listed` that match the search.
    filtered: Vec<usize>,
    highlighted: Option<usize>,
    /// Member counts are resolved lazily, only for rows that are drawn or highlighted.
    previews: HashMap<usize, GroupPreview>,
    focus_search: bool,
    /// Set when the highlight moved by keyboard, so the list scrolls to it.
    scroll_to: Option<usize>,
}

impl GroupPickerView {
    /// Opens the picker on the organization's groups, highlighting the current choice.
    pub fn new(organization: &Organization, current_group: Option<&str>) -> Self {
        let listed: Vec<usize> = organization
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| is_listed_in_group_picker(g))
            .map(|(i, _)| i)
            .collect();
        let listed_names = listed
            .iter()
            .map(|&i| organization.groups[i].display_name.to_lowercase())
            .collect();
        let highlighted =
            current_group.and_then(|id| organization.groups.iter().position(|g| g.id == id));
        Self {
            search: String::new(),
            filtered_for: String::new(),
            filtered: (0..listed.len()).collect(),
            listed,
            listed_names,
            highlighted,
            previews: HashMap::new(),
            focus_search: true,
            scroll_to: None,
        }
    }

    /// Sets the search text as if typed, narrowing the list.
    pub fn set_search(&mut self, text: &str) {
        text.clone_into(&mut self.search);
        self.refilter();
    }

    /// How many groups match the search.
    pub fn match_count(&self) -> usize {
        self.filtered.len()
    }

    /// Narrows the list to groups whose name contains the search text, reusing the previous
    /// result when the new query extends it.
    fn refilter(&mut self) {
        let query = self.search.trim().to_lowercase();
        if query == self.filtered_for {
            return;
        }
        if query.starts_with(&self.filtered_for) {
            let names = &self.listed_names;
            self.filtered.retain(|&p| names[p].contains(&query));
        } else {
            self.filtered = (0..self.listed.len())
                .filter(|&p| self.listed_names[p].contains(&query))
                .collect();
        }
        self.filtered_for = query;
        if let Some(group) = self.highlighted
            && !self.filtered.iter().any(|&p| self.listed[p] == group)
        {
            // Never add a group the administrator can no longer see.
            self.highlighted = None;
        }
    }

    fn preview(&mut self, draft: &ManagerDraft, group_index: usize) -> Option<&GroupPreview> {
        match self.previews.entry(group_index) {
            std::collections::hash_map::Entry::Occupied(entry) => Some(entry.into_mut()),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let id = &draft.organization().groups[group_index].id;
                Some(entry.insert(draft.preview_group(id).ok()?))
            }
        }
    }

    /// Draws the modal over the manager.
    pub fn ui(&mut self, ctx: &egui::Context, draft: &ManagerDraft, sender: &ActionSender) {
        self.refilter();
        let highlighted = self
            .highlighted
            .and_then(|g| self.preview(draft, g).cloned());
        let refusal = match &highlighted {
            Some(preview) => preview.refusal.as_ref().map(ToString::to_string),
            None => Some("Select a security group in the list first.".to_owned()),
        };
        let dialog = Dialog::new(
            DIALOG_ID,
            "Select Security Group",
            tokens::DIALOG_WIDTH_PICKER,
        )
        .ok(DialogButton::new("Add").disabled_because(refusal))
        // Named apart from the manager's Cancel, which is still in the tree.
        .cancel(DialogButton::new("Cancel").named("Cancel group selection"));
        let response = dialog.show(ctx, |ui, footer| {
            ui.label(
                "Only security groups can hold backup accounts. Microsoft 365 and distribution \
                 groups are not listed.",
            );
            self.search_ui(ui);
            self.table_ui(ui, draft, sender);
            footer.ui(
                ui,
                |ui| highlighted_group_ui(ui, highlighted.as_ref()),
                |_| {},
            );
        });
        match response.answer {
            Some(DialogAnswer::Ok) => {
                if let Some(group) = self.highlighted {
                    let id = draft.organization().groups[group].id.clone();
                    sender.send(ManagerAction::ChooseGroup(id));
                }
            }
            Some(DialogAnswer::Cancel) => sender.send(ManagerAction::CloseGroupPicker),
            None => {}
        }
    }

    fn search_ui(&mut self, ui: &mut egui::Ui) {
        let search_id = Id::unique("group_search");
        // Up and Down move the highlight while typing, so the keyboard alone can pick.
        if ui.memory(|m| m.has_focus(search_id)) {
            let (down, up) = ui.input_mut(|i| {
                (
                    i.consume_key(egui::Modifiers::NONE, Key::ArrowDown),
                    i.consume_key(egui::Modifiers::NONE, Key::ArrowUp),
                )
            });
            if down || up {
                self.move_highlight(if down { 1 } else { -1 });
            }
        }
        let search = ui
            .add(
                egui::TextEdit::singleline(&mut self.search)
                    .id(search_id)
                    .hint_text("Search groups")
                    .desired_width(f32::INFINITY),
            )
            .accessible_name("Search groups");
        if std::mem::take(&mut self.focus_search) {
            search.request_focus();
        }
        if search.changed() {
            self.refilter();
        }
    }

    /// Moves the highlight `step` rows through the filtered list.
    fn move_highlight(&mut self, step: isize) {
        if self.filtered.is_empty() {
            return;
        }
        let current = self
            .highlighted
            .and_then(|g| self.filtered.iter().position(|&p| self.listed[p] == g));
        let last = self.filtered.len() - 1;
        let next = match current {
            None if step > 0 => 0,
            None => last,
            Some(position) => position.saturating_add_signed(step).min(last),
        };
        self.highlighted = Some(self.listed[self.filtered[next]]);
        self.scroll_to = Some(next);
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, draft: &ManagerDraft, sender: &ActionSender) {
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        if self.filtered.is_empty() {
            ui.label(RichText::new("No security group matches the search.").weak());
            return;
        }
        let count = self.filtered.len();
        a11y::list_box(ui, "Security groups", count, |ui| {
            let mut table = TableBuilder::new(ui);
            if let Some(row) = self.scroll_to.take() {
                table = table.scroll_to_row(row, None);
            }
            table
                .id_salt("security_groups")
                .striped(true)
                .min_scrolled_height(240.0)
                .max_scroll_height(240.0)
                .auto_shrink([false, false])
                .column(Column::remainder().at_least(200.0).clip(true))
                .column(Column::exact(210.0))
                .column(Column::exact(64.0))
                .header(row_height, |mut header| {
                    header.col(|ui| {
                        ui.strong("Name");
                    });
                    header.col(|ui| {
                        ui.strong("Type");
                    });
                    header.col(|ui| {
                        ui.strong("Members");
                    });
                })
                .body(|body| {
                    body.rows(row_height, self.filtered.len(), |mut row| {
                        let position = row.index();
                        let group_index = self.listed[self.filtered[position]];
                        let group = &draft.organization().groups[group_index];
                        let is_highlighted = self.highlighted == Some(group_index);
                        let preview = self.preview(draft, group_index).cloned();
                        row.col(|ui| {
                            let mut text = RichText::new(&group.display_name);
                            if preview.as_ref().is_some_and(|p| p.refusal.is_some()) {
                                text = text.color(ui.visuals().weak_text_color());
                            }
                            let mut response = ui.selectable_label(is_highlighted, text);
                            a11y::list_option(&response, is_highlighted, position);
                            if let Some(refusal) = preview.as_ref().and_then(|p| p.refusal.as_ref())
                            {
                                response = response.on_hover_text(refusal.to_string());
                            }
                            if response.clicked() {
                                self.highlighted = Some(group_index);
                            }
                            if response.double_clicked()
                                && preview.as_ref().is_some_and(|p| p.refusal.is_none())
                            {
                                sender.send(ManagerAction::ChooseGroup(group.id.clone()));
                            }
                        });
                        row.col(|ui| {
                            let kind = group.kind().label();
                            let label = match &preview {
                                Some(p) if p.refusal.is_some() && group.is_all_users() => {
                                    "All Users (not allowed)".to_owned()
                                }
                                Some(p) if p.refusal.is_some() => format!("{kind} (not supported)"),
                                _ => kind.to_owned(),
                            };
                            ui.label(label);
                        });
                        row.col(|ui| {
                            ui.label(
                                preview.map_or_else(String::new, |p| p.member_count.to_string()),
                            );
                        });
                    });
                });
        });
    }
}

/// What adding the highlighted group means (R4), or why it cannot be added (R2, R3).
fn highlighted_group_ui(ui: &mut egui::Ui, highlighted: Option<&GroupPreview>) {
    match highlighted {
        Some(preview) => match &preview.refusal {
            Some(refusal) => {
                ui.label(error_text(ui, refusal.to_string()));
            }
            None => {
                ui.label(format!(
                    "ℹ The entire group {} ({} users) will be granted the Site Collection \
                     Administrator role.",
                    preview.display_name, preview.member_count
                ));
            }
        },
        None => {
            ui.label(RichText::new("Select a group in the list.").weak());
        }
    }
}
