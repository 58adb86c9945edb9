//! Backup Accounts: choose the auxiliary backup accounts of Microsoft 365 organizations and
//! keep their passwords in the operating system's keyring.
//!
//! `model` and `store` hold the domain and persistence and never touch egui; `state` is the
//! one shared application state; `app` and `ui` draw it.

#![warn(missing_docs)]

pub mod app;
pub mod fuzzing;
pub mod generate;
pub mod model;
pub mod state;
pub mod store;
pub mod ui;
