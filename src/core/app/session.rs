//! This run of the board in its terminal: the date and the clock, the
//! terminal's size, whether there is data to show yet, where the
//! background sync stands, and whether to quit. A part of the state
//! ([`crate::core::app::state::AppState::session`]), set from the actions
//! the adapters send (the core has no clock of its own).

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::app::status::Severity;

/// The session's facts (a part of the state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub today: NaiveDate,
    /// Today follows the local clock (not pinned by `--today`).
    pub clock_today: bool,
    /// The wall clock at the last tick (the core has no clock of its own).
    pub now: Option<DateTime<Utc>>,
    /// Terminal size in cells.
    pub viewport: (u16, u16),
    /// False until there is data to show (an empty cache before the first sync).
    pub loaded: bool,
    pub quit: bool,
    pub sync: SyncStatus,
}

impl Session {
    /// A session on `today`, in an 80×24 terminal, with data to show.
    pub fn new(today: NaiveDate) -> Self {
        Session {
            today,
            clock_today: false,
            now: None,
            viewport: (80, 24),
            loaded: true,
            quit: false,
            sync: SyncStatus::default(),
        }
    }

    /// The instant ages are counted to: the clock at the last tick when
    /// today follows it, else noon of today (`--today` pins it).
    pub fn instant(&self) -> DateTime<Utc> {
        let noon = self
            .today
            .and_hms_opt(12, 0, 0)
            .map(|t| chrono::TimeZone::from_utc_datetime(&Utc, &t))
            .unwrap_or_default();
        match self.now {
            Some(now) if self.clock_today && now.date_naive() == self.today => now,
            _ => noon,
        }
    }
}

/// Where the background sync stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SyncPhase {
    #[default]
    Idle,
    Running {
        fetched: usize,
        total: Option<u64>,
    },
    Failed {
        message: String,
        offline: bool,
    },
    RateLimited {
        until: String,
    },
    /// GitLab answers nothing in time, since `since` (local `HH:MM`).
    NotAnswering {
        since: String,
    },
}

/// The sync's state as the status line tells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    /// False for the demo: nothing to sync with.
    pub enabled: bool,
    pub last_success: Option<DateTime<Utc>>,
    pub phase: SyncPhase,
}

/// "3 min ago" style age of `then` at `now`.
pub fn age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

impl SyncStatus {
    /// The whole error of a failed sync, for the status line's wide part.
    pub fn error_detail(&self) -> Option<String> {
        match &self.phase {
            SyncPhase::Failed {
                message,
                offline: false,
            } if self.enabled => Some(format!("sync failed: {message}")),
            _ => None,
        }
    }

    /// The status line's words for the sync, and how loud to say them.
    pub fn label(&self, now: Option<DateTime<Utc>>) -> Option<(String, Severity)> {
        if !self.enabled {
            return None;
        }
        let synced = match (self.last_success, now) {
            (Some(t), Some(now)) => Some(format!("synced {}", age(t, now))),
            (Some(_), None) => Some("synced".to_owned()),
            (None, _) => None,
        };
        Some(match &self.phase {
            SyncPhase::Idle => (
                synced.unwrap_or_else(|| "not synced yet".into()),
                Severity::Info,
            ),
            SyncPhase::Running { fetched, total } => (
                match total {
                    Some(t) if *fetched > 0 => format!("syncing… {fetched}/{t}"),
                    _ if *fetched > 0 => format!("syncing… {fetched}"),
                    _ => "syncing…".into(),
                },
                Severity::Info,
            ),
            SyncPhase::Failed { offline: true, .. } => (
                // "last synced": the data on screen is from then.
                match synced {
                    Some(s) => format!("offline · last {s}"),
                    None => "offline".into(),
                },
                Severity::Warning,
            ),
            SyncPhase::Failed { offline: false, .. } => ("sync failed".into(), Severity::Error),
            SyncPhase::RateLimited { until } => {
                (format!("rate-limited until {until}"), Severity::Warning)
            }
            SyncPhase::NotAnswering { since } => (
                format!("GitLab not answering since {since}"),
                Severity::Warning,
            ),
        })
    }
}
