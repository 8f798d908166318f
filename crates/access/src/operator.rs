//! Operator accounts: the people and scripts that use the HTTP API and the web map
//! (issue 14, item 4).

use serde::{Deserialize, Serialize};

/// What an operator may do; each role may do what the roles before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the live map and the API.
    Viewer,
    /// Also switches applications, changes their parameters, acknowledges.
    Operator,
    /// Also manages devices and users.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Operator, Role::Admin];

    /// `viewer`, `operator` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("{s:?} is not a role: give viewer, operator or admin"))
    }
}

/// Refuses a user name that is not one word of printable characters (at most 64), saying
/// why: names go into the audit log and the web map.
pub fn check_user_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "{name:?} is not a user name: give one word of at most 64 characters, without spaces"
        ));
    }
    Ok(())
}

/// An authenticated operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// The user name.
    pub name: String,
    /// What the user may do.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(Role::Admin.allows(Role::Operator));
        assert!(Role::Operator.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert_eq!("Operator".parse::<Role>().unwrap(), Role::Operator);
        assert!("root".parse::<Role>().is_err());
        assert!(check_user_name("olga").is_ok());
        assert!(check_user_name("").is_err());
        assert!(check_user_name("olga k").is_err());
        assert!(check_user_name(&"x".repeat(65)).is_err());
    }
}
