//! End-to-end tests of `consign release-pr` (the prepare step of the
//! release-PR flow): real git repositories in temp directories, a local bare
//! remote, and the loopback fake of the GitHub REST API.

mod common;
#[path = "host/fake_github.rs"]
mod fake_github;

use consign::host::github::{Client, Repo, RetryPolicy, Token};
use consign::release::pulls::{self, NewPull, PullState};
use fake_github::FakeGithub;

const TOKEN: &str = "ghs_release_pr_token_0123456789";

fn client(gh: &FakeGithub) -> Client {
    Client::new(
        &gh.url,
        Repo {
            owner: "acme".into(),
            name: "tools".into(),
        },
        Token::new(TOKEN, "GITHUB_TOKEN"),
        RetryPolicy {
            attempts: 3,
            base_delay: std::time::Duration::from_millis(10),
            max_wait: std::time::Duration::from_secs(5),
        },
    )
}

#[test]
fn pulls_api_finds_creates_updates_and_labels_one_pr() {
    let gh = FakeGithub::start(TOKEN);
    let c = client(&gh);
    assert_eq!(pulls::find_open(&c, "consign/release").unwrap(), None);
    let new = NewPull {
        title: "chore: release",
        body: "first",
        head: "consign/release",
        base: "main",
    };
    let pr = pulls::create(&c, &new).unwrap();
    assert_eq!(
        (pr.head.name.as_str(), pr.base.name.as_str()),
        ("consign/release", "main")
    );
    // A second create finds the first (GitHub answers 422) instead of failing.
    let again = pulls::create(&c, &new).unwrap();
    assert_eq!(again.number, pr.number);
    assert_eq!(gh.lock().pulls.len(), 1);

    let updated = pulls::update(&c, pr.number, "chore: release 2", "second").unwrap();
    assert_eq!(updated.title, "chore: release 2");
    assert_eq!(gh.lock().pulls[0].body, "second");

    pulls::ensure_label(&c, consign::release::LABEL_PENDING, "fbca04", "release PR").unwrap();
    pulls::ensure_label(&c, consign::release::LABEL_PENDING, "fbca04", "release PR").unwrap();
    assert_eq!(gh.count("POST", "/labels"), 1, "the label is created once");
    let labels = pulls::add_labels(&c, pr.number, &[consign::release::LABEL_PENDING]).unwrap();
    assert_eq!(labels.len(), 1);
    let found = pulls::find_open(&c, "consign/release").unwrap().unwrap();
    assert!(found.has_label(consign::release::LABEL_PENDING));
    assert!(pulls::remove_label(&c, pr.number, consign::release::LABEL_PENDING).unwrap());
    assert!(!pulls::remove_label(&c, pr.number, consign::release::LABEL_PENDING).unwrap());
    assert!(gh.lock().pulls[0].labels.is_empty());

    // Merged PRs are found among the closed ones, and no longer as open.
    gh.close_pull(pr.number, true);
    assert_eq!(pulls::find_open(&c, "consign/release").unwrap(), None);
    let closed = pulls::find_by_head(&c, "consign/release", PullState::Closed).unwrap();
    assert_eq!(closed.len(), 1);
    assert!(closed[0].is_merged());
    // Another branch's PRs are not returned.
    gh.seed_pull("feature", "main", "feat: x", &[]);
    assert_eq!(
        pulls::find_by_head(&c, "consign/release", PullState::All)
            .unwrap()
            .len(),
        1
    );
}
