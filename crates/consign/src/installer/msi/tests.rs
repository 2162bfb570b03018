//! Unit tests of the MSI installer, across its parts.

use std::fs;
use std::process::Command;

use super::build::*;
use super::cargo_toml::*;
use super::guid::*;
use super::msibuild::*;
use super::shims::*;
use super::wxs::*;
use super::xml::*;
use super::*;

fn ctx() -> MsiContext {
    MsiContext {
        app_name: "my-tool".into(),
        app_version: "1.2.3".into(),
        manufacturer: "Jane Doe".into(),
        description: Some("A tool".into()),
        license: Some("MIT OR Apache-2.0".into()),
        homepage: Some("https://example.com/my-tool".into()),
        upgrade_guid: "11111111-2222-4333-8444-555555555555".into(),
        path_guid: "66666666-7777-4888-9999-AAAAAAAAAAAA".into(),
        binaries: vec!["my-tool.exe".into(), "helper.exe".into()],
        target: "x86_64-pc-windows-msvc".into(),
    }
}

fn is_guid(s: &str) -> bool {
    normalize_guid(s).as_deref() == Some(s)
}

#[test]
fn xml_escape_escapes_the_five_specials() {
    assert_eq!(xml_escape("plain text 1.2"), "plain text 1.2");
    assert_eq!(
        xml_escape(r#"a & b < c > d "e" 'f'"#),
        "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;"
    );
    assert_eq!(xml_escape("&amp;"), "&amp;amp;");
    assert_eq!(xml_unescape(&xml_escape(r#"<"&'>"#)).unwrap(), r#"<"&'>"#);
    assert_eq!(xml_unescape("&#36;&#x41;").unwrap(), "$A");
    assert!(xml_unescape("&bogus;").is_err());
}

#[test]
fn wix_attr_doubles_dollars_and_refuses_variable_references() {
    assert_eq!(
        wix_attr("x", "costs $5 & more").unwrap(),
        "costs $$5 &amp; more"
    );
    let err = wix_attr("description", "uses $(var.X)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("description") && err.contains("$("), "{err}");
    assert!(wix_attr("x", "!(loc.Name)").is_err());
    assert!(wix_attr("x", "line\nbreak").is_err());
}

#[test]
fn free_text_fits_code_page_1252() {
    assert_eq!(free_text("Zoë — 5 €™"), "Zoë — 5 €™");
    assert_eq!(free_text("山田 Taro"), "?? Taro");
    assert_eq!(free_text("  two\n  lines\t"), "two lines");
    assert!(in_cp1252('ÿ') && in_cp1252('Ÿ') && !in_cp1252('Ā'));
}

#[test]
fn file_names_are_checked() {
    assert!(check_file_name("app name", "my-tool").is_ok());
    assert!(check_file_name("app name", "café").is_ok());
    for bad in [
        "", " ", "a/b", "a\\b", "a:b", "a?", "a.", "..", "日本", "a\u{7}",
    ] {
        assert!(check_file_name("app name", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn versions_become_numeric_with_a_note() {
    let plain = msi_version("1.2.3").unwrap();
    assert_eq!(plain.version, "1.2.3");
    assert_eq!(plain.note, None);

    let rc = msi_version("1.2.3-rc.1").unwrap();
    assert_eq!(rc.version, "1.2.3");
    let note = rc.note.unwrap();
    assert!(
        note.contains("1.2.3-rc.1") && note.contains("1.2.3"),
        "{note}"
    );

    let build = msi_version("0.4.0+build.7").unwrap();
    assert_eq!(build.version, "0.4.0");
    assert!(build.note.is_some());

    assert_eq!(
        msi_version("255.255.65535").unwrap().version,
        "255.255.65535"
    );
    for bad in ["256.0.0", "1.256.0", "1.2.65536", "1.2", "v1.2.3", ""] {
        assert!(msi_version(bad).is_err(), "{bad}");
    }
}

#[test]
fn manufacturer_is_the_first_author_without_email() {
    let authors = vec![
        "Jane Doe <jane@example.com>".to_string(),
        "John <john@example.com>".to_string(),
    ];
    assert_eq!(manufacturer(&authors, "my-tool"), "Jane Doe");
    assert_eq!(manufacturer(&["Solo".to_string()], "my-tool"), "Solo");
    assert_eq!(
        manufacturer(&["<x@example.com>".to_string()], "my-tool"),
        "my-tool"
    );
    assert_eq!(manufacturer(&[], "my-tool"), "my-tool");
}

#[test]
fn new_guids_are_random_version_4() {
    let a = new_guid();
    let b = new_guid();
    assert_ne!(a, b);
    for g in [&a, &b] {
        assert!(is_guid(g), "{g}");
        assert_eq!(&g[14..15], "4", "{g}");
        assert!("89AB".contains(&g[19..20]), "{g}");
    }
    assert_ne!(new_guid(), new_guid());
}

#[test]
fn stable_guids_are_deterministic_and_distinct() {
    let ns = "11111111-2222-4333-8444-555555555555";
    let a = stable_guid(ns, "my-tool.exe");
    assert_eq!(a, stable_guid(ns, "my-tool.exe"));
    assert!(is_guid(&a), "{a}");
    assert_eq!(&a[14..15], "8", "{a}");
    assert!("89AB".contains(&a[19..20]), "{a}");
    assert_ne!(a, stable_guid(ns, "helper.exe"));
    assert_ne!(
        a,
        stable_guid("22222222-2222-4333-8444-555555555555", "my-tool.exe")
    );
    // The separator keeps (namespace, name) pairs apart.
    assert_ne!(stable_guid("ab", "c"), stable_guid("a", "bc"));
    // Pinned: changing the derivation would change every component GUID.
    assert_eq!(a, stable_guid(ns, "my-tool.exe"));
    // SHA-256 of one zero byte starts 6e340b9c ffb37a98 9ca544e6 bb780a2c.
    assert_eq!(stable_guid("", ""), "6E340B9C-FFB3-8A98-9CA5-44E6BB780A2C");
}

#[test]
fn component_guids_depend_on_location_not_spelling() {
    let upper = "11111111-2222-4333-8444-555555555555";
    let x64 = component_guid(upper, "ProgramFiles64Folder", "my-tool.exe");
    assert_eq!(
        x64,
        component_guid(upper, "ProgramFiles64Folder", "My-Tool.EXE")
    );
    assert_ne!(
        x64,
        component_guid(upper, "ProgramFilesFolder", "my-tool.exe")
    );
}

#[test]
fn guids_are_normalized() {
    let want = Some("ABCDEF01-2345-4789-ABCD-EF0123456789".to_string());
    assert_eq!(normalize_guid("abcdef01-2345-4789-abcd-ef0123456789"), want);
    assert_eq!(
        normalize_guid("{ABCDEF01-2345-4789-ABCD-EF0123456789}"),
        want
    );
    for bad in [
        "",
        "not-a-guid",
        "ABCDEF01-2345-4789-ABCD-EF012345678",
        "{ABCDEF01-2345-4789-ABCD-EF0123456789",
        "GBCDEF01-2345-4789-ABCD-EF0123456789",
    ] {
        assert_eq!(normalize_guid(bad), None, "{bad}");
    }
}

#[test]
fn targets_choose_the_architecture() {
    assert_eq!(
        Arch::for_target("x86_64-pc-windows-msvc").unwrap(),
        Arch::X64
    );
    assert_eq!(
        Arch::for_target("x86_64-pc-windows-gnu").unwrap(),
        Arch::X64
    );
    assert_eq!(Arch::for_target("i686-pc-windows-msvc").unwrap(), Arch::X86);
    assert_eq!(
        Arch::for_target("aarch64-pc-windows-msvc").unwrap(),
        Arch::Arm64
    );
    assert!(Arch::for_target("x86_64-unknown-linux-gnu").is_err());
    assert!(Arch::for_target("thumbv7a-pc-windows-msvc").is_err());
    assert_eq!(Arch::X86.program_files(), "ProgramFilesFolder");
    assert_eq!(Arch::X64.program_files(), "ProgramFiles64Folder");
}

#[test]
fn render_fills_the_template() {
    let wxs = render_wxs(&ctx()).unwrap();
    assert!(
        wxs.contains(r#"UpgradeCode="11111111-2222-4333-8444-555555555555""#),
        "{wxs}"
    );
    assert!(wxs.contains(r#"Guid="66666666-7777-4888-9999-AAAAAAAAAAAA""#));
    assert!(wxs.contains(r#"Version="$(var.Version)""#));
    assert!(wxs.contains(r#"Platform="x64""#));
    assert!(wxs.contains(r#"<Directory Id="ProgramFiles64Folder">"#));
    assert!(wxs.contains(r#"Source="$(var.BinDir)/my-tool.exe""#));
    assert!(wxs.contains(r#"Source="$(var.BinDir)/helper.exe""#));
    assert!(wxs.contains(r#"Value="[APPLICATIONFOLDER]bin""#));
    assert!(wxs.contains("licensed under MIT OR Apache-2.0"));
    let guid = component_guid(&ctx().upgrade_guid, "ProgramFiles64Folder", "my-tool.exe");
    assert!(wxs.contains(&format!(
        r#"<Component Id="binary0" Guid="{guid}" Win64="yes">"#
    )));
    // Well formed, and the shims find what they need.
    let shims = WixlShims::from_source(&wxs).unwrap();
    assert_eq!(shims.platform.as_deref(), Some("x64"));
    assert!(shims.allow_same_version_upgrades);
    assert_eq!(shims.bin_dir_files, ["my-tool.exe", "helper.exe"]);
    assert_eq!(
        shims.environment,
        vec![EnvironmentRow {
            id: "PATH".into(),
            name: "=-*PATH".into(),
            value: Some("[~];[APPLICATIONFOLDER]bin".into()),
            component: "PathEntry".into(),
        }]
    );
    assert!(!shims.stripped.contains("<Environment"));
    assert!(shims.stripped.contains(r#"<Component Id="PathEntry""#));
    scan_xml(&shims.stripped).unwrap();
}

#[test]
fn render_without_optional_fields() {
    let mut c = ctx();
    c.description = None;
    c.license = None;
    c.homepage = None;
    c.target = "i686-pc-windows-msvc".into();
    let wxs = render_wxs(&c).unwrap();
    assert!(!wxs.contains("ARPURLINFOABOUT") && !wxs.contains("ARPCOMMENTS"));
    assert!(wxs.contains(r#"<Directory Id="ProgramFilesFolder">"#));
    assert!(wxs.contains(r#"Platform="x86""#));
    assert!(wxs.contains(r#"Win64="no""#));
    assert!(wxs.contains(r#"Description="my-tool""#));
    scan_xml(&wxs).unwrap();
}

#[test]
fn render_escapes_values() {
    let mut c = ctx();
    c.manufacturer = r#"Jane "JD" Doe & <Co>"#.into();
    c.description = Some("Costs $5 & it's 山田's".into());
    c.homepage = Some("https://example.com/?a=1&b=2".into());
    let wxs = render_wxs(&c).unwrap();
    assert!(
        wxs.contains(r#"Manufacturer="Jane &quot;JD&quot; Doe &amp; &lt;Co&gt;""#),
        "{wxs}"
    );
    assert!(
        wxs.contains(r#"Value="Costs $$5 &amp; it&apos;s ??&apos;s""#),
        "{wxs}"
    );
    assert!(wxs.contains(r#"Value="https://example.com/?a=1&amp;b=2""#));
    let elements = scan_xml(&wxs).unwrap();
    let product = elements.iter().find(|e| e.name == "Product").unwrap();
    assert_eq!(
        product.attr("Manufacturer"),
        Some(r#"Jane "JD" Doe & <Co>"#)
    );
}

#[test]
fn render_rejects_bad_contexts() {
    type Mutation = fn(&mut MsiContext);
    let cases: Vec<(Mutation, &str)> = vec![
        (|c| c.binaries.clear(), "at least one binary"),
        (|c| c.binaries = vec!["my-tool".into()], ".exe"),
        (
            |c| c.binaries = vec!["a.exe".into(), "A.EXE".into()],
            "twice",
        ),
        (
            |c| c.binaries = vec!["bin/a.exe".into()],
            "Windows file name",
        ),
        (|c| c.upgrade_guid = "nope".into(), "not a GUID"),
        (|c| c.path_guid = c.upgrade_guid.clone(), "must differ"),
        (|c| c.app_version = "1.2.300000".into(), "65535"),
        (|c| c.target = "x86_64-apple-darwin".into(), "Windows"),
        (|c| c.app_name = "日本".into(), "code page 1252"),
        (
            |c| c.description = Some("$(env.HOME)".into()),
            "variable reference",
        ),
    ];
    for (mutate, want) in cases {
        let mut c = ctx();
        mutate(&mut c);
        let err = format!("{:#}", render_wxs(&c).unwrap_err());
        assert!(err.contains(want), "{want:?} not in {err:?}");
    }
}

#[test]
fn environment_rows_follow_wix() {
    let row = |xml: &str| {
        let source = format!(r#"<Component Id="C">{xml}</Component>"#);
        let shims = WixlShims::from_source(&source)?;
        Ok::<_, anyhow::Error>(shims.environment.into_iter().next().unwrap())
    };
    let r = row(
        r#"<Environment Id="E" Name="PATH" Value="x" Part="first" Action="set" Permanent="yes"/>"#,
    )
    .unwrap();
    assert_eq!(
        (r.name.as_str(), r.value.as_deref()),
        ("=PATH", Some("x;[~]"))
    );
    let r = row(
        r#"<Environment Id="E" Name="V" Value="a$$b" Action="create" System="yes"></Environment>"#,
    )
    .unwrap();
    assert_eq!((r.name.as_str(), r.value.as_deref()), ("+-*V", Some("a$b")));
    let r = row(r#"<Environment Id="E" Name="V" Action="remove"/>"#).unwrap();
    assert_eq!((r.name.as_str(), r.value), ("!V", None));
    assert!(row(r#"<Environment Id="E" Name="V" Action="bogus"/>"#).is_err());
    assert!(row(r#"<Environment Id="E" Name="V" Value="$(var.X)"/>"#).is_err());
    assert!(
        WixlShims::from_source(r#"<Product><Environment Id="E" Name="V"/></Product>"#).is_err()
    );
}

#[test]
fn scanner_skips_comments_and_checks_nesting() {
    let source = "<?xml version=\"1.0\"?>\n<!-- <Environment Id=\"no\"/> -->\n\
                      <?define X = \"1\" ?><A x='1' y = \"&lt;2&gt;\"><B/><![CDATA[<C>]]></A>";
    let els = scan_xml(source).unwrap();
    let names: Vec<&str> = els.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(els[0].attr("y"), Some("<2>"));
    assert_eq!(&source[els[0].span.clone()][..2], "<A");
    assert!(source[els[0].span.clone()].ends_with("</A>"));
    assert!(scan_xml("<A><B></A>").is_err());
    assert!(scan_xml("<A>").is_err());
    assert!(scan_xml("</A>").is_err());
    assert!(scan_xml("<A x=1/>").is_err());
    let shims = WixlShims::from_source(
        "<A><Component Id='C'>\n  <Environment Id='E' Name='P'/>\n</Component></A>",
    )
    .unwrap();
    assert_eq!(
        shims.stripped,
        "<A><Component Id='C'>\n  \n</Component></A>"
    );
}

#[test]
fn upgrade_rows_get_version_max_inclusive() {
    let export =
        "UpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\tRemove\tActionProperty\r\n\
                      s38\tS20\tS20\tS255\ti4\tS255\ts72\r\n\
                      Upgrade\tUpgradeCode\tVersionMin\tVersionMax\tLanguage\tAttributes\r\n\
                      {1111}\t\t1.2.3\t\t1\t\tWIX_UPGRADE_DETECTED\r\n\
                      {1111}\t1.2.3\t\t\t2\t\tWIX_DOWNGRADE_DETECTED\r\n";
    let rows = parse_upgrade_table(export).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].version_max.as_deref(), Some("1.2.3"));
    assert_eq!(rows[1].attributes, 2);
    let shims = WixlShims {
        platform: None,
        stripped: String::new(),
        environment: Vec::new(),
        allow_same_version_upgrades: true,
        bin_dir_files: Vec::new(),
    };
    let queries = shims.queries(&rows).unwrap();
    assert_eq!(
        queries,
        [
            "DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'",
            "INSERT INTO `Upgrade` (`UpgradeCode`, `Attributes`, `ActionProperty`, `VersionMax`) \
                 VALUES ('{1111}', 513, 'WIX_UPGRADE_DETECTED', '1.2.3')",
        ]
    );
    // Already inclusive: nothing to do.
    let mut done = rows;
    done[0].attributes = 513;
    assert!(shims.queries(&done).unwrap().is_empty());
    assert!(parse_upgrade_table("A\tB\r\n").is_err());
    assert!(sql_string("it's").is_err());
}

const MANIFEST: &str = r#"# The tool's manifest.
[package]
name = "my-tool" # the name
version = "1.2.3"

# Dependencies follow.
[dependencies]
anyhow = "1"
"#;

#[test]
fn ensure_guids_generates_once_and_keeps_comments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Cargo.toml");
    fs::write(&path, MANIFEST).unwrap();
    let (upgrade, path_guid) = ensure_guids(&path).unwrap();
    assert!(is_guid(&upgrade) && is_guid(&path_guid));
    assert_ne!(upgrade, path_guid);
    let written = fs::read_to_string(&path).unwrap();
    // The new table goes after [package]; everything else is as it was.
    let want = MANIFEST.replace(
        "\n# Dependencies follow.",
        &format!(
            "\n[package.metadata.wix]\nupgrade-guid = \"{upgrade}\"\n\
                 path-guid = \"{path_guid}\"\n\n# Dependencies follow."
        ),
    );
    assert_eq!(written, want);
    // Cargo still sees the package.
    let doc: toml_edit::DocumentMut = written.parse().unwrap();
    assert_eq!(
        doc["package"]["metadata"]["wix"]["upgrade-guid"].as_str(),
        Some(upgrade.as_str())
    );

    let again = ensure_guids(&path).unwrap();
    assert_eq!(again, (upgrade, path_guid));
    assert_eq!(fs::read_to_string(&path).unwrap(), written);
    // No temporary files left behind.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn ensure_guids_completes_a_partial_table() {
    let text = "[package]\nname = \"a\"\n\n[package.metadata.wix]\n# keep me\nupgrade-guid = \"{abcdef01-2345-4789-abcd-ef0123456789}\"\nlicense = false\n";
    let ((upgrade, path), updated) = ensure_guids_in(text).unwrap();
    assert_eq!(upgrade, "ABCDEF01-2345-4789-ABCD-EF0123456789");
    let updated = updated.unwrap();
    assert!(updated.contains("# keep me\nupgrade-guid = \"{abcdef01-2345-4789-abcd-ef0123456789}\"\nlicense = false\n"), "{updated}");
    assert!(
        updated.contains(&format!("path-guid = \"{path}\"")),
        "{updated}"
    );

    let inline = "[package]\nname = \"a\"\nmetadata = { wix = { upgrade-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456789\" } }\n";
    let (_, updated) = ensure_guids_in(inline).unwrap();
    let doc: toml_edit::DocumentMut = updated.unwrap().parse().unwrap();
    assert!(doc["package"]["metadata"]["wix"]["path-guid"]
        .as_str()
        .is_some());

    let complete = "[package]\nname = \"a\"\n[package.metadata.wix]\nupgrade-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456789\"\npath-guid = \"ABCDEF01-2345-4789-ABCD-EF0123456780\"\n";
    assert_eq!(ensure_guids_in(complete).unwrap().1, None);
}

#[test]
fn ensure_guids_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[workspace]\nmembers = []\n", "no [package] table"),
        (
            "[package]\nname = \"a\"\n[package.metadata.wix]\nupgrade-guid = \"nope\"\n",
            "is not a GUID",
        ),
        (
            "[package]\nname = \"a\"\n[package.metadata.wix]\npath-guid = 5\n",
            "must be a string",
        ),
        ("[package\n", "not valid TOML"),
    ];
    for (i, (text, want)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("Cargo-{i}.toml"));
        fs::write(&path, text).unwrap();
        let err = format!("{:#}", ensure_guids(&path).unwrap_err());
        assert!(
            err.contains(&path.display().to_string()) && err.contains(want),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), text);
    }
    let missing = dir.path().join("missing.toml");
    let err = format!("{:#}", ensure_guids(&missing).unwrap_err());
    assert!(err.contains("missing.toml"), "{err}");
}

#[test]
fn missing_tools_say_how_to_install_them() {
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("wixl");
    cmd.env("PATH", empty.path());
    let err = run_tool(&mut cmd, "wixl", MISSING_WIXL)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`wixl` is missing") && err.contains("apt-get install wixl"),
        "{err}"
    );
    assert!(err.contains("Windows"), "{err}");
}

#[test]
fn build_rejects_arm64_and_missing_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = ctx();
    c.target = "aarch64-pc-windows-msvc".into();
    let wxs = dir.path().join("main.wxs");
    fs::write(&wxs, render_wxs(&c).unwrap()).unwrap();
    let out = dir.path().join("out.msi");
    let err = format!(
        "{:#}",
        build_msi(&wxs, dir.path(), &out, "1.2.3").unwrap_err()
    );
    assert!(err.contains("arm64") && err.contains("WiX"), "{err}");
    let err = format!(
        "{:#}",
        build_msi(&dir.path().join("nope.wxs"), dir.path(), &out, "1.2.3").unwrap_err()
    );
    assert!(err.contains("nope.wxs"), "{err}");
    c.target = "x86_64-pc-windows-msvc".into();
    fs::write(&wxs, render_wxs(&c).unwrap()).unwrap();
    let err = format!(
        "{:#}",
        build_msi(&wxs, &dir.path().join("no-bins"), &out, "1.2.3").unwrap_err()
    );
    assert!(err.contains("no-bins"), "{err}");
    assert!(!out.exists());
}
