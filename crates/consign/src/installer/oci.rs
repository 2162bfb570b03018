//! Container images for Linux builds: a `Dockerfile`, and for static builds an
//! OCI image archive, `{app}-{target}.oci.tar`, written without any container
//! daemon.
//!
//! The Dockerfile (`templates/Dockerfile.j2`) copies the binaries from the
//! build context (a directory holding them by file name) to `/usr/local/bin`,
//! sets `ENTRYPOINT ["/usr/local/bin/{entrypoint}"]` and the OCI labels
//! `org.opencontainers.image.{title,version,source,licenses}`. Static (musl)
//! builds start `FROM scratch`; glibc builds start
//! `FROM gcr.io/distroless/cc-debian12`, which has glibc, libgcc and CA
//! certificates but no shell or package manager: the smallest base a
//! dynamically linked Rust binary runs on. `COPY` keeps the files' modes, so
//! the binaries must be executable in the build context (cargo's are).
//!
//! The archive is an OCI image layout (image-layout, image-manifest and
//! image-config specs) in a tar file:
//!
//! - `oci-layout`: `{"imageLayoutVersion":"1.0.0"}`;
//! - `index.json`: one manifest, annotated with
//!   `org.opencontainers.image.ref.name` = the app version;
//! - `blobs/sha256/{digest}`: the manifest, the config and one layer.
//!
//! The layer is a gzip'd tar of `usr/`, `usr/local/`, `usr/local/bin/` (0755)
//! and the binaries as `usr/local/bin/{name}` (0755), uid/gid 0, empty owner
//! names, mtime `ctx.mtime`, sorted, gzip header mtime 0. The config's
//! `rootfs.diff_ids` is the digest of the *uncompressed* layer tar. The outer
//! tar is reproducible the same way (sorted, mtime `ctx.mtime`, 0644 files,
//! 0755 directories), so the same inputs give byte-identical archives. Load it
//! with `skopeo copy oci-archive:FILE ...` or `podman load -i FILE`.
//!
//! Only a static build makes a self-contained image. For a glibc build the
//! archive would hold just our layer, and an image loaded from it lacks the C
//! library the binaries need; so for glibc builds consign writes only the
//! Dockerfile (built on the distroless base) and [`write_oci_archive`]
//! refuses them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context as _, Result};
use minijinja::context;
use serde::Serialize;

/// The plan's check: an image needs a Linux target (one is built beside
/// each Linux archive, so it adds no file of its own here).
pub fn check(app: &super::AppInput<'_>) -> Result<(), crate::error::UserError> {
    if !app.configures(|os| os == crate::targets::Os::Linux) {
        return Err(crate::error::UserError::new(format!(
            "`{}` has the `docker` installer but no Linux target",
            app.name
        ))
        .hint("add a Linux target such as `x86_64-unknown-linux-musl` (static, for a `FROM scratch` image) to `targets`, or remove `docker` from `installers`"));
    }
    Ok(())
}
use sha2::{Digest as _, Sha256};

use crate::build::tar_writer::TarWriter;
use crate::targets::{self, Os};

const DOCKERFILE: &str = include_str!("../../templates/Dockerfile.j2");

/// The base image of glibc (non-static) builds.
pub const GLIBC_BASE_IMAGE: &str = "gcr.io/distroless/cc-debian12";

/// Where the binaries go in the image.
const BIN_DIR: &str = "usr/local/bin";

/// `PATH` in the image config (the usual default of container runtimes).
const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

const MEDIA_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const MEDIA_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const MEDIA_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const MEDIA_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// Everything an image of one Linux build needs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ImageContext {
    /// The app (package) name, e.g. `my-tool`: the image title.
    pub app_name: String,
    /// The version, e.g. `1.2.3`: the image version and the archive's ref name.
    pub app_version: String,
    /// The target triple, e.g. `x86_64-unknown-linux-musl`; Linux only.
    pub target: String,
    /// The binaries: file name in the image → path on disk.
    pub binaries: Vec<(String, PathBuf)>,
    /// The binary the image runs (one of `binaries`).
    pub entrypoint: String,
    /// Statically linked (musl): `FROM scratch`; otherwise a glibc base.
    pub static_binary: bool,
    /// The repository URL, for the `org.opencontainers.image.source` label.
    pub source: Option<String>,
    /// An SPDX expression, for the `org.opencontainers.image.licenses` label.
    pub license: Option<String>,
    /// Seconds since the epoch for every timestamp (`SOURCE_DATE_EPOCH` or the commit).
    pub mtime: u64,
}

/// The conventional file name of the archive: `{app}-{target}.oci.tar`.
pub fn archive_name(ctx: &ImageContext) -> String {
    format!("{}-{}.oci.tar", ctx.app_name, ctx.target)
}

/// The OCI platform of a Linux target: `architecture` and optional `variant`
/// as the image-index spec spells them (`amd64`, `arm64`, `arm` + `v7`, ...).
pub fn platform(target: &str) -> Result<(&'static str, Option<&'static str>)> {
    let info = targets::info(target);
    ensure!(
        info.os == Os::Linux,
        "container images are only made for Linux targets, not `{target}`"
    );
    let arch = info.arch.as_str();
    Ok(match arch {
        "x86_64" => ("amd64", None),
        "aarch64" => ("arm64", None),
        "i386" | "i586" | "i686" => ("386", None),
        "arm" => ("arm", Some("v6")),
        "armv5te" => ("arm", Some("v5")),
        a if a.starts_with("armv7") || a.starts_with("thumbv7") => ("arm", Some("v7")),
        "powerpc64le" => ("ppc64le", None),
        "powerpc64" => ("ppc64", None),
        "s390x" => ("s390x", None),
        "riscv64gc" | "riscv64" => ("riscv64", None),
        "loongarch64" => ("loong64", None),
        "mips" => ("mips", None),
        "mipsel" => ("mipsle", None),
        "mips64" => ("mips64", None),
        "mips64el" => ("mips64le", None),
        _ => bail!("no OCI architecture is known for `{arch}` (target `{target}`)"),
    })
}

/// Checks what both outputs rely on: a Linux target, valid and distinct
/// binary names, and an entrypoint among them.
fn validate(ctx: &ImageContext) -> Result<(&'static str, Option<&'static str>)> {
    let platform = platform(&ctx.target)?;
    ensure!(
        !ctx.binaries.is_empty(),
        "an image of `{}` needs at least one binary",
        ctx.app_name
    );
    let mut seen = BTreeSet::new();
    for (name, _) in &ctx.binaries {
        ensure!(
            !name.is_empty()
                && name != "."
                && name != ".."
                && !name.contains(['/', '\\'])
                && !name.chars().any(char::is_control),
            "`{name}` is not a valid binary file name for an image"
        );
        ensure!(
            seen.insert(name.as_str()),
            "binary `{name}` is listed twice"
        );
    }
    ensure!(
        seen.contains(ctx.entrypoint.as_str()),
        "the entrypoint `{}` is not one of the binaries ({})",
        ctx.entrypoint,
        seen.into_iter().collect::<Vec<_>>().join(", ")
    );
    Ok(platform)
}

/// The OCI labels: title, version, and source and licenses when known.
fn labels(ctx: &ImageContext) -> BTreeMap<&'static str, String> {
    let mut labels = BTreeMap::new();
    labels.insert("org.opencontainers.image.title", ctx.app_name.clone());
    labels.insert("org.opencontainers.image.version", ctx.app_version.clone());
    if let Some(source) = &ctx.source {
        labels.insert("org.opencontainers.image.source", source.clone());
    }
    if let Some(license) = &ctx.license {
        labels.insert("org.opencontainers.image.licenses", license.clone());
    }
    labels
}

/// A value as a double-quoted Dockerfile word: backslash, quote and `$`
/// (variable substitution) escaped; line breaks cannot be written.
fn dockerfile_quote(value: &str) -> Result<String> {
    ensure!(
        !value.chars().any(char::is_control),
        "{value:?} contains a control character, which a Dockerfile label cannot hold"
    );
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

fn image_path(name: &str) -> String {
    format!("/{BIN_DIR}/{name}")
}

/// Renders the Dockerfile: `FROM scratch` for static builds, `FROM
/// gcr.io/distroless/cc-debian12` for glibc builds. Errors for non-Linux
/// targets.
pub fn render_dockerfile(ctx: &ImageContext) -> Result<String> {
    let (arch, variant) = validate(ctx)?;
    let platform = match variant {
        Some(v) => format!("linux/{arch}/{v}"),
        None => format!("linux/{arch}"),
    };
    let base = if ctx.static_binary {
        "scratch"
    } else {
        GLIBC_BASE_IMAGE
    };
    let labels = labels(ctx)
        .into_iter()
        .map(|(k, v)| Ok(format!("{k}={}", dockerfile_quote(&v)?)))
        .collect::<Result<Vec<_>>>()?;
    // The JSON forms of COPY and ENTRYPOINT take JSON strings, so
    // serde_json's quoting is exactly right.
    let copies = ctx
        .binaries
        .iter()
        .map(|(name, _)| serde_json::to_string(&[name.clone(), image_path(name)]))
        .collect::<serde_json::Result<Vec<_>>>()?;
    let entrypoint = serde_json::to_string(&[image_path(&ctx.entrypoint)])?;
    super::render_template(
        "Dockerfile",
        DOCKERFILE,
        context! {
            target => &ctx.target,
            platform => platform,
            static_binary => ctx.static_binary,
            base => base,
            labels => labels,
            copies => copies,
            entrypoint => entrypoint,
        },
    )
}

/// `sha256:{hex}` of `bytes`.
fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// One entry of a reproducible tar: a directory (`None`) or a file.
struct Entry {
    path: String,
    contents: Option<Vec<u8>>,
    executable: bool,
}

/// Writes `entries` sorted by path through the one [`TarWriter`].
fn write_tar<W: std::io::Write>(out: W, mut entries: Vec<Entry>, mtime: u64) -> Result<W> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut tar = TarWriter::new(out, mtime);
    for entry in &entries {
        match &entry.contents {
            None => tar.dir(&entry.path)?,
            Some(bytes) => tar.bytes(&entry.path, entry.executable, bytes)?,
        }
    }
    tar.finish()
}

fn dir(path: &str) -> Entry {
    Entry {
        path: format!("{path}/"),
        contents: None,
        executable: true,
    }
}

fn file(path: String, contents: Vec<u8>, executable: bool) -> Entry {
    Entry {
        path,
        contents: Some(contents),
        executable,
    }
}

/// The layer as (uncompressed tar, gzip'd tar).
fn layer(ctx: &ImageContext) -> Result<(Vec<u8>, Vec<u8>)> {
    let mut entries = vec![dir("usr"), dir("usr/local"), dir(BIN_DIR)];
    for (name, path) in &ctx.binaries {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read binary {}", path.display()))?;
        entries.push(file(format!("{BIN_DIR}/{name}"), bytes, true));
    }
    let tar = write_tar(Vec::new(), entries, ctx.mtime)?;
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(&tar).context("compressing the layer")?;
    let gz = gz.finish().context("compressing the layer")?;
    Ok((tar, gz))
}

#[derive(Serialize)]
struct Descriptor {
    #[serde(rename = "mediaType")]
    media_type: &'static str,
    digest: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    platform: Option<Platform>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<&'static str, String>,
}

impl Descriptor {
    fn of(media_type: &'static str, bytes: &[u8]) -> Self {
        Descriptor {
            media_type,
            digest: digest(bytes),
            size: bytes.len() as u64,
            platform: None,
            annotations: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Serialize)]
struct Platform {
    architecture: &'static str,
    os: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<&'static str>,
}

#[derive(Serialize)]
struct ImageConfig {
    created: String,
    #[serde(flatten)]
    platform: Platform,
    config: RuntimeConfig,
    rootfs: RootFs,
    history: Vec<History>,
}

#[derive(Serialize)]
struct RuntimeConfig {
    #[serde(rename = "Env")]
    env: Vec<&'static str>,
    #[serde(rename = "Entrypoint")]
    entrypoint: Vec<String>,
    #[serde(rename = "Labels")]
    labels: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

#[derive(Serialize)]
struct History {
    created: String,
    created_by: String,
    comment: &'static str,
}

#[derive(Serialize)]
struct Manifest {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'static str,
    config: Descriptor,
    layers: Vec<Descriptor>,
    annotations: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Index {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType")]
    media_type: &'static str,
    manifests: Vec<Descriptor>,
}

/// The archive's bytes and the manifest digest.
fn archive_bytes(ctx: &ImageContext) -> Result<(Vec<u8>, String)> {
    ensure!(
        ctx.static_binary,
        "an OCI archive is only written for static builds: `{}` links against glibc, and an \
         image of only its binaries would lack the C library; build a musl target for a \
         self-contained image, or build the Dockerfile, which starts from {GLIBC_BASE_IMAGE}",
        ctx.target
    );
    let (architecture, variant) = validate(ctx)?;
    let platform = Platform {
        architecture,
        os: "linux",
        variant,
    };
    let created = crate::time::rfc3339(ctx.mtime);

    let (layer_tar, layer_gz) = layer(ctx)?;
    let config = ImageConfig {
        created: created.clone(),
        platform: platform.clone(),
        config: RuntimeConfig {
            env: vec![DEFAULT_PATH],
            entrypoint: vec![image_path(&ctx.entrypoint)],
            labels: labels(ctx),
        },
        rootfs: RootFs {
            kind: "layers",
            diff_ids: vec![digest(&layer_tar)],
        },
        history: vec![History {
            created: created.clone(),
            created_by: format!("consign {}", env!("CARGO_PKG_VERSION")),
            comment: "binaries in /usr/local/bin",
        }],
    };
    let config_json = serde_json::to_vec(&config)?;

    let manifest = Manifest {
        schema_version: 2,
        media_type: MEDIA_MANIFEST,
        config: Descriptor::of(MEDIA_CONFIG, &config_json),
        layers: vec![Descriptor::of(MEDIA_LAYER, &layer_gz)],
        annotations: BTreeMap::from([("org.opencontainers.image.created", created)]),
    };
    let manifest_json = serde_json::to_vec(&manifest)?;
    let manifest_digest = digest(&manifest_json);

    let mut manifest_desc = Descriptor::of(MEDIA_MANIFEST, &manifest_json);
    manifest_desc.platform = Some(platform);
    manifest_desc
        .annotations
        .insert("org.opencontainers.image.ref.name", ctx.app_version.clone());
    let index = Index {
        schema_version: 2,
        media_type: MEDIA_INDEX,
        manifests: vec![manifest_desc],
    };
    let index_json = serde_json::to_vec(&index)?;

    let mut entries = vec![
        dir("blobs"),
        dir("blobs/sha256"),
        file(
            "oci-layout".into(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            false,
        ),
        file("index.json".into(), index_json, false),
    ];
    let mut blobs = BTreeMap::new();
    for blob in [layer_gz, config_json, manifest_json] {
        blobs.insert(digest(&blob), blob);
    }
    for (digest, blob) in blobs {
        let hex = digest.trim_start_matches("sha256:");
        entries.push(file(format!("blobs/sha256/{hex}"), blob, false));
    }
    let bytes = write_tar(Vec::new(), entries, ctx.mtime)?;
    Ok((bytes, manifest_digest))
}

/// Writes the OCI image archive of a static build to `out` (conventionally
/// [`archive_name`] in the distribution directory), atomically: to a
/// temporary file beside it, then renamed. Returns the manifest digest
/// (`sha256:...`). Errors for glibc builds (see the module docs) and
/// non-Linux targets.
pub fn write_oci_archive(ctx: &ImageContext, out: &Path) -> Result<String> {
    let (bytes, manifest_digest) = archive_bytes(ctx)?;
    crate::fs::write_atomic(out, &bytes)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(manifest_digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(dir: &Path, target: &str, static_binary: bool) -> ImageContext {
        let main = dir.join("my-tool");
        let helper = dir.join("helper");
        std::fs::write(&main, b"#!/bin/sh\necho main\n").unwrap();
        std::fs::write(&helper, b"#!/bin/sh\necho helper\n").unwrap();
        ImageContext {
            app_name: "my-tool".into(),
            app_version: "1.2.3".into(),
            target: target.into(),
            binaries: vec![("my-tool".into(), main), ("helper".into(), helper)],
            entrypoint: "my-tool".into(),
            static_binary,
            source: Some("https://github.com/o/my-tool".into()),
            license: Some("MIT OR Apache-2.0".into()),
            mtime: 1_700_000_000,
        }
    }

    /// Path → (header, contents) of every entry, in archive order.
    fn read_tar(bytes: &[u8]) -> Vec<(String, tar::Header, Vec<u8>)> {
        let mut archive = tar::Archive::new(bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let path = e.path().unwrap().to_string_lossy().into_owned();
                let header = e.header().clone();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (path, header, data)
            })
            .collect()
    }

    fn json(bytes: &[u8]) -> serde_json::Value {
        serde_json::from_slice(bytes).unwrap()
    }

    #[test]
    fn dockerfile_static_is_from_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let df = render_dockerfile(&ctx(dir.path(), "x86_64-unknown-linux-musl", true)).unwrap();
        assert!(df.contains("\nFROM scratch\n"), "{df}");
        assert!(!df.contains("distroless"), "{df}");
        assert!(df.contains("COPY [\"my-tool\",\"/usr/local/bin/my-tool\"]\n"));
        assert!(df.contains("COPY [\"helper\",\"/usr/local/bin/helper\"]\n"));
        assert!(df.contains("ENTRYPOINT [\"/usr/local/bin/my-tool\"]\n"));
        assert!(df.contains("LABEL org.opencontainers.image.title=\"my-tool\"\n"));
        assert!(df.contains("LABEL org.opencontainers.image.version=\"1.2.3\"\n"));
        assert!(
            df.contains("LABEL org.opencontainers.image.source=\"https://github.com/o/my-tool\"\n")
        );
        assert!(df.contains("LABEL org.opencontainers.image.licenses=\"MIT OR Apache-2.0\"\n"));
        assert!(df.contains("--platform linux/amd64 "));
    }

    #[test]
    fn dockerfile_glibc_uses_distroless_and_quotes_labels() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = ctx(dir.path(), "aarch64-unknown-linux-gnu", false);
        c.license = None;
        c.source = Some(r#"https://x/"$HOME"\y"#.into());
        let df = render_dockerfile(&c).unwrap();
        assert!(
            df.contains("\nFROM gcr.io/distroless/cc-debian12\n"),
            "{df}"
        );
        assert!(!df.contains("licenses"), "{df}");
        assert!(df.contains(r#"source="https://x/\"\$HOME\"\\y""#), "{df}");
        assert!(df.contains("--platform linux/arm64 "));
        c.source = Some("a\nRUN rm -rf /".into());
        assert!(render_dockerfile(&c).is_err());
    }

    #[test]
    fn non_linux_targets_and_bad_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mac = ctx(dir.path(), "aarch64-apple-darwin", true);
        let err = render_dockerfile(&mac).unwrap_err().to_string();
        assert!(err.contains("only made for Linux"), "{err}");
        let out = dir.path().join("x.oci.tar");
        assert!(write_oci_archive(&mac, &out).is_err());
        assert!(!out.exists());

        let mut c = ctx(dir.path(), "x86_64-unknown-linux-musl", true);
        c.entrypoint = "nope".into();
        assert!(render_dockerfile(&c).is_err());
        c.entrypoint = "../x".into();
        c.binaries[0].0 = "../x".into();
        assert!(render_dockerfile(&c).is_err());
    }

    #[test]
    fn glibc_archive_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), "x86_64-unknown-linux-gnu", false);
        let out = dir.path().join(archive_name(&c));
        let err = write_oci_archive(&c, &out).unwrap_err().to_string();
        assert!(err.contains("musl") && err.contains("Dockerfile"), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn platforms() {
        let p = |t| platform(t).unwrap();
        assert_eq!(p("x86_64-unknown-linux-musl"), ("amd64", None));
        assert_eq!(p("aarch64-unknown-linux-gnu"), ("arm64", None));
        assert_eq!(p("i686-unknown-linux-musl"), ("386", None));
        assert_eq!(p("armv7-unknown-linux-musleabihf"), ("arm", Some("v7")));
        assert_eq!(p("arm-unknown-linux-gnueabihf"), ("arm", Some("v6")));
        assert_eq!(p("powerpc64le-unknown-linux-gnu"), ("ppc64le", None));
        assert_eq!(p("riscv64gc-unknown-linux-gnu"), ("riscv64", None));
        assert_eq!(p("s390x-unknown-linux-gnu"), ("s390x", None));
        assert!(platform("x86_64-pc-windows-msvc").is_err());
        assert!(platform("aarch64-linux-android").is_err());
    }

    #[test]
    fn archive_layout_and_digests() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), "x86_64-unknown-linux-musl", true);
        let out = dir.path().join(archive_name(&c));
        assert!(out.ends_with("my-tool-x86_64-unknown-linux-musl.oci.tar"));
        let manifest_digest = write_oci_archive(&c, &out).unwrap();
        let entries = read_tar(&std::fs::read(&out).unwrap());

        // Sorted, fixed mtime, root-owned, 0755 dirs and 0644 files.
        let paths: Vec<&str> = entries.iter().map(|(p, _, _)| p.as_str()).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert_eq!(&paths[..2], ["blobs/", "blobs/sha256/"]);
        assert_eq!(&paths[5..], ["index.json", "oci-layout"]);
        for (path, h, _) in &entries {
            assert_eq!(h.mtime().unwrap(), c.mtime, "{path}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{path}");
            let want = if h.entry_type().is_dir() {
                0o755
            } else {
                0o644
            };
            assert_eq!(h.mode().unwrap(), want, "{path}");
        }
        let files: BTreeMap<&str, &[u8]> = entries
            .iter()
            .map(|(p, _, d)| (p.as_str(), d.as_slice()))
            .collect();
        assert_eq!(files["oci-layout"], br#"{"imageLayoutVersion":"1.0.0"}"#);
        // Every blob is named by its own digest.
        for (path, data) in &files {
            if let Some(hex) = path.strip_prefix("blobs/sha256/").filter(|h| !h.is_empty()) {
                assert_eq!(digest(data), format!("sha256:{hex}"));
            }
        }
        let blob = |d: &serde_json::Value| {
            let hex = d["digest"].as_str().unwrap().trim_start_matches("sha256:");
            let data = files[format!("blobs/sha256/{hex}").as_str()];
            assert_eq!(d["size"].as_u64().unwrap(), data.len() as u64);
            data
        };

        let index = json(files["index.json"]);
        assert_eq!(index["schemaVersion"], 2);
        assert_eq!(index["manifests"].as_array().unwrap().len(), 1);
        let m_desc = &index["manifests"][0];
        assert_eq!(m_desc["digest"], manifest_digest.as_str());
        assert_eq!(m_desc["mediaType"], MEDIA_MANIFEST);
        assert_eq!(
            m_desc["annotations"]["org.opencontainers.image.ref.name"],
            "1.2.3"
        );
        assert_eq!(m_desc["platform"]["architecture"], "amd64");
        assert_eq!(m_desc["platform"]["os"], "linux");

        let manifest = json(blob(m_desc));
        assert_eq!(manifest["schemaVersion"], 2);
        assert_eq!(manifest["mediaType"], MEDIA_MANIFEST);
        assert_eq!(manifest["config"]["mediaType"], MEDIA_CONFIG);
        let layers = manifest["layers"].as_array().unwrap();
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0]["mediaType"], MEDIA_LAYER);

        let config = json(blob(&manifest["config"]));
        assert_eq!(config["architecture"], "amd64");
        assert_eq!(config["os"], "linux");
        assert!(config.get("variant").is_none());
        assert_eq!(config["created"], "2023-11-14T22:13:20Z");
        assert_eq!(
            config["config"]["Entrypoint"],
            serde_json::json!(["/usr/local/bin/my-tool"])
        );
        let labels = &config["config"]["Labels"];
        assert_eq!(labels["org.opencontainers.image.title"], "my-tool");
        assert_eq!(labels["org.opencontainers.image.version"], "1.2.3");
        assert_eq!(
            labels["org.opencontainers.image.source"],
            "https://github.com/o/my-tool"
        );
        assert_eq!(
            labels["org.opencontainers.image.licenses"],
            "MIT OR Apache-2.0"
        );
        assert_eq!(config["rootfs"]["type"], "layers");
        assert_eq!(config["history"].as_array().unwrap().len(), 1);

        // diff_id is the digest of the uncompressed layer.
        let layer_gz = blob(&layers[0]);
        assert_eq!(&layer_gz[..2], [0x1f, 0x8b]);
        assert_eq!(&layer_gz[4..8], [0, 0, 0, 0], "gzip header mtime");
        let mut layer_tar = Vec::new();
        flate2::read::GzDecoder::new(layer_gz)
            .read_to_end(&mut layer_tar)
            .unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"],
            serde_json::json!([digest(&layer_tar)])
        );
        assert_ne!(digest(&layer_tar), layers[0]["digest"].as_str().unwrap());

        let layer = read_tar(&layer_tar);
        let paths: Vec<&str> = layer.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "usr/",
                "usr/local/",
                "usr/local/bin/",
                "usr/local/bin/helper",
                "usr/local/bin/my-tool"
            ]
        );
        for (path, h, _) in &layer {
            assert_eq!(h.mode().unwrap(), 0o755, "{path}");
            assert_eq!(h.mtime().unwrap(), c.mtime, "{path}");
            assert_eq!((h.uid().unwrap(), h.gid().unwrap()), (0, 0), "{path}");
            assert_eq!(h.username_bytes(), Some(&b""[..]), "{path}");
        }
        assert_eq!(layer[4].2, b"#!/bin/sh\necho main\n");
    }

    #[test]
    fn archive_is_reproducible_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), "aarch64-unknown-linux-musl", true);
        let a = dir.path().join("a.oci.tar");
        let b = dir.path().join("b.oci.tar");
        let da = write_oci_archive(&c, &a).unwrap();
        let db = write_oci_archive(&c, &b).unwrap();
        assert_eq!(da, db);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        // Overwriting leaves no temporary files behind.
        write_oci_archive(&c, &a).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.oci.tar", "b.oci.tar", "helper", "my-tool"]);
        // A different mtime changes the bytes.
        let mut later = c.clone();
        later.mtime += 1;
        assert_ne!(write_oci_archive(&later, &b).unwrap(), da);
    }
}
