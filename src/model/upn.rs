//! User principal names: compared without regard to case, as Microsoft Entra ID does, and
//! indexed without keeping a lower-cased copy of each.

/// Something with a UPN, as the index keeps it by position (a directory's users).
pub trait HasUpn {
    /// The user principal name.
    fn upn(&self) -> &str;
}

/// True when two UPNs are the same account: Microsoft Entra ID compares them without regard
/// to case.
pub fn same_upn(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// UPN to position in `users`, compared without regard to case, without keeping a
/// lower-cased copy of each UPN (a million users would spend about 80 MB on the copies).
#[derive(Clone, Default)]
pub(super) struct UpnIndex {
    table: hashbrown::HashTable<usize>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl std::fmt::Debug for UpnIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpnIndex")
            .field("users", &self.table.len())
            .finish()
    }
}

impl UpnIndex {
    /// The hash of the lower-cased UPN; ASCII UPNs (nearly all) are lower-cased on the
    /// stack, in one pass.
    fn hash(hasher: &hashbrown::DefaultHashBuilder, upn: &str) -> u64 {
        use std::hash::BuildHasher as _;
        let mut buffer = [0_u8; 128];
        if upn.is_ascii() && upn.len() <= buffer.len() {
            let lowered = &mut buffer[..upn.len()];
            lowered.copy_from_slice(upn.as_bytes());
            lowered.make_ascii_lowercase();
            hasher.hash_one(&*lowered)
        } else {
            hasher.hash_one(upn.to_lowercase().as_bytes())
        }
    }

    pub(super) fn find(&self, users: &[impl HasUpn], upn: &str) -> Option<usize> {
        self.table
            .find(Self::hash(&self.hasher, upn), |&i| {
                same_upn(users[i].upn(), upn)
            })
            .copied()
    }

    /// Adds `users[position]`; false when its UPN is already there.
    pub(super) fn insert(&mut self, users: &[impl HasUpn], position: usize) -> bool {
        let upn = users[position].upn();
        let hasher = &self.hasher;
        match self.table.entry(
            Self::hash(hasher, upn),
            |&i| same_upn(users[i].upn(), upn),
            |&i| Self::hash(hasher, users[i].upn()),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(position);
                true
            }
        }
    }
}

impl UpnIndex {
    /// Makes room for `additional` users at once.
    pub(super) fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional, |_| 0);
    }
}
