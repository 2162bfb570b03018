//! Fuzz target: the conventional-commit and version-bump rules
//! (`consign::release::bump`, from the `relpr` branch: this target builds
//! once that has merged; `run.sh` enables it when `bump.rs` exists).
//!
//! Input lines: the current version, a `--prerelease` label (empty: none),
//! then the commit message. Properties:
//! - reading a message never fails, and a change asks for patch under 0.0.x;
//! - a bump never lowers a version: the next version is above the current
//!   one (unless nothing is), a pre-release exactly when one was asked for;
//! - a bigger level never gives a smaller version.
#![no_main]

use consign::release::bump::{next_version, Change, Level, Prerelease};
use semver::Version;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(3, '\n');
    let Some(Ok(current)) = lines.next().map(|l| Version::parse(l.trim())) else {
        return;
    };
    let prerelease: Option<Prerelease> = lines.next().and_then(|l| l.trim().parse().ok());
    let message = lines.next().unwrap_or("");
    let change = Change::parse(message);
    let level = change.level(&current);
    if current.major == 0 && current.minor == 0 {
        assert_eq!(level, Level::Patch, "{change:?} under {current}");
    }
    let max = Version::new(u64::MAX, u64::MAX, u64::MAX);
    let mut previous: Option<Version> = None;
    for level in [Level::Patch, Level::Minor, Level::Major] {
        let next = next_version(&current, level, prerelease.as_ref());
        assert!(
            next > current || current.major == u64::MAX || current >= max,
            "{current} + {level:?} ({prerelease:?}) gave {next}"
        );
        assert_eq!(next.pre.is_empty(), prerelease.is_none(), "{current} + {level:?} gave {next}");
        if prerelease.is_none() {
            if let Some(p) = &previous {
                assert!(&next >= p, "{current}: {level:?} gave {next}, below {p}");
            }
            previous = Some(next);
        }
    }
});
