//! The publish order: which workspace members wait for which.
//!
//! A crate waits for a member it uses as a normal or build dependency, or as
//! a dev-dependency *with a version requirement* (cargo keeps those in the
//! published manifest, so the registry must already have them). Path-only
//! dev-dependencies are stripped by cargo on publish and make no edge, so
//! test-only back references invent no cycles.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::UserError;
use crate::project::cargo::Dependency;
use crate::project::Package;

/// Whether `dep` is a path dependency with no version requirement.
pub fn is_versionless_path(dep: &Dependency) -> bool {
    dep.path.is_some() && dep.source.is_none() && dep.req.trim() == "*"
}

/// Whether cargo keeps `dep` in the published manifest.
pub fn is_kept(dep: &Dependency) -> bool {
    !(dep.kind.as_deref() == Some("dev") && is_versionless_path(dep))
}

/// The members `pkg` must wait for, among `members` (names), sorted.
pub fn member_deps(pkg: &Package, members: &BTreeSet<&str>) -> Vec<String> {
    let mut deps: BTreeSet<String> = BTreeSet::new();
    for d in &pkg.registry.dependencies {
        if d.path.is_some()
            && d.source.is_none()
            && is_kept(d)
            && d.name != pkg.name
            && members.contains(d.name.as_str())
        {
            deps.insert(d.name.clone());
        }
    }
    deps.into_iter().collect()
}

/// `names` in an order where every crate comes after the crates it depends
/// on (`deps[name]`), ties broken by the order of `names`. A cycle is an
/// error naming its crates and how to break it.
pub fn topo_order(
    names: &[String],
    deps: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<String>, UserError> {
    let position: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut waiting: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dependents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in names {
        let ds: Vec<&str> = deps
            .get(n)
            .map(|v| {
                v.iter()
                    .map(String::as_str)
                    .filter(|d| position.contains_key(d))
                    .collect()
            })
            .unwrap_or_default();
        waiting.insert(n, ds.len());
        for d in ds {
            dependents.entry(d).or_default().push(n);
        }
    }
    // Ready crates, by workspace position.
    let mut ready: BTreeSet<(usize, &str)> = waiting
        .iter()
        .filter(|(_, w)| **w == 0)
        .map(|(n, _)| (position[n], *n))
        .collect();
    let mut order = Vec::with_capacity(names.len());
    while let Some(first) = ready.pop_first() {
        let (_, n) = first;
        order.push(n.to_string());
        for d in dependents.get(n).map(Vec::as_slice).unwrap_or_default() {
            let w = waiting.get_mut(d).expect("every dependent is a node");
            *w -= 1;
            if *w == 0 {
                ready.insert((position[d], d));
            }
        }
    }
    if order.len() == names.len() {
        return Ok(order);
    }
    let stuck: BTreeSet<&str> = waiting
        .iter()
        .filter(|(_, w)| **w > 0)
        .map(|(n, _)| *n)
        .collect();
    let cycle = find_cycle(&stuck, deps);
    Err(UserError::new(format!(
        "the workspace's crates depend on each other in a cycle: {}",
        cycle.join(" → ")
    ))
    .hint(
        "a dev-dependency with a `version` is kept by cargo on publish and orders the crates; \
         drop the `version` from one dev-dependency in the cycle (a path-only dev-dependency is \
         stripped on publish), or move the shared code into a crate both depend on",
    ))
}

/// One cycle among `stuck` (every stuck crate waits on another stuck one),
/// as `a → b → a`.
fn find_cycle(stuck: &BTreeSet<&str>, deps: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let Some(start) = stuck.first() else {
        return Vec::new();
    };
    let mut path: Vec<&str> = vec![start];
    loop {
        let last = *path.last().expect("path is never empty");
        let next = deps
            .get(last)
            .and_then(|ds| ds.iter().find(|d| stuck.contains(d.as_str())))
            .map(String::as_str);
        let Some(next) = next else {
            return path.iter().map(|s| s.to_string()).collect();
        };
        if let Some(i) = path.iter().position(|p| *p == next) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(next.to_string());
            return cycle;
        }
        path.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
        let names = edges.iter().map(|(n, _)| n.to_string()).collect();
        let deps = edges
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|d| d.to_string()).collect()))
            .collect();
        (names, deps)
    }

    #[test]
    fn dependencies_come_first_and_ties_keep_workspace_order() {
        let (names, deps) = graph(&[
            ("app", &["core", "util"]),
            ("util", &["core"]),
            ("core", &[]),
            ("z", &[]),
        ]);
        assert_eq!(
            topo_order(&names, &deps).unwrap(),
            ["core", "util", "app", "z"]
        );
    }

    #[test]
    fn a_cycle_names_its_crates_and_how_to_break_it() {
        let (names, deps) = graph(&[("a", &["b"]), ("b", &["c"]), ("c", &["b"]), ("d", &[])]);
        let err = topo_order(&names, &deps).unwrap_err();
        assert!(err.message.contains("b → c → b"), "{}", err.message);
        assert!(err.hint.unwrap().contains("dev-dependency"));
    }
}
