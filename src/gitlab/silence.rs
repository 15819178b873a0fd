//! How long glboard waits for a GitLab that does not answer. Every request
//! has a deadline (connecting, sending and reading the whole body: a server
//! that sends half an answer and stalls is caught too), and GitLab may stay
//! silent for a budget at most: a command's counted from its start, the
//! board's from each request's start (its retries included). Any complete
//! answer, an error status too, is GitLab answering and starts the count
//! again; a rate limit waited out is not silence either.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Each request's deadline unless `GLBOARD_REQUEST_TIMEOUT` says.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long GitLab may stay silent unless `GLBOARD_GITLAB_BUDGET` says.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(45);
/// A retry after a timeout needs at least this much of the budget left.
const LEAST_RETRY: Duration = Duration::from_secs(1);

/// Seconds (decimals allowed) from an environment variable.
fn seconds_from_env(var: &str) -> Option<Duration> {
    let v = std::env::var(var).ok()?;
    let s: f64 = v.trim().parse().ok()?;
    (s.is_finite() && s > 0.0).then(|| Duration::from_secs_f64(s))
}

/// Each request's deadline: `GLBOARD_REQUEST_TIMEOUT` seconds, else 30.
pub fn request_timeout() -> Duration {
    seconds_from_env("GLBOARD_REQUEST_TIMEOUT").unwrap_or(DEFAULT_REQUEST_TIMEOUT)
}

/// How long GitLab may stay silent: `GLBOARD_GITLAB_BUDGET` seconds, else 45.
pub fn budget() -> Duration {
    seconds_from_env("GLBOARD_GITLAB_BUDGET").unwrap_or(DEFAULT_BUDGET)
}

/// `45 s`, `2.5 s`: a duration as the messages say it.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if (s - s.round()).abs() < 0.05 {
        format!("{} s", s.round())
    } else {
        format!("{s:.1} s")
    }
}

/// GitLab's silence as one client (and its clones) met it.
#[derive(Debug)]
pub struct Silence {
    budget: Duration,
    /// A command's start: its budget runs from there. `None`: each
    /// request's own start (the board, which lives for hours).
    anchor: Option<Instant>,
    /// The last complete answer.
    heard: Mutex<Option<Instant>>,
    /// When the request GitLab has not answered since began (none while
    /// it answers).
    since: Mutex<Option<DateTime<Utc>>>,
}

impl Silence {
    /// The board's: each request may wait `budget` for GitLab.
    pub fn per_request(budget: Duration) -> Silence {
        Silence {
            budget,
            anchor: None,
            heard: Mutex::new(None),
            since: Mutex::new(None),
        }
    }

    /// A command's: GitLab may stay silent `budget` from now on.
    pub fn for_command(budget: Duration) -> Silence {
        Silence {
            anchor: Some(Instant::now()),
            ..Silence::per_request(budget)
        }
    }

    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// The budget left to a request that began at `began`.
    pub fn left(&self, began: Instant) -> Duration {
        let heard = *self
            .heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let from = heard.map_or(self.anchor.unwrap_or(began), |h| {
            h.max(self.anchor.unwrap_or(began))
        });
        self.budget.saturating_sub(from.elapsed())
    }

    /// Whether a request that timed out may be tried again.
    pub fn may_retry(&self, began: Instant) -> bool {
        self.left(began) >= LEAST_RETRY
    }

    /// GitLab answered (anything, completely).
    pub fn heard(&self) {
        *self
            .heard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
        *self
            .since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// A request sent at `sent` got no answer in time.
    pub fn unanswered(&self, sent: DateTime<Utc>) {
        self.since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert(sent);
    }

    /// Since when GitLab has not answered (none while it answers).
    pub fn since(&self) -> Option<DateTime<Utc>> {
        *self
            .since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commands_budget_runs_from_its_start_and_an_answer_renews_it() {
        let s = Silence::for_command(Duration::from_secs(45));
        let later = Instant::now() + Duration::from_secs(3600);
        assert!(s.left(later) <= Duration::from_secs(45));
        assert!(s.may_retry(Instant::now()));
        let zero = Silence::for_command(Duration::ZERO);
        assert_eq!(zero.left(Instant::now()), Duration::ZERO);
        assert!(!zero.may_retry(Instant::now()));
        let t = Utc::now();
        s.unanswered(t);
        s.unanswered(t + chrono::Duration::seconds(30));
        assert_eq!(s.since(), Some(t), "since the first request unanswered");
        s.heard();
        assert_eq!(s.since(), None);
    }

    #[test]
    fn the_boards_budget_is_per_request() {
        let s = Silence::per_request(Duration::from_secs(45));
        let fresh = s.left(Instant::now());
        assert!(fresh > Duration::from_secs(44), "{fresh:?}");
        if let Some(long_ago) = Instant::now().checked_sub(Duration::from_secs(60)) {
            assert_eq!(s.left(long_ago), Duration::ZERO);
        }
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_secs(45)), "45 s");
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5 s");
    }
}
