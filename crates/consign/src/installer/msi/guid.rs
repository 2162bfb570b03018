//! GUIDs: random ones for new apps, derived ones for components, and the
//! canonical spelling (uppercase, no braces) everything is compared in.

use uuid::Uuid;

/// A fresh random GUID (version 4), uppercase and without braces:
/// `XXXXXXXX-XXXX-4XXX-YXXX-XXXXXXXXXXXX`.
pub fn new_guid() -> String {
    upper(Uuid::new_v4())
}

/// A GUID that is a pure function of `namespace` and `name`: the first 16
/// bytes of SHA-256(`namespace` ‖ 0x00 ‖ `name`) as a version 8
/// ("custom", RFC 9562) UUID. Uppercase, without braces.
///
/// The same inputs give the same GUID on every machine and in every
/// version of consign; different names (or namespaces) give different
/// GUIDs. The bytes are hashed exactly as given: callers normalise first
/// where spelling may vary.
pub fn stable_guid(namespace: &str, name: &str) -> String {
    use sha2::{Digest as _, Sha256};

    let mut hasher = Sha256::new();
    hasher.update(namespace.as_bytes());
    hasher.update([0u8]);
    hasher.update(name.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    upper(Uuid::new_v8(bytes))
}

/// The component GUID of a binary: [`stable_guid`] in the namespace of the
/// app's upgrade GUID (normalised, so its spelling does not matter) of the
/// file's install location, `[{program files folder}]bin\{file}` in
/// lowercase (Windows file names ignore case). The location includes the
/// Program Files folder because Windows Installer requires a different
/// component GUID wherever the key file's path differs, as it does between
/// the 32-bit and 64-bit packages.
pub(super) fn component_guid(upgrade_guid: &str, program_files: &str, file_name: &str) -> String {
    let location = format!("[{program_files}]bin\\{file_name}").to_lowercase();
    stable_guid(upgrade_guid, &location)
}

/// `guid` in canonical form (uppercase, no braces), if it is a GUID:
/// 8-4-4-4-12 hex digits, optionally in braces.
pub(super) fn normalize_guid(guid: &str) -> Option<String> {
    let trimmed = guid.trim();
    let inner = match trimmed.strip_prefix('{') {
        Some(rest) => rest.strip_suffix('}')?,
        None => trimmed,
    };
    // `Uuid` also reads other spellings (no hyphens, `urn:uuid:`); WiX
    // and Cargo.toml use this one.
    if inner.len() != 36 {
        return None;
    }
    Uuid::try_parse(inner).ok().map(upper)
}

fn upper(uuid: Uuid) -> String {
    format!("{:X}", uuid.hyphenated())
}
