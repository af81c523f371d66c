//! A directory of signing keys: `index.json` plus one secret file per key.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::SECRET_LEN;
use crate::{Algorithm, KeyPair, PublicKey, SignError, key_id};

const INDEX_FILE: &str = "index.json";
const INDEX_TMP_FILE: &str = ".index.json.tmp";
const LOCK_FILE: &str = ".lock";
const INDEX_FORMAT: u32 = 1;
/// Longest secret file accepted: 64 hex digits, a line ending and some slack.
const SECRET_FILE_MAX: u64 = 256;

/// Whether a key may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStatus {
    /// The key that signs; at most one per store.
    Active,
    /// A rotated-out key: kept to verify what it signed, never signs again.
    Retired,
}

impl KeyStatus {
    /// `"active"` or `"retired"` (also the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Retired => "retired",
        }
    }
}

/// The public facts about a stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key id (same as `public.kid`).
    pub kid: String,
    /// The algorithm (same as `public.alg`).
    pub alg: Algorithm,
    /// Active or retired.
    pub status: KeyStatus,
    /// When the key was generated.
    pub created_at: DateTime<Utc>,
    /// When the key was retired, for retired keys.
    pub retired_at: Option<DateTime<Utc>>,
    /// The public key.
    pub public: PublicKey,
}

/// `index.json`.
#[derive(Serialize, Deserialize)]
struct IndexFile {
    format: u32,
    keys: Vec<IndexEntry>,
}

#[derive(Serialize, Deserialize)]
struct IndexEntry {
    kid: String,
    alg: Algorithm,
    status: KeyStatus,
    created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired_at: Option<DateTime<Utc>>,
    /// Hex of the public key bytes.
    public_key: String,
}

/// A directory-based key store. Private keys never leave it as bytes: no method returns secret
/// material, only [`KeyPair`]s that sign. See the crate docs for the file layout.
#[derive(Debug, Clone)]
pub struct FileKeyStore {
    dir: PathBuf,
}

/// A version stamp of a key store's index (see [`FileKeyStore::index_stamp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStamp {
    ino: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileKeyStore {
    /// Opens the store in `dir`, creating the directory (mode 0700 on Unix, parents included)
    /// if it is missing. An existing directory's mode is left alone. An existing `index.json`
    /// is read and checked, so a corrupt store fails here.
    pub fn open(dir: &Path) -> Result<Self, SignError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|source| SignError::Io {
            action: "create directory",
            path: dir.to_path_buf(),
            source,
        })?;
        let store = FileKeyStore {
            dir: dir.to_path_buf(),
        };
        store.load()?;
        Ok(store)
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Generates a key of `alg` and makes it active. Fails with [`SignError::ActiveKeyExists`]
    /// if the store already has an active key (of any algorithm): replace it with
    /// [`FileKeyStore::rotate`].
    pub fn generate(&self, alg: Algorithm) -> Result<KeyInfo, SignError> {
        let _lock = self.lock()?;
        let mut keys = self.load()?;
        if let Some(active) = keys.iter().find(|k| k.status == KeyStatus::Active) {
            return Err(SignError::ActiveKeyExists(active.kid.clone()));
        }
        let info = self.create_key(alg, &keys)?;
        keys.push(info.clone());
        self.save(&keys)?;
        Ok(info)
    }

    /// Generates a key of `alg` and makes it active; the previously active key, if any, becomes
    /// [`KeyStatus::Retired`]. Returns the new key and the retired one.
    pub fn rotate(&self, alg: Algorithm) -> Result<(KeyInfo, Option<KeyInfo>), SignError> {
        let _lock = self.lock()?;
        let mut keys = self.load()?;
        let new = self.create_key(alg, &keys)?;
        let retired = keys
            .iter_mut()
            .find(|k| k.status == KeyStatus::Active)
            .map(|k| {
                k.status = KeyStatus::Retired;
                k.retired_at = Some(Utc::now());
                k.clone()
            });
        keys.push(new.clone());
        self.save(&keys)?;
        Ok((new, retired))
    }

    /// Every key, active and retired, oldest first.
    pub fn list(&self) -> Result<Vec<KeyInfo>, SignError> {
        let mut keys = self.load()?;
        keys.sort_by_key(|k| k.created_at);
        Ok(keys)
    }

    /// Loads the active key for signing, or `None` if the store has none yet. The caller keeps
    /// the returned [`KeyPair`] in memory; it is checked against the public key in the index.
    pub fn active(&self) -> Result<Option<KeyPair>, SignError> {
        let keys = self.load()?;
        let Some(info) = keys.into_iter().find(|k| k.status == KeyStatus::Active) else {
            return Ok(None);
        };
        let secret = self.read_secret(&info.kid)?;
        let pair =
            KeyPair::from_secret(info.alg, &secret).map_err(|reason| SignError::SecretKey {
                kid: info.kid.clone(),
                reason,
            })?;
        if pair.public() != info.public {
            return Err(SignError::SecretKey {
                kid: info.kid,
                reason: format!(
                    "it belongs to another public key ({}) than the index says",
                    pair.kid()
                ),
            });
        }
        Ok(Some(pair))
    }

    /// The public keys of every key, active and retired, oldest first: what verifiers need.
    pub fn public_keys(&self) -> Result<Vec<PublicKey>, SignError> {
        Ok(self.list()?.into_iter().map(|k| k.public).collect())
    }

    /// The public key with this key id, active or retired ([`SignError::UnknownKeyId`] if none).
    pub fn public_key(&self, kid: &str) -> Result<PublicKey, SignError> {
        self.load()?
            .into_iter()
            .find(|k| k.kid == kid)
            .map(|k| k.public)
            .ok_or_else(|| SignError::UnknownKeyId(kid.to_owned()))
    }

    fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_FILE)
    }

    /// What identifies the current version of the index of the store in `dir` without reading
    /// it: the index is only ever replaced by a rename, so a change of the file (a rotation by
    /// another process) changes its inode and modification time. `None` if there is no index.
    pub fn index_stamp(dir: &Path) -> Option<IndexStamp> {
        let m = fs::metadata(dir.join(INDEX_FILE)).ok()?;
        #[cfg(unix)]
        let ino = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let ino = 0;
        Some(IndexStamp {
            ino,
            len: m.len(),
            modified: m.modified().ok(),
        })
    }

    fn secret_path(&self, kid: &str) -> PathBuf {
        self.dir.join(format!("{kid}.key"))
    }

    /// Takes the store's exclusive lock, released when the file is dropped.
    fn lock(&self) -> Result<File, SignError> {
        let path = self.dir.join(LOCK_FILE);
        let io_err = |action, source| SignError::Io {
            action,
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_err("open", e))?;
        file.lock().map_err(|e| io_err("lock", e))?;
        Ok(file)
    }

    /// Generates a key pair, writes its secret file and returns its (active) info.
    fn create_key(&self, alg: Algorithm, existing: &[KeyInfo]) -> Result<KeyInfo, SignError> {
        let pair = KeyPair::generate(alg)?;
        if existing.iter().any(|k| k.kid == pair.kid()) {
            return Err(SignError::KeyGeneration(
                "the new key's id collides with a stored key",
            ));
        }
        self.write_secret(pair.kid(), &pair)?;
        Ok(KeyInfo {
            kid: pair.kid().to_owned(),
            alg,
            status: KeyStatus::Active,
            created_at: Utc::now(),
            retired_at: None,
            public: pair.public(),
        })
    }

    fn write_secret(&self, kid: &str, pair: &KeyPair) -> Result<(), SignError> {
        let path = self.secret_path(kid);
        let io_err = |action, source| SignError::Io {
            action,
            path: path.clone(),
            source,
        };
        let mut content = Zeroizing::new(hex::encode(*pair.secret_bytes()));
        content.push('\n');
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(|e| io_err("create", e))?;
        file.write_all(content.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_err("write", e))
    }

    fn read_secret(&self, kid: &str) -> Result<Zeroizing<[u8; SECRET_LEN]>, SignError> {
        let path = self.secret_path(kid);
        let mut content = Zeroizing::new(String::new());
        File::open(&path)
            .and_then(|f| f.take(SECRET_FILE_MAX).read_to_string(&mut content))
            .map_err(|source| SignError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
        let mut secret = Zeroizing::new([0u8; SECRET_LEN]);
        hex::decode_to_slice(content.trim(), &mut *secret).map_err(|e| SignError::SecretKey {
            kid: kid.to_owned(),
            reason: format!(
                "{} does not hold {} hex digits: {e}",
                path.display(),
                SECRET_LEN * 2
            ),
        })?;
        Ok(secret)
    }

    /// Reads and checks the index; a missing index is an empty store.
    fn load(&self) -> Result<Vec<KeyInfo>, SignError> {
        let path = self.index_path();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(SignError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let corrupt = |reason: String| SignError::CorruptIndex {
            path: path.clone(),
            reason,
        };
        let index: IndexFile = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if index.format != INDEX_FORMAT {
            return Err(corrupt(format!(
                "unsupported format {} (this program reads {INDEX_FORMAT})",
                index.format
            )));
        }
        let mut keys: Vec<KeyInfo> = Vec::with_capacity(index.keys.len());
        for entry in index.keys {
            let kid = entry.kid;
            let bytes = hex::decode(&entry.public_key)
                .map_err(|e| corrupt(format!("key {kid}: public_key is not hex: {e}")))?;
            let public =
                PublicKey::new(entry.alg, bytes).map_err(|e| corrupt(format!("key {kid}: {e}")))?;
            if public.kid != kid {
                return Err(corrupt(format!(
                    "key {kid}: the public key's id is {} ({})",
                    public.kid,
                    key_id(entry.alg, &public.bytes)
                )));
            }
            if keys.iter().any(|k| k.kid == kid) {
                return Err(corrupt(format!("key {kid} is listed twice")));
            }
            match (entry.status, entry.retired_at) {
                (KeyStatus::Active, Some(_)) => {
                    return Err(corrupt(format!("key {kid} is active but has retired_at")));
                }
                (KeyStatus::Retired, None) => {
                    return Err(corrupt(format!("key {kid} is retired without retired_at")));
                }
                _ => {}
            }
            if entry.status == KeyStatus::Active
                && let Some(other) = keys.iter().find(|k| k.status == KeyStatus::Active)
            {
                return Err(corrupt(format!("two active keys, {} and {kid}", other.kid)));
            }
            keys.push(KeyInfo {
                kid,
                alg: entry.alg,
                status: entry.status,
                created_at: entry.created_at,
                retired_at: entry.retired_at,
                public,
            });
        }
        Ok(keys)
    }

    /// Replaces the index atomically: temporary file, fsync, rename, fsync of the directory.
    fn save(&self, keys: &[KeyInfo]) -> Result<(), SignError> {
        let index = IndexFile {
            format: INDEX_FORMAT,
            keys: keys
                .iter()
                .map(|k| IndexEntry {
                    kid: k.kid.clone(),
                    alg: k.alg,
                    status: k.status,
                    created_at: k.created_at,
                    retired_at: k.retired_at,
                    public_key: hex::encode(&k.public.bytes),
                })
                .collect(),
        };
        let mut text =
            serde_json::to_string_pretty(&index).map_err(|e| SignError::CorruptIndex {
                path: self.index_path(),
                reason: format!("cannot serialise: {e}"),
            })?;
        text.push('\n');

        let tmp = self.dir.join(INDEX_TMP_FILE);
        File::create(&tmp)
            .and_then(|mut f| {
                f.write_all(text.as_bytes())?;
                f.sync_all()
            })
            .map_err(|source| SignError::Io {
                action: "write",
                path: tmp.clone(),
                source,
            })?;
        let path = self.index_path();
        fs::rename(&tmp, &path).map_err(|source| SignError::Io {
            action: "replace",
            path,
            source,
        })?;
        #[cfg(unix)]
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| SignError::Io {
                action: "sync directory",
                path: self.dir.clone(),
                source,
            })?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FileKeyStore) {
        let tmp = tempfile::tempdir().unwrap();
        let store = FileKeyStore::open(&tmp.path().join("keys")).unwrap();
        (tmp, store)
    }

    /// The stamp a running server checks before every signature changes with every change of
    /// the index, however quickly one follows another, and not otherwise.
    #[test]
    fn index_stamp_changes_with_every_rotation() {
        let (tmp, store) = store();
        let dir = tmp.path().join("keys");
        assert_eq!(FileKeyStore::index_stamp(&dir), None);
        store.generate(Algorithm::Sm2Sm3).unwrap();
        let a = FileKeyStore::index_stamp(&dir).unwrap();
        assert_eq!(FileKeyStore::index_stamp(&dir), Some(a));
        store.rotate(Algorithm::Sm2Sm3).unwrap();
        let b = FileKeyStore::index_stamp(&dir).unwrap();
        assert_ne!(a, b);
        store.rotate(Algorithm::Sm2Sm3).unwrap();
        assert_ne!(FileKeyStore::index_stamp(&dir).unwrap(), b);
    }

    #[test]
    fn empty_store() {
        let (_tmp, store) = store();
        assert!(store.list().unwrap().is_empty());
        assert!(store.active().unwrap().is_none());
        assert!(store.public_keys().unwrap().is_empty());
        assert!(matches!(
            store.public_key("sm2-0000000000000000"),
            Err(SignError::UnknownKeyId(_))
        ));
    }

    #[test]
    fn generate_then_generate_again_fails() {
        for alg in Algorithm::ALL {
            let (_tmp, store) = store();
            let info = store.generate(alg).unwrap();
            assert_eq!(info.alg, alg);
            assert_eq!(info.status, KeyStatus::Active);
            assert_eq!(info.retired_at, None);
            assert_eq!(info.public.kid, info.kid);

            // Any algorithm: one active key per store.
            for again in Algorithm::ALL {
                let err = store.generate(again).unwrap_err();
                assert!(
                    matches!(&err, SignError::ActiveKeyExists(kid) if *kid == info.kid),
                    "{err}"
                );
                assert!(err.to_string().contains("use rotate"));
            }
            assert_eq!(store.list().unwrap(), vec![info.clone()]);

            let pair = store.active().unwrap().unwrap();
            assert_eq!(pair.kid(), info.kid);
            info.public.verify(b"x", &pair.sign(b"x")).unwrap();
            assert_eq!(store.public_key(&info.kid).unwrap(), info.public);
        }
    }

    #[test]
    fn rotate_retires_the_old_key() {
        let (_tmp, store) = store();
        let first = store.generate(Algorithm::Sm2Sm3).unwrap();
        let old_signer = store.active().unwrap().unwrap();
        let old_sig = old_signer.sign(b"licence 1");

        let (second, retired) = store.rotate(Algorithm::Ed25519).unwrap();
        let retired = retired.unwrap();
        assert_eq!(retired.kid, first.kid);
        assert_eq!(retired.status, KeyStatus::Retired);
        assert!(retired.retired_at.unwrap() >= first.created_at);
        assert_eq!(second.status, KeyStatus::Active);
        assert_eq!(second.alg, Algorithm::Ed25519);

        // The new key signs...
        let signer = store.active().unwrap().unwrap();
        assert_eq!(signer.kid(), second.kid);
        let new_sig = signer.sign(b"licence 2");
        store
            .public_key(&second.kid)
            .unwrap()
            .verify(b"licence 2", &new_sig)
            .unwrap();
        // ...and the old public key still verifies old signatures.
        let old_public = store.public_key(&first.kid).unwrap();
        old_public.verify(b"licence 1", &old_sig).unwrap();
        assert!(old_public.verify(b"licence 2", &new_sig).is_err());

        let list = store.list().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0], retired);
        assert_eq!(list[1], second);
        assert_eq!(
            store.public_keys().unwrap(),
            vec![first.public.clone(), second.public.clone()]
        );

        // A third rotation retires the second key; the first stays retired.
        let (third, retired) = store.rotate(Algorithm::Sm2Sm3).unwrap();
        assert_eq!(retired.unwrap().kid, second.kid);
        let statuses: Vec<_> = store.list().unwrap().iter().map(|k| k.status).collect();
        assert_eq!(
            statuses,
            [KeyStatus::Retired, KeyStatus::Retired, KeyStatus::Active]
        );
        assert_eq!(store.active().unwrap().unwrap().kid(), third.kid);
        assert!(matches!(
            store.generate(Algorithm::Sm2Sm3),
            Err(SignError::ActiveKeyExists(_))
        ));
    }

    #[test]
    fn rotate_on_an_empty_store_just_creates() {
        let (_tmp, store) = store();
        let (new, retired) = store.rotate(Algorithm::Sm2Sm3).unwrap();
        assert!(retired.is_none());
        assert_eq!(store.active().unwrap().unwrap().kid(), new.kid);
    }

    #[test]
    fn reopening_gives_the_same_keys() {
        let (tmp, store) = store();
        store.generate(Algorithm::Ed25519).unwrap();
        store.rotate(Algorithm::Sm2Sm3).unwrap();
        let before = store.list().unwrap();
        let signer = store.active().unwrap().unwrap();
        let sig = signer.sign(b"licence");
        drop(store);

        let reopened = FileKeyStore::open(&tmp.path().join("keys")).unwrap();
        assert_eq!(reopened.list().unwrap(), before);
        let again = reopened.active().unwrap().unwrap();
        assert_eq!(again.public(), signer.public());
        again.public().verify(b"licence", &sig).unwrap();
        signer
            .public()
            .verify(b"licence", &again.sign(b"licence"))
            .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn file_permissions() {
        use std::os::unix::fs::PermissionsExt as _;
        let (_tmp, store) = store();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        let a = store.generate(Algorithm::Sm2Sm3).unwrap();
        let (b, _) = store.rotate(Algorithm::Ed25519).unwrap();
        for kid in [&a.kid, &b.kid] {
            assert_eq!(mode(&store.secret_path(kid)), 0o600, "{kid}");
        }
        // Nothing but index, lock and the two secrets, and no temporary file left behind.
        let mut names: Vec<_> = fs::read_dir(store.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        let mut expected = vec![
            LOCK_FILE.to_owned(),
            INDEX_FILE.to_owned(),
            format!("{}.key", a.kid),
            format!("{}.key", b.kid),
        ];
        expected.sort();
        assert_eq!(names, expected);
    }

    #[test]
    fn secret_file_format() {
        let (_tmp, store) = store();
        let info = store.generate(Algorithm::Ed25519).unwrap();
        let text = fs::read_to_string(store.secret_path(&info.kid)).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.ends_with('\n'));
        let secret = store.active().unwrap().unwrap().secret_bytes();
        assert_eq!(text.trim(), hex::encode(*secret));
        // The index holds no secret.
        let index = fs::read_to_string(store.index_path()).unwrap();
        assert!(!index.contains(text.trim()));
    }

    #[test]
    fn corrupted_index_is_an_error_not_a_panic() {
        let (tmp, store) = store();
        let info = store.generate(Algorithm::Sm2Sm3).unwrap();
        let good = fs::read_to_string(store.index_path()).unwrap();

        let cases: Vec<String> = vec![
            "{ not json".into(),
            String::new(),
            "[]".into(),
            good.replace("\"format\": 1", "\"format\": 99"),
            good.replace(&info.kid, "sm2-0000000000000000"),
            good.replace("\"public_key\": \"04", "\"public_key\": \"zz"),
            good.replace("\"public_key\": \"04", "\"public_key\": \"05"),
            good.replace("\"active\"", "\"revoked\""),
            good.replace("\"SM2-SM3\"", "\"RSA\""),
            good.replace("\"active\"", "\"retired\""),
        ];
        for (i, bad) in cases.iter().enumerate() {
            fs::write(store.index_path(), bad).unwrap();
            let err = store.list().unwrap_err();
            assert!(
                matches!(err, SignError::CorruptIndex { .. }),
                "case {i}: {err}"
            );
            assert!(err.to_string().starts_with("key store: index "), "{err}");
            assert!(store.active().is_err(), "case {i}");
            assert!(store.generate(Algorithm::Sm2Sm3).is_err(), "case {i}");
            assert!(store.rotate(Algorithm::Sm2Sm3).is_err(), "case {i}");
            assert!(FileKeyStore::open(&tmp.path().join("keys")).is_err());
        }

        // Restored, everything works again.
        fs::write(store.index_path(), &good).unwrap();
        assert_eq!(store.list().unwrap(), vec![info]);
    }

    #[test]
    fn bad_secret_file_is_an_error() {
        let (_tmp, store) = store();
        let info = store.generate(Algorithm::Sm2Sm3).unwrap();
        let path = store.secret_path(&info.kid);

        fs::write(&path, "not hex\n").unwrap();
        assert!(matches!(store.active(), Err(SignError::SecretKey { .. })));

        fs::write(&path, format!("{}\n", "00".repeat(32))).unwrap();
        assert!(matches!(store.active(), Err(SignError::SecretKey { .. })));

        // A valid secret of another key.
        let other = KeyPair::generate(Algorithm::Sm2Sm3).unwrap();
        fs::write(&path, hex::encode(*other.secret_bytes())).unwrap();
        let err = store.active().unwrap_err();
        assert!(matches!(err, SignError::SecretKey { .. }), "{err}");

        fs::remove_file(&path).unwrap();
        let err = store.active().unwrap_err();
        assert!(matches!(err, SignError::Io { action: "read", .. }), "{err}");
        assert!(err.to_string().starts_with("key store: cannot read "));
    }

    #[test]
    fn open_refuses_a_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, "x").unwrap();
        assert!(matches!(
            FileKeyStore::open(&file),
            Err(SignError::Io { .. })
        ));
    }
}
