//! Object storage for uploaded and attached files (application materials, disclosure
//! attachments, reply letters): content-addressed by SHA-256, on local disk by default or in an
//! S3-compatible bucket (MinIO, Ceph RGW, cloud object storage) when configured.
//!
//! Objects are immutable and named by their SHA-256, so a write is idempotent and a read checks
//! that the bytes still hash to their name: an object altered in the store is refused, never
//! served. S3 requests are signed with AWS Signature Version 4 (`rusty-s3`, sans-IO) and sent
//! with the hyper client the server already builds on.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// Where an S3-compatible bucket is and how to sign for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// Endpoint, e.g. `http://10.0.0.5:9000`.
    pub endpoint: String,
    /// Bucket name.
    pub bucket: String,
    /// Region used in signatures (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Path-style URLs (`endpoint/bucket/key`, what MinIO and Ceph expect) instead of
    /// virtual-host style (`bucket.endpoint/key`).
    pub path_style: bool,
}

/// Why an object operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Configuration (bad endpoint, bucket name …).
    #[error("object store configuration: {0}")]
    Config(String),
    /// The store could not be reached or answered an error.
    #[error("object store: {0}")]
    Io(String),
    /// The stored bytes no longer hash to their name.
    #[error("object {0} is corrupt: its content does not match its SHA-256 name")]
    Corrupt(String),
}

/// The configured store.
#[derive(Clone)]
pub enum ObjectStore {
    /// A directory: `<dir>/<aa>/<sha256>`.
    Local(PathBuf),
    /// An S3-compatible bucket: objects `files/<aa>/<sha256>`.
    S3(Box<S3Store>),
}

/// An S3-compatible bucket with its credentials and an HTTP client.
#[derive(Clone)]
pub struct S3Store {
    bucket: Bucket,
    credentials: Credentials,
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectStore::Local(d) => write!(f, "Local({})", d.display()),
            ObjectStore::S3(s) => write!(f, "S3({})", s.bucket.name()),
        }
    }
}

/// Signed URLs live this long: one request.
const SIGN_FOR: Duration = Duration::from_secs(300);
/// One request's time limit.
const TIMEOUT: Duration = Duration::from_secs(60);

fn check_sha(sha: &str) -> bool {
    sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ObjectStore {
    /// The store for a configuration: S3 when given, else the local directory.
    pub fn new(files_dir: PathBuf, s3: Option<&S3Config>) -> Result<ObjectStore, ObjectError> {
        let Some(c) = s3 else {
            return Ok(ObjectStore::Local(files_dir));
        };
        if !c.endpoint.starts_with("http://") {
            return Err(ObjectError::Config(format!(
                "endpoint {} must be http:// (an https store is reached through a TLS gateway)",
                c.endpoint
            )));
        }
        let url = c
            .endpoint
            .parse()
            .map_err(|e| ObjectError::Config(format!("endpoint {}: {e}", c.endpoint)))?;
        let style = if c.path_style {
            UrlStyle::Path
        } else {
            UrlStyle::VirtualHost
        };
        let bucket = Bucket::new(url, style, c.bucket.clone(), c.region.clone())
            .map_err(|e| ObjectError::Config(format!("bucket {}: {e}", c.bucket)))?;
        let mut conn = HttpConnector::new();
        conn.set_connect_timeout(Some(Duration::from_secs(5)));
        Ok(ObjectStore::S3(Box::new(S3Store {
            bucket,
            credentials: Credentials::new(c.access_key.clone(), c.secret_key.clone()),
            client: HyperClient::builder(TokioExecutor::new()).build(conn),
        })))
    }

    /// Store bytes under their SHA-256 (returned). Idempotent; on disk the write is atomic
    /// (temporary file, fsync, rename), in a bucket a PUT is atomic by itself.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, ObjectError> {
        let sha = onewindow_storage::sha256_hex(bytes);
        match self {
            ObjectStore::Local(dir) => {
                let dir = dir.clone();
                let owned = bytes.to_vec();
                let sha2 = sha.clone();
                tokio::task::spawn_blocking(move || put_local(&dir, &sha2, &owned))
                    .await
                    .map_err(|e| ObjectError::Io(format!("write task: {e}")))??;
            }
            ObjectStore::S3(s) => {
                let key = s3_key(&sha);
                if !s.head(&key).await? {
                    s.put(&key, bytes).await?;
                }
            }
        }
        Ok(sha)
    }

    /// The bytes stored under a SHA-256, checked against it; `None` if there is no such object.
    pub async fn get(&self, sha: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        if !check_sha(sha) {
            return Ok(None);
        }
        let bytes = match self {
            ObjectStore::Local(dir) => {
                let path = dir.join(&sha[..2]).join(sha);
                match tokio::fs::read(&path).await {
                    Ok(b) => Some(b),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => return Err(ObjectError::Io(format!("{}: {e}", path.display()))),
                }
            }
            ObjectStore::S3(s) => s.get(&s3_key(sha)).await?,
        };
        match bytes {
            Some(b) if onewindow_storage::sha256_hex(&b) != sha.to_ascii_lowercase() => {
                Err(ObjectError::Corrupt(sha.to_string()))
            }
            b => Ok(b),
        }
    }

    /// Create the bucket if it does not exist (S3); the directory (local).
    pub async fn ensure_ready(&self) -> Result<(), ObjectError> {
        match self {
            ObjectStore::Local(dir) => std::fs::create_dir_all(dir)
                .map_err(|e| ObjectError::Io(format!("{}: {e}", dir.display()))),
            ObjectStore::S3(s) => s.ensure_bucket().await,
        }
    }
}

fn s3_key(sha: &str) -> String {
    format!("files/{}/{}", &sha[..2], sha.to_ascii_lowercase())
}

fn put_local(files_dir: &std::path::Path, sha: &str, bytes: &[u8]) -> Result<(), ObjectError> {
    let io = |e: std::io::Error| ObjectError::Io(e.to_string());
    let dir = files_dir.join(&sha[..2]);
    std::fs::create_dir_all(&dir).map_err(io)?;
    let path = dir.join(sha);
    if path.exists() {
        return Ok(());
    }
    // A temporary name of its own per write: two requests storing the same content at once must
    // not share one.
    let tmp = dir.join(format!(
        "{sha}.tmp{}.{}",
        std::process::id(),
        onewindow_storage::random_token(6).map_err(|e| ObjectError::Io(e.to_string()))?
    ));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    if let Err(e) = std::fs::rename(&tmp, &path) {
        let _ = std::fs::remove_file(&tmp);
        // Someone stored the same content meanwhile: that is the same file.
        if !path.exists() {
            return Err(io(e));
        }
    }
    Ok(())
}

impl S3Store {
    async fn send(
        &self,
        method: &str,
        url: url::Url,
        body: Option<&[u8]>,
    ) -> Result<(hyper::StatusCode, Bytes), ObjectError> {
        let mut b = hyper::Request::builder().method(method).uri(url.as_str());
        if method == "PUT" {
            // S3 wants a length even for an empty body (411 otherwise); hyper leaves it out.
            b = b.header("content-length", body.map_or(0, <[u8]>::len));
        }
        let req = b
            .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
            .map_err(|e| ObjectError::Io(format!("request: {e}")))?;
        let resp = tokio::time::timeout(TIMEOUT, self.client.request(req))
            .await
            .map_err(|_| ObjectError::Io("no answer within 60 s".into()))?
            .map_err(|e| ObjectError::Io(format!("unreachable: {e}")))?;
        let status = resp.status();
        let bytes = tokio::time::timeout(TIMEOUT, resp.into_body().collect())
            .await
            .map_err(|_| ObjectError::Io("body not read within 60 s".into()))?
            .map_err(|e| ObjectError::Io(format!("reading the answer: {e}")))?
            .to_bytes();
        Ok((status, bytes))
    }

    fn failed(what: &str, status: hyper::StatusCode, body: &Bytes) -> ObjectError {
        let text: String = String::from_utf8_lossy(body).chars().take(300).collect();
        ObjectError::Io(format!("{what}: HTTP {status}: {text}"))
    }

    async fn head(&self, key: &str) -> Result<bool, ObjectError> {
        let url = rusty_s3::actions::HeadObject::new(&self.bucket, Some(&self.credentials), key)
            .sign(SIGN_FOR);
        let (status, body) = self.send("HEAD", url, None).await?;
        match status.as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(Self::failed("HEAD", status, &body)),
        }
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), ObjectError> {
        let url = rusty_s3::actions::PutObject::new(&self.bucket, Some(&self.credentials), key)
            .sign(SIGN_FOR);
        let (status, body) = self.send("PUT", url, Some(bytes)).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(Self::failed("PUT", status, &body))
        }
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ObjectError> {
        let url = rusty_s3::actions::GetObject::new(&self.bucket, Some(&self.credentials), key)
            .sign(SIGN_FOR);
        let (status, body) = self.send("GET", url, None).await?;
        match status.as_u16() {
            200 => Ok(Some(body.to_vec())),
            404 => Ok(None),
            _ => Err(Self::failed("GET", status, &body)),
        }
    }

    async fn ensure_bucket(&self) -> Result<(), ObjectError> {
        let url = rusty_s3::actions::HeadBucket::new(&self.bucket, Some(&self.credentials))
            .sign(SIGN_FOR);
        let (status, body) = self.send("HEAD", url, None).await?;
        match status.as_u16() {
            200 => Ok(()),
            404 => {
                let url = rusty_s3::actions::CreateBucket::new(&self.bucket, &self.credentials)
                    .sign(SIGN_FOR);
                let (status, body) = self.send("PUT", url, None).await?;
                if status.is_success() || status.as_u16() == 409 {
                    Ok(())
                } else {
                    Err(Self::failed("create bucket", status, &body))
                }
            }
            _ => Err(Self::failed("HEAD bucket", status, &body)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// Several writers storing the same content at once all succeed with one file (seen as a
    /// race when parallel tests stored the same generated document).
    #[test]
    fn concurrent_stores_of_the_same_content_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"%PDF-1.4 the same content".to_vec();
        let sha = onewindow_storage::sha256_hex(&bytes);
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| s.spawn(|| super::put_local(dir.path(), &sha, &bytes).unwrap()))
                .collect();
            for h in hs {
                h.join().unwrap();
            }
        });
        let sub = dir.path().join(&sha[..2]);
        let names: Vec<_> = std::fs::read_dir(&sub).unwrap().collect();
        assert_eq!(names.len(), 1, "one file, no temporary left over");
        assert_eq!(std::fs::read(sub.join(&sha)).unwrap(), bytes);
    }
}
