//! Who may get in: the device registry, operator accounts and their API tokens, and the
//! audit log of every change an operator makes (issue 14).
//!
//! Kept in the same database as the rest, on a connection of its own: the command line
//! (`roadcloud devices`, `roadcloud users`, `roadcloud pki`) writes it while `serve` runs, and
//! `serve` reloads the registry when [`Registry::devices_version`] changes. Each change is
//! its own committed transaction, so what a command reported done survives a crash.

use crate::{Context, Millis, Result, open_connection};
use roadcloud_access::device::{format_messages, parse_messages};
use roadcloud_access::{Device, Identity, Operator, Role};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS devices (
    class TEXT NOT NULL,
    id TEXT NOT NULL,
    may_send TEXT NOT NULL,
    lat REAL,
    lon REAL,
    enabled INTEGER NOT NULL,
    password_hash TEXT,
    certificate_sha256 TEXT,
    -- A sequence number: the registry's version is the highest.
    version INTEGER NOT NULL,
    PRIMARY KEY (class, id)
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    password_hash TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    sha256 TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT
);
";

/// One change an operator made.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Its sequence number.
    pub seq: i64,
    /// When, ms since the epoch.
    pub at: Millis,
    /// Who: the user name, or `cli` for the command line on the server.
    pub actor: String,
    /// From where: the client's address, or `cli`.
    pub source: String,
    /// What was done, e.g. `app.switch`, `app.configure`, `device.disable`, `user.add`.
    pub action: String,
    /// On what, e.g. `FCW` or `obu:5a1f3c7e00a1b2c3`.
    pub target: String,
    /// The change itself, e.g. `{"enabled":false}`.
    pub detail: Option<String>,
}

/// The registry's tables.
pub struct Registry {
    conn: Mutex<Connection>,
}

fn now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Device>> {
    let class: String = r.get(0)?;
    let id: String = r.get(1)?;
    let Ok(identity) = format!("{class}:{id}").parse::<Identity>() else {
        return Ok(None);
    };
    let may_send: String = r.get(2)?;
    let lat: Option<f64> = r.get(3)?;
    let lon: Option<f64> = r.get(4)?;
    Ok(Some(Device {
        identity,
        may_send: parse_messages(&may_send).unwrap_or_default(),
        position: lat.zip(lon),
        enabled: r.get::<_, i64>(5)? != 0,
        password_hash: r.get(6)?,
        certificate_sha256: r.get(7)?,
    }))
}

impl Registry {
    /// Opens the registry in `dir`'s database (creating its tables).
    pub fn open(dir: &Path) -> Result<Registry> {
        std::fs::create_dir_all(dir).map_err(|e| crate::Error {
            context: format!("cannot create the data directory {}", dir.display()),
            source: Box::new(e),
        })?;
        let conn = open_connection(&dir.join("roadcloud.db"))?;
        conn.execute_batch(SCHEMA)
            .context("cannot create the registry's tables")?;
        Ok(Registry {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(&self, what: &str, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let c = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&c).context(what.to_string())
    }

    /// Adds `device`, or replaces the entry of its identity.
    pub fn put_device(&self, d: &Device) -> Result<()> {
        self.with("cannot store the device", |c| {
            c.execute(
                "INSERT OR REPLACE INTO devices
                 (class, id, may_send, lat, lon, enabled, password_hash, certificate_sha256, version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                         (SELECT COALESCE(MAX(version), 0) + 1 FROM devices))",
                params![
                    d.identity.class.as_str(),
                    d.identity.id.to_string(),
                    format_messages(&d.may_send),
                    d.position.map(|p| p.0),
                    d.position.map(|p| p.1),
                    d.enabled as i64,
                    d.password_hash,
                    d.certificate_sha256,
                ],
            )
            .map(|_| ())
        })
    }

    /// The entry of `identity`, if registered.
    pub fn device(&self, identity: &Identity) -> Result<Option<Device>> {
        self.with("cannot read the device", |c| {
            c.query_row(
                "SELECT class, id, may_send, lat, lon, enabled, password_hash, certificate_sha256
                 FROM devices WHERE class = ?1 AND id = ?2",
                params![identity.class.as_str(), identity.id.to_string()],
                device_from_row,
            )
            .optional()
            .map(Option::flatten)
        })
    }

    /// Every registered device, by class and id.
    pub fn devices(&self) -> Result<Vec<Device>> {
        self.with("cannot read the devices", |c| {
            let mut s = c.prepare(
                "SELECT class, id, may_send, lat, lon, enabled, password_hash, certificate_sha256
                 FROM devices ORDER BY class, id",
            )?;
            let rows = s.query_map([], device_from_row)?;
            rows.filter_map(|r| r.transpose()).collect()
        })
    }

    /// Changes with every change to the devices (for `serve` to reload them).
    pub fn devices_version(&self) -> Result<i64> {
        self.with("cannot read the registry's version", |c| {
            c.query_row("SELECT COALESCE(MAX(version), 0) FROM devices", [], |r| {
                r.get(0)
            })
        })
    }

    /// Adds a user (or replaces the user of that name).
    pub fn put_user(&self, name: &str, role: Role, password_hash: Option<&str>) -> Result<()> {
        self.with("cannot store the user", |c| {
            c.execute(
                "INSERT OR REPLACE INTO users (name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), password_hash, now()],
            )
            .map(|_| ())
        })
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<Operator>> {
        self.with("cannot read the users", |c| {
            let mut s = c.prepare("SELECT name, role FROM users ORDER BY name")?;
            let rows = s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            Ok(rows
                .filter_map(|r| r.ok())
                .filter_map(|(name, role)| {
                    Some(Operator {
                        name,
                        role: role.parse().ok()?,
                    })
                })
                .collect())
        })
    }

    /// A user's role and password hash, if the user exists.
    pub fn user_password(&self, name: &str) -> Result<Option<(Operator, Option<String>)>> {
        self.with("cannot read the user", |c| {
            c.query_row(
                "SELECT name, role, password_hash FROM users WHERE name = ?1",
                params![name],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
            )
            .optional()
        })
        .map(|row| {
            row.and_then(|(name, role, hash)| {
                Some((
                    Operator {
                        name,
                        role: role.parse().ok()?,
                    },
                    hash,
                ))
            })
        })
    }

    /// Keeps a token (its SHA-256) for `user`.
    pub fn add_token(&self, user: &str, sha256: &str) -> Result<()> {
        self.with("cannot store the token", |c| {
            c.execute(
                "INSERT INTO tokens (sha256, user, created_at) VALUES (?1, ?2, ?3)",
                params![sha256, user, now()],
            )
            .map(|_| ())
        })
    }

    /// The user a token (its SHA-256) belongs to, if the token and the user exist.
    pub fn user_by_token(&self, sha256: &str) -> Result<Option<Operator>> {
        self.with("cannot read the token", |c| {
            c.query_row(
                "SELECT u.name, u.role FROM tokens t JOIN users u ON u.name = t.user
                 WHERE t.sha256 = ?1",
                params![sha256],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
        })
        .map(|row| {
            row.and_then(|(name, role)| {
                Some(Operator {
                    name,
                    role: role.parse().ok()?,
                })
            })
        })
    }

    /// Removes a user and every token of it; whether there was such a user.
    pub fn remove_user(&self, name: &str) -> Result<bool> {
        let mut c = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = c.transaction().context("cannot remove the user")?;
        tx.execute("DELETE FROM tokens WHERE user = ?1", params![name])
            .context("cannot remove the user's tokens")?;
        let removed = tx
            .execute("DELETE FROM users WHERE name = ?1", params![name])
            .context("cannot remove the user")?;
        tx.commit().context("cannot remove the user")?;
        Ok(removed > 0)
    }

    /// Forgets every token of `user` (its scripts and web logins must log in again); how
    /// many there were.
    pub fn remove_tokens(&self, user: &str) -> Result<usize> {
        self.with("cannot remove the tokens", |c| {
            c.execute("DELETE FROM tokens WHERE user = ?1", params![user])
        })
    }

    /// How many tokens `user` has.
    pub fn token_count(&self, user: &str) -> Result<u64> {
        self.with("cannot count the tokens", |c| {
            c.query_row(
                "SELECT COUNT(*) FROM tokens WHERE user = ?1",
                params![user],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
        })
    }

    /// Appends to the audit log; its sequence number.
    pub fn audit(
        &self,
        actor: &str,
        source: &str,
        action: &str,
        target: &str,
        detail: Option<&str>,
    ) -> Result<i64> {
        self.with("cannot write the audit log", |c| {
            c.execute(
                "INSERT INTO audit (at, actor, source, action, target, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![now(), actor, source, action, target, detail],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// The latest `limit` audit entries, newest first, from `after` (a sequence number).
    pub fn audit_log(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        self.with("cannot read the audit log", |c| {
            let mut s = c.prepare(
                "SELECT seq, at, actor, source, action, target, detail FROM audit
                 WHERE seq > ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = s.query_map(params![after, limit], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    source: r.get(3)?,
                    action: r.get(4)?,
                    target: r.get(5)?,
                    detail: r.get(6)?,
                })
            })?;
            rows.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_users_tokens_and_audit_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let r = Registry::open(dir.path()).unwrap();
            let mut d = Device::new("rsu:0000000000000002".parse().unwrap());
            d.position = Some((31.28, 121.16));
            d.password_hash = Some("$argon2id$x".into());
            r.put_device(&d).unwrap();
            let v1 = r.devices_version().unwrap();
            d.enabled = false;
            r.put_device(&d).unwrap();
            assert!(r.devices_version().unwrap() > v1);
            r.put_user("ana", Role::Operator, None).unwrap();
            r.add_token("ana", "ab").unwrap();
            r.audit(
                "ana",
                "127.0.0.1",
                "app.switch",
                "FCW",
                Some("{\"enabled\":false}"),
            )
            .unwrap();
        }
        let r = Registry::open(dir.path()).unwrap();
        let ds = r.devices().unwrap();
        assert_eq!(ds.len(), 1);
        assert!(!ds[0].enabled);
        assert_eq!(ds[0].position, Some((31.28, 121.16)));
        assert_eq!(ds[0], r.device(&ds[0].identity).unwrap().unwrap());
        assert_eq!(
            r.user_by_token("ab").unwrap(),
            Some(Operator {
                name: "ana".into(),
                role: Role::Operator
            })
        );
        assert_eq!(r.user_by_token("cd").unwrap(), None);
        r.add_token("ana", "ef").unwrap();
        assert_eq!(r.token_count("ana").unwrap(), 2);
        assert_eq!(r.remove_tokens("ana").unwrap(), 2);
        assert_eq!(r.user_by_token("ab").unwrap(), None);
        r.add_token("ana", "ab").unwrap();
        assert!(r.remove_user("ana").unwrap());
        assert!(!r.remove_user("ana").unwrap());
        assert_eq!(r.user_by_token("ab").unwrap(), None);
        assert_eq!(r.token_count("ana").unwrap(), 0);
        assert!(r.users().unwrap().is_empty());
        let log = r.audit_log(0, 10).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(
            (log[0].actor.as_str(), log[0].target.as_str()),
            ("ana", "FCW")
        );
    }
}
