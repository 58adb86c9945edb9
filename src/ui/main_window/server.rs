//! The details pane's part about the backup server: where the selected organization stands
//! there, from the last look at the server (never a network call while drawing), and *Apply
//! to backup server...*.

use egui::RichText;

use super::MainWindowData;
use crate::model::Organization;
use crate::model::server_pool::ServerStanding;
use crate::ui::action::ActionSender;
use crate::ui::command::{OrganizationCommand, OrganizationContext};
use crate::ui::{a11y, error_text, tokens};

/// The organization on the backup server, and the command that applies the saved pool.
pub(super) fn server_ui(
    ui: &mut egui::Ui,
    data: &MainWindowData<'_>,
    organization: &Organization,
    context: OrganizationContext,
    sender: &ActionSender,
) {
    ui.add_space(tokens::SECTION_GAP);
    let server = data
        .server
        .map_or("the backup server", |f| f.server.as_str());
    ui.strong(format!("Backup server {server}"));
    let text = match data.server.map(|f| &f.standings) {
        None if data.server_reading => RichText::new("Reading the backup server..."),
        None => RichText::new("Not read yet: use File > Refresh from backup server.").weak(),
        Some(Err(reason)) => error_text(ui, format!("Could not be read: {reason}")),
        Some(Ok(standings)) => match standings.get(organization.id.as_str()) {
            Some(standing @ ServerStanding::Pool { comparison, .. }) if !comparison.matches() => {
                RichText::new(standing.summary()).color(ui.visuals().warn_fg_color)
            }
            Some(standing) => RichText::new(standing.summary()),
            None => RichText::new("Not read yet: use File > Refresh from backup server.").weak(),
        },
    };
    let label = ui.label(text);
    // Screen readers hear when the standing arrives or changes.
    a11y::live(ui.ctx(), label.id, false);
    if let Some(read_at) = data.server.map(|f| f.read_at) {
        label.on_hover_text(format!(
            "Read at {}",
            read_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        ));
    }
    let command = OrganizationCommand::ApplyToServer;
    if command.disabled_reason(organization, context).is_none() {
        command.button_ui(ui, organization, context, sender);
    }
}
