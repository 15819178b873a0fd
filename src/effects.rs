//! The effect runner of an open board: does what `update` asks of the
//! adapters (write changes down, wake the sender and the sync, remember the
//! followed milestone, load comments, open or copy a URL) and answers at
//! once where the core waits for an answer (a change is saved, so it counts
//! as pending).

use tokio::sync::mpsc;

use crate::core::app::action::{Action, Effect, OutboxEvent};
use crate::core::domain::conflict::without_superseded;
use crate::core::domain::model::TeamConfig;
use crate::gitlab::Client;
use crate::outbox::Wake;
use crate::store::Store;
use crate::sync::SyncRequest;

/// What the effects reach.
pub struct Runner {
    /// The board's connection to the cache (outbox writes).
    pub store: Store,
    pub team: TeamConfig,
    pub sync: mpsc::UnboundedSender<SyncRequest>,
    /// Wakes the outbox sender.
    pub wake: mpsc::UnboundedSender<Wake>,
    /// Makes the cache watcher look at once.
    pub poke: mpsc::UnboundedSender<()>,
    /// Background answers (comments read).
    pub actions: mpsc::UnboundedSender<Action>,
    /// Reads comments; none in tests.
    pub notes: Option<(Client, tokio::runtime::Handle)>,
}

impl Runner {
    /// Do one effect; the answer, when the core waits for one.
    pub fn run(&mut self, effect: Effect) -> Option<Action> {
        match effect {
            Effect::Refresh => {
                let _ = self.sync.send(SyncRequest::Refresh);
                None
            }
            Effect::SendNow => {
                let _ = self.wake.send(Wake::Online);
                None
            }
            Effect::ShowMilestone(id) => {
                let _ = self.sync.send(SyncRequest::Show(id));
                None
            }
            Effect::Follow(id) => {
                if let Err(e) = self.store.remember_milestone(id) {
                    tracing::warn!(error = %e, "cannot remember the followed milestone");
                }
                None
            }
            Effect::Unfollow => {
                if let Err(e) = self.store.forget_milestone() {
                    tracing::warn!(error = %e, "cannot forget the followed milestone");
                }
                None
            }
            Effect::Enqueue { local, changes } => {
                let saved = self.store.enqueue(&changes);
                self.queued();
                Some(Action::Outbox(match saved {
                    Ok(ids) => OutboxEvent::Saved { local, ids },
                    Err(e) => OutboxEvent::SaveFailed {
                        local,
                        reason: e.to_string(),
                    },
                }))
            }
            Effect::Retry { local, old, change } => {
                // Without what newer changes (any process's) set since: a
                // retry never reverts a newer change.
                let saved = self
                    .store
                    .changes_after(change.issue, old)
                    .and_then(|newer| {
                        let kept = without_superseded(&change, &newer, &self.team);
                        self.store.outbox_requeue(old, kept.as_ref())
                    });
                self.queued();
                Some(Action::Outbox(match saved {
                    Ok(id) => OutboxEvent::Saved {
                        local,
                        ids: id.into_iter().collect(),
                    },
                    Err(e) => OutboxEvent::SaveFailed {
                        local,
                        reason: e.to_string(),
                    },
                }))
            }
            Effect::Discard(id) => {
                if let Err(e) = self.store.outbox_discard(id) {
                    tracing::warn!(error = %e, "cannot discard a change");
                }
                let _ = self.poke.send(());
                None
            }
            Effect::OpenUrl(url) => {
                open_url(&url);
                None
            }
            Effect::Copy(text) => {
                copy_osc52(&text);
                None
            }
            Effect::LoadNotes {
                issue,
                project,
                iid,
            } => {
                let Some((client, handle)) = &self.notes else {
                    return Some(Action::Notes {
                        issue,
                        notes: Err("comments cannot be read here".into()),
                    });
                };
                let (client, tx) = (client.clone(), self.actions.clone());
                handle.spawn(async move {
                    let notes = client
                        .recent_notes(project, iid)
                        .await
                        .map(|list| {
                            let mut v: Vec<_> = list.into_iter().map(|n| n.into_note()).collect();
                            v.reverse();
                            v
                        })
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Action::Notes { issue, notes });
                });
                None
            }
            Effect::RunCommand {
                title,
                script,
                args,
                interactive: false,
            } => {
                // In the background: its answer comes when it ends.
                let tx = self.actions.clone();
                std::thread::spawn(move || {
                    let (ok, output) = run_command(&script, &args);
                    let _ = tx.send(Action::CommandDone { title, ok, output });
                });
                None
            }
            // The terminal adapter writes comments, runs interactive
            // commands and quits itself.
            Effect::Compose { .. } | Effect::RunCommand { .. } | Effect::Quit => None,
        }
    }

    /// New rows in the outbox: the sender sends, the board reads them.
    fn queued(&self) {
        let _ = self.wake.send(Wake::Queued);
        let _ = self.poke.send(());
    }
}

/// Open a URL with the desktop's opener, when there is a desktop; over SSH
/// the status line already shows the URL.
fn opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    }
}

/// Whether `o` can open a browser here: a display (macOS always has one)
/// and the opener on `PATH`.
pub fn has_browser() -> bool {
    let has_display = cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    has_display
        && std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| dir.join(opener()).is_file())
        })
}

fn open_url(url: &str) {
    if !has_browser() || !(url.starts_with("https://") || url.starts_with("http://")) {
        return;
    }
    let opener = opener();
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Run a `[[commands]]` command in the background: `sh -c script glboard
/// args...` (the values only ever as arguments), stdin closed; whether it
/// succeeded and its output (stdout, else stderr).
pub fn run_command(script: &str, args: &[String]) -> (bool, String) {
    match std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("glboard")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
    {
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let text = if stdout.trim().is_empty() {
                stderr
            } else {
                stdout
            };
            let text = if out.status.success() {
                text
            } else {
                format!("{} ({})", text.trim(), out.status)
            };
            (out.status.success(), text)
        }
        Err(e) => (false, format!("cannot run sh: {e}")),
    }
}

/// Put text on the clipboard with OSC 52: the terminal does it, so it
/// works over SSH too.
fn copy_osc52(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::domain::edit::{Change, Edit, to_lane};
    use crate::core::testing::{issue, team};
    use crate::store::Finished;

    struct Rig {
        _dir: tempfile::TempDir,
        runner: Runner,
        wake: mpsc::UnboundedReceiver<Wake>,
        poke: mpsc::UnboundedReceiver<()>,
    }

    fn rig() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.sqlite")).unwrap();
        let (sync, _) = mpsc::unbounded_channel();
        let (wake_tx, wake) = mpsc::unbounded_channel();
        let (poke_tx, poke) = mpsc::unbounded_channel();
        let (actions, _) = mpsc::unbounded_channel();
        Rig {
            _dir: dir,
            runner: Runner {
                store,
                team: team(),
                sync,
                wake: wake_tx,
                poke: poke_tx,
                actions,
                notes: None,
            },
            wake,
            poke,
        }
    }

    fn lane_change(l: &str) -> Change {
        let i = issue(7, 70, &["team::Datastores", "workflow-infra::Ready"]);
        Change {
            issue: 7,
            iid: 70,
            edit: to_lane(&i, &team(), Some(l)),
            ..Change::default()
        }
    }

    #[test]
    fn a_user_action_is_saved_in_one_batch_and_answered_with_its_ids() {
        let mut r = rig();
        let answer = r.runner.run(Effect::Enqueue {
            local: 3,
            changes: vec![lane_change("Blocked"), lane_change("Done")],
        });
        let Some(Action::Outbox(OutboxEvent::Saved { local: 3, ids })) = answer else {
            panic!("{answer:?}")
        };
        assert_eq!(ids.len(), 2);
        let queued = r.runner.store.outbox_queued().unwrap();
        assert_eq!(queued.iter().map(|c| c.id).collect::<Vec<_>>(), ids);
        assert!(queued.iter().all(|c| c.action == ids[0]), "one action");
        assert!(r.wake.try_recv().is_ok(), "the sender is woken");
        assert!(r.poke.try_recv().is_ok(), "the board reads the cache");
    }

    #[test]
    fn a_retry_superseded_by_a_newer_change_queues_nothing() {
        let mut r = rig();
        let ids = r.runner.store.enqueue(&[lane_change("Blocked")]).unwrap();
        r.runner
            .store
            .finish(&[Finished::Refused {
                id: ids[0],
                reason: "conflict".into(),
                issue: None,
            }])
            .unwrap();
        // A newer lane move of the same issue, from another process.
        let newer = r.runner.store.enqueue(&[lane_change("Done")]).unwrap();
        let answer = r.runner.run(Effect::Retry {
            local: 9,
            old: ids[0],
            change: Box::new(lane_change("Blocked")),
        });
        assert_eq!(
            answer,
            Some(Action::Outbox(OutboxEvent::Saved {
                local: 9,
                ids: vec![]
            }))
        );
        let queued = r.runner.store.outbox_queued().unwrap();
        assert_eq!(queued.iter().map(|c| c.id).collect::<Vec<_>>(), newer);
        assert!(r.runner.store.outbox_failed().unwrap().is_empty());
        // Another field is kept.
        let ids = r
            .runner
            .store
            .enqueue(&[Change {
                issue: 8,
                edit: Edit {
                    weight: Some(Some(3)),
                    ..Edit::default()
                },
                ..Change::default()
            }])
            .unwrap();
        r.runner
            .store
            .finish(&[Finished::Refused {
                id: ids[0],
                reason: "403".into(),
                issue: None,
            }])
            .unwrap();
        let retried = Change {
            issue: 8,
            edit: Edit {
                weight: Some(Some(3)),
                ..Edit::default()
            },
            ..Change::default()
        };
        let answer = r.runner.run(Effect::Retry {
            local: 10,
            old: ids[0],
            change: Box::new(retried),
        });
        assert!(
            matches!(answer, Some(Action::Outbox(OutboxEvent::Saved { ids, .. })) if ids.len() == 1)
        );
    }

    #[test]
    fn a_change_that_cannot_be_saved_is_said_and_not_sent() {
        let mut r = rig();
        // The disk is gone: the outbox table cannot be written.
        r.runner.store.write_for_tests("DROP TABLE outbox").unwrap();
        let answer = r.runner.run(Effect::Enqueue {
            local: 1,
            changes: vec![lane_change("Blocked")],
        });
        assert!(matches!(
            answer,
            Some(Action::Outbox(OutboxEvent::SaveFailed { local: 1, .. }))
        ));
    }

    #[test]
    fn following_a_milestone_is_remembered() {
        let mut r = rig();
        assert_eq!(r.runner.run(Effect::Follow(47)), None);
        assert_eq!(r.runner.store.remembered_milestone().unwrap(), Some(47));
    }
}
