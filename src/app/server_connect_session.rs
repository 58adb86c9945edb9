//! Connect to Backup Server: the form, the sign-in on the `vb365-connect` worker, the
//! certificate question when the server's certificate does not chain to the system roots,
//! and the server saved once signed in.

use crate::model::Password;
use crate::state::AppState;
use crate::store::vb365::{
    self, BackupServerSettings, Fingerprint, ServerCertificate, ServerError,
};
use crate::ui::server_certificate::{self, CertificateFacts, certificate_ui};
use crate::ui::server_connect::{self, ConnectForm, ConnectStatus};
use crate::ui::{Action, ActionSender, ServerAction, modal};

use super::event::WorkerEvent;
use super::job::Job;
use super::session::{Closing, FollowUp, Session, SessionContext, Step};

/// A sign-in attempt's outcome, with the password handed back for a retry after pinning.
type Attempt = (Result<BackupServerSettings, ServerError>, Password);

/// What the attempt was for.
#[derive(Debug)]
struct Target {
    address: String,
    user: String,
}

/// The connect dialog and its work.
#[derive(Debug)]
pub struct ServerConnectSession {
    form: ConnectForm,
    error: Option<String>,
    target: Option<Target>,
    job: Option<Job<Attempt>>,
    /// A certificate to pin or refuse, with the password to retry with.
    question: Option<(ServerCertificate, Password)>,
}

impl ServerConnectSession {
    /// The dialog, filled with the saved server and user.
    pub fn new(state: &AppState) -> Self {
        let saved = state.backup_server();
        Self {
            form: ConnectForm::new(
                saved.map(|s| s.address.as_str()),
                saved.map(|s| s.user.as_str()),
            ),
            error: None,
            target: None,
            job: None,
            question: None,
        }
    }

    fn start(&mut self, cx: &SessionContext<'_>, password: Password, pin: Option<Fingerprint>) {
        let Some(target) = &self.target else {
            return;
        };
        let secrets = match cx.state.server_secrets() {
            Ok(secrets) => secrets,
            Err(e) => {
                self.error = Some(e.to_string());
                return;
            }
        };
        let (address, user) = (target.address.clone(), target.user.clone());
        let spawned = Job::spawn("vb365-connect", 0, cx.events, move |progress| {
            let result = vb365::connect(&address, &user, &password, pin, secrets.clone());
            if progress.is_cancelled()
                && let Ok(settings) = &result
                && let Ok(client) = settings.client(secrets)
            {
                // Cancelled while signing in: the new session is ended, not left behind.
                let _ = client.disconnect();
            }
            (result, password)
        });
        match spawned {
            Ok(job) => {
                self.error = None;
                self.job = Some(job);
            }
            Err(e) => self.error = Some(format!("Could not start connecting: {e}")),
        }
    }

    fn closing(banner: Option<(String, bool)>) -> Closing {
        Closing {
            dialog: server_connect::DIALOG_ID,
            banner,
            ..Closing::default()
        }
    }
}

impl Session for ServerConnectSession {
    fn ui(&mut self, ctx: &egui::Context, sender: &ActionSender) {
        let step = self
            .job
            .as_ref()
            .map(|_| "Signing in to the backup server...");
        let status = ConnectStatus {
            busy: step,
            error: self.error.as_deref(),
        };
        self.form.ui(ctx, &status, sender);
        if let (Some((certificate, _)), Some(target)) = (&self.question, &self.target) {
            let (fingerprint, validity) =
                (certificate.fingerprint.to_string(), certificate.validity());
            let subject = crate::model::text::quoted_from_outside(&certificate.subject, 200);
            let address = vb365::ServerAddress::parse(&target.address)
                .map_or_else(|_| target.address.clone(), |a| a.host_port());
            let facts = CertificateFacts {
                server: &address,
                fingerprint: &fingerprint,
                subject: &subject,
                validity: &validity,
            };
            certificate_ui(ctx, &facts, sender);
        }
    }

    fn apply(&mut self, cx: &mut SessionContext<'_>, action: Action) -> Result<Step, Action> {
        let Action::Server(action) = action else {
            return Err(action);
        };
        match action {
            ServerAction::Connect {
                address,
                user,
                password,
            } if self.job.is_none() => {
                self.target = Some(Target { address, user });
                self.start(cx, password, None);
            }
            ServerAction::PinCertificate => {
                if let Some((certificate, password)) = self.question.take() {
                    modal::dialog_closed(cx.ctx, server_certificate::DIALOG_ID, None);
                    self.start(cx, password, Some(certificate.fingerprint));
                }
            }
            ServerAction::RefuseCertificate => {
                self.question = None;
                modal::dialog_closed(cx.ctx, server_certificate::DIALOG_ID, None);
                self.error = Some(
                    "The certificate was not pinned, so nothing was sent to the server.".into(),
                );
            }
            ServerAction::Cancel => {
                if let Some(job) = &self.job {
                    job.cancel();
                }
                ConnectForm::forget_field_state(cx.ctx);
                return Ok(Step::Close(Self::closing(None)));
            }
            _ => {}
        }
        Ok(Step::Stay)
    }

    /// The sign-in's end: connected, the dialog closes; an unknown certificate is asked
    /// about; a refusal stays with its reason.
    fn take_event(
        &mut self,
        cx: &mut SessionContext<'_>,
        event: WorkerEvent,
    ) -> Result<Step, WorkerEvent> {
        let Ok((result, password)) = Job::result_of(&mut self.job, event)? else {
            self.error = Some("Connecting stopped unexpectedly; nothing was saved.".into());
            return Ok(Step::Stay);
        };
        Ok(match result {
            Ok(settings) => {
                ConnectForm::forget_field_state(cx.ctx);
                let banner = match cx.state.save_backup_server(Some(settings.clone())) {
                    Ok(()) => (
                        format!(
                            "Connected to the backup server {} as {}.",
                            settings.address, settings.user
                        ),
                        false,
                    ),
                    Err(e) => (e.to_string(), true),
                };
                let mut closing = Self::closing(Some(banner));
                closing.then = Some(FollowUp::RefreshServer);
                Step::Close(closing)
            }
            Err(ServerError::UntrustedCertificate { certificate, .. }) => {
                self.question = Some((*certificate, password));
                Step::Stay
            }
            Err(e) => {
                self.error = Some(e.to_string());
                Step::Stay
            }
        })
    }
}
