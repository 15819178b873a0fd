//! The running server, [`FakeGitlab`] (start, stop, the world behind it),
//! and its control endpoints under `/__fake/` for a fake running as a
//! separate process: set faults, read the world and the request log.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::faults::{Chaos, Fault};
use crate::http::{Shared, lock, not_found_route, respond};
use crate::routes::handle;
use crate::world::World;

/// A running fake server.
pub struct FakeGitlab {
    pub world: Arc<Mutex<World>>,
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeGitlab {
    /// Start serving `world` on a free loopback port, on a thread of its own
    /// (so blocking tests and other runtimes can use it).
    pub fn start(world: World) -> FakeGitlab {
        Self::start_on(world, "127.0.0.1:0".parse().expect("address"))
    }

    pub fn start_on(mut world: World, addr: SocketAddr) -> FakeGitlab {
        let std_listener = std::net::TcpListener::bind(addr).expect("bind the fake server");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("local addr");
        world.host = format!("http://{addr}");
        let world = Arc::new(Mutex::new(world));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let w = world.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
                let app = Router::new().fallback(handle).with_state(w);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        FakeGitlab {
            world,
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stop serving (the port refuses connections afterwards).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeGitlab {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Control endpoints for a fake running as a separate process.
#[derive(Deserialize)]
struct FaultControl {
    #[serde(default)]
    next: Vec<Fault>,
    #[serde(default)]
    always: Option<Fault>,
    #[serde(default)]
    latency_ms: Option<u64>,
    /// Chaos mode on (an object) or off (`null`); absent: unchanged.
    #[serde(default, deserialize_with = "present")]
    chaos: Option<Option<Chaos>>,
}

/// A field that is present, even as `null`, is `Some`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Chaos>>, D::Error> {
    Option::<Chaos>::deserialize(d).map(Some)
}

pub(crate) fn control(world: &Shared, method: &Method, path: &str, body: &[u8]) -> Response {
    let mut w = lock(world);
    match (method.as_str(), path) {
        ("POST", "/__fake/faults") => match serde_json::from_slice::<FaultControl>(body) {
            Ok(c) => {
                w.faults = c.next.into();
                w.always = c.always;
                if let Some(l) = c.latency_ms {
                    w.latency_ms = l;
                }
                if let Some(chaos) = c.chaos {
                    w.chaos = chaos;
                }
                respond(StatusCode::OK, json!({"ok": true}))
            }
            Err(e) => respond(StatusCode::BAD_REQUEST, json!({"error": e.to_string()})),
        },
        ("GET", "/__fake/world") => respond(
            StatusCode::OK,
            serde_json::to_value(&*w).unwrap_or(Value::Null),
        ),
        ("GET", "/__fake/log") => respond(StatusCode::OK, json!(w.log)),
        // `/__fake/projects/:id/delete` and `/archive`, for a fake running
        // as its own process.
        // Rename a label (its id stays): `{"from": ..., "to": ...}`.
        ("POST", "/__fake/labels/rename") => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let (Some(from), Some(to)) = (v["from"].as_str(), v["to"].as_str()) else {
                return respond(StatusCode::BAD_REQUEST, json!({"error": "from and to"}));
            };
            if w.rename_label(from, to) {
                respond(StatusCode::OK, json!({"renamed": from}))
            } else {
                not_found_route()
            }
        }
        // Give an issue a project label named like a group label:
        // `{"project_id": ..., "iid": ..., "title": ...}`.
        ("POST", "/__fake/labels/project") => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let (Some(project), Some(iid), Some(title)) = (
                v["project_id"].as_u64(),
                v["iid"].as_u64(),
                v["title"].as_str(),
            ) else {
                return respond(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "project_id, iid and title"}),
                );
            };
            if w.add_project_label(project, iid, title) {
                respond(StatusCode::OK, json!({"added": title}))
            } else {
                not_found_route()
            }
        }
        // A merge request's head pipeline gets a status (its merge
        // request's `updated_at` stays), or a user approves it:
        // `{"project_id": ..., "iid": ..., "status": "failed"}`,
        // `{"project_id": ..., "iid": ..., "user_id": ...}`.
        ("POST", "/__fake/pipelines/status" | "/__fake/merge_requests/approve") => {
            let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let (Some(project), Some(iid)) = (v["project_id"].as_u64(), v["iid"].as_u64()) else {
                return respond(
                    StatusCode::BAD_REQUEST,
                    json!({"error": "project_id and iid"}),
                );
            };
            let done = if path == "/__fake/pipelines/status" {
                let Some(status) = v["status"].as_str() else {
                    return respond(StatusCode::BAD_REQUEST, json!({"error": "status"}));
                };
                w.set_pipeline_status(project, iid, status)
            } else {
                let user = v["user_id"].as_u64().unwrap_or(w.me);
                w.approve(project, iid, user)
            };
            if done {
                respond(StatusCode::OK, json!({"ok": true}))
            } else {
                not_found_route()
            }
        }
        ("POST", p) if p.starts_with("/__fake/projects/") => {
            let parts: Vec<&str> = p
                .trim_start_matches("/__fake/projects/")
                .split('/')
                .collect();
            match (
                parts.first().and_then(|id| id.parse::<u64>().ok()),
                parts.get(1),
            ) {
                (Some(id), Some(&"delete")) => w.delete_project(id),
                (Some(id), Some(&"archive")) => w.archive_project(id),
                (Some(id), Some(&"unarchive")) => {
                    if let Some(p) = w.projects.iter_mut().find(|p| p.id == id) {
                        p.archived = false;
                    }
                }
                _ => return not_found_route(),
            }
            respond(StatusCode::OK, json!({"ok": true}))
        }
        _ => not_found_route(),
    }
}
