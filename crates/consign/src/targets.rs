//! Knowledge about Rust target triples.
//!
//! Everything here is pure and performs no I/O at runtime: the list of
//! triples rustc knows is embedded as data ([`KNOWN_TARGETS`]), and the rest
//! is parsing and lookup on top of it.
//!
//! - [`is_known`] / [`suggest`] validate user-supplied triples and offer a
//!   "did you mean" for typos.
//! - [`info`] splits any triple (known or not) into OS, architecture and libc,
//!   which drive the executable suffix and archive format of a release.
//! - [`DEFAULT_TARGETS`] and [`default_github_runner`] describe the usual
//!   release matrix.
//! - [`host_triple`] names the target this binary was compiled for.

/// Every target triple known to rustc, sorted bytewise (as `str` compares).
///
/// Generated from `rustc --print target-list` (rustc 1.95.0). It is data,
/// not a contract: newer toolchains may know triples missing from here.
pub const KNOWN_TARGETS: &[&str] = &[
    "aarch64-apple-darwin",
    "aarch64-apple-ios",
    "aarch64-apple-ios-macabi",
    "aarch64-apple-ios-sim",
    "aarch64-apple-tvos",
    "aarch64-apple-tvos-sim",
    "aarch64-apple-visionos",
    "aarch64-apple-visionos-sim",
    "aarch64-apple-watchos",
    "aarch64-apple-watchos-sim",
    "aarch64-kmc-solid_asp3",
    "aarch64-linux-android",
    "aarch64-nintendo-switch-freestanding",
    "aarch64-pc-windows-gnullvm",
    "aarch64-pc-windows-msvc",
    "aarch64-unknown-freebsd",
    "aarch64-unknown-fuchsia",
    "aarch64-unknown-helenos",
    "aarch64-unknown-hermit",
    "aarch64-unknown-illumos",
    "aarch64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu_ilp32",
    "aarch64-unknown-linux-musl",
    "aarch64-unknown-linux-ohos",
    "aarch64-unknown-managarm-mlibc",
    "aarch64-unknown-netbsd",
    "aarch64-unknown-none",
    "aarch64-unknown-none-softfloat",
    "aarch64-unknown-nto-qnx700",
    "aarch64-unknown-nto-qnx710",
    "aarch64-unknown-nto-qnx710_iosock",
    "aarch64-unknown-nto-qnx800",
    "aarch64-unknown-nuttx",
    "aarch64-unknown-openbsd",
    "aarch64-unknown-redox",
    "aarch64-unknown-teeos",
    "aarch64-unknown-trusty",
    "aarch64-unknown-uefi",
    "aarch64-uwp-windows-msvc",
    "aarch64-wrs-vxworks",
    "aarch64_be-unknown-hermit",
    "aarch64_be-unknown-linux-gnu",
    "aarch64_be-unknown-linux-gnu_ilp32",
    "aarch64_be-unknown-linux-musl",
    "aarch64_be-unknown-netbsd",
    "aarch64_be-unknown-none-softfloat",
    "aarch64v8r-unknown-none",
    "aarch64v8r-unknown-none-softfloat",
    "amdgcn-amd-amdhsa",
    "arm-linux-androideabi",
    "arm-unknown-linux-gnueabi",
    "arm-unknown-linux-gnueabihf",
    "arm-unknown-linux-musleabi",
    "arm-unknown-linux-musleabihf",
    "arm64_32-apple-watchos",
    "arm64e-apple-darwin",
    "arm64e-apple-ios",
    "arm64e-apple-tvos",
    "arm64ec-pc-windows-msvc",
    "armeb-unknown-linux-gnueabi",
    "armebv7r-none-eabi",
    "armebv7r-none-eabihf",
    "armv4t-none-eabi",
    "armv4t-unknown-linux-gnueabi",
    "armv5te-none-eabi",
    "armv5te-unknown-linux-gnueabi",
    "armv5te-unknown-linux-musleabi",
    "armv5te-unknown-linux-uclibceabi",
    "armv6-none-eabi",
    "armv6-none-eabihf",
    "armv6-unknown-freebsd",
    "armv6-unknown-netbsd-eabihf",
    "armv6k-nintendo-3ds",
    "armv7-linux-androideabi",
    "armv7-rtems-eabihf",
    "armv7-sony-vita-newlibeabihf",
    "armv7-unknown-freebsd",
    "armv7-unknown-linux-gnueabi",
    "armv7-unknown-linux-gnueabihf",
    "armv7-unknown-linux-musleabi",
    "armv7-unknown-linux-musleabihf",
    "armv7-unknown-linux-ohos",
    "armv7-unknown-linux-uclibceabi",
    "armv7-unknown-linux-uclibceabihf",
    "armv7-unknown-netbsd-eabihf",
    "armv7-unknown-trusty",
    "armv7-wrs-vxworks-eabihf",
    "armv7a-kmc-solid_asp3-eabi",
    "armv7a-kmc-solid_asp3-eabihf",
    "armv7a-none-eabi",
    "armv7a-none-eabihf",
    "armv7a-nuttx-eabi",
    "armv7a-nuttx-eabihf",
    "armv7a-vex-v5",
    "armv7k-apple-watchos",
    "armv7r-none-eabi",
    "armv7r-none-eabihf",
    "armv7s-apple-ios",
    "armv8r-none-eabihf",
    "avr-none",
    "bpfeb-unknown-none",
    "bpfel-unknown-none",
    "csky-unknown-linux-gnuabiv2",
    "csky-unknown-linux-gnuabiv2hf",
    "hexagon-unknown-linux-musl",
    "hexagon-unknown-none-elf",
    "hexagon-unknown-qurt",
    "i386-apple-ios",
    "i586-unknown-linux-gnu",
    "i586-unknown-linux-musl",
    "i586-unknown-netbsd",
    "i586-unknown-redox",
    "i686-apple-darwin",
    "i686-linux-android",
    "i686-pc-nto-qnx700",
    "i686-pc-windows-gnu",
    "i686-pc-windows-gnullvm",
    "i686-pc-windows-msvc",
    "i686-unknown-freebsd",
    "i686-unknown-haiku",
    "i686-unknown-helenos",
    "i686-unknown-hurd-gnu",
    "i686-unknown-linux-gnu",
    "i686-unknown-linux-musl",
    "i686-unknown-netbsd",
    "i686-unknown-openbsd",
    "i686-unknown-uefi",
    "i686-uwp-windows-gnu",
    "i686-uwp-windows-msvc",
    "i686-win7-windows-gnu",
    "i686-win7-windows-msvc",
    "i686-wrs-vxworks",
    "loongarch32-unknown-none",
    "loongarch32-unknown-none-softfloat",
    "loongarch64-unknown-linux-gnu",
    "loongarch64-unknown-linux-musl",
    "loongarch64-unknown-linux-ohos",
    "loongarch64-unknown-none",
    "loongarch64-unknown-none-softfloat",
    "m68k-unknown-linux-gnu",
    "m68k-unknown-none-elf",
    "mips-mti-none-elf",
    "mips-unknown-linux-gnu",
    "mips-unknown-linux-musl",
    "mips-unknown-linux-uclibc",
    "mips64-openwrt-linux-musl",
    "mips64-unknown-linux-gnuabi64",
    "mips64-unknown-linux-muslabi64",
    "mips64el-unknown-linux-gnuabi64",
    "mips64el-unknown-linux-muslabi64",
    "mipsel-mti-none-elf",
    "mipsel-sony-psp",
    "mipsel-sony-psx",
    "mipsel-unknown-linux-gnu",
    "mipsel-unknown-linux-musl",
    "mipsel-unknown-linux-uclibc",
    "mipsel-unknown-netbsd",
    "mipsel-unknown-none",
    "mipsisa32r6-unknown-linux-gnu",
    "mipsisa32r6el-unknown-linux-gnu",
    "mipsisa64r6-unknown-linux-gnuabi64",
    "mipsisa64r6el-unknown-linux-gnuabi64",
    "msp430-none-elf",
    "nvptx64-nvidia-cuda",
    "powerpc-unknown-freebsd",
    "powerpc-unknown-helenos",
    "powerpc-unknown-linux-gnu",
    "powerpc-unknown-linux-gnuspe",
    "powerpc-unknown-linux-musl",
    "powerpc-unknown-linux-muslspe",
    "powerpc-unknown-netbsd",
    "powerpc-unknown-openbsd",
    "powerpc-wrs-vxworks",
    "powerpc-wrs-vxworks-spe",
    "powerpc64-ibm-aix",
    "powerpc64-unknown-freebsd",
    "powerpc64-unknown-linux-gnu",
    "powerpc64-unknown-linux-musl",
    "powerpc64-unknown-openbsd",
    "powerpc64-wrs-vxworks",
    "powerpc64le-unknown-freebsd",
    "powerpc64le-unknown-linux-gnu",
    "powerpc64le-unknown-linux-musl",
    "riscv32-wrs-vxworks",
    "riscv32e-unknown-none-elf",
    "riscv32em-unknown-none-elf",
    "riscv32emc-unknown-none-elf",
    "riscv32gc-unknown-linux-gnu",
    "riscv32gc-unknown-linux-musl",
    "riscv32i-unknown-none-elf",
    "riscv32im-risc0-zkvm-elf",
    "riscv32im-unknown-none-elf",
    "riscv32ima-unknown-none-elf",
    "riscv32imac-esp-espidf",
    "riscv32imac-unknown-none-elf",
    "riscv32imac-unknown-nuttx-elf",
    "riscv32imac-unknown-xous-elf",
    "riscv32imafc-esp-espidf",
    "riscv32imafc-unknown-none-elf",
    "riscv32imafc-unknown-nuttx-elf",
    "riscv32imc-esp-espidf",
    "riscv32imc-unknown-none-elf",
    "riscv32imc-unknown-nuttx-elf",
    "riscv64-linux-android",
    "riscv64-wrs-vxworks",
    "riscv64a23-unknown-linux-gnu",
    "riscv64gc-unknown-freebsd",
    "riscv64gc-unknown-fuchsia",
    "riscv64gc-unknown-hermit",
    "riscv64gc-unknown-linux-gnu",
    "riscv64gc-unknown-linux-musl",
    "riscv64gc-unknown-managarm-mlibc",
    "riscv64gc-unknown-netbsd",
    "riscv64gc-unknown-none-elf",
    "riscv64gc-unknown-nuttx-elf",
    "riscv64gc-unknown-openbsd",
    "riscv64gc-unknown-redox",
    "riscv64im-unknown-none-elf",
    "riscv64imac-unknown-none-elf",
    "riscv64imac-unknown-nuttx-elf",
    "s390x-unknown-linux-gnu",
    "s390x-unknown-linux-musl",
    "s390x-unknown-none-softfloat",
    "sparc-unknown-linux-gnu",
    "sparc-unknown-none-elf",
    "sparc64-unknown-helenos",
    "sparc64-unknown-linux-gnu",
    "sparc64-unknown-netbsd",
    "sparc64-unknown-openbsd",
    "sparcv9-sun-solaris",
    "thumbv4t-none-eabi",
    "thumbv5te-none-eabi",
    "thumbv6-none-eabi",
    "thumbv6m-none-eabi",
    "thumbv6m-nuttx-eabi",
    "thumbv7a-none-eabi",
    "thumbv7a-none-eabihf",
    "thumbv7a-nuttx-eabi",
    "thumbv7a-nuttx-eabihf",
    "thumbv7a-pc-windows-msvc",
    "thumbv7a-uwp-windows-msvc",
    "thumbv7em-none-eabi",
    "thumbv7em-none-eabihf",
    "thumbv7em-nuttx-eabi",
    "thumbv7em-nuttx-eabihf",
    "thumbv7m-none-eabi",
    "thumbv7m-nuttx-eabi",
    "thumbv7neon-linux-androideabi",
    "thumbv7neon-unknown-linux-gnueabihf",
    "thumbv7neon-unknown-linux-musleabihf",
    "thumbv7r-none-eabi",
    "thumbv7r-none-eabihf",
    "thumbv8m.base-none-eabi",
    "thumbv8m.base-nuttx-eabi",
    "thumbv8m.main-none-eabi",
    "thumbv8m.main-none-eabihf",
    "thumbv8m.main-nuttx-eabi",
    "thumbv8m.main-nuttx-eabihf",
    "thumbv8r-none-eabihf",
    "wasm32-unknown-emscripten",
    "wasm32-unknown-unknown",
    "wasm32-wali-linux-musl",
    "wasm32-wasip1",
    "wasm32-wasip1-threads",
    "wasm32-wasip2",
    "wasm32-wasip3",
    "wasm32v1-none",
    "wasm64-unknown-unknown",
    "x86_64-apple-darwin",
    "x86_64-apple-ios",
    "x86_64-apple-ios-macabi",
    "x86_64-apple-tvos",
    "x86_64-apple-watchos-sim",
    "x86_64-fortanix-unknown-sgx",
    "x86_64-linux-android",
    "x86_64-lynx-lynxos178",
    "x86_64-pc-cygwin",
    "x86_64-pc-nto-qnx710",
    "x86_64-pc-nto-qnx710_iosock",
    "x86_64-pc-nto-qnx800",
    "x86_64-pc-solaris",
    "x86_64-pc-windows-gnu",
    "x86_64-pc-windows-gnullvm",
    "x86_64-pc-windows-msvc",
    "x86_64-unikraft-linux-musl",
    "x86_64-unknown-dragonfly",
    "x86_64-unknown-freebsd",
    "x86_64-unknown-fuchsia",
    "x86_64-unknown-haiku",
    "x86_64-unknown-helenos",
    "x86_64-unknown-hermit",
    "x86_64-unknown-hurd-gnu",
    "x86_64-unknown-illumos",
    "x86_64-unknown-l4re-uclibc",
    "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-gnuasan",
    "x86_64-unknown-linux-gnux32",
    "x86_64-unknown-linux-musl",
    "x86_64-unknown-linux-none",
    "x86_64-unknown-linux-ohos",
    "x86_64-unknown-managarm-mlibc",
    "x86_64-unknown-motor",
    "x86_64-unknown-netbsd",
    "x86_64-unknown-none",
    "x86_64-unknown-openbsd",
    "x86_64-unknown-redox",
    "x86_64-unknown-trusty",
    "x86_64-unknown-uefi",
    "x86_64-uwp-windows-gnu",
    "x86_64-uwp-windows-msvc",
    "x86_64-win7-windows-gnu",
    "x86_64-win7-windows-msvc",
    "x86_64-wrs-vxworks",
    "x86_64h-apple-darwin",
    "xtensa-esp32-espidf",
    "xtensa-esp32-none-elf",
    "xtensa-esp32s2-espidf",
    "xtensa-esp32s2-none-elf",
    "xtensa-esp32s3-espidf",
    "xtensa-esp32s3-none-elf",
];

/// The common release targets: the matrix a project gets when it does not
/// choose one.
pub const DEFAULT_TARGETS: &[&str] = &[
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

/// The GitHub Actions runner used for targets without a better match.
const FALLBACK_RUNNER: &str = "ubuntu-22.04";

/// Minimum similarity (normalized Damerau-Levenshtein, 0..=1) for
/// [`suggest`] to offer a triple. Below it, the input is treated as garbage
/// rather than a typo.
const SUGGEST_THRESHOLD: f64 = 0.75;

/// Whether `triple` is one of [`KNOWN_TARGETS`] (exact, case-sensitive).
pub fn is_known(triple: &str) -> bool {
    KNOWN_TARGETS.binary_search(&triple).is_ok()
}

/// The known triple nearest to `unknown`, for "did you mean" messages.
///
/// Comparison is case-insensitive and uses normalized Damerau-Levenshtein
/// similarity, so swapped letters (`gun` for `gnu`) count as one edit.
/// Returns `None` when nothing is similar enough to be a plausible typo. On a
/// tie, a triple from [`DEFAULT_TARGETS`] wins. A known triple suggests
/// itself.
pub fn suggest(unknown: &str) -> Option<&'static str> {
    let wanted = unknown.to_ascii_lowercase();
    if let Ok(i) = KNOWN_TARGETS.binary_search(&wanted.as_str()) {
        return Some(KNOWN_TARGETS[i]);
    }
    let mut best: Option<(f64, bool, &'static str)> = None;
    for &candidate in KNOWN_TARGETS {
        let score = strsim::normalized_damerau_levenshtein(&wanted, candidate);
        let is_default = DEFAULT_TARGETS.contains(&candidate);
        let better = match best {
            None => true,
            Some((best_score, best_default, _)) => {
                score > best_score || (score == best_score && is_default && !best_default)
            }
        };
        if better {
            best = Some((score, is_default, candidate));
        }
    }
    best.filter(|&(score, _, _)| score >= SUGGEST_THRESHOLD)
        .map(|(_, _, triple)| triple)
}

/// The operating system of a target, as far as releases care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
    FreeBsd,
    NetBsd,
    Illumos,
    /// Anything else: Android, iOS, bare metal, wasm, other BSDs, ...
    Other,
}

/// The C library / toolchain environment a target links against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Libc {
    /// glibc on Linux; MinGW (`gnu`, `gnullvm`) on Windows.
    Gnu,
    Musl,
    Msvc,
    /// Not Linux or Windows, or an environment not listed above.
    None,
}

/// What a target triple says about the binaries built for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    pub os: Os,
    /// The first component of the triple, e.g. `x86_64`, `aarch64`, `armv7`,
    /// `i686`, `powerpc64le`, `riscv64gc`, `s390x`.
    pub arch: String,
    pub libc: Libc,
}

impl TargetInfo {
    pub fn is_windows(&self) -> bool {
        self.os == Os::Windows
    }

    /// The file name suffix of executables: `.exe` on Windows, else empty.
    pub fn exe_suffix(&self) -> &'static str {
        if self.is_windows() {
            ".exe"
        } else {
            ""
        }
    }

    /// The archive format a release uses by default: `.zip` on Windows,
    /// `.tar.xz` elsewhere.
    pub fn default_archive_ext(&self) -> &'static str {
        if self.is_windows() {
            ".zip"
        } else {
            ".tar.xz"
        }
    }
}

/// Parses any triple, known or not, into OS, architecture and libc.
///
/// Handles both `arch-vendor-os[-env]` and `arch-os-env` forms
/// (`aarch64-linux-android`). Android is [`Os::Other`], as rustc's
/// `target_os` says, not Linux.
pub fn info(triple: &str) -> TargetInfo {
    let mut parts = triple.split('-');
    let arch = parts.next().unwrap_or_default().to_string();
    let rest: Vec<&str> = parts.collect();
    let has = |name: &str| rest.contains(&name);

    let os = if has("linux") && !rest.iter().any(|p| p.starts_with("android")) {
        Os::Linux
    } else if has("darwin") || rest.iter().any(|p| p.starts_with("macos")) {
        Os::Macos
    } else if has("windows") {
        Os::Windows
    } else if has("freebsd") {
        Os::FreeBsd
    } else if has("netbsd") {
        Os::NetBsd
    } else if has("illumos") {
        Os::Illumos
    } else {
        Os::Other
    };

    // The environment, when present, is the last component; when absent the
    // last component is the OS itself, which matches none of the prefixes.
    let env = rest.last().copied().unwrap_or_default();
    let libc = match os {
        Os::Linux if env.starts_with("musl") => Libc::Musl,
        Os::Linux | Os::Windows if env.starts_with("gnu") => Libc::Gnu,
        Os::Windows if env == "msvc" => Libc::Msvc,
        _ => Libc::None,
    };

    TargetInfo { os, arch, libc }
}

/// The GitHub Actions runner label that builds `triple` natively, or the
/// Linux runner for targets that are cross-compiled.
///
/// Linux x86_64 and other cross-built Linux arches use `ubuntu-22.04`, Linux
/// aarch64 uses `ubuntu-22.04-arm`; Intel macOS uses `macos-13`, Apple
/// silicon `macos-14`; Windows (any arch) uses `windows-2022`; anything else
/// falls back to `ubuntu-22.04`.
pub fn default_github_runner(triple: &str) -> &'static str {
    let target = info(triple);
    match (target.os, target.arch.as_str()) {
        (Os::Linux, "aarch64") => "ubuntu-22.04-arm",
        (Os::Macos, "x86_64" | "x86_64h" | "i686") => "macos-13",
        (Os::Macos, _) => "macos-14",
        (Os::Windows, _) => "windows-2022",
        _ => FALLBACK_RUNNER,
    }
}

/// The triple this binary was compiled for, or `"unknown"` for hosts outside
/// the common set (Linux gnu/musl, macOS, Windows msvc/gnu, FreeBSD, NetBSD,
/// illumos on their usual arches).
///
/// Derived from `std::env::consts` and `cfg!`, so no build script is needed.
/// The architecture is the usual one for a `target_arch` (`x86` is reported
/// as `i686`, `riscv64` as `riscv64gc`).
pub fn host_triple() -> &'static str {
    let env = if cfg!(target_env = "musl") {
        "musl"
    } else if cfg!(target_env = "msvc") {
        "msvc"
    } else if cfg!(target_env = "gnu") {
        if cfg!(target_abi = "llvm") {
            "gnullvm"
        } else if cfg!(target_abi = "x32") {
            "gnux32"
        } else {
            "gnu"
        }
    } else {
        ""
    };
    triple_for(
        std::env::consts::ARCH,
        std::env::consts::OS,
        env,
        cfg!(target_endian = "little"),
    )
}

/// Maps rustc's `target_arch`, `target_os`, environment (`target_env`,
/// refined by `target_abi`) and endianness to a triple.
fn triple_for(arch: &str, os: &str, env: &str, little_endian: bool) -> &'static str {
    match (os, env, arch) {
        ("linux", "gnu", "x86_64") => "x86_64-unknown-linux-gnu",
        ("linux", "gnux32", "x86_64") => "x86_64-unknown-linux-gnux32",
        ("linux", "gnu", "aarch64") => "aarch64-unknown-linux-gnu",
        ("linux", "gnu", "x86") => "i686-unknown-linux-gnu",
        ("linux", "gnu", "riscv64") => "riscv64gc-unknown-linux-gnu",
        ("linux", "gnu", "powerpc64") if little_endian => "powerpc64le-unknown-linux-gnu",
        ("linux", "gnu", "powerpc64") => "powerpc64-unknown-linux-gnu",
        ("linux", "gnu", "s390x") => "s390x-unknown-linux-gnu",
        ("linux", "gnu", "loongarch64") => "loongarch64-unknown-linux-gnu",
        ("linux", "musl", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "musl", "aarch64") => "aarch64-unknown-linux-musl",
        ("linux", "musl", "x86") => "i686-unknown-linux-musl",
        ("linux", "musl", "riscv64") => "riscv64gc-unknown-linux-musl",
        ("linux", "musl", "powerpc64") if little_endian => "powerpc64le-unknown-linux-musl",
        ("linux", "musl", "s390x") => "s390x-unknown-linux-musl",
        ("linux", "musl", "loongarch64") => "loongarch64-unknown-linux-musl",
        ("macos", _, "x86_64") => "x86_64-apple-darwin",
        ("macos", _, "aarch64") => "aarch64-apple-darwin",
        ("windows", "msvc", "x86_64") => "x86_64-pc-windows-msvc",
        ("windows", "msvc", "aarch64") => "aarch64-pc-windows-msvc",
        ("windows", "msvc", "x86") => "i686-pc-windows-msvc",
        ("windows", "gnu", "x86_64") => "x86_64-pc-windows-gnu",
        ("windows", "gnu", "x86") => "i686-pc-windows-gnu",
        ("windows", "gnullvm", "x86_64") => "x86_64-pc-windows-gnullvm",
        ("windows", "gnullvm", "aarch64") => "aarch64-pc-windows-gnullvm",
        ("windows", "gnullvm", "x86") => "i686-pc-windows-gnullvm",
        ("freebsd", _, "x86_64") => "x86_64-unknown-freebsd",
        ("freebsd", _, "aarch64") => "aarch64-unknown-freebsd",
        ("netbsd", _, "x86_64") => "x86_64-unknown-netbsd",
        ("netbsd", _, "aarch64") => "aarch64-unknown-netbsd",
        ("illumos", _, "x86_64") => "x86_64-unknown-illumos",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_targets_sorted_and_unique() {
        for pair in KNOWN_TARGETS.windows(2) {
            assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn known_targets_contain_defaults() {
        for triple in DEFAULT_TARGETS {
            assert!(is_known(triple), "{triple}");
        }
    }

    #[test]
    fn is_known_exact() {
        assert!(is_known("x86_64-unknown-linux-musl"));
        assert!(is_known(KNOWN_TARGETS[0]));
        assert!(is_known(KNOWN_TARGETS[KNOWN_TARGETS.len() - 1]));
        assert!(!is_known("x86_64-unknown-linux-gun"));
        assert!(!is_known("X86_64-unknown-linux-gnu"));
        assert!(!is_known(""));
    }

    #[test]
    fn suggest_typos() {
        let cases = [
            ("x86_64-unknown-linux-gun", "x86_64-unknown-linux-gnu"),
            ("aarch64-apple-darwn", "aarch64-apple-darwin"),
            ("x86_64-pc-windows-msv", "x86_64-pc-windows-msvc"),
            ("X86_64-Unknown-Linux-GNU", "x86_64-unknown-linux-gnu"),
            ("x86_64-unknown-linux", "x86_64-unknown-linux-gnu"),
            (
                "armv7-unknown-linux-gnueabi-hf",
                "armv7-unknown-linux-gnueabihf",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(suggest(input), Some(expected), "{input}");
        }
    }

    #[test]
    fn suggest_known_is_itself() {
        assert_eq!(
            suggest("riscv64gc-unknown-linux-gnu"),
            Some("riscv64gc-unknown-linux-gnu")
        );
    }

    #[test]
    fn suggest_garbage_is_none() {
        for input in [
            "",
            "foo",
            "linux",
            "windows",
            "hello world",
            "asdfghjkl",
            "zzzzzzzz-zzzzzzz-zzzzz-zzz",
            "x86_64-linux-gnu",
        ] {
            assert_eq!(suggest(input), None, "{input}");
        }
    }

    #[test]
    fn suggest_prefers_defaults_on_tie() {
        // Two edits from both x86_64-pc-windows-gnu (listed first) and
        // x86_64-pc-windows-msvc, with the same normalizing length.
        let input = "x86_64-pc-windows-gnvc";
        let gnu = strsim::normalized_damerau_levenshtein(input, "x86_64-pc-windows-gnu");
        let msvc = strsim::normalized_damerau_levenshtein(input, "x86_64-pc-windows-msvc");
        assert_eq!(gnu, msvc);
        assert_eq!(suggest(input), Some("x86_64-pc-windows-msvc"));
    }

    fn check(triple: &str, os: Os, arch: &str, libc: Libc) {
        let got = info(triple);
        assert_eq!(
            got,
            TargetInfo {
                os,
                arch: arch.to_string(),
                libc
            },
            "{triple}"
        );
    }

    #[test]
    fn info_parses_triples() {
        check("x86_64-unknown-linux-gnu", Os::Linux, "x86_64", Libc::Gnu);
        check(
            "aarch64-unknown-linux-musl",
            Os::Linux,
            "aarch64",
            Libc::Musl,
        );
        check(
            "armv7-unknown-linux-gnueabihf",
            Os::Linux,
            "armv7",
            Libc::Gnu,
        );
        check(
            "armv7-unknown-linux-musleabihf",
            Os::Linux,
            "armv7",
            Libc::Musl,
        );
        check(
            "powerpc64le-unknown-linux-gnu",
            Os::Linux,
            "powerpc64le",
            Libc::Gnu,
        );
        check(
            "riscv64gc-unknown-linux-gnu",
            Os::Linux,
            "riscv64gc",
            Libc::Gnu,
        );
        check("s390x-unknown-linux-gnu", Os::Linux, "s390x", Libc::Gnu);
        check("x86_64-pc-windows-msvc", Os::Windows, "x86_64", Libc::Msvc);
        check("x86_64-pc-windows-gnu", Os::Windows, "x86_64", Libc::Gnu);
        check(
            "aarch64-pc-windows-gnullvm",
            Os::Windows,
            "aarch64",
            Libc::Gnu,
        );
        check("i686-pc-windows-msvc", Os::Windows, "i686", Libc::Msvc);
        check("aarch64-apple-darwin", Os::Macos, "aarch64", Libc::None);
        check("x86_64-apple-darwin", Os::Macos, "x86_64", Libc::None);
        check("x86_64-unknown-freebsd", Os::FreeBsd, "x86_64", Libc::None);
        check("x86_64-unknown-netbsd", Os::NetBsd, "x86_64", Libc::None);
        check("x86_64-unknown-illumos", Os::Illumos, "x86_64", Libc::None);
        check("aarch64-linux-android", Os::Other, "aarch64", Libc::None);
        check("wasm32-unknown-unknown", Os::Other, "wasm32", Libc::None);
        check("x86_64-unknown-linux", Os::Linux, "x86_64", Libc::None);
        check("x86_64-unknown-linux-none", Os::Linux, "x86_64", Libc::None);
        check("", Os::Other, "", Libc::None);
    }

    #[test]
    fn info_helpers() {
        let windows = info("x86_64-pc-windows-gnu");
        assert!(windows.is_windows());
        assert_eq!(windows.exe_suffix(), ".exe");
        assert_eq!(windows.default_archive_ext(), ".zip");

        let linux = info("x86_64-unknown-linux-musl");
        assert!(!linux.is_windows());
        assert_eq!(linux.exe_suffix(), "");
        assert_eq!(linux.default_archive_ext(), ".tar.xz");

        let mac = info("aarch64-apple-darwin");
        assert_eq!(mac.exe_suffix(), "");
        assert_eq!(mac.default_archive_ext(), ".tar.xz");
    }

    #[test]
    fn every_known_target_parses_consistently() {
        for &triple in KNOWN_TARGETS {
            let target = info(triple);
            assert_eq!(target.arch, triple.split('-').next().unwrap(), "{triple}");
            if triple.contains("-windows-") || triple.ends_with("-windows") {
                assert!(target.is_windows(), "{triple}");
            }
            if target.libc == Libc::Msvc {
                assert!(target.is_windows(), "{triple}");
            }
            if target.libc == Libc::Musl {
                assert_eq!(target.os, Os::Linux, "{triple}");
            }
        }
    }

    #[test]
    fn github_runners() {
        let cases = [
            ("x86_64-unknown-linux-gnu", "ubuntu-22.04"),
            ("x86_64-unknown-linux-musl", "ubuntu-22.04"),
            ("aarch64-unknown-linux-gnu", "ubuntu-22.04-arm"),
            ("aarch64-unknown-linux-musl", "ubuntu-22.04-arm"),
            ("armv7-unknown-linux-gnueabihf", "ubuntu-22.04"),
            ("s390x-unknown-linux-gnu", "ubuntu-22.04"),
            ("x86_64-apple-darwin", "macos-13"),
            ("aarch64-apple-darwin", "macos-14"),
            ("x86_64-pc-windows-msvc", "windows-2022"),
            ("aarch64-pc-windows-msvc", "windows-2022"),
            ("i686-pc-windows-gnu", "windows-2022"),
            ("x86_64-unknown-freebsd", "ubuntu-22.04"),
            ("wasm32-unknown-unknown", "ubuntu-22.04"),
            ("nonsense", "ubuntu-22.04"),
        ];
        for (triple, runner) in cases {
            assert_eq!(default_github_runner(triple), runner, "{triple}");
        }
    }

    #[test]
    fn host_triple_is_known() {
        let host = host_triple();
        assert!(is_known(host), "{host}");
        assert!(info(host).libc != Libc::Msvc || cfg!(target_env = "msvc"));
    }

    #[test]
    fn triple_for_only_yields_known_triples() {
        let arches = [
            "x86",
            "x86_64",
            "aarch64",
            "arm",
            "riscv64",
            "powerpc64",
            "s390x",
            "loongarch64",
            "mips",
        ];
        let oses = [
            "linux", "macos", "windows", "freebsd", "netbsd", "illumos", "android",
        ];
        let envs = ["", "gnu", "gnux32", "gnullvm", "musl", "msvc"];
        for os in oses {
            for env in envs {
                for arch in arches {
                    for little_endian in [true, false] {
                        let triple = triple_for(arch, os, env, little_endian);
                        assert!(
                            triple == "unknown" || is_known(triple),
                            "{arch} {os} {env}: {triple}"
                        );
                        if triple != "unknown" {
                            let parsed = info(triple);
                            assert_eq!(parsed.is_windows(), os == "windows", "{triple}");
                        }
                    }
                }
            }
        }
    }
}
