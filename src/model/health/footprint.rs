//! Who holds the Site Collection Administrator role through a group (R4), and how.

use std::collections::{HashMap, HashSet};

use crate::model::directory::Organization;
use crate::model::group::Member;

/// A user who holds the Site Collection Administrator role through the chosen group, and the
/// group through which they are a member (the path is rebuilt from [`RoleFootprint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoleHolder {
    /// Index into the organization's users.
    pub user_index: usize,
    /// Index into the organization's groups of the group that lists the user directly.
    pub via_group: usize,
}

/// Everyone who gets the role through an organization's chosen group (R4), nested groups
/// resolved, guests and disabled users included.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleFootprint {
    /// One per user, in display-name order.
    pub holders: Vec<RoleHolder>,
    /// For each nested group reached, the group it was reached from (breadth first, so the
    /// shortest path).
    parent_group: HashMap<usize, usize>,
}

impl RoleFootprint {
    /// Resolves the group's members with the path to each.
    pub fn of(organization: &Organization, group_id: &str) -> Self {
        let Some(start) = organization.group_index(group_id) else {
            return Self::default();
        };
        let mut footprint = Self::default();
        let mut visited = HashSet::from([start]);
        let mut seen_users = HashSet::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(group) = queue.pop_front() {
            for member in &organization.groups[group].members {
                match member {
                    Member::User(upn) => {
                        if let Some(user_index) = organization.user_index(upn)
                            && seen_users.insert(user_index)
                        {
                            footprint.holders.push(RoleHolder {
                                user_index,
                                via_group: group,
                            });
                        }
                    }
                    Member::Group(id) => {
                        if let Some(nested) = organization.group_index(id)
                            && visited.insert(nested)
                        {
                            footprint.parent_group.insert(nested, group);
                            queue.push_back(nested);
                        }
                    }
                }
            }
        }
        footprint.holders.sort_by_cached_key(|h| {
            let user = &organization.users[h.user_index];
            (user.display_name.to_lowercase(), user.upn.to_lowercase())
        });
        footprint
    }

    /// "group > nested group > user" for a holder.
    pub fn path(&self, organization: &Organization, holder: RoleHolder) -> String {
        let mut groups = vec![holder.via_group];
        let mut current = holder.via_group;
        // Breadth-first parents form a tree, so this ends at the chosen group.
        while let Some(&parent) = self.parent_group.get(&current) {
            groups.push(parent);
            current = parent;
        }
        let mut path: Vec<&str> = groups
            .iter()
            .rev()
            .map(|&g| organization.groups[g].display_name.as_str())
            .collect();
        path.push(&organization.users[holder.user_index].upn);
        path.join(" > ")
    }
}
