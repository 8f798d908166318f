//! `/api/v1/registry/...` (admin only, see `auth::needed`): the devices that may connect and
//! the operators that may log in, each change written to the audit log. What the command
//! line (`roadcloud devices`, `roadcloud users`) does, for an admin without a shell on the
//! server.

use super::{ApiError, internal, record_change};
use crate::http::ApiState;
use crate::http::auth::Caller;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use roadcloud_access::operator::check_user_name;
use roadcloud_access::secret::{
    MIN_PASSWORD_CHARS, check_password, hash_password, new_token, sha256_hex,
};
use roadcloud_access::{Device, Identity, Role};
use serde_json::{Map, Value, json};

/// The registry's routes.
pub(super) fn router() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/registry/devices", get(devices))
        .route("/api/v1/registry/devices/{identity}", put(put_device))
        .route("/api/v1/registry/users", get(users))
        .route(
            "/api/v1/registry/users/{name}",
            put(put_user).delete(remove_user),
        )
        .route(
            "/api/v1/registry/users/{name}/tokens",
            post(new_user_token).delete(remove_user_tokens),
        )
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

/// `PUT /api/v1/registry/devices/{kind:id}`: registers a device or changes one:
/// `{"enabled": bool, "may_send": ["BSM", ...], "position": {"lat": .., "lon": ..} | null,
/// "password": "..." | null}`, each optional. Certificates are issued from the command line
/// (`roadcloud pki issue`). `serve` picks the change up within two seconds: a disabled
/// device, and a connection made with a password since changed, is disconnected.
async fn put_device(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(identity): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(device_json(&d)))
}

fn device_json(d: &Device) -> Value {
    json!({
        "identity": d.identity.to_string(),
        "kind": d.identity.class,
        "id": d.identity.id.to_string(),
        "may_send": d.may_send.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "position": d.position.map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
        "enabled": d.enabled,
        "password": d.password_hash.is_some(),
        "certificate_sha256": d.certificate_sha256,
    })
}

/// `GET /api/v1/registry/devices`: the device registry, without secrets.
async fn devices(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let devices = state.registry.devices().map_err(internal)?;
    let list: Vec<Value> = devices.iter().map(device_json).collect();
    Ok(Json(json!({ "count": list.len(), "devices": list })))
}

/// A user as the API shows it: never the password hash or a token.
fn user_json(state: &ApiState, name: &str) -> Result<Value, ApiError> {
    let (operator, hash) = state
        .registry
        .user_password(name)
        .map_err(internal)?
        .ok_or_else(|| no_user(name))?;
    Ok(json!({
        "name": operator.name,
        "role": operator.role,
        "password": hash.is_some(),
        "tokens": state.registry.token_count(name).map_err(internal)?,
    }))
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

/// `GET /api/v1/registry/users`: every user, its role, whether it has a password for the
/// web map's login and how many API tokens.
async fn users(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let list = state
        .registry
        .users()
        .map_err(internal)?
        .iter()
        .map(|u| user_json(&state, &u.name))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(json!({ "count": list.len(), "users": list })))
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

/// `PUT /api/v1/registry/users/{name}`: creates a user or changes one:
/// `{"role": "viewer"|"operator"|"admin", "password": "..." | null}`; a new user needs a
/// role. The change applies from the user's next request (its tokens stay valid).
async fn put_user(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
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
    Ok(Json(user_json(&state, &name)?))
}

/// `DELETE /api/v1/registry/users/{name}`: removes a user and its tokens (its logins end at
/// its next request).
async fn remove_user(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    keeps_an_admin(&state, &name, None)?;
    if !state.registry.remove_user(&name).map_err(internal)? {
        return Err(no_user(&name));
    }
    record_change(&state, &caller, "user.remove", &name, None)?;
    Ok(Json(json!({ "removed": name })))
}

/// `POST /api/v1/registry/users/{name}/tokens`: a new API token for a user's scripts, shown
/// in this answer only (the registry keeps its SHA-256).
async fn new_user_token(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    must_exist(&state, &name)?;
    let token = new_token().map_err(internal)?;
    state
        .registry
        .add_token(&name, &sha256_hex(token.as_bytes()))
        .map_err(internal)?;
    record_change(&state, &caller, "user.token", &name, None)?;
    Ok(Json(json!({ "name": name, "token": token })))
}

/// `DELETE /api/v1/registry/users/{name}/tokens`: forgets every token of a user (a leaked
/// token, a script retired); the user logs in again for a new one.
async fn remove_user_tokens(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    must_exist(&state, &name)?;
    let n = state.registry.remove_tokens(&name).map_err(internal)?;
    record_change(
        &state,
        &caller,
        "user.tokens_removed",
        &name,
        Some(&json!({ "tokens": n }).to_string()),
    )?;
    Ok(Json(json!({ "name": name, "tokens_removed": n })))
}
