//! The MSI installer end to end: GUIDs kept in Cargo.toml, the rendered WiX
//! source, and real MSIs built with wixl from a small Windows program and
//! read back with msitools.
//!
//! The real-MSI test needs `wixl`, `msitools` and `gcc-mingw-w64-x86-64`
//! (Debian packages); without them it fails (see `common::tools`).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::tools::{self, require_tools};
use consign::installer::msi::{
    build_msi, ensure_guids, msi_version, new_guid, render_wxs, stable_guid, MsiContext,
};

fn context(upgrade_guid: &str, path_guid: &str) -> MsiContext {
    MsiContext {
        app_name: "my-tool".into(),
        app_version: "1.2.3-rc.1".into(),
        manufacturer: "Jane Doe & Co".into(),
        description: Some("Does <useful> things".into()),
        license: Some("MIT".into()),
        homepage: Some("https://example.com/my-tool?x=1&y=2".into()),
        upgrade_guid: upgrade_guid.into(),
        path_guid: path_guid.into(),
        binaries: vec!["my-tool.exe".into(), "my-tool-helper.exe".into()],
        target: "x86_64-pc-windows-msvc".into(),
    }
}

/// `msiinfo export MSI TABLE` as rows of column name → value.
fn export(msi: &Path, table: &str) -> Vec<BTreeMap<String, String>> {
    let out = Command::new("msiinfo")
        .arg("export")
        .arg(msi)
        .arg(table)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "msiinfo export {table}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let columns: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(|line| {
            columns
                .iter()
                .cloned()
                .zip(line.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

/// The `Property` table as a map.
fn properties(msi: &Path) -> BTreeMap<String, String> {
    export(msi, "Property")
        .into_iter()
        .map(|row| (row["Property"].clone(), row["Value"].clone()))
        .collect()
}

/// Compile a console program printing `message` for 64-bit Windows.
fn windows_exe(dir: &Path, name: &str, message: &str) -> PathBuf {
    let source = dir.join(format!("{name}.c"));
    fs::write(
        &source,
        format!("#include <stdio.h>\nint main(void) {{ puts(\"{message}\"); return 0; }}\n"),
    )
    .unwrap();
    let exe = dir.join("bin").join(name);
    fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let status = Command::new("x86_64-w64-mingw32-gcc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .status()
        .unwrap();
    assert!(status.success(), "mingw failed to compile {name}");
    exe
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

#[test]
fn rendered_source_is_escaped_and_keeps_component_guids_across_versions() {
    let upgrade = new_guid();
    let path = new_guid();
    let wxs = render_wxs(&context(&upgrade, &path)).unwrap();
    assert!(wxs.contains(r#"Manufacturer="Jane Doe &amp; Co""#), "{wxs}");
    assert!(
        wxs.contains(r#"Description="Does &lt;useful&gt; things""#),
        "{wxs}"
    );
    assert!(wxs.contains(r#"Value="https://example.com/my-tool?x=1&amp;y=2""#));
    // The version is given when building, so the source outlives versions;
    // a pre-release is dropped then (MSI versions are numeric).
    assert!(wxs.contains(r#"Version="$(var.Version)""#), "{wxs}");
    assert_eq!(msi_version("1.2.3-rc.1").unwrap().version, "1.2.3");
    assert!(wxs.contains(&format!(r#"UpgradeCode="{upgrade}""#)));
    assert!(wxs.contains(r#"<MajorUpgrade AllowSameVersionUpgrades="yes""#));
    assert!(wxs.contains(r#"<Environment Id="PATH""#));

    // A later version renders the very same source: every GUID is kept.
    let mut next = context(&upgrade, &path);
    next.app_version = "1.3.0".into();
    assert_eq!(render_wxs(&next).unwrap(), wxs);

    // A 32-bit package installs elsewhere, so its binaries' GUIDs differ.
    let mut x86 = context(&upgrade, &path);
    x86.target = "i686-pc-windows-msvc".into();
    let x86 = render_wxs(&x86).unwrap();
    assert!(x86.contains(r#"<Directory Id="ProgramFilesFolder">"#));
    assert!(x86.contains(r#"Platform="x86""#));
    let guid_of = |wxs: &str| {
        let at = wxs.find(r#"<Component Id="binary0" Guid=""#).unwrap() + 30;
        wxs[at..at + 36].to_string()
    };
    assert_ne!(guid_of(&wxs), guid_of(&x86));
    assert_eq!(
        stable_guid(&upgrade, "my-tool.exe"),
        stable_guid(&upgrade, "my-tool.exe")
    );
}

#[test]
fn guids_are_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("Cargo.toml");
    let original = "# my-tool: a tool.\n[package]\nname = \"my-tool\"   # aligned comment\n\
                    version = \"1.2.3\"\nauthors = [\"Jane Doe <jane@example.com>\"]\n\n\
                    [package.metadata.dist]\n# dist settings\ninstallers = [\"msi\"]\n\n\
                    # deps\n[dependencies]\n";
    fs::write(&manifest, original).unwrap();

    let first = ensure_guids(&manifest).unwrap();
    let written = fs::read_to_string(&manifest).unwrap();
    assert_ne!(written, original);
    for line in original.lines() {
        assert!(written.contains(line), "lost {line:?} in:\n{written}");
    }
    assert!(written.contains(&format!("upgrade-guid = \"{}\"", first.0)));
    assert!(written.contains(&format!("path-guid = \"{}\"", first.1)));

    let second = ensure_guids(&manifest).unwrap();
    assert_eq!(first, second);
    assert_eq!(fs::read_to_string(&manifest).unwrap(), written);
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "temp files left"
    );
}

#[test]
fn real_msi_roundtrip() {
    require_tools!(
        "wixl",
        "msiinfo",
        "msibuild",
        "msiextract",
        "x86_64-w64-mingw32-gcc"
    );

    let dir = tempfile::tempdir().unwrap();
    let tool = windows_exe(dir.path(), "my-tool.exe", "hello from my-tool");
    let helper = windows_exe(dir.path(), "my-tool-helper.exe", "hello from the helper");
    let bin_dir = tool.parent().unwrap().to_path_buf();

    // The GUIDs come from a manifest, as in a real project.
    let manifest = dir.path().join("Cargo.toml");
    fs::write(
        &manifest,
        "[package]\nname = \"my-tool\"\nversion = \"1.2.3-rc.1\"\n",
    )
    .unwrap();
    let (upgrade, path_guid) = ensure_guids(&manifest).unwrap();
    let ctx = context(&upgrade, &path_guid);

    let wix_dir = dir.path().join("wix");
    fs::create_dir(&wix_dir).unwrap();
    let wxs = wix_dir.join("main.wxs");
    let source = render_wxs(&ctx).unwrap();
    fs::write(&wxs, &source).unwrap();
    let out_dir = dir.path().join("distrib");
    fs::create_dir(&out_dir).unwrap();
    let msi = out_dir.join("my-tool-x86_64-pc-windows-msvc.msi");
    build_msi(&wxs, &bin_dir, &msi, &ctx.app_version).unwrap();
    assert!(msi.is_file());
    let left: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "temporary files left: {left:?}");

    // Properties.
    let props = properties(&msi);
    assert_eq!(props["ProductName"], "my-tool");
    assert_eq!(
        props["ProductVersion"], "1.2.3",
        "the pre-release is dropped"
    );
    assert_eq!(props["UpgradeCode"], format!("{{{upgrade}}}"));
    assert_eq!(props["Manufacturer"], "Jane Doe & Co");
    assert_eq!(props["ALLUSERS"], "1", "per-machine install");
    assert_eq!(
        props["ARPURLINFOABOUT"],
        "https://example.com/my-tool?x=1&y=2"
    );
    assert_eq!(props["ARPCOMMENTS"], "Does <useful> things");

    // Files and components: each binary in its own 64-bit component whose
    // GUID is the one the source declared.
    let files = export(&msi, "File");
    assert_eq!(files.len(), 2);
    let components = export(&msi, "Component");
    for (exe, component_id) in [(&tool, "binary0"), (&helper, "binary1")] {
        let name = exe.file_name().unwrap().to_str().unwrap();
        let file = files
            .iter()
            .find(|f| f["FileName"] == name)
            .unwrap_or_else(|| panic!("{name} not in the File table: {files:?}"));
        assert_eq!(
            file["FileSize"],
            fs::metadata(exe).unwrap().len().to_string()
        );
        assert_eq!(file["Component_"], component_id);
        let component = components
            .iter()
            .find(|c| c["Component"] == component_id)
            .unwrap();
        let declared = format!(r#"<Component Id="{component_id}" Guid=""#);
        let at = source.find(&declared).unwrap() + declared.len();
        assert_eq!(
            component["ComponentId"],
            format!("{{{}}}", &source[at..at + 36])
        );
        assert_eq!(component["Directory_"], "BINFOLDER");
        assert_eq!(component["Attributes"], "256", "a 64-bit component");
    }
    let path_component = components
        .iter()
        .find(|c| c["Component"] == "PathEntry")
        .unwrap();
    assert_eq!(path_component["ComponentId"], format!("{{{path_guid}}}"));

    // Where things go.
    let dirs: BTreeMap<String, (String, String)> = export(&msi, "Directory")
        .into_iter()
        .map(|d| {
            (
                d["Directory"].clone(),
                (d["Directory_Parent"].clone(), d["DefaultDir"].clone()),
            )
        })
        .collect();
    assert_eq!(
        dirs["APPLICATIONFOLDER"],
        ("ProgramFiles64Folder".into(), "my-tool".into())
    );
    assert_eq!(
        dirs["BINFOLDER"],
        ("APPLICATIONFOLDER".into(), "bin".into())
    );

    // The PATH entry: appended to the system PATH, removed on uninstall.
    let env = export(&msi, "Environment");
    assert_eq!(env.len(), 1, "{env:?}");
    assert_eq!(env[0]["Name"], "=-*PATH");
    assert_eq!(env[0]["Value"], "[~];[APPLICATIONFOLDER]bin");
    assert_eq!(env[0]["Component_"], "PathEntry");
    let sequence: BTreeMap<String, String> = export(&msi, "InstallExecuteSequence")
        .into_iter()
        .map(|r| (r["Action"].clone(), r["Sequence"].clone()))
        .collect();
    assert_eq!(sequence["WriteEnvironmentStrings"], "5200");
    assert_eq!(sequence["RemoveEnvironmentStrings"], "3300");

    // Upgrades: older and equal versions are replaced, newer ones refuse.
    let upgrades = export(&msi, "Upgrade");
    let replace = upgrades
        .iter()
        .find(|u| u["ActionProperty"] == "WIX_UPGRADE_DETECTED")
        .unwrap();
    assert_eq!(replace["UpgradeCode"], format!("{{{upgrade}}}"));
    assert_eq!(replace["VersionMax"], "1.2.3");
    assert_eq!(replace["Attributes"].parse::<u32>().unwrap() & 0x200, 0x200);
    let conditions = export(&msi, "LaunchCondition");
    assert!(
        conditions
            .iter()
            .any(|c| c["Condition"] == "NOT WIX_DOWNGRADE_DETECTED"),
        "{conditions:?}"
    );

    // The payload: the binaries come back byte for byte.
    let extracted = dir.path().join("extracted");
    fs::create_dir(&extracted).unwrap();
    let status = Command::new("msiextract")
        .arg("-C")
        .arg(&extracted)
        .arg(&msi)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for exe in [&tool, &helper] {
        let name = exe.file_name().unwrap().to_str().unwrap();
        let got = find_file(&extracted, name).unwrap_or_else(|| panic!("{name} not extracted"));
        assert!(
            got.ends_with(Path::new("my-tool").join("bin").join(name)),
            "{}",
            got.display()
        );
        assert_eq!(
            fs::read(&got).unwrap(),
            fs::read(exe).unwrap(),
            "{name} differs"
        );
    }

    // A second build from the same source keeps the UpgradeCode and the
    // component GUIDs. wixl makes up a new random ProductCode (and package
    // code) on every build for `Product Id="*"`, as WiX does.
    let again = out_dir.join("again.msi");
    build_msi(&wxs, &bin_dir, &again, &ctx.app_version).unwrap();
    let props2 = properties(&again);
    assert_eq!(props2["UpgradeCode"], props["UpgradeCode"]);
    assert_eq!(export(&again, "Component"), components);
    println!(
        "ProductCode of build 1: {}, of build 2: {}",
        props["ProductCode"], props2["ProductCode"]
    );
    for code in [&props["ProductCode"], &props2["ProductCode"]] {
        assert!(
            code.starts_with('{') && code.ends_with('}') && code.len() == 38,
            "{code}"
        );
    }
}

/// `DIR/main.wxs`, rendered from [`context`] with fresh GUIDs.
fn write_wxs(dir: &Path) -> PathBuf {
    let wxs = dir.join("main.wxs");
    fs::write(
        &wxs,
        render_wxs(&context(&new_guid(), &new_guid())).unwrap(),
    )
    .unwrap();
    wxs
}

#[test]
fn build_fails_clearly_on_missing_binaries_and_bad_source() {
    require_tools!("wixl", "msibuild");
    let dir = tempfile::tempdir().unwrap();
    let wxs = write_wxs(dir.path());
    let bins = dir.path().join("bin");
    fs::create_dir(&bins).unwrap();
    let out = dir.path().join("out.msi");
    let err = format!("{:#}", build_msi(&wxs, &bins, &out, "1.2.3").unwrap_err());
    assert!(err.contains("my-tool.exe is not in"), "{err}");
    assert!(!out.exists());

    // A binary wixl cannot read (a directory): wixl's own error comes through.
    fs::write(bins.join("my-tool.exe"), b"MZ").unwrap();
    fs::create_dir(bins.join("my-tool-helper.exe")).unwrap();
    let err = format!("{:#}", build_msi(&wxs, &bins, &out, "1.2.3").unwrap_err());
    assert!(err.contains("my-tool-helper.exe is not in"), "{err}");
    fs::remove_dir(bins.join("my-tool-helper.exe")).unwrap();
    fs::write(bins.join("my-tool-helper.exe"), b"MZ").unwrap();
    fs::write(&wxs, "<Wix><Product></Wix>").unwrap();
    let err = format!("{:#}", build_msi(&wxs, &bins, &out, "1.2.3").unwrap_err());
    assert!(err.contains("main.wxs") && err.contains("</Wix>"), "{err}");
    // Source wixl rejects: its own message comes through.
    let source = render_wxs(&context(&new_guid(), &new_guid())).unwrap();
    fs::write(&wxs, source.replace("<Media ", "<Bogus/><Media ")).unwrap();
    let err = format!("{:#}", build_msi(&wxs, &bins, &out, "1.2.3").unwrap_err());
    println!("{err}");
    assert!(
        err.contains("wixl failed on") && err.contains("Bogus"),
        "{err}"
    );
    assert!(!out.exists());
    let left = fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(left, 2, "temporary files left");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "temporary files left"
    );
}

/// Set when this test binary runs itself with an empty `PATH`.
const CHILD: &str = "CONSIGN_TEST_MSI_EMPTY_PATH";

#[test]
fn missing_wixl_is_a_clear_error() {
    // PATH is process-wide, so the check runs in a child process: this
    // test binary again, running only `missing_wixl_child`.
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "missing_wixl_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("checked the missing-wixl error"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn missing_wixl_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wxs = write_wxs(dir.path());
    for binary in ["my-tool.exe", "my-tool-helper.exe"] {
        fs::write(dir.path().join(binary), b"MZ").unwrap();
    }
    let out = dir.path().join("out.msi");
    let err = format!(
        "{:#}",
        build_msi(&wxs, dir.path(), &out, "1.2.3").unwrap_err()
    );
    assert!(err.contains("`wixl` is missing"), "{err}");
    assert!(err.contains("apt-get install wixl"), "{err}");
    assert!(err.contains("Windows"), "{err}");
    assert!(!out.exists());
    println!("checked the missing-wixl error: {err}");
}

/// A toolchain where `cargo xwin build` is a stand-in: it compiles a small
/// console program with mingw and reports it the way cargo does. Every
/// other cargo command is the real cargo.
fn fake_xwin_toolchain(dir: &Path) -> PathBuf {
    let bin = dir.join("fake-bin");
    fs::create_dir_all(&bin).unwrap();
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = format!(
        r#"#!/bin/sh
set -eu
if [ "$1" != xwin ]; then exec "{real_cargo}" "$@"; fi
target=""; prev=""
for a in "$@"; do [ "$prev" = --target ] && target=$a; prev=$a; done
out="$PWD/target/$target/dist"
mkdir -p "$out"
printf '#include <stdio.h>\nint main(void) {{ puts("tool 1.2.3"); return 0; }}\n' > "$out/tool.c"
x86_64-w64-mingw32-gcc -O2 -o "$out/tool.exe" "$out/tool.c"
printf '{{"reason":"compiler-artifact","manifest_path":"%s","target":{{"name":"tool","kind":["bin"]}},"executable":"%s","filenames":["%s"]}}\n' \
  "$PWD/Cargo.toml" "$out/tool.exe" "$out/tool.exe"
printf '{{"reason":"build-finished","success":true}}\n'
"#
    );
    let cargo = bin.join("cargo");
    fs::write(&cargo, script).unwrap();
    fs::write(bin.join("cargo-xwin"), "#!/bin/sh\nexit 1\n").unwrap();
    // A sysroot with the Windows standard library "installed".
    let sysroot = dir.join("sysroot");
    fs::create_dir_all(sysroot.join("lib/rustlib/x86_64-pc-windows-msvc/lib")).unwrap();
    fs::write(
        bin.join("rustc"),
        format!(
            "#!/bin/sh\nif [ \"$*\" = \"--print sysroot\" ]; then echo '{}'; exit 0; fi\nexec rustc \"$@\"\n",
            sysroot.display()
        ),
    )
    .unwrap();
    for f in ["cargo", "cargo-xwin", "rustc"] {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(bin.join(f), fs::Permissions::from_mode(0o755)).unwrap();
    }
    cargo
}

fn consign_build(ws: &Path, fake_cargo: &Path) -> std::process::Output {
    let path = format!(
        "{}:{}",
        fake_cargo.parent().unwrap().display(),
        std::env::var("PATH").unwrap()
    );
    Command::new(env!("CARGO_BIN_EXE_consign"))
        .args(["build", "--allow-dirty", "--artifacts=all"])
        .current_dir(ws)
        .env("CARGO", fake_cargo)
        .env("RUSTC", fake_cargo.with_file_name("rustc"))
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap()
}

#[test]
fn consign_build_makes_the_msi_beside_the_windows_archive() {
    require_tools!("wixl", "msiinfo", "msibuild", "x86_64-w64-mingw32-gcc");
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    fs::create_dir_all(ws.join("src")).unwrap();
    let upgrade = "0B7F3C1E-8A2D-4E6F-9C1B-2D3E4F5A6B7C";
    let manifest = format!(
        "[package]\nname = \"tool\"\nversion = \"1.2.3\"\nedition = \"2021\"\nauthors = [\"Jane Doe <jane@example.com>\"]\nlicense = \"MIT\"\nrepository = \"https://github.com/acme/tool\"\n\n[package.metadata.wix]\nupgrade-guid = \"{upgrade}\"\npath-guid = \"1C2D3E4F-5A6B-4C7D-8E9F-0A1B2C3D4E5F\"\n\n[package.metadata.dist]\ntargets = [\"x86_64-pc-windows-msvc\"]\ninstallers = [\"msi\"]\n\n[profile.dist]\ninherits = \"release\"\n"
    );
    fs::write(ws.join("Cargo.toml"), &manifest).unwrap();
    fs::write(ws.join("src/main.rs"), "fn main() {}\n").unwrap();
    let git = |args: &[&str]| common::git_in(&ws, args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    let cargo = fake_xwin_toolchain(dir.path());

    // No wix/main.wxs: the source is rendered from the package and its GUIDs.
    let out = consign_build(&ws, &cargo);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let dist = ws.join("target/distrib");
    let msi = dist.join("tool-x86_64-pc-windows-msvc.msi");
    let props = properties(&msi);
    assert_eq!(props["ProductName"], "tool");
    assert_eq!(props["ProductVersion"], "1.2.3");
    assert_eq!(props["UpgradeCode"], format!("{{{upgrade}}}"));
    assert_eq!(props["Manufacturer"], "Jane Doe");
    let files: Vec<String> = export(&msi, "File")
        .into_iter()
        .map(|row| row["FileName"].clone())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("tool.exe")), "{files:?}");
    // Its checksum file and manifest entry, like every artifact.
    let sum = fs::read_to_string(dist.join("tool-x86_64-pc-windows-msvc.msi.sha256")).unwrap();
    let status = Command::new("sha256sum")
        .args(["-c", "-"])
        .current_dir(&dist)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(sum.as_bytes())?;
            c.wait()
        })
        .unwrap();
    assert!(status.success(), "{sum}");
    let m: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dist.join("dist-manifest.json")).unwrap())
            .unwrap();
    let entry = &m["artifacts"]["tool-x86_64-pc-windows-msvc.msi"];
    assert_eq!(entry["kind"], "installer");
    assert_eq!(entry["checksums"]["sha256"], sum.split(' ').next().unwrap());

    // A hand-edited wix/main.wxs for this architecture is what gets built.
    let mut ctx = context(upgrade, "1C2D3E4F-5A6B-4C7D-8E9F-0A1B2C3D4E5F");
    ctx.app_name = "tool".into();
    ctx.app_version = "1.2.3".into();
    ctx.manufacturer = "Hand Edited Inc".into();
    ctx.binaries = vec!["tool.exe".into()];
    fs::create_dir_all(ws.join("wix")).unwrap();
    fs::write(ws.join("wix/main.wxs"), render_wxs(&ctx).unwrap()).unwrap();
    let out = consign_build(&ws, &cargo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(properties(&msi)["Manufacturer"], "Hand Edited Inc");
    // The source outlives versions: a version bump needs no regeneration.
    fs::write(
        ws.join("Cargo.toml"),
        manifest.replace("version = \"1.2.3\"", "version = \"1.3.0\""),
    )
    .unwrap();
    let out = consign_build(&ws, &cargo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msi = dist.join("tool-x86_64-pc-windows-msvc.msi");
    assert_eq!(properties(&msi)["ProductVersion"], "1.3.0");
    assert_eq!(properties(&msi)["Manufacturer"], "Hand Edited Inc");

    // Without permanent GUIDs (and no source), say how to get them.
    fs::remove_dir_all(ws.join("wix")).unwrap();
    let start = manifest.find("[package.metadata.wix]").unwrap();
    let end = manifest.find("[package.metadata.dist]").unwrap();
    fs::write(
        ws.join("Cargo.toml"),
        format!("{}{}", &manifest[..start], &manifest[end..]),
    )
    .unwrap();
    let out = consign_build(&ws, &cargo);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("[package.metadata.wix]"), "{stderr}");
    assert!(stderr.contains("consign generate"), "{stderr}");
}
