//! The one dialog frame every modal window uses: title, body, a footer with right-aligned
//! OK and Cancel buttons that carry accessible names, Enter and Escape, and focus handed back
//! to where it was once the dialog closes.

use egui::{Button, Id, Key, Modal, Modifiers, Ui};

use super::explain_disabled;

/// A footer button: its visible label, the name screen readers and tests find it by (dialogs
/// stack, so "OK" alone would be ambiguous), and why it is disabled, if it is.
#[derive(Clone, Debug)]
pub struct DialogButton {
    label: String,
    accessible_name: Option<String>,
    disabled_reason: Option<String>,
}

impl DialogButton {
    /// A button labelled `label`, enabled.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            accessible_name: None,
            disabled_reason: None,
        }
    }

    /// Names the button apart from same-labelled buttons of the dialogs below.
    pub fn named(mut self, accessible_name: impl Into<String>) -> Self {
        self.accessible_name = Some(accessible_name.into());
        self
    }

    /// Disables the button when `reason` is some; the reason is its tooltip and description.
    pub fn disabled_because(mut self, reason: Option<String>) -> Self {
        self.disabled_reason = reason;
        self
    }

    fn is_enabled(&self) -> bool {
        self.disabled_reason.is_none()
    }

    fn ui(&self, ui: &mut Ui, enabled: bool) -> bool {
        let mut response = ui.add_enabled(enabled && self.is_enabled(), Button::new(&self.label));
        if let Some(name) = &self.accessible_name {
            response = response.accessible_name(name);
        }
        explain_disabled(response, self.disabled_reason.as_deref()).clicked()
    }
}

/// Which footer button the administrator chose, by click or key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogAnswer {
    /// OK (or the dialog's own word for it), or Enter.
    Ok,
    /// Cancel, or Escape.
    Cancel,
}

/// The footer a dialog's body draws last.
pub struct DialogFooter<'a> {
    ok: Option<&'a DialogButton>,
    cancel: &'a DialogButton,
    enabled: bool,
    answer: Option<DialogAnswer>,
}

impl DialogFooter<'_> {
    /// A separator, then `above` (a hint, a progress bar), then one row: `left` (a status
    /// text) and, right-aligned, Cancel and OK.
    pub fn ui(&mut self, ui: &mut Ui, above: impl FnOnce(&mut Ui), left: impl FnOnce(&mut Ui)) {
        ui.separator();
        above(ui);
        ui.horizontal(|ui| {
            left(ui);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if self.cancel.ui(ui, self.enabled) {
                    self.answer = Some(DialogAnswer::Cancel);
                }
                if let Some(ok) = self.ok
                    && ok.ui(ui, self.enabled)
                {
                    self.answer = Some(DialogAnswer::Ok);
                }
            });
        });
    }
}

/// A modal dialog: build it each frame, then [`Dialog::show`] it.
pub struct Dialog {
    id: Id,
    title: String,
    width: f32,
    ok: Option<DialogButton>,
    cancel: DialogButton,
    keys: bool,
    buttons: bool,
}

/// What a shown dialog gave back.
pub struct DialogResponse<R> {
    /// What the body returned.
    pub inner: R,
    /// The footer button chosen this frame, if any.
    pub answer: Option<DialogAnswer>,
}

impl Dialog {
    /// A dialog titled `title`, `width` points wide, with a plain Cancel button.
    pub fn new(id_salt: &'static str, title: impl Into<String>, width: f32) -> Self {
        Self {
            id: Id::unique(id_salt),
            title: title.into(),
            width,
            ok: None,
            cancel: DialogButton::new("Cancel"),
            keys: true,
            buttons: true,
        }
    }

    /// The affirmative button (OK, Add, ...). Enter presses it while it is enabled and no
    /// focused control takes Enter for itself.
    pub fn ok(mut self, button: DialogButton) -> Self {
        self.ok = Some(button);
        self
    }

    /// The dismissing button; Escape presses it.
    pub fn cancel(mut self, button: DialogButton) -> Self {
        self.cancel = button;
        self
    }

    /// Turns Enter and Escape off, e.g. while another dialog covers this one.
    pub fn keys(mut self, enabled: bool) -> Self {
        self.keys = enabled;
        self
    }

    /// Disables both footer buttons, e.g. while a save that cannot be abandoned runs.
    pub fn buttons(mut self, enabled: bool) -> Self {
        self.buttons = enabled;
        self
    }

    /// Draws the dialog. The body draws its content and then `footer.ui(...)`.
    pub fn show<R>(
        self,
        ctx: &egui::Context,
        body: impl FnOnce(&mut Ui, &mut DialogFooter<'_>) -> R,
    ) -> DialogResponse<R> {
        remember_focus_before(ctx, self.id);
        let mut footer = DialogFooter {
            ok: self.ok.as_ref(),
            cancel: &self.cancel,
            enabled: self.buttons,
            answer: None,
        };
        // Screen readers announce a modal dialog by its title when focus enters it; egui
        // already gives the modal's area the dialog role.
        let area = Modal::default_area(self.id).accessible_name(self.title.as_str());
        let modal = Modal::new(self.id).area(area).show(ctx, |ui| {
            ctx.accesskit_node_builder(self.id, egui::accesskit::Node::set_modal);
            ui.set_width(self.width);
            ui.heading(&self.title);
            body(ui, &mut footer)
        });
        let mut answer = footer.answer;
        // Only the top dialog takes keys, and not while a popup in it is open. Unlike
        // `ModalResponse::should_close`, a click on the backdrop never closes a dialog, so a
        // stray click never throws away what was typed.
        let keys = answer.is_none()
            && self.keys
            && self.buttons
            && modal.is_top_modal
            && !modal.any_popup_open;
        if keys && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            answer = Some(DialogAnswer::Cancel);
        }
        // A focused check box, link or button takes Enter as a click; a single-line text
        // field gives its focus up on Enter, so Enter there submits the dialog.
        let ok_enabled = self.ok.as_ref().is_some_and(DialogButton::is_enabled);
        if keys
            && answer.is_none()
            && ok_enabled
            && ctx.memory(|m| m.focused()).is_none()
            && ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter))
        {
            answer = Some(DialogAnswer::Ok);
        }
        DialogResponse {
            inner: modal.inner,
            answer,
        }
    }
}

/// Where the focus goes back to when the dialog `id_salt` closes, kept in egui's memory from
/// the frame it first showed.
#[derive(Clone, Copy, Debug)]
struct FocusBefore(Option<Id>);

fn focus_before_key(dialog: Id) -> Id {
    dialog.with("focus_before")
}

fn remember_focus_before(ctx: &egui::Context, dialog: Id) {
    let key = focus_before_key(dialog);
    if ctx.data(|d| d.get_temp::<FocusBefore>(key)).is_none() {
        let focused = ctx.memory(|m| m.focused());
        ctx.data_mut(|d| d.insert_temp(key, FocusBefore(focused)));
    }
}

/// Call when the dialog `id_salt` closes: the focus goes back to where it was before the
/// dialog opened, or to `instead` when given (the opener may be gone, like a context menu).
pub fn dialog_closed(ctx: &egui::Context, id_salt: &'static str, instead: Option<Id>) {
    let key = focus_before_key(Id::unique(id_salt));
    let before = ctx.data(|d| d.get_temp::<FocusBefore>(key));
    ctx.data_mut(|d| d.remove::<FocusBefore>(key));
    if let Some(target) = instead.or(before.and_then(|b| b.0)) {
        ctx.data_mut(|d| d.insert_temp(pending_focus_key(), PendingFocus(target, 2)));
    }
}

/// Focus waiting to be given back, and in how many frames: egui keeps focus out of a layer
/// that was under a modal the frame before, so it is requested two frames later.
#[derive(Clone, Copy, Debug)]
struct PendingFocus(Id, u8);

fn pending_focus_key() -> Id {
    Id::unique("pending_focus_return")
}

/// Gives focus back to the widget a closed dialog came from; call once at the start of every
/// frame.
pub fn give_back_focus(ctx: &egui::Context) {
    let Some(PendingFocus(target, frames)) =
        ctx.data(|d| d.get_temp::<PendingFocus>(pending_focus_key()))
    else {
        return;
    };
    if frames == 0 {
        ctx.memory_mut(|m| m.request_focus(target));
        ctx.data_mut(|d| d.remove::<PendingFocus>(pending_focus_key()));
    } else {
        ctx.data_mut(|d| d.insert_temp(pending_focus_key(), PendingFocus(target, frames - 1)));
        ctx.request_repaint();
    }
}
