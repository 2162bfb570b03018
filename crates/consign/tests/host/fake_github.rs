//! A loopback stand-in for the GitHub REST endpoints `consign host` and
//! `consign announce` use, with GitHub's documented request and response
//! shapes, a log of every request, and injectable faults.
//!
//! Endpoints: `GET /repos/{o}/{r}/releases/tags/{tag}` (published only, 404
//! for drafts), `GET|POST /repos/{o}/{r}/releases`, `GET|PATCH
//! /repos/{o}/{r}/releases/{id}`, `GET /repos/{o}/{r}/releases/{id}/assets`,
//! `POST {upload_url}?name=` (the `upload_url` template points back here),
//! `DELETE /repos/{o}/{r}/releases/assets/{id}` and `POST
//! /repos/{o}/{r}/dispatches`; for release PRs `GET|POST /repos/{o}/{r}/pulls`
//! (`state`, `head=owner:branch` filters), `PATCH /repos/{o}/{r}/pulls/{n}`,
//! `GET|POST /repos/{o}/{r}/labels`, `GET /repos/{o}/{r}/labels/{name}`,
//! `POST /repos/{o}/{r}/issues/{n}/labels` and `DELETE
//! /repos/{o}/{r}/issues/{n}/labels/{name}`. It runs on the tests' one loopback server
//! (`common::http`): 127.0.0.1 only, one request per connection, stopped when
//! dropped.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::common::http::{percent_decode, Reply, Request, Server};

#[derive(Clone, Debug)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    pub content_type: String,
    pub state: String,
    pub data: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct Release {
    pub id: u64,
    pub tag: String,
    pub target: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    pub make_latest: Option<String>,
    pub assets: Vec<Asset>,
}

#[derive(Clone, Debug)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub head: String,
    pub base: String,
    /// `open` or `closed`.
    pub state: String,
    pub merged: bool,
    pub labels: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct RepoLabel {
    pub name: String,
    pub color: String,
    pub description: String,
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub status: u16,
}

/// What a fault does to the request it hits.
#[derive(Clone, Debug)]
pub enum Action {
    /// Answer with this status, headers and body (`{auth}` in the body is
    /// replaced by the request's `Authorization` header, to test redaction).
    Reply(u16, Vec<(String, String)>, String),
    /// Read half the upload, leave a `starter` asset, drop the connection.
    DropMidUpload,
    /// Read half the upload, leave a `starter` asset, then hang (until the
    /// client is killed or the server stops).
    HangMidUpload,
    /// Read the request, then hang without acting on it.
    Hang,
    /// Act on the request, then drop the connection without answering.
    ActThenDrop,
    /// Act on the request, then hang without answering (until the client is
    /// killed or the server stops): a kill after the remote changed.
    ActThenHang,
}

#[derive(Clone, Debug)]
pub struct Fault {
    /// The method, or `*` for any.
    pub method: &'static str,
    /// A substring of the path (`/assets`, `/releases/`).
    pub path_contains: &'static str,
    /// Which matching request (1-based) it hits.
    pub nth: usize,
    pub action: Action,
    seen: usize,
}

impl Fault {
    pub fn new(
        method: &'static str,
        path_contains: &'static str,
        nth: usize,
        action: Action,
    ) -> Fault {
        Fault {
            method,
            path_contains,
            nth,
            action,
            seen: 0,
        }
    }
}

#[derive(Default)]
pub struct State {
    pub releases: Vec<Release>,
    pub requests: Vec<Recorded>,
    pub dispatches: Vec<(String, Value)>,
    pub pulls: Vec<Pull>,
    pub labels: Vec<RepoLabel>,
    pub faults: Vec<Fault>,
    /// Set when a `Hang` fault is holding a request.
    pub hanging: bool,
    next_id: u64,
    next_number: u64,
    token: String,
}

pub struct FakeGithub {
    pub url: String,
    pub state: Arc<Mutex<State>>,
    server: Server,
}

impl FakeGithub {
    /// A server that accepts `token`.
    pub fn start(token: &str) -> FakeGithub {
        let state = Arc::new(Mutex::new(State {
            next_id: 1,
            next_number: 1,
            token: token.to_string(),
            ..State::default()
        }));
        let server = {
            let state = state.clone();
            Server::start(move |req| serve(req, &state))
        };
        FakeGithub {
            url: server.url(),
            state,
            server,
        }
    }

    pub fn fault(&self, fault: Fault) {
        self.state.lock().unwrap().faults.push(fault);
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Requests with this method whose path contains `part`.
    pub fn count(&self, method: &str, part: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method == method && r.path.contains(part))
            .count()
    }

    /// Whether some release holds an upload that never finished.
    pub fn has_partial_asset(&self) -> bool {
        self.lock()
            .releases
            .iter()
            .any(|r| r.assets.iter().any(|a| a.state == "starter"))
    }

    /// Wait (at most `limit`) until `cond` holds for the state.
    pub fn wait_for(&self, limit: Duration, cond: impl Fn(&State) -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if cond(&self.lock()) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Requests that change something (anything but GET).
    pub fn writes(&self) -> Vec<Recorded> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.method != "GET")
            .cloned()
            .collect()
    }

    /// Add a pull request directly; returns its number.
    pub fn seed_pull(&self, head: &str, base: &str, title: &str, labels: &[&str]) -> u64 {
        let mut s = self.lock();
        let number = s.next_number;
        s.next_number += 1;
        s.pulls.push(Pull {
            number,
            title: title.into(),
            body: String::new(),
            head: head.into(),
            base: base.into(),
            state: "open".into(),
            merged: false,
            labels: labels.iter().map(|l| l.to_string()).collect(),
        });
        number
    }

    /// Close pull request `number`, merged or not.
    pub fn close_pull(&self, number: u64, merged: bool) {
        let mut s = self.lock();
        let pr = s
            .pulls
            .iter_mut()
            .find(|p| p.number == number)
            .expect("a seeded pull");
        pr.state = "closed".into();
        pr.merged = merged;
    }

    /// Add a release directly (for "already there" tests).
    pub fn seed_release(&self, tag: &str, draft: bool, assets: &[(&str, &[u8])]) -> u64 {
        let mut s = self.lock();
        let id = s.next_id;
        s.next_id += 1;
        let mut release = Release {
            id,
            tag: tag.into(),
            target: "main".into(),
            name: tag.into(),
            body: String::new(),
            draft,
            prerelease: false,
            make_latest: None,
            assets: Vec::new(),
        };
        for (name, data) in assets {
            let aid = s.next_id;
            s.next_id += 1;
            release.assets.push(Asset {
                id: aid,
                name: name.to_string(),
                content_type: "application/octet-stream".into(),
                state: "uploaded".into(),
                data: data.to_vec(),
            });
        }
        s.releases.push(release);
        id
    }
}

fn not_found() -> (u16, Value) {
    (
        404,
        json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
    )
}

fn already_exists(resource: &str, field: &str) -> (u16, Value) {
    (
        422,
        json!({"message": "Validation Failed", "errors": [{"resource": resource, "code": "already_exists", "field": field}], "documentation_url": "https://docs.github.com/rest"}),
    )
}

/// Headers of every answer, as GitHub sends them.
fn reply(status: u16, headers: &[(String, String)], body: &str) -> Reply {
    let mut reply = Reply::new(status, body)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("X-GitHub-Api-Version-Selected", "2022-11-28");
    for (k, v) in headers {
        reply = reply.header(k, v);
    }
    reply
}

fn serve(req: &mut Request, state: &Mutex<State>) -> Reply {
    // A connection that fails while the body is read is a client gone.
    serve_request(req, state).unwrap_or_else(|_| Reply::close())
}

fn serve_request(req: &mut Request, state: &Mutex<State>) -> std::io::Result<Reply> {
    let length = req.content_length();
    // Faults come first: they decide whether the request is acted on at all.
    let fault = {
        let mut s = state.lock().unwrap();
        s.faults.iter_mut().find_map(|f| {
            if (f.method == "*" || f.method == req.method) && req.path.contains(f.path_contains) {
                f.seen += 1;
                (f.seen == f.nth).then(|| f.action.clone())
            } else {
                None
            }
        })
    };
    let record = |req: &Request, status: u16, body: Vec<u8>| {
        state.lock().unwrap().requests.push(Recorded {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            content_type: req.header("content-type").map(str::to_string),
            body,
            status,
        });
    };
    let act_then_drop = matches!(fault, Some(Action::ActThenDrop));
    let act_then_hang = matches!(fault, Some(Action::ActThenHang));
    match fault {
        Some(Action::Reply(status, headers, body)) => {
            req.read_body(length)?;
            let body = body.replace("{auth}", req.header("authorization").unwrap_or(""));
            record(req, status, Vec::new());
            return Ok(reply(status, &headers, &body));
        }
        Some(a @ (Action::DropMidUpload | Action::HangMidUpload)) => {
            let half = req.read_body(length / 2)?;
            record(req, 0, Vec::new());
            {
                let mut s = state.lock().unwrap();
                let id = s.next_id;
                s.next_id += 1;
                let rid = release_id_of(&req.path);
                let name = req.param("name").unwrap_or_default();
                if let Some(r) = s.releases.iter_mut().find(|r| Some(r.id) == rid) {
                    r.assets.push(Asset {
                        id,
                        name,
                        content_type: req.header("content-type").unwrap_or("").to_string(),
                        state: "starter".into(),
                        data: half,
                    });
                }
                if matches!(a, Action::HangMidUpload) {
                    s.hanging = true;
                }
            }
            if matches!(a, Action::HangMidUpload) {
                req.hang(Duration::from_secs(60));
            }
            return Ok(Reply::close());
        }
        Some(Action::Hang) => {
            let sink = req.read_body(length)?;
            record(req, 0, sink);
            state.lock().unwrap().hanging = true;
            req.hang(Duration::from_secs(60));
            return Ok(Reply::close());
        }
        Some(Action::ActThenDrop | Action::ActThenHang) | None => {}
    }
    let body = req.read_body(length)?;
    let token = state.lock().unwrap().token.clone();
    let auth = req.header("authorization").unwrap_or("");
    let (status, answer) = if auth != format!("Bearer {token}") && auth != format!("token {token}")
    {
        (
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"}),
        )
    } else {
        let base = format!("http://{}", req.server);
        route(req, &body, &mut state.lock().unwrap(), &base)
    };
    record(req, status, body);
    if act_then_drop {
        return Ok(Reply::close());
    }
    if act_then_hang {
        state.lock().unwrap().hanging = true;
        req.hang(Duration::from_secs(60));
        return Ok(Reply::close());
    }
    let text = if status == 204 {
        String::new()
    } else {
        answer.to_string()
    };
    Ok(reply(status, &[], &text))
}

/// `/repos/o/r/releases/{id}/assets` → `id`.
fn release_id_of(path: &str) -> Option<u64> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    parts.get(4)?.parse().ok()
}

fn asset_json(base: &str, owner_repo: &str, tag: &str, a: &Asset) -> Value {
    json!({
        "url": format!("{base}/repos/{owner_repo}/releases/assets/{}", a.id),
        "browser_download_url": format!("https://github.com/{owner_repo}/releases/download/{tag}/{}", a.name),
        "id": a.id,
        "node_id": format!("RA_{}", a.id),
        "name": a.name,
        "label": "",
        "state": a.state,
        "content_type": a.content_type,
        "size": a.data.len(),
        "digest": if a.state == "uploaded" { json!(format!("sha256:{}", hex::encode(Sha256::digest(&a.data)))) } else { Value::Null },
        "download_count": 0,
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "uploader": null,
    })
}

fn release_json(base: &str, owner_repo: &str, r: &Release) -> Value {
    let html_tag = if r.draft {
        format!("untagged-{}", r.id)
    } else {
        r.tag.clone()
    };
    json!({
        "url": format!("{base}/repos/{owner_repo}/releases/{}", r.id),
        "html_url": format!("https://github.com/{owner_repo}/releases/tag/{html_tag}"),
        "assets_url": format!("{base}/repos/{owner_repo}/releases/{}/assets", r.id),
        "upload_url": format!("{base}/repos/{owner_repo}/releases/{}/assets{{?name,label}}", r.id),
        "tarball_url": null,
        "zipball_url": null,
        "id": r.id,
        "node_id": format!("RE_{}", r.id),
        "tag_name": r.tag,
        "target_commitish": r.target,
        "name": r.name,
        "body": r.body,
        "draft": r.draft,
        "prerelease": r.prerelease,
        "created_at": "2026-01-01T00:00:00Z",
        "published_at": if r.draft { Value::Null } else { json!("2026-01-01T00:00:00Z") },
        "author": {"login": "octocat", "id": 1},
        "assets": r.assets.iter().map(|a| asset_json(base, owner_repo, &r.tag, a)).collect::<Vec<_>>(),
    })
}

fn page<T: Clone>(req: &Request, items: &[T]) -> Vec<T> {
    let per: usize = req
        .param("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let page: usize = req.param("page").and_then(|v| v.parse().ok()).unwrap_or(1);
    items
        .iter()
        .skip(per * (page.max(1) - 1))
        .take(per)
        .cloned()
        .collect()
}

fn route(req: &Request, body: &[u8], s: &mut State, base: &str) -> (u16, Value) {
    let parts: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    if parts.len() < 3 || parts[0] != "repos" {
        return not_found();
    }
    let owner_repo = format!("{}/{}", parts[1], parts[2]);
    let rest = &parts[3..];
    let input: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    match (req.method.as_str(), rest) {
        ("POST", ["dispatches"]) => {
            if input["event_type"].as_str().is_none_or(str::is_empty) {
                return (
                    422,
                    json!({"message": "Invalid request.\n\n\"event_type\" wasn't supplied."}),
                );
            }
            s.dispatches.push((owner_repo, input));
            (204, Value::Null)
        }
        ("GET", ["releases", "tags", tag]) => {
            let tag = percent_decode(tag);
            match s.releases.iter().find(|r| r.tag == tag && !r.draft) {
                Some(r) => (200, release_json(base, &owner_repo, r)),
                None => not_found(),
            }
        }
        ("GET", ["releases"]) => {
            let mut all: Vec<&Release> = s.releases.iter().collect();
            all.sort_by_key(|r| std::cmp::Reverse(r.id));
            let json: Vec<Value> = all
                .iter()
                .map(|r| release_json(base, &owner_repo, r))
                .collect();
            (200, Value::Array(page(req, &json)))
        }
        ("POST", ["releases"]) => {
            let Some(tag) = input["tag_name"].as_str() else {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "Release", "code": "missing_field", "field": "tag_name"}]}),
                );
            };
            if s.releases.iter().any(|r| r.tag == tag && !r.draft) {
                return already_exists("Release", "tag_name");
            }
            let id = s.next_id;
            s.next_id += 1;
            let r = Release {
                id,
                tag: tag.to_string(),
                target: input["target_commitish"]
                    .as_str()
                    .unwrap_or("main")
                    .to_string(),
                name: input["name"].as_str().unwrap_or(tag).to_string(),
                body: input["body"].as_str().unwrap_or("").to_string(),
                draft: input["draft"].as_bool().unwrap_or(false),
                prerelease: input["prerelease"].as_bool().unwrap_or(false),
                make_latest: input["make_latest"].as_str().map(str::to_string),
                assets: Vec::new(),
            };
            let json = release_json(base, &owner_repo, &r);
            s.releases.push(r);
            (201, json)
        }
        ("GET", ["releases", "assets", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            for r in &s.releases {
                if let Some(a) = r.assets.iter().find(|a| a.id == id) {
                    return (200, asset_json(base, &owner_repo, &r.tag, a));
                }
            }
            not_found()
        }
        ("DELETE", ["releases", "assets", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            for r in &mut s.releases {
                if let Some(i) = r.assets.iter().position(|a| a.id == id) {
                    r.assets.remove(i);
                    return (204, Value::Null);
                }
            }
            not_found()
        }
        ("GET", ["releases", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            match s.releases.iter().find(|r| r.id == id) {
                Some(r) => (200, release_json(base, &owner_repo, r)),
                None => not_found(),
            }
        }
        ("PATCH", ["releases", id]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some(i) = s.releases.iter().position(|r| r.id == id) else {
                return not_found();
            };
            let tag = s.releases[i].tag.clone();
            if input["draft"] == json!(false)
                && s.releases
                    .iter()
                    .any(|o| o.id != id && o.tag == tag && !o.draft)
            {
                return already_exists("Release", "tag_name");
            }
            let r = &mut s.releases[i];
            if let Some(v) = input["name"].as_str() {
                r.name = v.into();
            }
            if let Some(v) = input["body"].as_str() {
                r.body = v.into();
            }
            if let Some(v) = input["draft"].as_bool() {
                r.draft = v;
            }
            if let Some(v) = input["prerelease"].as_bool() {
                r.prerelease = v;
            }
            if let Some(v) = input["make_latest"].as_str() {
                r.make_latest = Some(v.into());
            }
            (200, release_json(base, &owner_repo, r))
        }
        ("GET", ["releases", id, "assets"]) => {
            let id: u64 = id.parse().unwrap_or(0);
            match s.releases.iter().find(|r| r.id == id) {
                Some(r) => {
                    let json: Vec<Value> = r
                        .assets
                        .iter()
                        .map(|a| asset_json(base, &owner_repo, &r.tag, a))
                        .collect();
                    (200, Value::Array(page(req, &json)))
                }
                None => not_found(),
            }
        }
        ("POST", ["releases", id, "assets"]) => {
            let id: u64 = id.parse().unwrap_or(0);
            let Some(name) = req.param("name").filter(|n| !n.is_empty()) else {
                return (422, json!({"message": "Bad Content-Length or name"}));
            };
            let Some(content_type) = req.header("content-type").map(str::to_string) else {
                return (422, json!({"message": "Content-Type is required"}));
            };
            let next = s.next_id;
            let Some(r) = s.releases.iter_mut().find(|r| r.id == id) else {
                return not_found();
            };
            if r.assets.iter().any(|a| a.name == name) {
                return already_exists("ReleaseAsset", "name");
            }
            let asset = Asset {
                id: next,
                name,
                content_type,
                state: "uploaded".into(),
                data: body.to_vec(),
            };
            let json = asset_json(base, &owner_repo, &r.tag, &asset);
            r.assets.push(asset);
            s.next_id += 1;
            (201, json)
        }
        ("GET", ["pulls"]) => {
            let state = req.param("state").unwrap_or_else(|| "open".into());
            let head = req.param("head");
            let mut all: Vec<&Pull> = s
                .pulls
                .iter()
                .filter(|p| state == "all" || p.state == state)
                .filter(|p| {
                    head.as_deref()
                        .is_none_or(|h| *h == format!("{}:{}", parts[1], p.head))
                })
                .collect();
            all.sort_by_key(|p| std::cmp::Reverse(p.number));
            let json: Vec<Value> = all
                .iter()
                .map(|p| pull_json(base, &owner_repo, s, p))
                .collect();
            (200, Value::Array(page(req, &json)))
        }
        ("POST", ["pulls"]) => {
            let (Some(title), Some(head), Some(into)) = (
                input["title"].as_str(),
                input["head"].as_str(),
                input["base"].as_str(),
            ) else {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "missing_field", "field": "head"}]}),
                );
            };
            if s.pulls.iter().any(|p| p.head == head && p.state == "open") {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "PullRequest", "code": "custom", "message": format!("A pull request already exists for {}:{head}.", parts[1])}]}),
                );
            }
            let number = s.next_number;
            s.next_number += 1;
            let pr = Pull {
                number,
                title: title.into(),
                body: input["body"].as_str().unwrap_or("").into(),
                head: head.into(),
                base: into.into(),
                state: "open".into(),
                merged: false,
                labels: Vec::new(),
            };
            let json = pull_json(base, &owner_repo, s, &pr);
            s.pulls.push(pr);
            (201, json)
        }
        ("PATCH", ["pulls", n]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let Some(i) = s.pulls.iter().position(|p| p.number == n) else {
                return not_found();
            };
            let pr = &mut s.pulls[i];
            if let Some(v) = input["title"].as_str() {
                pr.title = v.into();
            }
            if let Some(v) = input["body"].as_str() {
                pr.body = v.into();
            }
            if let Some(v) = input["state"].as_str() {
                pr.state = v.into();
            }
            let pr = s.pulls[i].clone();
            (200, pull_json(base, &owner_repo, s, &pr))
        }
        ("GET", ["labels"]) => {
            let json: Vec<Value> = s
                .labels
                .iter()
                .map(|l| label_json(base, &owner_repo, l))
                .collect();
            (200, Value::Array(page(req, &json)))
        }
        ("GET", ["labels", name]) => {
            let name = percent_decode(name);
            match s.labels.iter().find(|l| l.name.eq_ignore_ascii_case(&name)) {
                Some(l) => (200, label_json(base, &owner_repo, l)),
                None => not_found(),
            }
        }
        ("POST", ["labels"]) => {
            let Some(name) = input["name"].as_str() else {
                return (
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "Label", "code": "missing_field", "field": "name"}]}),
                );
            };
            if s.labels.iter().any(|l| l.name.eq_ignore_ascii_case(name)) {
                return already_exists("Label", "name");
            }
            let label = RepoLabel {
                name: name.into(),
                color: input["color"].as_str().unwrap_or("ededed").into(),
                description: input["description"].as_str().unwrap_or("").into(),
            };
            let json = label_json(base, &owner_repo, &label);
            s.labels.push(label);
            (201, json)
        }
        ("POST", ["issues", n, "labels"]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let Some(names) = input["labels"].as_array() else {
                return (
                    422,
                    json!({"message": "Invalid request.\n\n\"labels\" wasn't supplied."}),
                );
            };
            let names: Vec<String> = names
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            if !s.pulls.iter().any(|p| p.number == n) {
                return not_found();
            }
            // GitHub creates labels that do not exist yet.
            for name in &names {
                if !s.labels.iter().any(|l| l.name.eq_ignore_ascii_case(name)) {
                    s.labels.push(RepoLabel {
                        name: name.clone(),
                        color: "ededed".into(),
                        description: String::new(),
                    });
                }
            }
            let pr = s
                .pulls
                .iter_mut()
                .find(|p| p.number == n)
                .expect("checked above");
            for name in names {
                if !pr.labels.contains(&name) {
                    pr.labels.push(name);
                }
            }
            let pr = pr.clone();
            (200, Value::Array(labels_of(base, &owner_repo, s, &pr)))
        }
        ("DELETE", ["issues", n, "labels", name]) => {
            let n: u64 = n.parse().unwrap_or(0);
            let name = percent_decode(name);
            let Some(pr) = s.pulls.iter_mut().find(|p| p.number == n) else {
                return not_found();
            };
            let Some(i) = pr.labels.iter().position(|l| *l == name) else {
                return (
                    404,
                    json!({"message": "Label does not exist", "documentation_url": "https://docs.github.com/rest", "status": "404"}),
                );
            };
            pr.labels.remove(i);
            let pr = pr.clone();
            (200, Value::Array(labels_of(base, &owner_repo, s, &pr)))
        }
        _ => not_found(),
    }
}

fn label_json(base: &str, owner_repo: &str, l: &RepoLabel) -> Value {
    json!({
        "id": 1,
        "node_id": "LA_1",
        "url": format!("{base}/repos/{owner_repo}/labels/{}", l.name),
        "name": l.name,
        "description": l.description,
        "color": l.color,
        "default": false,
    })
}

fn labels_of(base: &str, owner_repo: &str, s: &State, pr: &Pull) -> Vec<Value> {
    pr.labels
        .iter()
        .map(|name| {
            let label = s
                .labels
                .iter()
                .find(|l| l.name == *name)
                .cloned()
                .unwrap_or(RepoLabel {
                    name: name.clone(),
                    color: "ededed".into(),
                    description: String::new(),
                });
            label_json(base, owner_repo, &label)
        })
        .collect()
}

fn pull_json(base: &str, owner_repo: &str, s: &State, p: &Pull) -> Value {
    let owner = owner_repo.split('/').next().unwrap_or("");
    json!({
        "url": format!("{base}/repos/{owner_repo}/pulls/{}", p.number),
        "id": p.number + 1000,
        "node_id": format!("PR_{}", p.number),
        "html_url": format!("https://github.com/{owner_repo}/pull/{}", p.number),
        "number": p.number,
        "state": p.state,
        "locked": false,
        "title": p.title,
        "body": p.body,
        "user": {"login": "octocat", "id": 1},
        "labels": labels_of(base, owner_repo, s, p),
        "head": {"label": format!("{owner}:{}", p.head), "ref": p.head, "sha": "0000000000000000000000000000000000000000"},
        "base": {"label": format!("{owner}:{}", p.base), "ref": p.base, "sha": "0000000000000000000000000000000000000000"},
        "draft": false,
        "merged_at": if p.merged { json!("2026-01-01T00:00:00Z") } else { Value::Null },
        "merge_commit_sha": if p.merged { json!("1111111111111111111111111111111111111111") } else { Value::Null },
        "closed_at": if p.state == "closed" { json!("2026-01-01T00:00:00Z") } else { Value::Null },
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    })
}
