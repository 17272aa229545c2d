//! The headless CLI's fallback when no keychain answers: one JSON file beside the database,
//! readable by its owner only. The file is never edited in place: each write goes to a new
//! 0600 temp file that is renamed over the old one, so a crash leaves the old or the new
//! content, never half of it, and the file is never briefly readable by others.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bridge_core::{BridgeError, ErrorCode};
use serde::{Deserialize, Serialize};

use super::TokenStore;
use crate::Sensitive;

#[derive(Debug)]
pub struct FileStore {
    path: PathBuf,
    /// Serializes read-modify-write cycles within this process.
    write_lock: Mutex<()>,
}

#[derive(Serialize, Deserialize)]
struct SecretsFile {
    v: u32,
    secrets: BTreeMap<String, String>,
}

const FORMAT_VERSION: u32 = 1;

impl FileStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            write_lock: Mutex::new(()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn error(&self, what: impl std::fmt::Display) -> BridgeError {
        BridgeError::new(
            ErrorCode::SecretStore,
            format!("secrets file {}: {what}", self.path.display()),
        )
    }

    fn read_all(&self) -> Result<BTreeMap<String, String>, BridgeError> {
        match fs::symlink_metadata(&self.path) {
            Ok(meta) if !meta.file_type().is_file() => {
                return Err(self.error("is not a regular file; refusing to use it"))
            }
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(self.error(e)),
        }
        let mut file = File::open(&self.path).map_err(|e| self.error(e))?;
        // Checked on the open handle, so the file we read is the file we checked.
        self.refuse_if_others_can_read(&file)?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| self.error(e))?;
        // serde's message can quote a value it did not expect; report only where it failed.
        let parsed: SecretsFile = serde_json::from_str(&text).map_err(|e| {
            self.error(format_args!(
                "is not a valid secrets file (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        if parsed.v != FORMAT_VERSION {
            return Err(self.error(format_args!(
                "has format version {}, this release reads version {FORMAT_VERSION}",
                parsed.v
            )));
        }
        Ok(parsed.secrets)
    }

    #[cfg(unix)]
    fn refuse_if_others_can_read(&self, file: &File) -> Result<(), BridgeError> {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| self.error(e))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(self.error(format_args!(
                "can be read by other users (mode {mode:04o}); refusing to use it. \
                 Run `chmod 600 {}` if the secrets in it are still yours to trust",
                self.path.display()
            )));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn refuse_if_others_can_read(&self, _file: &File) -> Result<(), BridgeError> {
        // Windows: the file inherits the ACL of the per-user app-data folder it lives in.
        Ok(())
    }

    fn write_all(&self, secrets: BTreeMap<String, String>) -> Result<(), BridgeError> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| self.error(e))?;
        let text = serde_json::to_string_pretty(&SecretsFile {
            v: FORMAT_VERSION,
            secrets,
        })
        .map_err(|e| self.error(e))?;

        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "secrets".into());
        let temp = dir.join(format!(
            ".{file_name}.{}.{:016x}.tmp",
            std::process::id(),
            rand::random::<u64>()
        ));
        let written =
            write_private_file(&temp, text.as_bytes()).and_then(|()| fs::rename(&temp, &self.path));
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(self.error(e));
        }
        sync_dir(&dir);
        Ok(())
    }
}

/// Creates `path` (it must not exist yet) with owner-only permissions from the first byte.
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the rename durable; best effort, since not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl TokenStore for FileStore {
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, BridgeError> {
        Ok(self.read_all()?.remove(key).map(Sensitive::new))
    }

    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), BridgeError> {
        let _guard = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut secrets = self.read_all()?;
        secrets.insert(key.to_string(), secret.expose().clone());
        self.write_all(secrets)
    }

    fn refresh_lock_file(&self) -> Option<PathBuf> {
        Some(self.path.with_extension("refresh.lock"))
    }

    fn delete(&self, key: &str) -> Result<(), BridgeError> {
        let _guard = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut secrets = self.read_all()?;
        if secrets.remove(key).is_some() {
            self.write_all(secrets)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_in(dir: &Path) -> FileStore {
        FileStore::new(dir.join("db").join("secrets.json"))
    }

    #[test]
    fn round_trip_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        assert_eq!(store.get("ghl").unwrap(), None);
        store.set("ghl", &Sensitive::new("token-1".into())).unwrap();
        store
            .set("nifty", &Sensitive::new("token-2".into()))
            .unwrap();
        store.set("ghl", &Sensitive::new("token-3".into())).unwrap();

        let reopened = store_in(dir.path());
        assert_eq!(reopened.get("ghl").unwrap().unwrap().expose(), "token-3");
        assert_eq!(reopened.get("nifty").unwrap().unwrap().expose(), "token-2");
        reopened.delete("ghl").unwrap();
        reopened.delete("never-there").unwrap();
        assert_eq!(store.get("ghl").unwrap(), None);
        assert_eq!(store.get("nifty").unwrap().unwrap().expose(), "token-2");

        let leftovers: Vec<_> = fs::read_dir(dir.path().join("db"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != "secrets.json")
            .collect();
        assert!(
            leftovers.is_empty(),
            "temp files left behind: {leftovers:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn is_created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        store.set("ghl", &Sensitive::new("token".into())).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A rewrite replaces the file; the new one must be private too.
        store.set("ghl", &Sensitive::new("token-2".into())).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_file_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        store
            .set("ghl", &Sensitive::new("rt-do-not-echo".into()))
            .unwrap();
        for mode in [0o644, 0o640, 0o604] {
            fs::set_permissions(store.path(), fs::Permissions::from_mode(mode)).unwrap();
            let err = store.get("ghl").unwrap_err();
            assert_eq!(err.code, ErrorCode::SecretStore);
            assert!(
                err.message.contains("can be read by other users"),
                "{}",
                err.message
            );
            assert!(!err.message.contains("rt-do-not-echo"));
            // Writing must refuse as well: it would read the untrusted file first.
            assert!(store.set("other", &Sensitive::new("x".into())).is_err());
        }
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            store.get("ghl").unwrap().unwrap().expose(),
            "rt-do-not-echo"
        );
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere.json");
        fs::write(&target, "{\"v\":1,\"secrets\":{}}").unwrap();
        let link = dir.path().join("secrets.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = FileStore::new(link).get("ghl").unwrap_err();
        assert!(
            err.message.contains("not a regular file"),
            "{}",
            err.message
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_corrupt_file_is_reported_without_its_content() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        fs::write(&path, "{\"v\":1,\"secrets\":{\"ghl\":rt-leak}}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let err = FileStore::new(path).get("ghl").unwrap_err();
        assert!(
            err.message.contains("not a valid secrets file"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("rt-leak"));
    }
}
