//! The rate limits and the login throttle: how many events of a kind a window allows.

use std::time::Duration;

use super::{ConfigError, Env, parse};

/// At most `limit` events per `window` (messages per user per room, failed logins per
/// username); `limit == 0` turns it off. The events themselves are rows in the database, so
/// the limit holds across every Lambda instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: u32,
    pub window: Duration,
}

impl RateLimit {
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }

    /// The start of the window that ends `now`.
    pub fn window_start(&self, now: crate::domain::Timestamp) -> crate::domain::Timestamp {
        now - self.window
    }

    /// Given the times (newest first, at most `limit`) of the events inside the window, refuses
    /// one more with 429 and the seconds until the oldest of them leaves the window.
    pub fn check(
        &self,
        recent: &[crate::domain::Timestamp],
        now: crate::domain::Timestamp,
    ) -> crate::Result<()> {
        if !self.enabled() || recent.len() < self.limit as usize {
            return Ok(());
        }
        let oldest = recent.last().copied().unwrap_or(now);
        let wait_ms = (oldest.millis() + self.window.as_millis() as i64 - now.millis()).max(1);
        Err(crate::Error::RateLimited {
            retry_after_secs: (wait_ms as u64).div_ceil(1000),
        })
    }
}

/// Limits on unauthenticated bcrypt work, each off at 0. Attempts are rows in the database, so
/// they hold across Lambda instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failed logins per (username, client address) per window: the lockout a user meets.
    pub per_name_and_address: RateLimit,
    /// Failed logins per username from all addresses: the ceiling a distributed guesser meets.
    pub per_name: RateLimit,
    /// Login attempts per client address, whatever the name.
    pub per_address: RateLimit,
    /// Registrations per client address.
    pub registrations: RateLimit,
}

impl LoginThrottle {
    /// The longest window: attempts older than it count for nothing and are swept.
    pub fn longest_window(&self) -> Duration {
        [
            self.per_name_and_address,
            self.per_name,
            self.per_address,
            self.registrations,
        ]
        .iter()
        .map(|l| l.window)
        .max()
        .unwrap_or_default()
    }
}

/// `RATE_LIMIT_MESSAGES` per `RATE_LIMIT_WINDOW_SECONDS`: the messages one user may post to one
/// room, over REST and WebSocket together (`messages::post` checks it).
pub(super) fn message_rate_limit(env: &impl Env) -> Result<RateLimit, ConfigError> {
    Ok(RateLimit {
        limit: parse(env, "RATE_LIMIT_MESSAGES", 10, 0..=100_000)?,
        window: Duration::from_secs(parse(env, "RATE_LIMIT_WINDOW_SECONDS", 10, 1..=86_400)?),
    })
}

/// The `LOGIN_*` and `REGISTER_*` limits (`accounts` checks them).
pub(super) fn login_throttle(env: &impl Env) -> Result<LoginThrottle, ConfigError> {
    let login_window = Duration::from_secs(parse(env, "LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400)?);
    let within_login_window = |limit| RateLimit {
        limit,
        window: login_window,
    };
    Ok(LoginThrottle {
        per_name_and_address: within_login_window(parse(
            env,
            "LOGIN_MAX_FAILURES",
            10,
            0..=10_000,
        )?),
        per_name: within_login_window(parse(
            env,
            "LOGIN_MAX_FAILURES_PER_NAME",
            100,
            0..=1_000_000,
        )?),
        per_address: within_login_window(parse(
            env,
            "LOGIN_MAX_ATTEMPTS_PER_ADDRESS",
            100,
            0..=1_000_000,
        )?),
        registrations: RateLimit {
            limit: parse(env, "REGISTER_MAX_PER_ADDRESS", 20, 0..=1_000_000)?,
            window: Duration::from_secs(parse(env, "REGISTER_WINDOW_SECONDS", 3600, 1..=86_400)?),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_refuses_the_event_past_its_limit_until_the_oldest_leaves_the_window() {
        use crate::domain::Timestamp;
        let limit = RateLimit {
            limit: 3,
            window: Duration::from_secs(10),
        };
        let now = Timestamp(100_000);
        assert!(
            limit
                .check(&[Timestamp(99_000), Timestamp(98_000)], now)
                .is_ok()
        );
        let full = [Timestamp(99_000), Timestamp(95_000), Timestamp(91_500)];
        match limit.check(&full, now) {
            Err(crate::Error::RateLimited { retry_after_secs }) => {
                assert_eq!(retry_after_secs, 2, "91.5 s + 10 s - 100 s, rounded up")
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert_eq!(limit.window_start(now), Timestamp(90_000));
        assert!(
            RateLimit {
                limit: 0,
                window: Duration::from_secs(10)
            }
            .check(&full, now)
            .is_ok(),
            "0 turns it off"
        );
    }
}
