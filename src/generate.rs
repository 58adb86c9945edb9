//! A deterministic generator of large directory snapshots, for benchmarks and for trying the
//! app on enterprise-sized tenants (`cargo run --release --features testing --example generate_directory`).

// A generator that cannot build its own tenant is a bug to stop at once.
#![allow(clippy::expect_used)]

use std::fmt::Write as _;

use crate::model::{AuthenticationMethod, Directory, Group, Member, Organization, User};

/// How big a tenant to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantSize {
    /// Users in the tenant.
    pub users: usize,
    /// Groups in the tenant (at least 3: the big nested backup group, its parts and All Users).
    pub groups: usize,
}

impl TenantSize {
    /// A few hundred users, for tests.
    pub const S: Self = Self {
        users: 2_000,
        groups: 200,
    };
    /// 200,000 users and 20,000 groups.
    pub const L: Self = Self {
        users: 200_000,
        groups: 20_000,
    };
    /// 1,000,000 users and 100,000 groups.
    pub const XL: Self = Self {
        users: 1_000_000,
        groups: 100_000,
    };
}

/// The id of the deeply nested group whose resolved membership is 50,000 users (or all
/// users in a smaller tenant).
pub const BIG_GROUP_ID: &str = "big-backup-group";
/// The id of the tenant's only organization.
pub const ORGANIZATION_ID: &str = "enterprise";
/// How deep the big group nests.
pub const BIG_GROUP_DEPTH: usize = 50;

/// xorshift64*: small, fast and the same on every machine.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const FIRST: [&str; 16] = [
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nora", "Omar", "Priya",
];
const LAST: [&str; 16] = [
    "Almeida", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Petrov",
];
const TEAMS: [&str; 12] = [
    "Finance",
    "Sales",
    "Engineering",
    "Support",
    "Legal",
    "Marketing",
    "Operations",
    "HR",
    "Research",
    "Facilities",
    "Security",
    "Procurement",
];

fn upn(index: usize) -> String {
    format!("user{index:07}@enterprise.example")
}

/// A tenant of the given size: 3% guests, 2% disabled, 40% with MFA; groups of every kind
/// (about 60% security, 10% mail-enabled security, 15% Microsoft 365, 15% distribution),
/// mostly small with a long tail, a fifth of the security groups nesting others, an
/// "All Users" dynamic group, and [`BIG_GROUP_ID`]: 50,000 users through
/// [`BIG_GROUP_DEPTH`] levels of nesting.
pub fn tenant(size: TenantSize) -> Directory {
    let mut random = Random(0x5DEE_CE66_D1CE_4E5B);
    let users = users(size, &mut random);
    let mut groups = Vec::with_capacity(size.groups);
    groups.extend(big_group_chain(size));
    groups.push(Group {
        id: "all-users".into(),
        display_name: "All Users".to_owned(),
        security_enabled: true,
        mail_enabled: false,
        group_types: vec!["DynamicMembership".to_owned()],
        membership_rule: Some("(user.objectId -ne null)".to_owned()),
        // Membership of the dynamic group is not listed; the rule alone marks it.
        members: Vec::new(),
    });
    let first_plain = groups.len();
    for g in first_plain..size.groups.max(first_plain) {
        groups.push(plain_group(size, g, first_plain, &mut random));
    }
    let organization = Organization::new(
        ORGANIZATION_ID.to_owned(),
        "Enterprise Example".to_owned(),
        AuthenticationMethod::ModernWithLegacyProtocols,
        upn(0),
        users,
        groups,
    )
    // Every reference above points at a user or group created above.
    .expect("the generated tenant is consistent");
    Directory {
        organizations: vec![organization],
    }
}

fn users(size: TenantSize, random: &mut Random) -> Vec<User> {
    (0..size.users)
        .map(|i| User {
            upn: upn(i).into(),
            display_name: format!(
                "{} {} {i}",
                FIRST[random.below(FIRST.len())],
                LAST[random.below(LAST.len())]
            ),
            mfa_enabled: random.chance(40),
            guest: random.chance(3),
            enabled: !random.chance(2),
        })
        .collect()
}

/// The big group: a chain of [`BIG_GROUP_DEPTH`] groups, each holding its share of the
/// 50,000 users and the next link.
fn big_group_chain(size: TenantSize) -> Vec<Group> {
    let big_members = size.users.min(50_000);
    let per_level = big_members.div_ceil(BIG_GROUP_DEPTH);
    (0..BIG_GROUP_DEPTH)
        .map(|level| {
            let first = level * per_level;
            let mut members: Vec<Member> = (first..(first + per_level).min(big_members))
                .map(|u| Member::User(upn(u).into()))
                .collect();
            if level + 1 < BIG_GROUP_DEPTH {
                members.push(Member::Group(
                    format!("big-backup-group-level-{}", level + 1).into(),
                ));
            }
            Group {
                id: if level == 0 {
                    BIG_GROUP_ID.into()
                } else {
                    format!("big-backup-group-level-{level}").into()
                },
                display_name: if level == 0 {
                    "SharePoint Backup Accounts (50k)".to_owned()
                } else {
                    format!("Backup Accounts Part {level}")
                },
                security_enabled: true,
                mail_enabled: false,
                group_types: Vec::new(),
                membership_rule: None,
                members,
            }
        })
        .collect()
}

/// Group number `g` of every kind, mostly small, now and then nesting earlier ones.
fn plain_group(size: TenantSize, g: usize, first_plain: usize, random: &mut Random) -> Group {
    let kind = random.below(100);
    let (security_enabled, mail_enabled, group_types) = match kind {
        0..60 => (true, false, Vec::new()),
        60..70 => (true, true, Vec::new()),
        70..85 => (false, true, vec!["Unified".to_owned()]),
        _ => (false, true, Vec::new()),
    };
    // Mostly 2-20 members, a few hundred now and then.
    let count = if random.chance(2) {
        100 + random.below(400)
    } else {
        2 + random.below(19)
    };
    let mut members: Vec<Member> = (0..count)
        .map(|_| Member::User(upn(random.below(size.users)).into()))
        .collect();
    if security_enabled && !mail_enabled && g > first_plain && random.chance(20) {
        for _ in 0..1 + random.below(3) {
            let nested = first_plain + random.below(g - first_plain);
            members.push(Member::Group(format!("group-{nested:06}").into()));
        }
    }
    let mut display_name = String::new();
    let _ = write!(
        display_name,
        "{} {} {g}",
        TEAMS[random.below(TEAMS.len())],
        ["Team", "Project", "Readers", "Owners", "Site Members"][random.below(5)]
    );
    Group {
        id: format!("group-{g:06}").into(),
        display_name,
        security_enabled,
        mail_enabled,
        group_types,
        membership_rule: None,
        members,
    }
}

/// The tenant as RON snapshot text.
pub fn tenant_ron(size: TenantSize) -> String {
    ron::ser::to_string_pretty(
        &tenant(size),
        ron::ser::PrettyConfig::new()
            .struct_names(false)
            .compact_arrays(true)
            .indentor(""),
    )
    .expect("plain strings and numbers serialize")
}
