//! The directory's ids as types of their own, so an organization id is never passed where a
//! group id belongs. Each is the text Microsoft (or the snapshot) gave, stored as is: in
//! files they are plain strings (`serde(transparent)`), and they read as `&str`.
//! [`Upn`] compares, orders and hashes without regard to case, as Microsoft Entra ID does.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use super::upn::same_upn;

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as given.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        // Exact ids hash and compare as their text does, so maps keyed by them are
        // searched with a `&str`. (Not for `Upn`, which ignores case.)
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        text_id!(@common $name);
    };
    (@common $name:ident) => {
        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                *self == **other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                *self == **other
            }
        }
    };
}

text_id!(
    /// An organization's id: the Microsoft 365 tenant id, or the snapshot's name for it.
    OrganizationId
);
text_id!(
    /// A group's object id in Microsoft Entra ID.
    GroupId
);
text_id!(
    /// An application's (client) id in Microsoft Entra ID.
    AppId
);

/// A user principal name, e.g. `alice@contoso.com`, kept as written; two UPNs that differ
/// only in case are the same account.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Upn(String);

impl Upn {
    /// The UPN as written.
    pub fn new(upn: impl Into<String>) -> Self {
        Self(upn.into())
    }

    /// The UPN's text, as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-cased form, as keyring items and sets of seen accounts key it.
    pub fn lowercase(&self) -> String {
        self.0.to_lowercase()
    }

    fn folded(&self) -> impl Iterator<Item = char> + '_ {
        self.0.chars().flat_map(char::to_lowercase)
    }
}

text_id!(@common Upn);

impl PartialEq for Upn {
    fn eq(&self, other: &Self) -> bool {
        same_upn(&self.0, &other.0)
    }
}

impl Eq for Upn {}

impl PartialEq<str> for Upn {
    fn eq(&self, other: &str) -> bool {
        same_upn(&self.0, other)
    }
}

impl Hash for Upn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.folded() {
            c.hash(state);
        }
    }
}

impl PartialOrd for Upn {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Upn {
    fn cmp(&self, other: &Self) -> Ordering {
        self.folded().cmp(other.folded())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn upns_are_one_account_whatever_their_case_and_ids_are_exact() {
        let upn = Upn::new("Alice@Contoso.com");
        assert_eq!(upn, Upn::new("alice@contoso.com"));
        assert_eq!(upn, "ALICE@CONTOSO.COM");
        assert_eq!(upn.to_string(), "Alice@Contoso.com", "shown as written");
        let set: HashSet<Upn> = [upn.clone(), Upn::new("alice@CONTOSO.com")].into();
        assert_eq!(set.len(), 1, "hashed without regard to case");
        assert!(
            Upn::new("bob@contoso.com") > upn,
            "ordered without regard to case"
        );
        assert_eq!(
            serde_json::to_string(&upn).unwrap_or_default(),
            "\"Alice@Contoso.com\""
        );

        assert_ne!(GroupId::new("Abc"), GroupId::new("abc"), "ids are exact");
        assert_eq!(OrganizationId::new("contoso"), "contoso");
        assert_eq!(&*AppId::new("5b1f"), "5b1f");
    }
}
