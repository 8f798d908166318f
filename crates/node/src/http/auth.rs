//! Operator authentication for the HTTP API and the web map (issue 14, item 4).
//!
//! When the API is served over TLS (`--pki` or the `--tls-*` files), every request but the
//! web map's page and assets and the login itself carries a token: `Authorization: Bearer
//! TOKEN` (scripts; `roadcloud users add` prints one), or the `roadcloud_token` cookie the
//! login sets (the web map and its WebSocket). Reading needs `viewer`, any change `operator`,
//! the registry `admin`. Without TLS (loopback, or `--insecure`) nobody is asked.

use crate::http::ApiState;
use axum::Json;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use roadcloud_access::secret::{new_token, sha256_hex, verify_password};
use roadcloud_access::{Operator, Role};
use roadcloud_api::ApiError as ErrorBody;
use roadcloud_api::access::{LoggedIn, Login, WhoAmI};
use std::net::SocketAddr;

/// The client's address, as the server accepted the connection.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, tokio::net::TcpListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, roadcloud_tls::TlsListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, roadcloud_tls::TlsListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// Who made a request: the operator (when logins are required) and from where. Handlers
/// that change something write it to the audit log.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The operator, or `None` where nobody is asked to log in.
    pub operator: Option<Operator>,
    /// The client's address.
    pub source: String,
}

impl Caller {
    /// The name the audit log gives the caller.
    pub fn name(&self) -> &str {
        self.operator
            .as_ref()
            .map_or("anonymous", |o| o.name.as_str())
    }
}

/// Failed logins per client address: after [`LoginThrottle::MAX_FAILURES`] within
/// [`LoginThrottle::WINDOW`], the address is refused (HTTP 429) until the window has passed,
/// so guessing a password costs far more than Argon2 alone makes it.
#[derive(Default)]
pub struct LoginThrottle {
    failures:
        std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, (u32, std::time::Instant)>>,
}

impl LoginThrottle {
    /// Failures allowed within the window.
    pub const MAX_FAILURES: u32 = 5;
    /// How long failures are remembered.
    pub const WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

    fn with<T>(
        &self,
        f: impl FnOnce(&mut std::collections::HashMap<std::net::IpAddr, (u32, std::time::Instant)>) -> T,
    ) -> T {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Forget what is past the window, so the table stays as small as the recent attempts.
        if m.len() > 1_024 {
            m.retain(|_, (_, since)| since.elapsed() < Self::WINDOW);
        }
        f(&mut m)
    }

    fn blocked(&self, ip: std::net::IpAddr) -> bool {
        self.with(|m| {
            m.get(&ip).is_some_and(|(n, since)| {
                *n >= Self::MAX_FAILURES && since.elapsed() < Self::WINDOW
            })
        })
    }

    fn failed(&self, ip: std::net::IpAddr) {
        self.with(|m| {
            let e = m.entry(ip).or_insert((0, std::time::Instant::now()));
            if e.1.elapsed() >= Self::WINDOW {
                *e = (0, std::time::Instant::now());
            }
            e.0 += 1;
        });
    }

    fn succeeded(&self, ip: std::net::IpAddr) {
        self.with(|m| m.remove(&ip));
    }
}

/// The cookie the web map's login sets.
pub(crate) const COOKIE: &str = "roadcloud_token";

fn public(path: &str) -> bool {
    path == "/" || path.starts_with("/assets/") || path == "/api/v1/login"
}

/// The role a request needs.
fn needed(method: &Method, path: &str) -> Role {
    if path.starts_with("/api/v1/registry") || path == "/api/v1/v2x/crl" {
        Role::Admin
    } else if method == Method::GET || method == Method::HEAD {
        Role::Viewer
    } else {
        Role::Operator
    }
}

fn token(req: &Request) -> Option<String> {
    let h = req.headers();
    if let Some(b) = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(b.trim().to_string());
    }
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.to_string(),
        }),
    )
        .into_response()
}

/// The middleware: finds the caller, refuses what the caller may not do.
pub async fn layer(
    State(state): State<ApiState>,
    ConnectInfo(ClientAddr(addr)): ConnectInfo<ClientAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let source = addr.ip().to_string();
    if !state.auth_required || public(req.uri().path()) {
        req.extensions_mut().insert(Caller {
            operator: None,
            source,
        });
        return next.run(req).await;
    }
    let Some(token) = token(&req) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "log in first: send Authorization: Bearer TOKEN (`roadcloud users add` prints one), \
             or log in on the web map",
        );
    };
    let operator = match state.registry.user_by_token(&sha256_hex(token.as_bytes())) {
        Ok(Some(o)) => o,
        Ok(None) => return refuse(StatusCode::UNAUTHORIZED, "unknown token: log in again"),
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let need = needed(req.method(), req.uri().path());
    if !operator.role.allows(need) {
        return refuse(
            StatusCode::FORBIDDEN,
            &format!(
                "{} is a {} and this needs {need}: ask an admin (roadcloud users add --role {need})",
                operator.name, operator.role
            ),
        );
    }
    req.extensions_mut().insert(Caller {
        operator: Some(operator),
        source,
    });
    next.run(req).await
}

/// Logs in with a user name and password, for the web map: answers with a token, also set
/// as the HttpOnly cookie `roadcloud_token`, which the map's requests and WebSocket carry.
/// Only meaningful when logins are required (`serve --pki`); five failures from one
/// address within a minute block it for the rest of the minute.
#[utoipa::path(post, path = "/api/v1/login", tag = "access", security(()),
    request_body = Login,
    responses(
        (status = 200, description = "logged in: the token", body = LoggedIn),
        (status = 401, description = "wrong user name or password", body = ErrorBody),
        (status = 429, description = "too many failed logins from this address", body = ErrorBody),
    ))]
pub async fn login(
    State(state): State<ApiState>,
    ConnectInfo(ClientAddr(addr)): ConnectInfo<ClientAddr>,
    Json(login): Json<Login>,
) -> Response {
    if state.logins.blocked(addr.ip()) {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "too many failed logins from this address: wait a minute",
        );
    }
    let registry = state.registry.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let (operator, hash) = registry.user_password(&login.name).ok()??;
        verify_password(login.password.as_bytes(), hash.as_deref()?).then_some(operator)
    })
    .await
    .ok()
    .flatten();
    let Some(operator) = checked else {
        state.logins.failed(addr.ip());
        return refuse(StatusCode::UNAUTHORIZED, "wrong user name or password");
    };
    state.logins.succeeded(addr.ip());
    let token = match new_token() {
        Ok(t) => t,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let stored = state
        .registry
        .add_token(&operator.name, &sha256_hex(token.as_bytes()))
        .and_then(|_| {
            state.registry.audit(
                &operator.name,
                &addr.ip().to_string(),
                "user.login",
                &operator.name,
                None,
            )
        });
    if let Err(e) = stored {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict");
    (
        [(header::SET_COOKIE, cookie)],
        Json(LoggedIn {
            name: operator.name,
            role: operator.role.to_string(),
            token,
        }),
    )
        .into_response()
}

/// Who the caller is, and whether logins are required.
#[utoipa::path(get, path = "/api/v1/whoami", tag = "access",
    responses(
        (status = 200, description = "the caller", body = WhoAmI),
        (status = 401, description = "not logged in", body = ErrorBody),
    ))]
pub async fn whoami(
    State(state): State<ApiState>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> Json<WhoAmI> {
    Json(WhoAmI {
        login_required: state.auth_required,
        name: caller.operator.as_ref().map(|o| o.name.clone()),
        role: caller.operator.as_ref().map(|o| o.role.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_per_route() {
        assert_eq!(needed(&Method::GET, "/api/v1/participants"), Role::Viewer);
        assert_eq!(needed(&Method::PUT, "/api/v1/apps/FCW"), Role::Operator);
        assert_eq!(
            needed(&Method::GET, "/api/v1/registry/devices"),
            Role::Admin
        );
        assert!(public("/assets/app.js"));
        assert!(!public("/api/v1/apps"));
        assert!(!public("/metrics"));
    }
}
