//! A password that wipes its memory and never prints itself.

use zeroize::Zeroizing;

/// A secret typed by the administrator for one backup account.
///
/// The text is zeroed when the value is dropped, and neither `Debug` nor `Display`
/// ever shows it (R10). It is deliberately not `Clone`, `Serialize` or `Display`,
/// so it cannot be copied into a configuration file or a log by accident.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Takes ownership of the text; the caller's `String` is moved, not copied.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The secret text, for handing to the keyring and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when nothing was typed (R8 refuses such a password).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A copy that is wiped too; used when a secret must be restored after a failed commit.
    pub fn duplicate(&self) -> Self {
        Self(Zeroizing::new(self.0.as_str().to_owned()))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let password = Password::new("hunter2-very-secret".to_owned());
        let printed = format!("{password:?} {password:#?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("redacted"));
    }
}
