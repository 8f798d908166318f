//! Secrets at rest: salted slow password hashes and random tokens.
//!
//! Passwords are kept as Argon2id PHC strings (RFC 9106, the `argon2` crate's defaults: 19 MiB,
//! two passes), so a stolen database does not give the passwords away cheaply. API tokens
//! are 32 random octets; only their SHA-256 is kept, since a token is long enough that a fast
//! hash cannot be searched.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// Why a secret could not be made.
#[derive(Debug)]
pub struct SecretError(String);

impl std::fmt::Display for SecretError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SecretError {}

/// `n` octets from the operating system's random source.
fn random<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| SecretError(format!("no randomness: {e}")))?;
    Ok(b)
}

/// The Argon2id hash of `password`, with a fresh random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let salt =
        SaltString::encode_b64(&random::<16>()?).map_err(|e| SecretError(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| SecretError(format!("cannot hash the password: {e}")))
}

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Refuses a password too short to be one, saying why.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    Ok(())
}

/// Whether `password` is the one `phc` was made from (false for a malformed hash).
pub fn verify_password(password: &[u8], phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password, &h)
            .is_ok()
    })
}

/// A new API token: `rc_` and 64 hex digits.
pub fn new_token() -> Result<String, SecretError> {
    Ok(format!("rc_{}", hex(&random::<32>()?)))
}

/// SHA-256 of `data`, lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_salts_differ() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password(b"correct horse", &a));
        assert!(!verify_password(b"correct horsE", &a));
        assert!(!verify_password(b"correct horse", "not a hash"));
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("short").is_err());
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 67);
        assert_ne!(t, new_token().unwrap());
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
