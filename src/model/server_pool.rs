//! The saved pool of backup accounts against the backup server's: who is only on the server,
//! who is only saved, who is on both, and whether the server uses another group. Accounts
//! are compared by UPN without regard to case, as Microsoft Entra ID and the server do.

use std::collections::{BTreeMap, HashSet};

use super::upn::same_upn;

/// How the backup server's pool of one organization stands against the saved one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolComparison {
    /// Saved and on the server: an apply keeps them (their passwords are sent again).
    pub on_both: Vec<String>,
    /// Saved, not on the server: an apply adds them.
    pub only_saved: Vec<String>,
    /// On the server, not saved: an apply removes them (consent needed, as R14).
    pub only_on_server: Vec<String>,
    /// The server's pool uses other groups than the saved one: their names.
    pub other_groups: Vec<String>,
}

impl PoolComparison {
    /// Compares the saved accounts with the server's (`server`: login and group name of each).
    /// `saved_group` is the saved group's name; `server` entries of another group are named
    /// in [`PoolComparison::other_groups`].
    pub fn new(saved: &[String], saved_group: Option<&str>, server: &[(String, String)]) -> Self {
        let lowered = |upn: &String| upn.to_lowercase();
        let on_server: HashSet<String> = server.iter().map(|(login, _)| lowered(login)).collect();
        let saved_set: HashSet<String> = saved.iter().map(lowered).collect();
        let mut comparison = Self::default();
        for upn in saved {
            if on_server.contains(&lowered(upn)) {
                comparison.on_both.push(upn.clone());
            } else {
                comparison.only_saved.push(upn.clone());
            }
        }
        for (login, group) in server {
            if !saved_set.contains(&lowered(login)) {
                comparison.only_on_server.push(login.clone());
            }
            let same_group = saved_group.is_some_and(|g| g == group);
            if !same_group && !comparison.other_groups.contains(group) {
                comparison.other_groups.push(group.clone());
            }
        }
        for list in [
            &mut comparison.on_both,
            &mut comparison.only_saved,
            &mut comparison.only_on_server,
        ] {
            list.sort_by_key(|upn| upn.to_lowercase());
            list.dedup_by(|a, b| same_upn(a, b));
        }
        comparison.other_groups.sort();
        comparison
    }

    /// True when the server's pool is the saved one.
    pub fn matches(&self) -> bool {
        self.only_saved.is_empty() && self.only_on_server.is_empty() && self.other_groups.is_empty()
    }

    /// The differences in one sentence, or "matches the saved selection".
    pub fn summary(&self) -> String {
        if self.matches() {
            return "matches the saved selection".to_owned();
        }
        let mut parts = Vec::new();
        if !self.only_on_server.is_empty() {
            parts.push(format!(
                "only on the server: {}",
                self.only_on_server.join(", ")
            ));
        }
        if !self.only_saved.is_empty() {
            parts.push(format!("only saved: {}", self.only_saved.join(", ")));
        }
        if !self.other_groups.is_empty() {
            parts.push(format!(
                "the server uses another group: {}",
                self.other_groups.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// Where one organization of the directory stands on the backup server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerStanding {
    /// The server has no organization with this tenant id.
    NotOnServer,
    /// On the server with modern app-only authentication: backup accounts never go there
    /// (R1); its backup applications as (application id, name).
    AppOnly {
        /// The application it was added with, as the server says.
        added_with_application: Option<String>,
        /// The server's backup applications.
        applications: Vec<(String, String)>,
    },
    /// On the server with an account: its pool against the saved one.
    Pool {
        /// The account it was added with, as the server says.
        added_by: Option<String>,
        /// The server's pool against the saved one.
        comparison: PoolComparison,
    },
}

impl ServerStanding {
    /// The standing in one line, for the details pane and screen readers.
    pub fn summary(&self) -> String {
        match self {
            Self::NotOnServer => "Not on the backup server.".to_owned(),
            Self::AppOnly { applications, .. } => format!(
                "On the backup server with modern app-only authentication ({} backup \
                 application{}); backup accounts are never sent to it (R1).",
                applications.len(),
                if applications.len() == 1 { "" } else { "s" }
            ),
            Self::Pool { comparison, .. } if comparison.matches() => format!(
                "On the backup server; its pool matches the saved selection ({} account{}).",
                comparison.on_both.len(),
                if comparison.on_both.len() == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            Self::Pool { comparison, .. } => {
                format!(
                    "On the backup server; its pool differs: {}.",
                    comparison.summary()
                )
            }
        }
    }
}

/// What the last look at the backup server found, per organization id of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerFacts {
    /// `host:port`.
    pub server: String,
    /// When it was read.
    pub read_at: jiff::Timestamp,
    /// Per organization id, or why the server could not be read.
    pub standings: Result<BTreeMap<super::OrganizationId, ServerStanding>, String>,
}

impl ServerFacts {
    /// The server at `server` could not be read, for `reason`, now.
    pub fn unreadable(server: &str, reason: String) -> Self {
        Self {
            server: server.to_owned(),
            read_at: jiff::Timestamp::now(),
            standings: Err(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn accounts_are_compared_without_regard_to_case_and_groups_by_name() {
        let saved = strings(&["alice@contoso.com", "Bob@contoso.com"]);
        let server = vec![
            ("ALICE@contoso.com".to_owned(), "Backup".to_owned()),
            ("carol@contoso.com".to_owned(), "Old backup".to_owned()),
        ];
        let comparison = PoolComparison::new(&saved, Some("Backup"), &server);
        assert_eq!(comparison.on_both, strings(&["alice@contoso.com"]));
        assert_eq!(comparison.only_saved, strings(&["Bob@contoso.com"]));
        assert_eq!(comparison.only_on_server, strings(&["carol@contoso.com"]));
        assert_eq!(comparison.other_groups, strings(&["Old backup"]));
        assert!(!comparison.matches());
        assert_eq!(
            comparison.summary(),
            "only on the server: carol@contoso.com; only saved: Bob@contoso.com; the server \
             uses another group: Old backup"
        );

        let same = PoolComparison::new(
            &saved,
            Some("Backup"),
            &[
                ("bob@CONTOSO.com".to_owned(), "Backup".to_owned()),
                ("alice@contoso.com".to_owned(), "Backup".to_owned()),
            ],
        );
        assert!(same.matches(), "{same:?}");
        assert_eq!(same.summary(), "matches the saved selection");
    }
}
