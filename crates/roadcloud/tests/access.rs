//! Only the zone's own devices and operators get in (issue 14), against a real
//! `roadcloud serve --pki` with real MQTT clients over TLS and HTTPS:
//! - a device with a valid certificate, or its password, gets in and its vehicle appears;
//!   without credentials, with another CA's certificate, a revoked one or a wrong password
//!   it is refused, and `/metrics` counts each reason;
//! - the topic ACL: another device's uplink, `#`, `V2X/#` and other devices' downlinks get
//!   nothing through and nothing back, while a device's own downlink brings its advisory;
//! - operators: anonymous requests are refused, a viewer cannot switch an application off,
//!   an operator can, and the audit log says who did;
//! - a device revoked while connected is disconnected, whether disabled in the registry or
//!   only put on the CA's revocation list (taken without a restart);
//! - the outsider attacks of the issue, replayed: none succeeds.

mod common;

use common::tls::*;
use common::*;
use rumqttc::{Packet, QoS, SubscribeReasonCode};
use serde_json::Value;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

fn metric(s: &SecureServer, line_start: &str) -> u64 {
    let (_, body) = get(s.monitor, "/metrics").expect("metrics");
    body.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line_start} in /metrics"))
}

fn refused(s: &SecureServer, reason: &str) -> u64 {
    metric(
        s,
        &format!("roadcloud_mqtt_refused_total{{reason=\"{reason}\"}}"),
    )
}

/// Waits for the SUBACK of the next subscription: its return codes.
fn suback(rx: &Receiver<Packet>) -> Vec<SubscribeReasonCode> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(Packet::SubAck(a)) = rx.recv_timeout(left) {
            return a.return_codes;
        }
    }
    panic!("no SUBACK")
}

/// Waits until the server closes the connection `rx` reads (its client says so with a
/// `Disconnect`); fails with `why` if it stays open past `limit`.
fn closed_within(rx: &Receiver<Packet>, limit: Duration, why: &str) {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if let Ok(Packet::Disconnect) = rx.recv_timeout(left) {
            return;
        }
    }
    panic!("{why}")
}

#[test]
fn only_the_zones_devices_and_operators_get_in() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    let (other_pki, other_data) = (dir.path().join("other-pki"), dir.path().join("other-data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    roadcloud(
        &["pki", "init", "--dir", &other_pki.display().to_string()],
        None,
    );
    let (a, b, c, d) = (0xa1, 0xa2, 0xa3, 0xa4);
    let obu = |n: u64| format!("obu:{}", vehicle_id(n));
    let a_cert = issue(&pki, &data, &obu(a));
    let b_cert = issue(&pki, &data, &obu(b));
    let d_cert = issue(&pki, &data, &obu(d));
    // The same identity as A, from another zone's CA.
    let foreign = issue(&other_pki, &other_data, &obu(a));
    // C has no certificate: a password.
    roadcloud(
        &[
            "devices",
            "add",
            &obu(c),
            "--password-stdin",
            "--data-dir",
            &data.display().to_string(),
        ],
        Some("c-password-1"),
    );
    // An RSU that forwards the BSMs it hears, and the follower of a closing pair.
    let rsu = "rsu:5253552d41543031";
    let rsu_cert = issue(&pki, &data, rsu);
    let follower = format!("obu:{}", hex(&FOLLOWER));
    let follower_cert = issue(&pki, &data, &follower);
    // D is revoked before the server starts: its certificate is on the CA's list.
    revoke(&pki, &data, &obu(d));
    let viewer = add_user(&data, "vic", "viewer", None);
    let operator = add_user(&data, "olga", "operator", Some("olga-password-1"));
    let admin = add_user(&data, "adam", "admin", None);

    let s = serve_secured(&pki, &data, &ONE_MOMENT_REPEATED);

    // A device with its certificate gets in, and its vehicle appears.
    let (a_client, a_rx) = mqtt_connect(s.mqtt, "a", &certified(&s.ca, &a_cert)).unwrap();
    publish_until(
        &a_client,
        Duration::from_secs(15),
        || bsm_of(a),
        || has_participant(&s, &viewer, &vehicle_id(a)),
    );
    // So does a device with its password.
    let (c_client, c_rx) = mqtt_connect(
        s.mqtt,
        "c",
        &Credentials {
            ca: Some(&s.ca),
            cert: None,
            login: Some((&obu(c), "c-password-1")),
        },
    )
    .unwrap();
    publish_until(
        &c_client,
        Duration::from_secs(15),
        || bsm_of(c),
        || has_participant(&s, &viewer, &vehicle_id(c)),
    );

    // Refused: no credentials, a wrong password, another CA's certificate, a revoked one,
    // and plain MQTT on the TLS port. Each is counted under its reason.
    assert!(
        mqtt_connect(
            s.mqtt,
            "anon",
            &Credentials {
                ca: Some(&s.ca),
                cert: None,
                login: None
            }
        )
        .is_err()
    );
    assert!(
        mqtt_connect(
            s.mqtt,
            "guess",
            &Credentials {
                ca: Some(&s.ca),
                cert: None,
                login: Some((&obu(c), "guess-guess"))
            },
        )
        .is_err()
    );
    assert!(mqtt_connect(s.mqtt, "foreign", &certified(&s.ca, &foreign)).is_err());
    assert!(mqtt_connect(s.mqtt, "revoked", &certified(&s.ca, &d_cert)).is_err());
    assert!(
        mqtt_connect(
            s.mqtt,
            "plain",
            &Credentials {
                ca: None,
                cert: None,
                login: None
            }
        )
        .is_err()
    );
    wait_until(Duration::from_secs(5), || {
        refused(&s, "no_credentials") >= 1
            && refused(&s, "wrong_password") >= 1
            && refused(&s, "untrusted_certificate") >= 2
            && refused(&s, "tls_handshake") >= 1
    });

    // The topic ACL. A may not read `#`, `V2X/#`, uplinks or B's downlink; its own, yes.
    let b_id = vehicle_id(b);
    a_client
        .subscribe_many([
            rumqttc::SubscribeFilter::new("#".into(), QoS::AtMostOnce),
            rumqttc::SubscribeFilter::new("V2X/#".into(), QoS::AtMostOnce),
            rumqttc::SubscribeFilter::new("V2X/+/+/+/UP".into(), QoS::AtMostOnce),
            rumqttc::SubscribeFilter::new(format!("V2X/OBU/{b_id}/ADVICE/DOWN"), QoS::AtMostOnce),
            rumqttc::SubscribeFilter::new(
                format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
                QoS::AtMostOnce,
            ),
        ])
        .unwrap();
    assert_eq!(suback(&a_rx), vec![SubscribeReasonCode::Failure; 5]);
    a_client
        .subscribe(
            format!("V2X/OBU/{}/ADVICE/DOWN", vehicle_id(a)),
            QoS::AtMostOnce,
        )
        .unwrap();
    assert_eq!(
        suback(&a_rx),
        vec![SubscribeReasonCode::Success(QoS::AtMostOnce)]
    );
    // A posing as B on B's uplink: dropped.
    for _ in 0..5 {
        let (topic, payload) = bsm_of(b);
        assert!(topic.contains(&b_id));
        a_client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    wait_until(Duration::from_secs(5), || {
        metric(&s, "roadcloud_mqtt_publish_denied_total") >= 5
    });
    assert!(
        !has_participant(&s, &viewer, &b_id),
        "B appeared from A's publishes"
    );

    // The follower of a closing pair (forwarded by the RSU) gets its FCW on its own
    // downlink; A, listening, gets nothing of B's uplinks or anyone's advisories.
    let (f_client, f_rx) =
        mqtt_connect(s.mqtt, "follower", &certified(&s.ca, &follower_cert)).unwrap();
    f_client
        .subscribe(
            format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
            QoS::AtMostOnce,
        )
        .unwrap();
    assert_eq!(
        suback(&f_rx),
        vec![SubscribeReasonCode::Success(QoS::AtMostOnce)]
    );
    let (rsu_client, _rsu_rx) = mqtt_connect(s.mqtt, "rsu", &certified(&s.ca, &rsu_cert)).unwrap();
    let (b_client, b_rx) = mqtt_connect(s.mqtt, "b", &certified(&s.ca, &b_cert)).unwrap();
    let advisory = follower_advised(&rsu_client, &rsu[4..], &b_client, b, &f_rx);
    assert_eq!(
        advisory.topic,
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER))
    );
    assert!(
        receives_publish(&a_rx, Duration::from_secs(2)).is_none(),
        "A received a message not its own"
    );
    publish_until(
        &b_client,
        Duration::from_secs(15),
        || bsm_of(b),
        || has_participant(&s, &viewer, &b_id),
    );

    // Operators: anonymous is refused, a viewer cannot switch FCW off, an operator can and
    // the audit log says so.
    let put = |token: Option<&str>| {
        https(
            s.https,
            &s.ca,
            "PUT",
            "/api/v1/apps/FCW",
            token,
            r#"{"enabled": false}"#,
        )
        .0
    };
    assert_eq!(put(None), 401);
    assert_eq!(put(Some(&viewer)), 403);
    assert_eq!(
        https(s.https, &s.ca, "GET", "/api/v1/apps", None, "").0,
        401
    );
    assert_eq!(
        https(
            s.https,
            &s.ca,
            "GET",
            "/api/v1/registry/devices",
            Some(&operator),
            ""
        )
        .0,
        403
    );
    // The operator logs in with the password, as the web map does.
    let (status, body) = https(
        s.https,
        &s.ca,
        "POST",
        "/api/v1/login",
        None,
        r#"{"name": "olga", "password": "olga-password-1"}"#,
    );
    assert_eq!(status, 200, "{body}");
    let login: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(login["role"], "operator");
    let session = login["token"].as_str().unwrap().to_string();
    assert_eq!(
        https(
            s.https,
            &s.ca,
            "POST",
            "/api/v1/login",
            None,
            r#"{"name": "olga", "password": "nope"}"#
        )
        .0,
        401
    );
    assert_eq!(put(Some(&session)), 200);
    let (status, body) = https(s.https, &s.ca, "GET", "/api/v1/audit", Some(&viewer), "");
    assert_eq!(status, 200, "{body}");
    let audit: Value = serde_json::from_str(&body).unwrap();
    let switched = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "app.switch")
        .unwrap_or_else(|| panic!("no app.switch in {audit}"));
    assert_eq!(switched["actor"], "olga");
    assert_eq!(switched["target"], "FCW");
    assert_eq!(switched["source"], "127.0.0.1");
    assert_eq!(switched["detail"]["enabled"], false);

    // The registry through the API: an operator may not change it, an admin disables C, C
    // is disconnected within seconds, and the audit log has it.
    let c_path = format!("/api/v1/registry/devices/{}", obu(c));
    let disable = r#"{"enabled": false}"#;
    assert_eq!(
        https(s.https, &s.ca, "PUT", &c_path, Some(&operator), disable).0,
        403
    );
    let (status, body) = https(s.https, &s.ca, "PUT", &c_path, Some(&admin), disable);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["enabled"],
        false
    );
    closed_within(
        &c_rx,
        Duration::from_secs(15),
        "C stayed connected after being disabled",
    );
    let (_, body) = https(s.https, &s.ca, "GET", "/api/v1/audit", Some(&viewer), "");
    assert!(
        body.contains("device.put") && body.contains("adam"),
        "{body}"
    );

    // B revoked while connected: disconnected within seconds, refused when it comes back
    // (at the handshake once serve has taken the new revocation list, or at CONNECT once it
    // has taken the registry: both within seconds, in either order).
    let refused_before = refused(&s, "untrusted_certificate") + refused(&s, "disabled_device");
    revoke(&pki, &data, &obu(b));
    closed_within(
        &b_rx,
        Duration::from_secs(15),
        "B stayed connected after its revocation",
    );
    assert!(metric(&s, "roadcloud_mqtt_disconnected_revoked_total") >= 1);
    assert!(mqtt_connect(s.mqtt, "b-again", &certified(&s.ca, &b_cert)).is_err());
    wait_until(Duration::from_secs(5), || {
        refused(&s, "untrusted_certificate") + refused(&s, "disabled_device") > refused_before
    });

    // A's certificate put on the CA's revocation list alone, as an operator's own CA
    // publishes a new list (the registry still has A enabled): serve takes the list without
    // a restart, closes A's connection and refuses A at the handshake.
    let untrusted_before = refused(&s, "untrusted_certificate");
    roadcloud_tls::pki::revoke(&pki, &obu(a).parse().unwrap()).unwrap();
    closed_within(
        &a_rx,
        Duration::from_secs(15),
        "A stayed connected after its certificate was put on the revocation list",
    );
    assert!(mqtt_connect(s.mqtt, "a-again", &certified(&s.ca, &a_cert)).is_err());
    wait_until(Duration::from_secs(5), || {
        refused(&s, "untrusted_certificate") > untrusted_before
    });
    drop((a_client, c_client));
}

/// An admin manages operators and device passwords through the API alone: users created,
/// promoted, given and stripped of tokens, removed; the only admin cannot be removed or
/// demoted; a device's password set and changed (the connection made with the old one is
/// closed); every change in the audit log, never a password.
#[test]
fn admins_manage_users_and_device_passwords_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    let admin = add_user(&data, "adam", "admin", None);
    let s = serve_secured(&pki, &data, &[]);
    let call = |method: &str, path: &str, token: Option<&str>, body: &str| {
        let (status, body) = https(s.https, &s.ca, method, path, token, body);
        (
            status,
            serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
        )
    };
    let una = "/api/v1/registry/users/una";
    let login = |password: &str| {
        let (status, body) = call(
            "POST",
            "/api/v1/login",
            None,
            &format!(r#"{{"name": "una", "password": "{password}"}}"#),
        );
        (status == 200).then(|| body["token"].as_str().unwrap().to_string())
    };

    // Created as a viewer with a password: she logs in, reads, cannot switch.
    assert_eq!(
        call(
            "PUT",
            una,
            Some(&admin),
            r#"{"password": "una-password-1"}"#
        )
        .0,
        400
    );
    assert_eq!(
        call(
            "PUT",
            una,
            Some(&admin),
            r#"{"role": "viewer", "password": "short"}"#
        )
        .0,
        400
    );
    let (status, body) = call(
        "PUT",
        una,
        Some(&admin),
        r#"{"role": "viewer", "password": "una-password-1"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["role"].as_str(), body["password"].as_bool()),
        (Some("viewer"), Some(true))
    );
    let session = login("una-password-1").expect("una logs in");
    let fcw_off = |token: &str| {
        call(
            "PUT",
            "/api/v1/apps/FCW",
            Some(token),
            r#"{"enabled": false}"#,
        )
        .0
    };
    assert_eq!(call("GET", "/api/v1/apps", Some(&session), "").0, 200);
    assert_eq!(fcw_off(&session), 403);
    assert_eq!(
        call("GET", "/api/v1/registry/users", Some(&session), "").0,
        403
    );
    // Promoted: the same session may switch from its next request.
    assert_eq!(
        call("PUT", una, Some(&admin), r#"{"role": "operator"}"#).0,
        200
    );
    assert_eq!(fcw_off(&session), 200);
    assert!(login("una-password-1").is_some(), "the password was kept");

    // A token for her scripts; then every token of hers forgotten.
    let (status, body) = call("POST", &format!("{una}/tokens"), Some(&admin), "");
    assert_eq!(status, 200, "{body}");
    let script = body["token"].as_str().unwrap().to_string();
    assert_eq!(
        call("GET", "/api/v1/whoami", Some(&script), "").1["name"],
        "una"
    );
    let (_, list) = call("GET", "/api/v1/registry/users", Some(&admin), "");
    let listed = list["users"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{list}");
    assert!(
        listed
            .iter()
            .any(|u| u["name"] == "una" && u["tokens"] == 3),
        "{list}"
    );
    assert!(!list.to_string().contains("argon2") && !list.to_string().contains(&script));
    let (status, body) = call("DELETE", &format!("{una}/tokens"), Some(&admin), "");
    assert_eq!(
        (status, body["tokens_removed"].as_u64()),
        (200, Some(3)),
        "{body}"
    );
    assert_eq!(call("GET", "/api/v1/apps", Some(&script), "").0, 401);
    assert_eq!(call("GET", "/api/v1/apps", Some(&session), "").0, 401);

    // The only admin stays one; una removed cannot log in.
    let adam = "/api/v1/registry/users/adam";
    assert_eq!(call("DELETE", adam, Some(&admin), "").0, 409);
    assert_eq!(
        call("PUT", adam, Some(&admin), r#"{"role": "viewer"}"#).0,
        409
    );
    assert_eq!(call("DELETE", una, Some(&admin), "").0, 200);
    assert_eq!(call("DELETE", una, Some(&admin), "").0, 404);
    assert!(login("una-password-1").is_none());

    // A device with a password set through the API connects; a new password closes that
    // connection, and only the new one gets in.
    let e = format!("obu:{}", vehicle_id(0xe5));
    let e_path = format!("/api/v1/registry/devices/{e}");
    let (status, body) = call(
        "PUT",
        &e_path,
        Some(&admin),
        r#"{"password": "e-password-1"}"#,
    );
    assert_eq!(
        (status, body["password"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let e_login = |password: &'static str, name: &str| {
        let e = e.clone();
        mqtt_connect(
            s.mqtt,
            name,
            &Credentials {
                ca: Some(&s.ca),
                cert: None,
                login: Some((&e, password)),
            },
        )
    };
    // serve reloads the registry every two seconds.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (e_client, e_rx) = loop {
        match e_login("e-password-1", "e") {
            Ok(c) => break c,
            Err(err) => assert!(Instant::now() < deadline, "E refused: {err}"),
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    assert_eq!(
        call(
            "PUT",
            &e_path,
            Some(&admin),
            r#"{"password": "e-password-2"}"#
        )
        .0,
        200
    );
    closed_within(
        &e_rx,
        Duration::from_secs(15),
        "E stayed connected after its password changed",
    );
    assert!(e_login("e-password-1", "e-old").is_err());
    assert!(e_login("e-password-2", "e-new").is_ok());
    drop(e_client);

    let (_, audit) = call("GET", "/api/v1/audit", Some(&admin), "");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "adam")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "user.put",
        "user.token",
        "user.tokens_removed",
        "user.remove",
        "device.put",
    ] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    let text = audit.to_string();
    assert!(
        !text.contains("password-1") && !text.contains("password-2"),
        "{text}"
    );
    assert!(text.contains(r#""password":"set""#), "{text}");
}

/// The attacks under "Why" in issue 14, by an outsider with a plain MQTT client and curl
/// and no credentials, against a secured server: none succeeds.
#[test]
fn the_outsider_attacks_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    let insider = issue(&pki, &data, &format!("obu:{}", vehicle_id(7)));
    let viewer = add_user(&data, "vic", "viewer", None);
    add_user(&data, "olga", "operator", Some("olga-password-1"));
    let s = serve_secured(&pki, &data, &[]);
    let (ic, _irx) = mqtt_connect(
        s.mqtt,
        "insider",
        &Credentials {
            ca: Some(&s.ca),
            cert: Some((&insider.0, &insider.1)),
            login: None,
        },
    )
    .unwrap();
    publish_until(
        &ic,
        Duration::from_secs(15),
        || bsm_of(7),
        || has_participant(&s, &viewer, &vehicle_id(7)),
    );
    // 1. Subscribing to `#` to read every vehicle: no connection at all, TLS or not.
    for creds in [
        Credentials {
            ca: None,
            cert: None,
            login: None,
        },
        Credentials {
            ca: Some(&s.ca),
            cert: None,
            login: None,
        },
        Credentials {
            ca: Some(&s.ca),
            cert: None,
            login: Some(("obu:5a00000000000007", "x")),
        },
    ] {
        assert!(mqtt_connect(s.mqtt, "outsider", &creds).is_err());
    }
    // 2. Publishing a BSM under a fresh vehicle id: refused at CONNECT, so no participant.
    assert!(!has_participant(&s, &viewer, &vehicle_id(99)));
    // 3. Switching FCW off with curl: refused, and FCW stays on.
    let (status, _) = https(
        s.https,
        &s.ca,
        "PUT",
        "/api/v1/apps/FCW",
        None,
        r#"{"enabled": false}"#,
    );
    assert_eq!(status, 401);
    let (_, body) = https(s.https, &s.ca, "GET", "/api/v1/apps/FCW", Some(&viewer), "");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["enabled"],
        true,
        "{body}"
    );
    // 4. Guessing an operator's password: five tries a minute, then even the right one is
    // refused from that address for the rest of the minute.
    let login = |password: &str| {
        let body = format!(r#"{{"name": "olga", "password": "{password}"}}"#);
        https(s.https, &s.ca, "POST", "/api/v1/login", None, &body).0
    };
    for guess in ["123456", "password", "olga", "operator", "roadcloud"] {
        assert_eq!(login(guess), 401);
    }
    assert_eq!(login("olga-password-1"), 429);
    // And plain HTTP on the HTTPS port gets no answer.
    assert!(get(s.https, "/api/v1/apps").is_none_or(|(c, _)| c != 200));
}
