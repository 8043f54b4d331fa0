//! Who may do what on the staff and integration API (SPEC §5), and the sign-in rules.

use std::fmt;

use chrono::{DateTime, Duration, Utc};

use crate::state::string_enum;
use crate::validation::ValidationError;

string_enum!(
    /// A member of staff's role. Each role may do everything the roles before it may.
    StaffRole {
        /// Reads everything; edits notes and tags.
        Reviewer => "reviewer",
        /// Moderates, takes down, records responses and debates, emails signers.
        Moderator => "moderator",
        /// Everything, with restoring, removing, invalidations, settings and accounts.
        Sysadmin => "sysadmin",
    }
);

impl StaffRole {
    fn rank(self) -> u8 {
        match self {
            StaffRole::Reviewer => 0,
            StaffRole::Moderator => 1,
            StaffRole::Sysadmin => 2,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn includes(self, needed: StaffRole) -> bool {
        self.rank() >= needed.rank()
    }
}

string_enum!(
    /// What an integration token lets a system do: exactly this, nothing more.
    IntegrationScope {
        /// A government department recording responses.
        ResponsesWrite => "responses:write",
        /// Parliament's systems recording debates and their outcomes.
        DebatesWrite => "debates:write",
    }
);

/// What a route requires: staff of at least `role`, or, where named, a system holding `scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub role: StaffRole,
    pub scope: Option<IntegrationScope>,
}

impl Access {
    pub const fn staff(role: StaffRole) -> Self {
        Self { role, scope: None }
    }

    pub const fn staff_or_system(role: StaffRole, scope: IntegrationScope) -> Self {
        Self {
            role,
            scope: Some(scope),
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} role", self.role)?;
        if let Some(scope) = self.scope {
            write!(f, " or an integration token with the {scope} scope")?;
        }
        Ok(())
    }
}

/// Who a request acts for, once its token has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Staff {
        id: i64,
        role: StaffRole,
    },
    Integration {
        token_id: String,
        scopes: Vec<IntegrationScope>,
    },
}

impl Principal {
    pub fn may(&self, access: &Access) -> bool {
        match self {
            Principal::Staff { role, .. } => role.includes(access.role),
            Principal::Integration { scopes, .. } => {
                access.scope.is_some_and(|scope| scopes.contains(&scope))
            }
        }
    }

    /// How the audit log names them.
    pub fn actor(&self) -> String {
        match self {
            Principal::Staff { id, .. } => format!("staff:{id}"),
            Principal::Integration { token_id, .. } => format!("integration:{token_id}"),
        }
    }
}

/// Failed sign-ins that lock an account, and for how long.
pub const LOCK_AFTER_FAILURES: i32 = 5;
pub const LOCKED_FOR_MINUTES: i64 = 15;

/// After one more failed sign-in: the new count of failures, and until when the account is
/// locked, if it now is. The count starts again once the lock is served.
pub fn after_failed_login(failures: i32, now: DateTime<Utc>) -> (i32, Option<DateTime<Utc>>) {
    let failures = failures.saturating_add(1);
    if failures >= LOCK_AFTER_FAILURES {
        (0, Some(now + Duration::minutes(LOCKED_FOR_MINUTES)))
    } else {
        (failures, None)
    }
}

/// The shortest password a member of staff may set.
pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn check_new_password(password: &str) -> Result<(), ValidationError> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        return Err(ValidationError::Blank);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(ValidationError::TooShort {
            min: MIN_PASSWORD_CHARS,
            actual: chars,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn higher_roles_may_do_what_lower_roles_may() {
        let moderator = Principal::Staff {
            id: 1,
            role: StaffRole::Moderator,
        };
        assert!(moderator.may(&Access::staff(StaffRole::Reviewer)));
        assert!(moderator.may(&Access::staff(StaffRole::Moderator)));
        assert!(!moderator.may(&Access::staff(StaffRole::Sysadmin)));
    }

    #[test]
    fn systems_may_do_exactly_their_scope() {
        let department = Principal::Integration {
            token_id: "t".to_owned(),
            scopes: vec![IntegrationScope::ResponsesWrite],
        };
        let responses =
            Access::staff_or_system(StaffRole::Moderator, IntegrationScope::ResponsesWrite);
        let debates = Access::staff_or_system(StaffRole::Moderator, IntegrationScope::DebatesWrite);
        assert!(department.may(&responses));
        assert!(!department.may(&debates));
        assert!(!department.may(&Access::staff(StaffRole::Reviewer)));
    }

    #[test]
    fn the_fifth_failure_locks_the_account_for_a_while() {
        let now = Utc::now();
        let mut failures = 0;
        for _ in 1..LOCK_AFTER_FAILURES {
            let (count, locked) = after_failed_login(failures, now);
            assert_eq!(locked, None);
            failures = count;
        }
        let (count, locked) = after_failed_login(failures, now);
        assert_eq!(count, 0);
        assert_eq!(locked, Some(now + Duration::minutes(LOCKED_FOR_MINUTES)));
    }

    #[test]
    fn passwords_must_be_long_enough() {
        assert!(check_new_password("correct horse battery").is_ok());
        assert_eq!(
            check_new_password("short"),
            Err(ValidationError::TooShort { min: 12, actual: 5 })
        );
        assert_eq!(
            check_new_password("            "),
            Err(ValidationError::Blank)
        );
    }

    proptest! {
        #[test]
        fn role_inclusion_is_an_order(a in 0usize..3, b in 0usize..3) {
            let (a, b) = (StaffRole::ALL[a], StaffRole::ALL[b]);
            prop_assert!(a.includes(a));
            prop_assert_eq!(a.includes(b) && b.includes(a), a == b);
            prop_assert!(a.includes(b) || b.includes(a));
        }
    }
}
