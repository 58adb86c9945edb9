//! One masked secret field (R16), shared by Add Password and Install Certificate: always
//! masked, never copyable, its text in one buffer allocated once and wiped when it is handed
//! on or dropped, its undo history emptied every frame; *Show* paints the text apart from
//! the field.

use egui::{Id, TextEdit};
use zeroize::Zeroizing;

use crate::model::Password;

/// The longest secret the field takes, in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Bytes for [`MAX_PASSWORD_CHARS`] characters of up to four UTF-8 bytes each: the buffer
/// never grows, so no copy of the secret is left behind by a reallocation.
const BUFFER_BYTES: usize = MAX_PASSWORD_CHARS * 4;

fn new_buffer() -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(BUFFER_BYTES))
}

/// The field's state.
pub struct MaskedField {
    id: Id,
    text: Zeroizing<String>,
    show_text: bool,
    focus_pending: bool,
}

impl std::fmt::Debug for MaskedField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskedField")
            .field("typed_characters", &self.text.chars().count())
            .field("show_text", &self.show_text)
            .finish_non_exhaustive()
    }
}

impl MaskedField {
    /// An empty field that takes the focus when first drawn.
    pub fn new(id_salt: &'static str) -> Self {
        Self {
            id: Id::unique(id_salt),
            text: new_buffer(),
            show_text: false,
            focus_pending: true,
        }
    }

    /// True when nothing is typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Hands the typed text on without a copy; the field gets a fresh buffer, in case the
    /// model refuses and the dialog stays open.
    pub fn take(&mut self) -> Password {
        let mut typed = std::mem::replace(&mut self.text, new_buffer());
        Password::new(std::mem::take(&mut *typed))
    }

    /// Forgets egui's copy of the field (cursor and undo history).
    pub fn forget_state(&self, ctx: &egui::Context) {
        ctx.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(self.id));
    }

    /// Empties the field's undo history, which would keep earlier texts of the secret.
    fn forget_undo_history(&self, ctx: &egui::Context) {
        if let Some(mut state) = egui::text_edit::TextEditState::load(ctx, self.id) {
            state.clear_undoer();
            state.store(ctx, self.id);
        }
    }

    /// Draws `label`, the field and its *Show* toggle (named `show_name`); true when the
    /// text changed.
    pub fn ui(&mut self, ui: &mut egui::Ui, label: &str, show_name: &str) -> bool {
        let mut changed = false;
        ui.horizontal(|ui| {
            let label = ui.label(label);
            // Always masked: egui never copies a password field nor offers its selection to
            // the X PRIMARY selection. Cut would still delete the selection it does not copy,
            // so Copy and Cut never reach the field.
            if ui.memory(|m| m.has_focus(self.id)) {
                ui.input_mut(|i| {
                    i.events
                        .retain(|e| !matches!(e, egui::Event::Copy | egui::Event::Cut));
                });
            }
            let field = ui
                .add(
                    TextEdit::singleline(&mut *self.text)
                        .id(self.id)
                        .password(true)
                        .char_limit(MAX_PASSWORD_CHARS)
                        .desired_width(240.0),
                )
                .labelled_by(label.id);
            self.forget_undo_history(ui.ctx());
            if std::mem::take(&mut self.focus_pending) {
                field.request_focus();
            }
            changed = field.changed();
            let toggle = if self.show_text { "Hide" } else { "Show" };
            if ui
                .selectable_label(self.show_text, toggle)
                .on_hover_text("Show or hide the typed characters")
                .accessible_name(show_name)
                .clicked()
            {
                self.show_text = !self.show_text;
            }
        });
        if self.show_text {
            shown_text_ui(ui, &self.text, show_name);
        }
        changed
    }
}

/// The typed text, painted apart from the field: not a text widget, so it cannot be selected
/// or copied, and screen readers get "<what> shown", never the text itself.
fn shown_text_ui(ui: &mut egui::Ui, text: &str, show_name: &str) {
    let galley = ui.painter().layout_no_wrap(
        text.to_owned(),
        egui::TextStyle::Monospace.resolve(ui.style()),
        ui.visuals().text_color(),
    );
    let (rect, response) = ui.allocate_exact_size(galley.size(), egui::Sense::hover());
    ui.painter()
        .galley(rect.min, galley, ui.visuals().text_color());
    let name = show_name.strip_prefix("Show ").unwrap_or(show_name);
    let mut name = format!("{name} shown");
    if let Some(first) = name.get(0..1) {
        name.replace_range(0..1, &first.to_uppercase());
    }
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &name));
}
