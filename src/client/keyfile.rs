//! Private key files. Two forms are read: PKCS#8 PEM (what `ewaybill keygen`
//! writes; `openssl pkey -in FILE -pubout` understands it) and a single line
//! holding the 32-byte seed in base64url (the demo fixtures).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::crypto::KeyPair;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path} holds no Ed25519 private key (expected PKCS#8 PEM or a base64url seed): {detail}"
    )]
    Format { path: String, detail: String },
    #[error("cannot write {path}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot create a key: {0}")]
    Generate(String),
}

pub fn read_key(path: &Path) -> Result<KeyPair, KeyFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| KeyFileError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let text = text.trim();
    let parsed = if text.starts_with("-----BEGIN") {
        KeyPair::from_pkcs8_pem(text)
    } else {
        KeyPair::from_seed_base64url(text)
    };
    parsed.map_err(|e| KeyFileError::Format {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// Writes a new key as PKCS#8 PEM, readable by its owner only. Refuses to
/// overwrite an existing file: losing a registered key is worse than an error.
pub fn write_new_key(path: &Path) -> Result<KeyPair, KeyFileError> {
    let key = KeyPair::generate().map_err(|e| KeyFileError::Generate(e.to_string()))?;
    let pem = key
        .to_pkcs8_pem()
        .map_err(|e| KeyFileError::Generate(e.to_string()))?;
    let write_err = |source| KeyFileError::Write {
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(write_err)?;
    file.write_all(pem.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn written_keys_are_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("me.pem");
        let key = write_new_key(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(read_key(&path).unwrap().public_key(), key.public_key());
        assert!(write_new_key(&path).is_err(), "never overwrites");
    }

    #[test]
    fn seed_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.seed");
        let key = KeyPair::generate().unwrap();
        std::fs::write(&path, format!("{}\n", &*key.seed_base64url())).unwrap();
        assert_eq!(read_key(&path).unwrap().public_key(), key.public_key());
        std::fs::write(&path, "nonsense").unwrap();
        assert!(matches!(read_key(&path), Err(KeyFileError::Format { .. })));
    }
}
