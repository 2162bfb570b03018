use super::*;
use crate::project::cargo::{CargoPackage, Dependency, RegistryFacts};

fn dep(name: &str, req: &str, kind: Option<&str>) -> Dependency {
    Dependency {
        name: name.into(),
        source: None,
        req: req.into(),
        kind: kind.map(str::to_string),
        rename: None,
        optional: false,
        uses_default_features: true,
        features: vec![],
        target: None,
        registry: None,
        path: Some(PathBuf::from(format!("/ws/{name}"))),
    }
}

fn pkg(name: &str, deps: Vec<Dependency>) -> Package {
    Package {
        cargo: CargoPackage {
            name: name.into(),
            version: "1.0.0".parse().unwrap(),
            manifest_path: PathBuf::from(format!("/ws/{name}/Cargo.toml")),
            binaries: vec![],
            has_lib: true,
            publish: true,
            repository: Some("https://github.com/o/r".into()),
            description: Some("d".into()),
            license: Some("MIT".into()),
            homepage: None,
            readme: None,
            license_file: None,
            binstall: None,
            wix: None,
            authors: vec![],
            registry: RegistryFacts {
                dependencies: deps,
                rust_version: Some("1.80".into()),
                ..Default::default()
            },
        },
        dir: PathBuf::from(format!("/ws/{name}")),
        config: Default::default(),
        config_origin: None,
        dir_files: vec![],
        changelog: None,
    }
}

fn names(steps: &[CrateStep]) -> Vec<&str> {
    steps.iter().map(|s| s.name.as_str()).collect()
}

#[test]
fn versioned_dev_dependencies_order_and_path_only_ones_do_not() {
    // `core`'s tests use `testkit` by path only (stripped on publish): no
    // edge, so no cycle. `app` keeps a versioned dev-dependency on `testkit`.
    let ws = vec![
        pkg(
            "app",
            vec![
                dep("core", "^1.0.0", None),
                dep("testkit", "^1.0.0", Some("dev")),
            ],
        ),
        pkg("core", vec![dep("testkit", "*", Some("dev"))]),
        pkg("testkit", vec![dep("core", "^1.0.0", None)]),
        pkg("gen", vec![]),
    ];
    let p = plan(&ws, CRATES_IO, &BTreeMap::new()).unwrap();
    assert_eq!(names(&p.steps), ["core", "testkit", "app", "gen"]);
    assert_eq!(p.steps[2].deps, ["core", "testkit"]);
    assert_eq!(p.steps[0].deps, Vec::<String>::new());
    assert!(p.problems.is_empty(), "{:?}", p.problems);
}

#[test]
fn a_versioned_dev_dependency_cycle_is_an_error() {
    let ws = vec![
        pkg("a", vec![dep("b", "^1.0.0", Some("dev"))]),
        pkg("b", vec![dep("a", "^1.0.0", None)]),
    ];
    let err = plan(&ws, CRATES_IO, &BTreeMap::new()).unwrap_err();
    assert!(err.message.contains("a → b → a"), "{}", err.message);
}

#[test]
fn publish_restrictions_present_versions_and_new_or_update() {
    let mut private = pkg("private", vec![]);
    private.cargo.registry.publish = Some(vec![]);
    let mut internal = pkg("internal", vec![]);
    internal.cargo.registry.publish = Some(vec!["corp".into()]);
    let ws = vec![
        private,
        internal,
        pkg("old", vec![]),
        pkg("seen", vec![]),
        pkg("fresh", vec![]),
    ];
    let remote = BTreeMap::from([
        (
            "old".to_string(),
            Remote {
                versions: vec!["1.0.0".parse().unwrap()],
            },
        ),
        (
            "seen".to_string(),
            Remote {
                versions: vec!["0.9.0".parse().unwrap()],
            },
        ),
    ]);
    let p = plan(&ws, CRATES_IO, &remote).unwrap();
    assert_eq!(names(&p.steps), ["seen", "fresh"]);
    assert_eq!(p.steps[0].kind, PublishKind::Update);
    assert_eq!(p.steps[1].kind, PublishKind::New);
    assert_eq!(p.present.len(), 1);
    let reasons: Vec<&str> = p.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "`publish = false`",
            "`publish = [\"corp\"]` does not include `crates-io`"
        ]
    );
    // To `corp`, `internal` goes.
    let p = plan(&ws, "corp", &remote).unwrap();
    assert!(names(&p.steps).contains(&"internal"));
}

#[test]
fn every_problem_is_reported_together() {
    let mut bare = pkg(
        "bare",
        vec![dep("private", "*", None), dep("core", "^1.0.0", None)],
    );
    bare.cargo.description = None;
    bare.cargo.license = None;
    bare.cargo.repository = None;
    bare.cargo.registry.rust_version = None;
    let mut private = pkg("private", vec![]);
    private.cargo.registry.publish = Some(vec![]);
    let mut core = pkg("core", vec![]);
    core.cargo.registry.publish = Some(vec![]);
    let p = plan(&[bare, private, core], CRATES_IO, &BTreeMap::new()).unwrap();
    assert_eq!(p.problems.len(), 3, "{:#?}", p.problems);
    assert!(p.problems[0].contains("`description`, `license` (or `license-file`), `repository`"));
    assert!(
        p.problems[1].contains("`private` by path only"),
        "{}",
        p.problems[1]
    );
    assert!(p.problems[1].contains("version = \"1.0.0\""));
    assert!(p.problems[2].contains("`core`, which is not published to `crates-io`"));
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].contains("rust-version"));
}

#[test]
fn forecast_follows_crates_io_limits() {
    assert_eq!(rate_limit_forecast(5, 30), Duration::ZERO);
    assert_eq!(rate_limit_forecast(7, 0), Duration::from_secs(1200));
    assert_eq!(rate_limit_forecast(0, 40), Duration::from_secs(600));
    assert!(describe_forecast(7, 0).contains("about 20 minutes"));
}
