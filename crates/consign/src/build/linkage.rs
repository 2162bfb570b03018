//! Dynamic linkage of built binaries.
//!
//! [`inspect`] reads an ELF, Mach-O or PE file and reports what it needs at
//! run time: the shared libraries it links against (in the order the file
//! lists them), the ELF program interpreter, whether it is fully static, and,
//! for ELF binaries linked against glibc, the newest `GLIBC_x.y[.z]` symbol
//! version it requires (its "glibc floor") together with a symbol that
//! needs that version. `consign linkage` prints this report, and the build
//! uses the floor to enforce `minimum-glibc-version`.
//!
//! The glibc floor comes from the GNU symbol-versioning sections:
//! `.gnu.version_r` (version needed) lists, per library, the version names
//! the binary requires and the index each one is given; `.gnu.version`
//! (versym) gives every dynamic symbol such an index. The floor is the
//! numerically highest `GLIBC_` version that any library entry requires
//! (`GLIBC_PRIVATE` and other non-numeric names are ignored), since the
//! dynamic loader refuses to start the binary if any of them is missing.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use goblin::elf::Elf;
use goblin::mach::{Mach, SingleArch};
use goblin::pe::PE;
use goblin::Object;

/// The symbol name reported when a glibc version is required by a
/// version-needed entry that no dynamic symbol refers to.
const VERSION_REFERENCE: &str = "(version reference)";

/// The object file format of an inspected binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum BinaryFormat {
    /// ELF (Linux and other Unix-likes).
    #[serde(rename = "elf")]
    Elf,
    /// Mach-O, thin or universal (macOS).
    #[serde(rename = "mach-o")]
    MachO,
    /// PE/COFF executable or DLL (Windows).
    #[serde(rename = "pe")]
    Pe,
}

impl fmt::Display for BinaryFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinaryFormat::Elf => "ELF",
            BinaryFormat::MachO => "Mach-O",
            BinaryFormat::Pe => "PE",
        })
    }
}

/// What a binary needs from the system it runs on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct LinkageReport {
    /// The binary's format.
    pub format: BinaryFormat,
    /// Shared libraries the binary loads, in file order, without duplicates:
    /// ELF `DT_NEEDED` sonames, Mach-O dylib load commands (not the
    /// binary's own install name), or PE imported DLL names.
    pub needed: Vec<String>,
    /// The ELF program interpreter (`PT_INTERP`), such as
    /// `/lib64/ld-linux-x86-64.so.2`. `None` for static ELF binaries and
    /// for other formats.
    pub interpreter: Option<String>,
    /// The highest glibc symbol version the binary requires, if any.
    pub glibc_floor: Option<GlibcRequirementSource>,
    /// `true` for an ELF binary with neither `PT_INTERP` nor `DT_NEEDED`.
    pub is_static: bool,
}

/// A glibc version a binary requires, and where the requirement comes from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GlibcRequirementSource {
    pub major: u32,
    pub minor: u32,
    /// `0` when the version has only two components (`GLIBC_2.34`).
    pub patch: u32,
    /// A symbol that needs this version (the alphabetically first one), or
    /// `"(version reference)"` when only a version-needed entry asks for it.
    pub symbol: String,
    /// The library the version is required from, such as `libc.so.6`.
    pub library: String,
}

impl GlibcRequirementSource {
    /// The version as glibc writes it: `"2.34"`, or `"2.3.4"` when there is
    /// a third component.
    pub fn version_string(&self) -> String {
        if self.patch == 0 {
            format!("{}.{}", self.major, self.minor)
        } else {
            format!("{}.{}.{}", self.major, self.minor, self.patch)
        }
    }

    /// Whether this requirement is newer than glibc `major.minor`, that is
    /// whether the binary would fail to load on that glibc. `2.3.4` exceeds
    /// `2.3`; `2.17` does not exceed `2.17`.
    pub fn exceeds(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor, self.patch) > (major, minor, 0)
    }
}

/// Parse a glibc version as the manifest records it (`2.34`, `2.3.4`);
/// anything else is `None`.
pub fn parse_glibc_floor(text: &str) -> Option<(u32, u32, u32)> {
    parse_glibc_version(&format!("GLIBC_{text}"))
}

/// Inspect the binary at `path`.
pub fn inspect(path: &Path) -> Result<LinkageReport> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    inspect_bytes(&bytes).with_context(|| format!("failed to inspect {}", path.display()))
}

/// Inspect a binary held in memory.
pub fn inspect_bytes(bytes: &[u8]) -> Result<LinkageReport> {
    const EXPECTED: &str = "expected an ELF, Mach-O or PE executable or shared library";
    let object = match Object::parse(bytes) {
        Ok(object) => object,
        Err(err) => {
            if looks_like_binary(bytes) {
                return Err(
                    anyhow::Error::new(err).context(format!("malformed binary: {EXPECTED}"))
                );
            }
            bail!(
                "not a binary: {EXPECTED}, but the file starts with {}",
                describe_start(bytes)
            );
        }
    };
    match object {
        Object::Elf(elf) => Ok(inspect_elf(&elf)),
        Object::Mach(mach) => inspect_mach(&mach),
        Object::PE(pe) => Ok(inspect_pe(&pe)),
        Object::Archive(_) => bail!("found a static library (ar archive), {EXPECTED}"),
        Object::COFF(_) => bail!("found a COFF object file, {EXPECTED}"),
        Object::TE(_) => bail!("found a TE (terse executable) image, {EXPECTED}"),
        Object::Unknown(_) => {
            bail!(
                "not a binary: {EXPECTED}, but the file starts with {}",
                describe_start(bytes)
            )
        }
        // `Object` is non-exhaustive.
        _ => bail!("unsupported object format, {EXPECTED}"),
    }
}

/// Whether `bytes` start with the magic number of a format goblin parses, so
/// that a parse failure means "malformed" rather than "not a binary".
fn looks_like_binary(bytes: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"\x7fELF",
        b"MZ",
        b"!<arch>\n",
        &[0xfe, 0xed, 0xfa, 0xce],
        &[0xce, 0xfa, 0xed, 0xfe],
        &[0xfe, 0xed, 0xfa, 0xcf],
        &[0xcf, 0xfa, 0xed, 0xfe],
        &[0xca, 0xfe, 0xba, 0xbe],
    ];
    MAGICS.iter().any(|magic| bytes.starts_with(magic))
}

/// A short description of the first bytes of a file, for error messages.
fn describe_start(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (it is empty)".to_string();
    }
    let head = &bytes[..bytes.len().min(8)];
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = head
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("bytes {} ({text:?})", hex.join(" "))
}

/// Push the names not already in `out`, keeping first-seen order.
fn push_unique<'a>(out: &mut Vec<String>, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        if !out.iter().any(|existing| existing == name) {
            out.push(name.to_string());
        }
    }
}

fn inspect_elf(elf: &Elf<'_>) -> LinkageReport {
    let mut needed = Vec::new();
    push_unique(&mut needed, elf.libraries.iter().copied());
    let interpreter = elf.interpreter.map(str::to_string);
    let is_static = interpreter.is_none() && needed.is_empty();
    LinkageReport {
        format: BinaryFormat::Elf,
        needed,
        interpreter,
        glibc_floor: elf_glibc_floor(elf),
        is_static,
    }
}

/// A numeric glibc version, ordered numerically (`2.4 < 2.17 < 2.34`).
type Version = (u32, u32, u32);

/// Parse `GLIBC_2.34` or `GLIBC_2.3.4`. Anything else (`GLIBC_PRIVATE`,
/// `GLIBC_ABI_DT_RELR`, other libraries' versions) gives `None`.
fn parse_glibc_version(name: &str) -> Option<Version> {
    let rest = name.strip_prefix("GLIBC_")?;
    let mut parts = rest.split('.');
    let mut number = || -> Option<Option<u32>> {
        match parts.next() {
            None => Some(None),
            Some(part) if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => {
                part.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let major = number()??;
    let minor = number()??;
    let patch = number()?.unwrap_or(0);
    // More than three components is not a glibc version.
    if number()?.is_some() {
        return None;
    }
    Some((major, minor, patch))
}

fn elf_glibc_floor(elf: &Elf<'_>) -> Option<GlibcRequirementSource> {
    let verneed = elf.verneed.as_ref()?;

    // Version index -> (version, library), for every numeric GLIBC_ entry,
    // and the highest version with the first library (in file order) that
    // requires it.
    let mut by_index: BTreeMap<u16, (Version, &str)> = BTreeMap::new();
    let mut highest: Option<(Version, &str)> = None;
    for need in verneed.iter() {
        let library = elf.dynstrtab.get_at(need.vn_file).unwrap_or("");
        for aux in need.iter() {
            let Some(name) = elf.dynstrtab.get_at(aux.vna_name) else {
                continue;
            };
            let Some(version) = parse_glibc_version(name) else {
                continue;
            };
            // Bit 15 of vna_other is the "hidden" flag, not part of the index.
            let index = aux.vna_other & goblin::elf::symver::VERSYM_VERSION;
            by_index.insert(index, (version, library));
            if highest.is_none_or(|(best, _)| version > best) {
                highest = Some((version, library));
            }
        }
    }
    let (floor, first_library) = highest?;

    // The alphabetically first dynamic symbol bound to that version (from
    // any library entry carrying it). Copy-relocated data symbols such as
    // `stdout` are defined in the binary but still carry the needed
    // version, so they count too.
    let mut best: Option<(&str, &str)> = None;
    if let Some(versym) = elf.versym.as_ref() {
        for (i, sym) in elf.dynsyms.iter().enumerate() {
            let Some(entry) = versym.get_at(i) else {
                break;
            };
            let Some(&(version, library)) = by_index.get(&entry.version()) else {
                continue;
            };
            if version != floor {
                continue;
            }
            let Some(name) = elf.dynstrtab.get_at(sym.st_name) else {
                continue;
            };
            if name.is_empty() {
                continue;
            }
            if best.is_none_or(|(current, _)| name < current) {
                best = Some((name, library));
            }
        }
    }
    let (symbol, library) = best.unwrap_or((VERSION_REFERENCE, first_library));
    Some(GlibcRequirementSource {
        major: floor.0,
        minor: floor.1,
        patch: floor.2,
        symbol: symbol.to_string(),
        library: library.to_string(),
    })
}

fn inspect_mach(mach: &Mach<'_>) -> Result<LinkageReport> {
    let mut needed = Vec::new();
    match mach {
        // `libs[0]` is the binary itself: "self", or its LC_ID_DYLIB.
        Mach::Binary(macho) => push_unique(&mut needed, macho.libs.iter().skip(1).copied()),
        // A universal binary: the union of every architecture's dylibs.
        Mach::Fat(fat) => {
            for (i, arch) in fat.into_iter().enumerate() {
                match arch
                    .with_context(|| format!("malformed Mach-O slice {i} of a universal binary"))?
                {
                    SingleArch::MachO(macho) => {
                        push_unique(&mut needed, macho.libs.iter().skip(1).copied())
                    }
                    // Static archives in a universal file load nothing.
                    SingleArch::Archive(_) => {}
                }
            }
        }
    }
    Ok(LinkageReport {
        format: BinaryFormat::MachO,
        needed,
        interpreter: None,
        glibc_floor: None,
        is_static: false,
    })
}

fn inspect_pe(pe: &PE<'_>) -> LinkageReport {
    let mut needed = Vec::new();
    // `pe.libraries` is sorted; the import directory keeps file order.
    if let Some(imports) = &pe.import_data {
        push_unique(
            &mut needed,
            imports.import_data.iter().map(|entry| entry.name),
        );
    } else {
        push_unique(&mut needed, pe.libraries.iter().copied());
    }
    LinkageReport {
        format: BinaryFormat::Pe,
        needed,
        interpreter: None,
        glibc_floor: None,
        is_static: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::PathBuf;
    use std::process::Command;

    use crate::test_tools::{self as tools, require_tools};

    /// Run a tool (checked with `require_tools!` first) and return its stdout.
    fn run(program: &str, args: &[&std::ffi::OsStr]) -> String {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `NEEDED` entries according to `objdump -p`.
    fn objdump_needed(path: &Path) -> Vec<String> {
        let out = run("objdump", &["-p".as_ref(), path.as_os_str()]);
        out.lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some("NEEDED")).then(|| words.next().unwrap().to_string())
            })
            .collect()
    }

    /// The highest `GLIBC_` version in `objdump -T`, and the symbols that
    /// carry it.
    fn objdump_glibc(path: &Path) -> Option<(Version, Vec<String>)> {
        let out = run("objdump", &["-T".as_ref(), path.as_os_str()]);
        let mut best: Option<(Version, Vec<String>)> = None;
        for line in out.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() < 2 {
                continue;
            }
            let symbol = words[words.len() - 1];
            let version = words[words.len() - 2]
                .trim_start_matches('(')
                .trim_end_matches(')');
            let Some(version) = parse_glibc_version(version) else {
                continue;
            };
            match &mut best {
                Some((v, symbols)) if *v == version => symbols.push(symbol.to_string()),
                Some((v, _)) if *v > version => {}
                _ => best = Some((version, vec![symbol.to_string()])),
            }
        }
        best
    }

    /// Compile a C program with `compiler` (checked with `require_tools!`
    /// first); a failure fails the test (a missing static libc: install
    /// `libc6-dev`, see `.ci/run`).
    fn compile_c(compiler: &str, dir: &Path, name: &str, source: &str, flags: &[&str]) -> PathBuf {
        let src = dir.join(format!("{name}.c"));
        std::fs::write(&src, source).unwrap();
        let out = dir.join(name);
        let o = Command::new(compiler)
            .args(flags)
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {compiler}: {e}"));
        assert!(
            o.status.success(),
            "{compiler} {flags:?} failed (see .ci/run for what it installs): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    }

    fn req(major: u32, minor: u32, patch: u32) -> GlibcRequirementSource {
        GlibcRequirementSource {
            major,
            minor,
            patch,
            symbol: "s".into(),
            library: "libc.so.6".into(),
        }
    }

    #[test]
    fn parses_glibc_versions_numerically() {
        assert_eq!(parse_glibc_version("GLIBC_2.34"), Some((2, 34, 0)));
        assert_eq!(parse_glibc_version("GLIBC_2.3.4"), Some((2, 3, 4)));
        assert_eq!(parse_glibc_version("GLIBC_2.2.5"), Some((2, 2, 5)));
        assert_eq!(parse_glibc_version("GLIBC_PRIVATE"), None);
        assert_eq!(parse_glibc_version("GLIBC_ABI_DT_RELR"), None);
        assert_eq!(parse_glibc_version("GLIBC_2"), None);
        assert_eq!(parse_glibc_version("GLIBC_2."), None);
        assert_eq!(parse_glibc_version("GLIBC_2.3.4.5"), None);
        assert_eq!(parse_glibc_version("GLIBCXX_3.4.29"), None);
        assert_eq!(parse_glibc_version("GCC_3.0"), None);
        let mut versions = ["GLIBC_2.34", "GLIBC_2.4", "GLIBC_2.17", "GLIBC_2.3.4"]
            .map(|v| parse_glibc_version(v).unwrap());
        versions.sort();
        assert_eq!(versions, [(2, 3, 4), (2, 4, 0), (2, 17, 0), (2, 34, 0)]);
    }

    #[test]
    fn version_string_and_exceeds() {
        assert_eq!(req(2, 34, 0).version_string(), "2.34");
        assert_eq!(req(2, 3, 4).version_string(), "2.3.4");
        assert!(req(2, 34, 0).exceeds(2, 17));
        assert!(!req(2, 17, 0).exceeds(2, 17));
        assert!(!req(2, 4, 0).exceeds(2, 17));
        assert!(req(2, 3, 4).exceeds(2, 3));
        assert!(!req(2, 3, 4).exceeds(2, 4));
        assert!(req(3, 0, 0).exceeds(2, 99));
    }

    #[test]
    fn serializes_format_names() {
        let names = [BinaryFormat::Elf, BinaryFormat::MachO, BinaryFormat::Pe]
            .map(|f| serde_json::to_string(&f).unwrap());
        assert_eq!(names, ["\"elf\"", "\"mach-o\"", "\"pe\""]);
    }

    #[test]
    fn system_binary_matches_objdump() {
        require_tools!("objdump");
        let path = ["/bin/ls", "/usr/bin/ls", "/bin/sh"]
            .into_iter()
            .map(Path::new)
            .find(|p| p.exists())
            .expect("no system binary to inspect");
        let report = inspect(path).unwrap();
        assert_eq!(report.format, BinaryFormat::Elf);
        assert!(!report.is_static);
        assert!(report.interpreter.as_deref().unwrap().contains("ld-"));
        assert_eq!(report.needed, objdump_needed(path));
        let (version, symbols) = objdump_glibc(path).expect("no GLIBC_ versions");
        let floor = report.glibc_floor.expect("no glibc floor");
        assert_eq!((floor.major, floor.minor, floor.patch), version);
        assert!(
            symbols.contains(&floor.symbol),
            "{floor:?} not in {symbols:?}"
        );
        let mut sorted = symbols.clone();
        sorted.sort();
        assert_eq!(floor.symbol, sorted[0]);
        assert_eq!(floor.library, "libc.so.6");
    }

    #[test]
    fn recent_glibc_symbol_sets_the_floor() {
        require_tools!("cc", "objdump");
        let dir = tempfile::tempdir().unwrap();
        // getrandom is GLIBC_2.25; pthread_cond_clockwait is GLIBC_2.30 and
        // __libc_start_main GLIBC_2.34 on glibc >= 2.34.
        let source = r#"
            #define _GNU_SOURCE
            #include <pthread.h>
            #include <sys/random.h>
            #include <time.h>
            int main(void) {
                char buf[4];
                pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
                pthread_cond_t c = PTHREAD_COND_INITIALIZER;
                struct timespec t = {0, 0};
                pthread_mutex_lock(&m);
                pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t);
                return (int)getrandom(buf, sizeof buf, 0) < 0;
            }
        "#;
        let exe = compile_c(
            "cc",
            dir.path(),
            "recent",
            source,
            &["-Wall", "-Werror", "-pthread"],
        );
        let report = inspect(&exe).unwrap();
        assert!(report.needed.iter().any(|n| n == "libc.so.6"), "{report:?}");
        let floor = report.glibc_floor.clone().expect("no glibc floor");
        assert!(
            floor.exceeds(2, 29),
            "floor {} too low",
            floor.version_string()
        );
        let (version, symbols) = objdump_glibc(&exe).expect("no GLIBC_ versions");
        assert_eq!((floor.major, floor.minor, floor.patch), version);
        assert!(
            symbols.contains(&floor.symbol),
            "{floor:?} not in {symbols:?}"
        );
        assert_eq!(floor.library, "libc.so.6");
    }

    #[test]
    fn recent_glibc_symbol_in_shared_library() {
        require_tools!("cc", "objdump");
        // Without `main` there is no `__libc_start_main@GLIBC_2.34`, so the
        // newest symbol used decides: memfd_create (GLIBC_2.27) over
        // getrandom (GLIBC_2.25) and puts (GLIBC_2.2.5 on x86_64).
        let dir = tempfile::tempdir().unwrap();
        let source = r#"
            #define _GNU_SOURCE
            #include <stdio.h>
            #include <sys/mman.h>
            #include <sys/random.h>
            int draw(char *buf) {
                puts("drawing");
                int fd = memfd_create("consign", 0);
                return (int)getrandom(buf, 4, 0) + fd;
            }
        "#;
        let flags = ["-Wall", "-Werror", "-shared", "-fPIC"];
        let lib = compile_c("cc", dir.path(), "librecent.so", source, &flags);
        let floor = inspect(&lib).unwrap().glibc_floor.expect("no glibc floor");
        assert_eq!(floor.version_string(), "2.27", "{floor:?}");
        assert_eq!(floor.symbol, "memfd_create");
        assert_eq!(floor.library, "libc.so.6");
        assert!(floor.exceeds(2, 26) && !floor.exceeds(2, 27));
        let (version, symbols) = objdump_glibc(&lib).expect("no GLIBC_ versions");
        assert_eq!((floor.major, floor.minor, floor.patch), version);
        assert_eq!(symbols, ["memfd_create"]);
    }

    #[test]
    fn floor_symbol_is_alphabetically_first() {
        require_tools!("cc", "objdump");
        // A shared library has no `__libc_start_main`, so several symbols
        // share the highest version (GLIBC_2.2.5 on x86_64); the report
        // must name the alphabetically first of them, as objdump lists them.
        let dir = tempfile::tempdir().unwrap();
        let source = r#"
            #include <stdio.h>
            #include <stdlib.h>
            int shout(const char *s) { puts(s); return abs(atoi(s)); }
        "#;
        let flags = ["-shared", "-fPIC"];
        let lib = compile_c("cc", dir.path(), "libshout.so", source, &flags);
        let report = inspect(&lib).unwrap();
        assert_eq!(report.interpreter, None);
        assert!(!report.is_static);
        let floor = report.glibc_floor.expect("no glibc floor");
        let (version, mut symbols) = objdump_glibc(&lib).expect("no GLIBC_ versions");
        assert!(symbols.len() > 1, "want several symbols: {symbols:?}");
        symbols.sort();
        assert_eq!((floor.major, floor.minor, floor.patch), version);
        assert_eq!(floor.symbol, symbols[0], "{symbols:?}");
    }

    #[test]
    fn static_binary_has_no_floor() {
        require_tools!("cc");
        let dir = tempfile::tempdir().unwrap();
        let source = "int main(void) { return 0; }\n";
        let exe = compile_c("cc", dir.path(), "static", source, &["-static"]);
        let report = inspect(&exe).unwrap();
        assert_eq!(report.format, BinaryFormat::Elf);
        assert!(report.is_static, "{report:?}");
        assert!(report.needed.is_empty());
        assert_eq!(report.interpreter, None);
        assert_eq!(report.glibc_floor, None);
    }

    #[test]
    fn rust_test_binary_links_libc() {
        let exe = std::env::current_exe().unwrap();
        let report = inspect(&exe).unwrap();
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert_eq!(report.format, BinaryFormat::Elf);
            assert!(report.needed.iter().any(|n| n == "libc.so.6"), "{report:?}");
            assert!(report.interpreter.is_some());
            assert!(!report.is_static);
            let floor = report.glibc_floor.expect("no glibc floor");
            assert!(floor.major == 2 && floor.minor >= 2, "{floor:?}");
        }
    }

    #[test]
    fn text_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "just some text, not a program\n").unwrap();
        let err = format!("{:#}", inspect(&path).unwrap_err());
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("expected an ELF, Mach-O or PE"), "{err}");
        assert!(err.contains("not a binary"), "{err}");

        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let err = format!("{:#}", inspect(&empty).unwrap_err());
        assert!(err.contains(&empty.display().to_string()), "{err}");
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn missing_file_is_an_error_naming_the_path() {
        let path = Path::new("/nonexistent/consign-linkage-test");
        let err = format!("{:#}", inspect(path).unwrap_err());
        assert!(err.contains("/nonexistent/consign-linkage-test"), "{err}");
    }

    #[test]
    fn truncated_elf_is_malformed() {
        let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let err = format!("{:#}", inspect_bytes(&bytes[..64]).unwrap_err());
        assert!(err.contains("malformed"), "{err}");
    }

    #[test]
    fn static_archive_is_rejected() {
        let err = format!("{:#}", inspect_bytes(b"!<arch>\n").unwrap_err());
        assert!(err.contains("expected an ELF, Mach-O or PE"), "{err}");
    }

    /// A minimal 64-bit Mach-O executable: a header followed by an
    /// LC_ID_DYLIB and two LC_LOAD_DYLIB commands (one repeated).
    fn minimal_macho() -> Vec<u8> {
        fn dylib_command(cmd: u32, name: &str) -> Vec<u8> {
            // struct dylib_command: cmd, cmdsize, name offset, timestamp,
            // current_version, compatibility_version; then the name,
            // NUL-padded to a multiple of 8.
            let mut size = 24 + name.len() + 1;
            size = size.div_ceil(8) * 8;
            let mut out = Vec::new();
            for word in [cmd, size as u32, 24, 2, 0x0001_0000, 0x0001_0000] {
                out.extend_from_slice(&word.to_le_bytes());
            }
            out.extend_from_slice(name.as_bytes());
            out.resize(size, 0);
            out
        }
        const LC_LOAD_DYLIB: u32 = 0xc;
        const LC_ID_DYLIB: u32 = 0xd;
        let mut commands = Vec::new();
        commands.extend(dylib_command(LC_ID_DYLIB, "@rpath/libself.dylib"));
        commands.extend(dylib_command(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"));
        commands.extend(dylib_command(
            LC_LOAD_DYLIB,
            "/System/Library/Frameworks/Security.framework/Versions/A/Security",
        ));
        commands.extend(dylib_command(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib"));
        let mut out = Vec::new();
        // mach_header_64: magic, cputype (x86_64), cpusubtype, filetype
        // (MH_DYLIB), ncmds, sizeofcmds, flags, reserved.
        for word in [
            0xfeed_facf,
            0x0100_0007,
            3,
            6,
            4,
            commands.len() as u32,
            0,
            0,
        ] {
            out.extend_from_slice(&u32::to_le_bytes(word));
        }
        out.extend(commands);
        out
    }

    #[test]
    fn macho_dylibs_in_order_without_self() {
        let report = inspect_bytes(&minimal_macho()).unwrap();
        assert_eq!(report.format, BinaryFormat::MachO);
        assert_eq!(
            report.needed,
            [
                "/usr/lib/libSystem.B.dylib",
                "/System/Library/Frameworks/Security.framework/Versions/A/Security",
            ]
        );
        assert_eq!(report.interpreter, None);
        assert_eq!(report.glibc_floor, None);
        assert!(!report.is_static);
    }

    #[test]
    fn windows_exe_imports_kernel32() {
        require_tools!("x86_64-w64-mingw32-gcc");
        let dir = tempfile::tempdir().unwrap();
        let source = r#"
            #include <windows.h>
            int main(void) { Sleep(0); return (int)GetCurrentProcessId() == 0; }
        "#;
        let exe = compile_c("x86_64-w64-mingw32-gcc", dir.path(), "win.exe", source, &[]);
        let report = inspect(&exe).unwrap();
        assert_eq!(report.format, BinaryFormat::Pe);
        assert!(
            report
                .needed
                .iter()
                .any(|n| n.eq_ignore_ascii_case("KERNEL32.dll")),
            "{report:?}"
        );
        let mut seen = HashSet::new();
        assert!(
            report.needed.iter().all(|n| seen.insert(n)),
            "duplicates: {report:?}"
        );
        assert_eq!(report.interpreter, None);
        assert_eq!(report.glibc_floor, None);
        assert!(!report.is_static);
    }
}
