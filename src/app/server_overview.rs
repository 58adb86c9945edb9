//! The last look at the backup server, for the details pane and the Health view: read on the
//! `vb365-read` worker at start-up, after a connection or an apply, and on *Refresh from
//! backup server*; drawing only ever shows what was read. *Disconnect* forgets the server at
//! once and signs out on the `vb365-sign-out` worker.

use std::sync::Arc;

use super::event::{EventSender, WorkerEvent};
use super::job::Job;
use crate::model::server_pool::ServerFacts;
use crate::state::AppState;
use crate::store::vb365::ServerError;

/// What the app knows of the backup server and the reads under way.
#[derive(Debug, Default)]
pub struct ServerOverview {
    facts: Option<Arc<ServerFacts>>,
    reading: Option<Job<ServerFacts>>,
    signing_out: Option<Job<Result<(), ServerError>>>,
    /// Counts new facts, so the Health report is computed again.
    generation: u64,
    /// A read is wanted at the next frame.
    stale: bool,
}

impl ServerOverview {
    /// Asks for a new read at the next frame.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// What the last read found.
    pub fn facts(&self) -> Option<&Arc<ServerFacts>> {
        self.facts.as_ref()
    }

    /// True while the server is read.
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// Changes whenever new facts arrive.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Starts a read when one is wanted and none runs.
    pub fn read_if_stale(&mut self, state: &AppState, events: &EventSender) {
        if self.stale && self.reading.is_none() {
            self.stale = false;
            self.start_read(state, events);
        }
    }

    /// Takes a read's or a sign-out's end: `Some` with what a sign-out that failed has to
    /// say. Any other event is given back.
    pub fn take_event(&mut self, event: WorkerEvent) -> Result<Option<String>, WorkerEvent> {
        let event = match Job::result_of(&mut self.reading, event) {
            Ok(read) => {
                self.set_facts(read.ok());
                return Ok(None);
            }
            Err(other) => other,
        };
        Ok(match Job::result_of(&mut self.signing_out, event)? {
            Ok(Err(refused)) => Some(refused.to_string()),
            Ok(Ok(())) => None,
            Err(_) => Some("the sign-out stopped unexpectedly".to_owned()),
        })
    }

    fn set_facts(&mut self, facts: Option<ServerFacts>) {
        self.facts = facts.map(Arc::new);
        self.generation += 1;
    }

    fn start_read(&mut self, state: &AppState, events: &EventSender) {
        match state.server_survey() {
            None => self.set_facts(None),
            Some(Err(unreadable)) => self.set_facts(Some(unreadable)),
            Some(Ok(survey)) => {
                match Job::spawn("vb365-read", 0, events, move |progress| {
                    survey.run(progress)
                }) {
                    Ok(job) => self.reading = Some(job),
                    Err(e) => log::error!("could not start reading the backup server: {e}"),
                }
            }
        }
    }

    /// Forgets the server: the configuration at once, the session on a worker (the server is
    /// told, then the keyring's refresh token is deleted). Returns the banner's text.
    pub fn disconnect(
        &mut self,
        state: &mut AppState,
        events: &EventSender,
    ) -> Result<String, String> {
        let Some(settings) = state.backup_server().cloned() else {
            return Ok("No backup server was connected.".to_owned());
        };
        let client = state.backup_server_client().map_err(|e| e.to_string())?;
        state.save_backup_server(None).map_err(|e| e.to_string())?;
        self.set_facts(None);
        let job = Job::spawn("vb365-sign-out", 0, events, move |_| client.disconnect());
        self.signing_out = job.ok();
        Ok(format!(
            "Disconnected from the backup server {}; its session is deleted from the keyring.",
            settings.address
        ))
    }
}
