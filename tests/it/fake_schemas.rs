//! The fake GitLab answers as GitLab documents: its issue, milestone, note
//! and member payloads validate against GitLab's own request-spec JSON
//! schemas (copied into tests/fixtures/gitlab-schemas from shared/gitlab-api).

use fake_gitlab::{FakeGitlab, Tier, generate};
use serde_json::Value;

const TOKEN: &str = "glpat-schema";

fn schema(name: &str) -> jsonschema::Validator {
    let path = format!(
        "{}/tests/fixtures/gitlab-schemas/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    // GitLab's notes.json says `"type": "uri"`, which is no JSON Schema
    // type; it means a string holding a URI. Read it so, leaving the file verbatim.
    fix_uri_type(&mut v);
    jsonschema::validator_for(&v).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fix_uri_type(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // Likewise board.json's `"type": "date"`: a string holding a date.
            for (t, f) in [("uri", "uri"), ("date", "date-time")] {
                if m.get("type") == Some(&Value::String(t.into())) {
                    m.insert("type".into(), Value::String("string".into()));
                    m.insert("format".into(), Value::String(f.into()));
                }
            }
            // A Ruby possessive quantifier (`{1,2}+`) Rust's regex reads
            // otherwise: the same colour rule, written portably.
            if m.get("pattern") == Some(&Value::String("^#[0-9A-Fa-f]{3}{1,2}+$".into())) {
                m.insert(
                    "pattern".into(),
                    Value::String("^#([0-9A-Fa-f]{3}){1,2}$".into()),
                );
            }
            m.values_mut().for_each(fix_uri_type);
        }
        Value::Array(a) => a.iter_mut().for_each(fix_uri_type),
        _ => {}
    }
}

fn get(fake: &FakeGitlab, path: &str) -> (Value, reqwest::header::HeaderMap) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    glboard::gitlab::install_crypto();
    rt.block_on(async {
        let resp = reqwest::Client::new()
            .get(format!("{}/api/v4{path}", fake.url()))
            .header("PRIVATE-TOKEN", TOKEN)
            .send()
            .await
            .unwrap();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.unwrap();
        (serde_json::from_slice(&body).unwrap(), headers)
    })
}

fn assert_valid(v: &jsonschema::Validator, item: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(item)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{item:#}");
}

fn world(tier: Tier) -> fake_gitlab::World {
    let mut w = generate::datastores(40, 3, chrono::Utc::now().date_naive(), TOKEN);
    w.tier = tier;
    // One issue with notes, one with no milestone and no assignee.
    w.notes.push(fake_gitlab::FNote {
        id: 1,
        issue_id: w.issues[0].id,
        body: "a note".into(),
        author_id: w.me,
        created_at: chrono::Utc::now(),
        system: false,
    });
    w
}

#[test]
fn issues_validate_against_gitlabs_issue_schema() {
    for tier in [Tier::Premium, Tier::Free] {
        let fake = FakeGitlab::start(world(tier));
        let v = schema("issue.json");
        let (list, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/issues?per_page=100");
        let items = list.as_array().unwrap();
        assert!(items.len() > 30);
        for item in items {
            assert_valid(&v, item, "issue");
            match tier {
                Tier::Premium => assert!(
                    item.get("weight")
                        .is_some_and(|w| w.is_null() || w.is_u64())
                ),
                Tier::Free => assert!(item.get("weight").is_none(), "no weight on Free"),
            }
        }
        let first = &items[0];
        let (one, _) = get(
            &fake,
            &format!("/projects/{}/issues/{}", first["project_id"], first["iid"]),
        );
        assert_valid(&v, &one, "single issue");
    }
}

#[test]
fn milestones_members_and_notes_validate() {
    let fake = FakeGitlab::start(world(Tier::Premium));
    let (ms, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/milestones");
    let mv = schema("milestone.json");
    for m in ms.as_array().unwrap() {
        assert_valid(&mv, m, "milestone");
    }
    let (members, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/members/all");
    let uv = schema("user/basic.json");
    for u in members.as_array().unwrap() {
        assert_valid(&uv, u, "member");
    }
    let (me, _) = get(&fake, "/user");
    assert_valid(&uv, &me, "current user");
    let issue = fake.world().issues[0].clone();
    let (notes, _) = get(
        &fake,
        &format!("/projects/{}/issues/{}/notes", issue.project_id, issue.iid),
    );
    assert_eq!(notes.as_array().unwrap().len(), 1);
    assert_valid(&schema("notes.json"), &notes, "notes");
}

#[test]
fn pagination_headers_follow_the_documented_example() {
    let fake = FakeGitlab::start(world(Tier::Premium));
    let (page, h) = get(
        &fake,
        "/groups/gitlab-com%2Fgl-infra/issues?per_page=3&page=2",
    );
    assert_eq!(page.as_array().unwrap().len(), 3);
    for k in [
        "x-page",
        "x-per-page",
        "x-next-page",
        "x-prev-page",
        "x-total",
        "x-total-pages",
        "link",
    ] {
        assert!(h.contains_key(k), "missing {k}");
    }
    assert_eq!(h["x-page"], "2");
    assert_eq!(h["x-next-page"], "3");
    assert_eq!(h["x-prev-page"], "1");
    let link = h["link"].to_str().unwrap();
    for rel in ["prev", "next", "first", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
}

#[test]
fn boards_validate_against_gitlabs_board_schema() {
    let fake = FakeGitlab::start(world(Tier::Premium));
    let v = schema("board.json");
    let (boards, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/boards");
    let boards = boards.as_array().unwrap().clone();
    assert_eq!(boards.len(), 2);
    for b in &boards {
        assert_valid(&v, b, "board");
    }
    let (one, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/boards/1688503");
    assert_valid(&v, &one, "board");
    // The lists endpoint: label lists by position (no Open, no Closed).
    let (lists, _) = get(&fake, "/groups/gitlab-com%2Fgl-infra/boards/1688503/lists");
    let positions: Vec<i64> = lists
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert!(lists[0]["label"]["id"].as_u64().is_some());
}
