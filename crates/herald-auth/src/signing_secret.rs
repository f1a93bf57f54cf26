//! The JWT signing secret kept in the data dir when `HERALD_JWT_SECRET` is not given: created
//! on first run with 256 random bits, readable by its owner only.

use std::io::Write;
use std::path::Path;

/// The file in the data dir. Each line is a secret: the first signs, the others (previous
/// secrets during a rotation) are still accepted.
pub const SECRET_FILE: &str = "jwt-secret";

/// The secrets in `<data_dir>/jwt-secret`, creating the file (mode 0600) if missing.
pub fn load_or_create_secret(data_dir: &Path) -> std::io::Result<Vec<Vec<u8>>> {
    let path = data_dir.join(SECRET_FILE);
    if !path.exists() {
        std::fs::create_dir_all(data_dir)?;
        // Written whole under a name of its own, then linked into place: a server starting at
        // the same moment on the same folder sees either no file or a complete one.
        let draft = data_dir.join(format!("{SECRET_FILE}.{}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = options.open(&draft).and_then(|mut file| {
            writeln!(file, "{}", crate::secret::random_token(""))?;
            file.sync_all()
        });
        let linked = written.and_then(|()| std::fs::hard_link(&draft, &path));
        let _ = std::fs::remove_file(&draft);
        match linked {
            Ok(()) => {}
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    let text = std::fs::read_to_string(&path)?;
    let secrets: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| line.as_bytes().to_vec())
        .collect();
    if secrets.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} holds no secret", path.display()),
        ));
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_private_and_stable() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let first = load_or_create_secret(dir.path())?;
        assert_eq!(first.len(), 1);
        assert!(first[0].len() >= 32);
        assert_eq!(load_or_create_secret(dir.path())?, first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))?
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }
}
