//! Backup Accounts: choose the auxiliary backup accounts of Microsoft 365 organizations and
//! keep their passwords in the operating system's keyring.
//!
//! `model` and `store` hold the domain and persistence and never touch egui; `state` is the
//! one shared application state; `app` and `ui` draw it.

pub mod app;
pub mod cli;
#[cfg(feature = "testing")]
pub mod fuzzing;
#[cfg(feature = "testing")]
pub mod generate;
#[warn(missing_docs)]
pub mod model;
pub mod state;
#[warn(missing_docs)]
pub mod store;
pub mod ui;
