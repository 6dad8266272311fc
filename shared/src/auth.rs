//! Passwords (bcrypt) and bearer tokens (HS256 JWTs). No HTTP here: the extractor that reads the
//! `Authorization` header lives in `http`, the WebSocket `token` check in `realtime`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::domain::{Password, Timestamp, UserId};
use crate::error::{Error, Result};

/// bcrypt reads at most 72 bytes of its input and silently ignores the rest. Every password is
/// first reduced to a fixed 44-byte digest (base64 of SHA-256), so each of its bytes counts.
fn prehash(password: &Password) -> String {
    let digest = sha2::Sha256::digest(password.expose().as_bytes());
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash verified against when the user does not exist, so that an unknown user and a
    /// wrong password take the same time.
    dummy_hash: Arc<OnceLock<String>>,
}

impl PasswordHasher {
    pub fn new(cost: u32) -> Self {
        PasswordHasher {
            cost,
            dummy_hash: Arc::default(),
        }
    }

    /// Hashes on a blocking thread: bcrypt is slow on purpose.
    pub async fn hash(&self, password: &Password) -> Result<String> {
        let input = prehash(password);
        let cost = self.cost;
        tokio::task::spawn_blocking(move || bcrypt::non_truncating_hash(input, cost))
            .await
            .map_err(Error::internal)?
            .map_err(Error::internal)
    }

    /// True when `password` matches `stored_hash`; with `None` (no such user) it burns the same
    /// time and answers false.
    pub async fn verify(&self, password: &Password, stored_hash: Option<String>) -> Result<bool> {
        let input = prehash(password);
        let (hash, exists) = match stored_hash {
            Some(hash) => (hash, true),
            None => (self.dummy_hash().await?, false),
        };
        let matches =
            tokio::task::spawn_blocking(move || bcrypt::non_truncating_verify(input, &hash))
                .await
                .map_err(Error::internal)?
                .map_err(Error::internal)?;
        Ok(matches && exists)
    }

    async fn dummy_hash(&self) -> Result<String> {
        if let Some(hash) = self.dummy_hash.get() {
            return Ok(hash.clone());
        }
        let hash = self
            .hash(&Password::parse("not-a-real-password-only-for-timing")?)
            .await?;
        Ok(self.dummy_hash.get_or_init(|| hash).clone())
    }
}

/// The claims of docs/api.md: `sub` (user id as a string), `username`, `iat`, `exp`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub username: String,
    pub iat: i64,
    pub exp: i64,
}

/// Who a valid token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: UserId,
    pub username: String,
    /// When the token stops being valid: open sockets check it too.
    pub expires_at: crate::domain::Timestamp,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &secrecy::SecretString, ttl: Duration) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        // HS256 only: tokens with `alg: none` or any other algorithm fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        JwtKeys {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn issue(&self, user_id: UserId, username: &str) -> Result<String> {
        let now = Timestamp::now().unix_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            username: username.to_string(),
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(Error::internal)
    }

    /// Checks signature, algorithm and expiry. Every failure is the same 401 to the caller.
    pub fn verify(&self, token: &str) -> Result<AuthUser> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(error = %e, "rejected token");
                Error::Unauthorized("invalid or expired token")
            })?;
        let id = data
            .claims
            .sub
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or(Error::Unauthorized("invalid or expired token"))?;
        Ok(AuthUser {
            id: UserId(id),
            username: data.claims.username,
            expires_at: crate::domain::Timestamp::from_unix_secs(data.claims.exp),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(&"k".repeat(32).into(), Duration::from_secs(3600))
    }

    #[test]
    fn a_token_round_trips() {
        let keys = keys();
        let token = keys.issue(UserId(7), "alice").unwrap();
        let user = keys.verify(&token).unwrap();
        assert_eq!((user.id, user.username.as_str()), (UserId(7), "alice"));
    }

    #[test]
    fn tampered_foreign_none_and_expired_tokens_are_rejected() {
        let keys = keys();
        let token = keys.issue(UserId(7), "alice").unwrap();
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let forged = b64.encode(br#"{"sub":"1","username":"admin","iat":1,"exp":99999999999}"#);
        parts[1] = forged;
        assert!(keys.verify(&parts.join(".")).is_err(), "tampered payload");

        let other = JwtKeys::new(&"x".repeat(32).into(), Duration::from_secs(3600));
        assert!(
            keys.verify(&other.issue(UserId(7), "alice").unwrap())
                .is_err(),
            "other key"
        );

        let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = b64.encode(br#"{"sub":"7","username":"alice","iat":1,"exp":99999999999}"#);
        assert!(
            keys.verify(&format!("{none_header}.{payload}.")).is_err(),
            "alg none"
        );

        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &Claims {
                sub: "7".into(),
                username: "alice".into(),
                iat: 1,
                exp: 99_999_999_999,
            },
            &EncodingKey::from_secret("k".repeat(32).as_bytes()),
        )
        .unwrap();
        assert!(keys.verify(&hs512).is_err(), "HS512 with the right key");

        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "7".into(),
                username: "alice".into(),
                iat: 1,
                exp: 1000,
            },
            &EncodingKey::from_secret("k".repeat(32).as_bytes()),
        )
        .unwrap();
        assert!(keys.verify(&expired).is_err(), "expired");
        assert!(keys.verify("not.a.jwt").is_err());
    }

    #[tokio::test]
    async fn bytes_beyond_72_still_count() {
        let hasher = PasswordHasher::new(4);
        let long = "a".repeat(80);
        let hash = hasher.hash(&Password::parse(&long).unwrap()).await.unwrap();
        let same_prefix = format!("{}b", "a".repeat(79));
        assert!(
            hasher
                .verify(&Password::parse(&long).unwrap(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&Password::parse(&same_prefix).unwrap(), Some(hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&Password::parse(&long).unwrap(), None)
                .await
                .unwrap()
        );
    }
}
