//! The backup server presented a certificate this computer does not trust (the product
//! installs a self-signed one): its fingerprint, subject and validity, to compare with the
//! server's before pinning it, as SSH asks on a first connection.

use egui::RichText;

use super::action::{ActionSender, ServerAction};
use super::modal::{Dialog, DialogAnswer, DialogButton};
use super::tokens;

/// The dialog's id, for its frame and its focus hand-back.
pub const DIALOG_ID: &str = "server_certificate";

/// What the dialog shows of the certificate, in words.
#[derive(Debug)]
pub struct CertificateFacts<'a> {
    /// `host:port`.
    pub server: &'a str,
    /// SHA-256 fingerprint, `AB:CD:...`.
    pub fingerprint: &'a str,
    /// The subject, escaped.
    pub subject: &'a str,
    /// "valid ... to ...".
    pub validity: &'a str,
}

/// Draws the question.
pub fn certificate_ui(ctx: &egui::Context, facts: &CertificateFacts<'_>, sender: &ActionSender) {
    let dialog = Dialog::new(
        DIALOG_ID,
        "Trust This Certificate?",
        tokens::DIALOG_WIDTH_MESSAGE,
    )
    .ok(DialogButton::new("Pin and connect").named("Pin the certificate and connect"))
    .cancel(DialogButton::new("Do not connect"));
    let response = dialog.show(ctx, |ui, footer| {
        ui.label(format!(
            "{} presented a certificate that does not chain to this computer's trusted roots. \
             Veeam Backup for Microsoft 365 installs a self-signed certificate by default.",
            facts.server
        ));
        ui.add_space(tokens::GAP);
        egui::Grid::new("server_certificate_facts")
            .num_columns(2)
            .spacing([tokens::GAP * 2.0, tokens::GAP])
            .show(ui, |ui| {
                ui.label("SHA-256 fingerprint:");
                ui.label(RichText::new(facts.fingerprint).monospace());
                ui.end_row();
                ui.label("Subject:");
                ui.label(facts.subject);
                ui.end_row();
                ui.label("Validity:");
                ui.label(facts.validity);
                ui.end_row();
            });
        ui.add_space(tokens::GAP);
        ui.label(
            "Compare the fingerprint with the server's certificate (console: General Options > \
             REST API) before you pin it. Once pinned, only this certificate is accepted; a \
             different one is refused with both fingerprints.",
        );
        footer.ui(ui, |_| {}, |_| {});
    });
    match response.answer {
        Some(DialogAnswer::Ok) => sender.send(ServerAction::PinCertificate),
        Some(DialogAnswer::Cancel) => sender.send(ServerAction::RefuseCertificate),
        None => {}
    }
}
