//! The service's own Ed25519 signing key, persisted in the data directory.
//!
//! The service signs receipts/checkpoints and JWTs with this key, so its
//! loss means a new identity and its leak means forgery. Hence: PKCS#8 PEM
//! (readable by standard tools), created with mode 0600 from the first byte
//! (never briefly world-readable), published atomically so a crash cannot
//! leave a truncated key, and an existing file that group/other can access
//! is refused rather than silently trusted.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use jsonwebtoken::{DecodingKey, EncodingKey};
use zeroize::Zeroizing;

use super::{CryptoError, KeyPair, PublicKey, Signature, base64url};

/// File name of the key inside the data directory.
pub const SERVICE_KEY_FILE_NAME: &str = "service_key.pem";

/// Permission bits that must be clear on the key file (group and other).
const GROUP_OTHER_BITS: u32 = 0o077;

/// The service signing key, loaded once at startup.
pub struct ServiceKey {
    path: PathBuf,
    key: KeyPair,
    public_key: PublicKey,
    key_id: String,
    // Built once here so the accessors are infallible and errors surface at
    // startup instead of on the first request.
    encoding_key: EncodingKey,
    decoding_key: DecodingKey,
}

impl std::fmt::Debug for ServiceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceKey")
            .field("path", &self.path)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ServiceKey {
    /// Loads `dir/service_key.pem`, or creates it (and `dir`, mode 0700)
    /// if it does not exist. Returns `true` when a new key was created.
    pub fn load_or_create(dir: &Path) -> Result<(ServiceKey, bool), CryptoError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| io_error("cannot create data directory", dir, &e))?;
        let path = dir.join(SERVICE_KEY_FILE_NAME);
        match File::open(&path) {
            Ok(file) => Ok((Self::load(path, file)?, false)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = KeyPair::generate()?;
                match publish_new_key(dir, &path, &key)? {
                    Published::Created => Ok((Self::from_key_pair(path, key)?, true)),
                    // Another process won the race: use its key, not ours.
                    Published::AlreadyExisted => {
                        let file =
                            File::open(&path).map_err(|e| io_error("cannot open", &path, &e))?;
                        Ok((Self::load(path, file)?, false))
                    }
                }
            }
            Err(e) => Err(io_error("cannot open", &path, &e)),
        }
    }

    fn load(path: PathBuf, mut file: File) -> Result<Self, CryptoError> {
        // fstat the opened file, so the checked file is the one we read.
        let meta = file
            .metadata()
            .map_err(|e| io_error("cannot stat", &path, &e))?;
        if !meta.is_file() {
            return Err(CryptoError::KeyFile(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & GROUP_OTHER_BITS != 0 {
            return Err(CryptoError::KeyFile(format!(
                "refusing to use {}: mode {mode:04o} lets group/other access the private key; \
                 run `chmod 600` on it (and consider the key compromised if others could read it)",
                path.display()
            )));
        }
        let mut pem = Zeroizing::new(String::new());
        file.read_to_string(&mut pem)
            .map_err(|e| io_error("cannot read", &path, &e))?;
        let key = KeyPair::from_pkcs8_pem(&pem)
            .map_err(|e| CryptoError::KeyFile(format!("{}: {e}", path.display())))?;
        Self::from_key_pair(path, key)
    }

    fn from_key_pair(path: PathBuf, key: KeyPair) -> Result<Self, CryptoError> {
        let public_key = key.public_key();
        let pem = key.to_pkcs8_pem()?;
        let encoding_key = EncodingKey::from_ed_pem(pem.as_bytes())
            .map_err(|e| CryptoError::Jwt(format!("encoding key: {e}")))?;
        let decoding_key = DecodingKey::from_ed_components(&public_key.to_base64url())
            .map_err(|e| CryptoError::Jwt(format!("decoding key: {e}")))?;
        Ok(Self {
            path,
            key_id: public_key.key_id(),
            key,
            public_key,
            encoding_key,
            decoding_key,
        })
    }

    /// The service public key.
    pub fn public_key(&self) -> PublicKey {
        self.public_key
    }

    /// RFC 7638 thumbprint of the service public key (JWT `kid`).
    pub fn key_id(&self) -> String {
        self.key_id.clone()
    }

    /// Signs `msg` with the service key.
    pub fn sign(&self, msg: &[u8]) -> Signature {
        self.key.sign(msg)
    }

    /// Path of the PEM file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Key for `jsonwebtoken::encode` with `Algorithm::EdDSA`.
    pub fn jwt_encoding_key(&self) -> EncodingKey {
        self.encoding_key.clone()
    }

    /// Key for `jsonwebtoken::decode` with `Algorithm::EdDSA` (verify under
    /// [`super::install_strict_eddsa_provider`]).
    pub fn jwt_decoding_key(&self) -> DecodingKey {
        self.decoding_key.clone()
    }
}

enum Published {
    Created,
    AlreadyExisted,
}

/// Writes the key to a 0600 temp file in `dir`, fsyncs it, then publishes
/// it under `path` without ever overwriting an existing key.
///
/// Publishing uses `link(2)` rather than `rename(2)`: both are atomic, but
/// `link` fails if `path` already exists, so two processes starting at once
/// cannot replace each other's key. `rename` is the fallback for file
/// systems without hard links.
fn publish_new_key(dir: &Path, path: &Path, key: &KeyPair) -> Result<Published, CryptoError> {
    let pem = key.to_pkcs8_pem()?;
    let mut suffix = [0u8; 8];
    getrandom::getrandom(&mut suffix).map_err(|e| CryptoError::Randomness(e.to_string()))?;
    let tmp = TempFile(dir.join(format!(
        ".{SERVICE_KEY_FILE_NAME}.{}.tmp",
        base64url::encode(&suffix)
    )));

    // create_new + mode 0600 at open(2): the file never exists with wider
    // permissions (umask can only remove bits).
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp.0)
        .map_err(|e| io_error("cannot create", &tmp.0, &e))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("cannot write", &tmp.0, &e))?;
    drop(file);

    let outcome = match fs::hard_link(&tmp.0, path) {
        Ok(()) => Published::Created,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Published::AlreadyExisted,
        Err(_) => {
            if path.exists() {
                Published::AlreadyExisted
            } else {
                fs::rename(&tmp.0, path).map_err(|e| io_error("cannot publish", path, &e))?;
                Published::Created
            }
        }
    };
    drop(tmp);
    // Make the new directory entry durable before the key is used.
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("cannot fsync data directory", dir, &e))?;
    Ok(outcome)
}

/// Removes the temporary file on every exit path (after a successful rename
/// the removal fails harmlessly with `NotFound`).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

fn io_error(what: &str, path: &Path, e: &io::Error) -> CryptoError {
    CryptoError::KeyFile(format!("{what} {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::install_strict_eddsa_provider;

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn created_once_then_loaded() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data").join("keys");
        let (first, created) = ServiceKey::load_or_create(&dir).unwrap();
        assert!(created);
        assert_eq!(first.path(), dir.join(SERVICE_KEY_FILE_NAME));
        assert_eq!(mode_of(first.path()), 0o600);
        assert_eq!(mode_of(&dir), 0o700);
        // No temp files left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(SERVICE_KEY_FILE_NAME)]);

        let (second, created) = ServiceKey::load_or_create(&dir).unwrap();
        assert!(!created);
        assert_eq!(second.key_id(), first.key_id());
        assert_eq!(second.public_key(), first.public_key());
        assert_eq!(first.key_id(), first.public_key().key_id());

        let sig = second.sign(b"receipt");
        assert_eq!(first.public_key().verify(b"receipt", &sig), Ok(()));
        let pem = fs::read_to_string(first.path()).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn group_or_world_accessible_key_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (key, _) = ServiceKey::load_or_create(tmp.path()).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            fs::set_permissions(key.path(), fs::Permissions::from_mode(mode)).unwrap();
            let err = ServiceKey::load_or_create(tmp.path()).unwrap_err();
            let CryptoError::KeyFile(msg) = err else {
                panic!("unexpected error {err:?}");
            };
            assert!(msg.contains("refusing"), "{msg}");
            assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
        }
        // 0400 (read-only owner) is fine.
        fs::set_permissions(key.path(), fs::Permissions::from_mode(0o400)).unwrap();
        let (again, created) = ServiceKey::load_or_create(tmp.path()).unwrap();
        assert!(!created);
        assert_eq!(again.key_id(), key.key_id());
    }

    #[test]
    fn garbage_key_file_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(SERVICE_KEY_FILE_NAME);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .unwrap()
            .write_all(b"not a key")
            .unwrap();
        assert!(matches!(
            ServiceKey::load_or_create(tmp.path()),
            Err(CryptoError::KeyFile(_))
        ));
    }

    #[test]
    fn jwt_keys_round_trip() {
        install_strict_eddsa_provider().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let (key, _) = ServiceKey::load_or_create(tmp.path()).unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(key.key_id());
        let claims = serde_json::json!({ "sub": "inspector-1", "exp": 4_102_444_800u64 });
        let token = jsonwebtoken::encode(&header, &claims, &key.jwt_encoding_key()).unwrap();
        let data = jsonwebtoken::decode::<serde_json::Value>(
            &token,
            &key.jwt_decoding_key(),
            &jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA),
        )
        .unwrap();
        assert_eq!(data.claims, claims);
        assert_eq!(data.header.kid, Some(key.key_id()));
    }
}
