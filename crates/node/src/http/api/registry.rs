//! `/api/v1/registry/...` (admin only, see `auth::needed`): the devices that may connect and
//! the operators that may log in, each change written to the audit log. What the command
//! line (`roadcloud devices`, `roadcloud users`) does, for an admin without a shell on the
//! server.

use super::{ApiError, internal, record_change};
use crate::http::ApiState;
use crate::http::auth::Caller;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use roadcloud_access::operator::check_user_name;
use roadcloud_access::secret::{
    MIN_PASSWORD_CHARS, check_password, hash_password, new_token, sha256_hex,
};
use roadcloud_access::{Device, Identity, Role};
use roadcloud_api::ApiError as ErrorBody;
use roadcloud_api::access::{
    DeviceChange, NewToken, Position, RegisteredDevice, RegisteredDeviceList, TokensRemoved, User,
    UserChange, UserList, UserRemoved,
};
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The registry's routes, with their OpenAPI descriptions.
pub(super) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(devices))
        .routes(routes!(put_device))
        .routes(routes!(users))
        .routes(routes!(put_user, remove_user))
        .routes(routes!(new_user_token, remove_user_tokens))
}

fn bad(e: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, e.into())
}

/// The body as a JSON object whose keys are all among `keys`.
fn object(body: &[u8], keys: &[&str]) -> Result<Map<String, Value>, ApiError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body must be JSON: {e}")))?;
    let Value::Object(o) = v else {
        return Err(bad("the body must be a JSON object"));
    };
    if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(bad(format!("unknown key {k}: give {}", keys.join(", "))));
    }
    Ok(o)
}

/// What a body's `password` asks: `None` to keep the password, `Some(None)` to remove it,
/// `Some(Some(hash))` for a new one (hashed off the async threads: Argon2 takes tens of
/// milliseconds of a core).
async fn password_change(o: &Map<String, Value>) -> Result<Option<Option<String>>, ApiError> {
    match o.get("password") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(p)) => {
            check_password(p).map_err(bad)?;
            let p = p.clone();
            let hash = tokio::task::spawn_blocking(move || hash_password(&p))
                .await
                .map_err(internal)?
                .map_err(internal)?;
            Ok(Some(Some(hash)))
        }
        Some(x) => Err(bad(format!(
            "password must be a string of at least {MIN_PASSWORD_CHARS} characters, or null to remove it, not {x}"
        ))),
    }
}

/// How an audit entry describes a password change (never the password).
fn password_detail(change: &Option<Option<String>>) -> &'static str {
    match change {
        None => "kept",
        Some(None) => "removed",
        Some(Some(_)) => "set",
    }
}

/// Registers a device or changes one (admin); each key of the body optional, null
/// removes the position or the password (the device's MQTT password, its user name being
/// `KIND:ID`, kept as an Argon2id hash). Certificates are issued from the command line
/// (`roadcloud pki issue`). The MQTT front end picks the change up within two seconds: a
/// disabled device, and a connection made with a password since changed, is disconnected.
/// Audited as `device.put` (a password as set or removed, never its value).
#[utoipa::path(put, path = "/api/v1/registry/devices/{identity}", tag = "access",
    params(("identity" = String, Path, description = "KIND:ID, e.g. obu:5a1f3c7e00a1b2c3.")),
    request_body = DeviceChange,
    responses(
        (status = 200, description = "the device as it now stands", body = RegisteredDevice),
        (status = 400, description = "a malformed identity or body", body = ErrorBody),
    ))]
async fn put_device(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(identity): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<RegisteredDevice>, ApiError> {
    let identity: Identity = identity.parse().map_err(bad)?;
    let o = object(&body, &["enabled", "may_send", "position", "password"])?;
    let mut d = state
        .registry
        .device(&identity)
        .map_err(internal)?
        .unwrap_or_else(|| Device::new(identity));
    match o.get("enabled") {
        None => {}
        Some(Value::Bool(b)) => d.enabled = *b,
        Some(x) => return Err(bad(format!("enabled must be true or false, not {x}"))),
    }
    if let Some(m) = o.get("may_send") {
        let list = m
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or_else(|| bad("may_send must be a list of message types, e.g. [\"BSM\"]"))?;
        d.may_send = roadcloud_access::device::parse_messages(&list.join(",")).map_err(bad)?;
    }
    match o.get("position") {
        None => {}
        Some(Value::Null) => d.position = None,
        Some(p) => match (p["lat"].as_f64(), p["lon"].as_f64()) {
            (Some(lat), Some(lon)) if lat.abs() <= 90.0 && lon.abs() <= 180.0 => {
                d.position = Some((lat, lon))
            }
            _ => return Err(bad("position must be {\"lat\": degrees, \"lon\": degrees}")),
        },
    }
    let password = password_change(&o).await?;
    if let Some(hash) = &password {
        d.password_hash = hash.clone();
    }
    state.registry.put_device(&d).map_err(internal)?;
    let mut detail = o;
    if detail.contains_key("password") {
        detail.insert("password".into(), password_detail(&password).into());
    }
    record_change(
        &state,
        &caller,
        "device.put",
        &identity.to_string(),
        Some(&Value::Object(detail).to_string()),
    )?;
    Ok(Json(registered(&d)))
}

/// A device as the API shows it: never its password hash.
fn registered(d: &Device) -> RegisteredDevice {
    RegisteredDevice {
        identity: d.identity.to_string(),
        kind: d.identity.class.to_string(),
        id: d.identity.id.to_string(),
        may_send: d.may_send.iter().map(|m| m.as_str().to_string()).collect(),
        position: d.position.map(|(lat, lon)| Position { lat, lon }),
        enabled: d.enabled,
        password: d.password_hash.is_some(),
        certificate_sha256: d.certificate_sha256.clone(),
    }
}

/// The device registry (admin): each registered device, without secrets.
#[utoipa::path(get, path = "/api/v1/registry/devices", tag = "access",
    responses((status = 200, description = "the registered devices", body = RegisteredDeviceList)))]
async fn devices(State(state): State<ApiState>) -> Result<Json<RegisteredDeviceList>, ApiError> {
    let devices: Vec<RegisteredDevice> = state
        .registry
        .devices()
        .map_err(internal)?
        .iter()
        .map(registered)
        .collect();
    Ok(Json(RegisteredDeviceList {
        count: devices.len(),
        devices,
    }))
}

/// A user as the API shows it: never the password hash or a token.
fn user(state: &ApiState, name: &str) -> Result<User, ApiError> {
    let (operator, hash) = state
        .registry
        .user_password(name)
        .map_err(internal)?
        .ok_or_else(|| no_user(name))?;
    Ok(User {
        name: operator.name,
        role: operator.role.to_string(),
        password: hash.is_some(),
        tokens: state.registry.token_count(name).map_err(internal)?,
    })
}

/// Refuses (404) a request about a user that does not exist.
fn must_exist(state: &ApiState, name: &str) -> Result<(), ApiError> {
    match state.registry.user_password(name).map_err(internal)? {
        Some(_) => Ok(()),
        None => Err(no_user(name)),
    }
}

fn no_user(name: &str) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        format!("there is no user {name}: GET /api/v1/registry/users lists them"),
    )
}

/// The operators (admin): each user, its role, whether it has a password for the web
/// map's login and how many API tokens; password hashes and tokens are never shown.
#[utoipa::path(get, path = "/api/v1/registry/users", tag = "access",
    responses((status = 200, description = "the users", body = UserList)))]
async fn users(State(state): State<ApiState>) -> Result<Json<UserList>, ApiError> {
    let users = state
        .registry
        .users()
        .map_err(internal)?
        .iter()
        .map(|u| user(&state, &u.name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(UserList {
        count: users.len(),
        users,
    }))
}

/// Refuses a change that would leave the zone without an admin (nobody could then manage
/// devices or users through the API).
fn keeps_an_admin(state: &ApiState, name: &str, new_role: Option<Role>) -> Result<(), ApiError> {
    let users = state.registry.users().map_err(internal)?;
    let was_admin = users
        .iter()
        .any(|u| u.name == name && u.role == Role::Admin);
    let admins = users.iter().filter(|u| u.role == Role::Admin).count();
    if was_admin && new_role != Some(Role::Admin) && admins == 1 {
        return Err(ApiError(
            StatusCode::CONFLICT,
            format!("{name} is the only admin: make another user admin first"),
        ));
    }
    Ok(())
}

/// Creates a user or changes one (admin); a new user needs a role, the password (for the
/// web map's login; null removes it) is kept as an Argon2id hash. The change applies from
/// the user's next request; its tokens stay valid. Demoting the only admin is refused.
/// Audited as `user.put`.
#[utoipa::path(put, path = "/api/v1/registry/users/{name}", tag = "access",
    params(("name" = String, Path, description = "The user.")),
    request_body = UserChange,
    responses(
        (status = 200, description = "the user as it now stands", body = User),
        (status = 400, description = "a malformed name or body, or a new user without a role", body = ErrorBody),
        (status = 409, description = "the change would leave no admin", body = ErrorBody),
    ))]
async fn put_user(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<User>, ApiError> {
    check_user_name(&name).map_err(bad)?;
    let o = object(&body, &["role", "password"])?;
    let role = match o.get("role") {
        None => None,
        Some(Value::String(r)) => Some(r.parse::<Role>().map_err(bad)?),
        Some(x) => {
            return Err(bad(format!(
                "role must be viewer, operator or admin, not {x}"
            )));
        }
    };
    let existing = state.registry.user_password(&name).map_err(internal)?;
    let Some(role) = role.or(existing.as_ref().map(|(o, _)| o.role)) else {
        return Err(bad(format!("{name} is a new user: give its role")));
    };
    keeps_an_admin(&state, &name, Some(role))?;
    let password = password_change(&o).await?;
    let hash = match &password {
        None => existing.and_then(|(_, h)| h),
        Some(h) => h.clone(),
    };
    state
        .registry
        .put_user(&name, role, hash.as_deref())
        .map_err(internal)?;
    record_change(
        &state,
        &caller,
        "user.put",
        &name,
        Some(&json!({ "role": role, "password": password_detail(&password) }).to_string()),
    )?;
    Ok(Json(user(&state, &name)?))
}

/// Removes a user and its tokens (admin): its logins end at its next request. Removing
/// the only admin is refused. Audited as `user.remove`.
#[utoipa::path(delete, path = "/api/v1/registry/users/{name}", tag = "access",
    params(("name" = String, Path, description = "The user.")),
    responses(
        (status = 200, description = "the user removed", body = UserRemoved),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 409, description = "the user is the only admin", body = ErrorBody),
    ))]
async fn remove_user(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<UserRemoved>, ApiError> {
    keeps_an_admin(&state, &name, None)?;
    if !state.registry.remove_user(&name).map_err(internal)? {
        return Err(no_user(&name));
    }
    record_change(&state, &caller, "user.remove", &name, None)?;
    Ok(Json(UserRemoved { removed: name }))
}

/// A new API token for a user's scripts (admin), sent as `Authorization: Bearer TOKEN`;
/// shown in this answer only (the registry keeps its SHA-256). Audited as `user.token`.
#[utoipa::path(post, path = "/api/v1/registry/users/{name}/tokens", tag = "access",
    params(("name" = String, Path, description = "The user.")),
    responses(
        (status = 200, description = "the new token", body = NewToken),
        (status = 404, description = "no such user", body = ErrorBody),
    ))]
async fn new_user_token(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<NewToken>, ApiError> {
    must_exist(&state, &name)?;
    let token = new_token().map_err(internal)?;
    state
        .registry
        .add_token(&name, &sha256_hex(token.as_bytes()))
        .map_err(internal)?;
    record_change(&state, &caller, "user.token", &name, None)?;
    Ok(Json(NewToken { name, token }))
}

/// Forgets every token of a user (admin): a leaked token, a script retired; the user logs
/// in again for a new one. Audited as `user.tokens_removed`.
#[utoipa::path(delete, path = "/api/v1/registry/users/{name}/tokens", tag = "access",
    params(("name" = String, Path, description = "The user.")),
    responses(
        (status = 200, description = "how many tokens were forgotten", body = TokensRemoved),
        (status = 404, description = "no such user", body = ErrorBody),
    ))]
async fn remove_user_tokens(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<TokensRemoved>, ApiError> {
    must_exist(&state, &name)?;
    let n = state.registry.remove_tokens(&name).map_err(internal)?;
    record_change(
        &state,
        &caller,
        "user.tokens_removed",
        &name,
        Some(&json!({ "tokens": n }).to_string()),
    )?;
    Ok(Json(TokensRemoved {
        name,
        tokens_removed: n as u64,
    }))
}
