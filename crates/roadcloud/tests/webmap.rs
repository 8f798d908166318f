//! The web map in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against a `roadcloud serve` child process fed by MQTT devices.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test.sh installs them); see
//! `common/browser.rs`. Screenshots go to `target/webmap/`.

mod common;

use common::browser::Browser;
use common::*;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Devices publishing at 10 Hz until dropped: an RSU's MAP, SPAT and RSI (the reference
/// vectors) and a pair of vehicles closing on each other (an FCW).
struct Devices {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Devices {
    fn start(mqtt: u16) -> Devices {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let c = client(mqtt, "webmap-devices");
            let (rsu, map, mut spat, rsi) = road_vectors();
            while !flag.load(Ordering::Relaxed) {
                publish_road(&c, &rsu, &map, &mut spat, &rsi);
                publish_closing_pair(&c);
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        Devices {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Devices {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_map_shows_the_zone_live_and_switches_applications_through_the_api() {
    let s = start_with(&ONE_MOMENT_REPEATED);
    let _devices = Devices::start(s.mqtt);
    let b = Browser::start().await;
    b.client
        .goto(&format!("http://127.0.0.1:{}/", s.http))
        .await
        .unwrap();

    b.wait_for("the live feed", Duration::from_secs(15), || async {
        b.stats().await["connected"] == true
    })
    .await;

    // The header says how the platform is reachable: here on loopback only.
    b.wait_for("the exposure badge", Duration::from_secs(10), || async {
        b.eval(
            "const e = document.getElementById('exposure'); \
             return !e.hidden && e.dataset.mode + ':' + e.textContent;",
        )
        .await
            == json!("protected:loopback only")
    })
    .await;
    // And that this server admits unsigned messages (the test helpers run it so).
    b.wait_for("the signing badge", Duration::from_secs(10), || async {
        b.eval(
            "const e = document.getElementById('signing'); \
             return !e.hidden && e.dataset.mode + ':' + e.textContent;",
        )
        .await
            == json!("insecure:UNSIGNED ALLOWED")
    })
    .await;

    // Every participant the API knows is drawn: the road vectors' RSU adds no participants,
    // the two vehicles are the zone.
    b.wait_for(
        "as many participants drawn as the API counts",
        Duration::from_secs(20),
        || async {
            let api = get_json(s.http, "/api/v1/participants")["count"].as_u64();
            let page = b.stats().await;
            api == Some(2) && page["drawn"].as_u64() == api && page["participants"].as_u64() == api
        },
    )
    .await;

    // The MAP's intersections and the RSI's events and signs, as the API has them.
    b.wait_for(
        "the intersections and the road events",
        Duration::from_secs(10),
        || async {
            let api = json!([
                get_json(s.http, "/api/v1/intersections")["count"],
                get_json(s.http, "/api/v1/events")["count"],
            ]);
            let page = b
            .eval("const m = window.roadcloud.model; return [m.intersections.size, m.events.size];")
            .await;
            api[0].as_u64() > Some(0) && api[1].as_u64() > Some(0) && page == api
        },
    )
    .await;
    // Signal heads coloured by the SPAT: some lane's light is known.
    assert_eq!(
        b.eval(
            "for (const x of window.roadcloud.model.intersections.values()) \
               for (const l of x.links) for (const lane of l.lanes) \
                 if (x.phases && lane.phase != null && x.phases.get(lane.phase)?.light) return true; \
             return false;"
        )
        .await,
        true
    );

    // The follower's FCW appears in the advisories panel as it happens.
    let fcw = b
        .client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(
            "#advisory-list li.advisory[data-scenario='FCW']",
        ))
        .await
        .expect("an FCW in the advisories panel");
    assert!(
        fcw.text().await.unwrap().contains(&hex(&FOLLOWER)),
        "the advisory names its vehicle"
    );
    b.screenshot("zone").await;

    // The leader reports 5 m/s while its positions advance at 15 m/s (the closing speed FCW
    // needs, told as a lie): misbehaviour detection (monitor mode) reports it, the panel
    // lists the report, the map marks the leader.
    b.click("#tabs button[data-tab='misbehaviour']").await;
    let leader = hex(&LEADER);
    b.wait_for(
        "the leader's misbehaviour report in the panel",
        Duration::from_secs(15),
        || async {
            b.eval("return [...document.querySelectorAll('#misbehaviour-list li.flagged')].map((l) => l.textContent).join('|');")
                .await
                .as_str()
                .is_some_and(|t| t.contains(&leader))
        },
    )
    .await;
    // The map marks a vehicle for ten seconds after a report (FLAGGED_SHOWN_MS): the
    // panel may list a report the map has already let go of, until the next one.
    b.wait_for(
        "the map marking the leader",
        Duration::from_secs(15),
        || async {
            b.eval(&format!(
                "return window.roadcloud.model.flagged.has('{leader}');"
            ))
            .await
                == true
        },
    )
    .await;
    b.screenshot("misbehaviour").await;
    b.click("#tabs button[data-tab='advisories']").await;

    // Clicking the follower on the map shows its details.
    let (x, y) = {
        let v = b
            .eval(&format!(
                "const m = window.roadcloud.model, v = window.roadcloud.view; \
                 const p = m.participants.get(m.trackOf.get('{}')); \
                 const [x, y] = v.toScreen(p.x, p.y); \
                 const r = document.getElementById('map').getBoundingClientRect(); \
                 return [x + r.left, y + r.top];",
                hex(&FOLLOWER)
            ))
            .await;
        (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
    };
    b.client
        .perform_actions(
            MouseActions::new("mouse".into())
                .then(PointerAction::MoveTo {
                    duration: None,
                    x,
                    y,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                }),
        )
        .await
        .unwrap();
    b.wait_for("the follower's details", Duration::from_secs(5), || async {
        b.eval("const d = document.getElementById('details'); return !d.hidden && d.textContent;")
            .await
            .as_str()
            .is_some_and(|t| t.contains(&hex(&FOLLOWER)) && t.contains("FCW"))
    })
    .await;

    // The FCW switch in the applications panel turns FCW off through the API.
    b.click("#tabs button[data-tab='apps']").await;
    let switch = b
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("input.app-switch[data-app='FCW']"))
        .await
        .unwrap();
    assert_eq!(
        switch.prop("checked").await.unwrap().as_deref(),
        Some("true")
    );
    switch.click().await.unwrap();
    b.wait_for("FCW off in the API", Duration::from_secs(10), || async {
        get_json(s.http, "/api/v1/apps/FCW")["enabled"] == false
    })
    .await;
    assert_eq!(
        get_json(s.http, "/api/v1/apps/ICW")["enabled"],
        true,
        "only the switched application is off"
    );

    // The interface in Chinese.
    b.click("#lang").await;
    let tab = b
        .client
        .find(Locator::Css("#tabs button[data-tab='apps']"))
        .await
        .unwrap();
    assert_eq!(tab.text().await.unwrap(), "应用");
    b.screenshot("zone-zh").await;

    b.assert_no_console_errors().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_map_reconnects_when_the_server_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (mqtt, http) = (free_port(), free_port());
    let flags = [
        "--mqtt-listen".to_string(),
        format!("127.0.0.1:{mqtt}"),
        "--http-listen".to_string(),
        format!("127.0.0.1:{http}"),
        "--udp-listen".to_string(),
        "off".to_string(),
    ];
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = start_in(dir.path(), &flags);
    let devices = Devices::start(mqtt);
    let b = Browser::start().await;
    b.client
        .goto(&format!("http://127.0.0.1:{http}/"))
        .await
        .unwrap();
    let live_with_two = || async {
        let page = b.stats().await;
        page["connected"] == true && page["participants"] == 2
    };
    b.wait_for(
        "the zone on the map",
        Duration::from_secs(20),
        live_with_two,
    )
    .await;

    drop(devices);
    drop(s);
    b.wait_for(
        "the page to see the server go",
        Duration::from_secs(10),
        || async {
            b.eval("return document.getElementById('conn').dataset.state;")
                .await
                == "closed"
        },
    )
    .await;

    let _s = start_in(dir.path(), &flags);
    let _devices = Devices::start(mqtt);
    b.wait_for(
        "the page to reconnect and show the zone again",
        Duration::from_secs(30),
        live_with_two,
    )
    .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_zone_is_drawn_live() {
    let s = start_demo(&["--script-every-s", "4"]);
    let b = Browser::start().await;
    b.client
        .goto(&format!("http://127.0.0.1:{}/", s.http))
        .await
        .unwrap();
    // The zone's traffic, all of it on screen, about as many as the API counts (the zone
    // moves between the two readings), its five intersections, its car park, the road
    // works' cones its RSU sees, and advisories listed.
    b.wait_for(
        "the zone's traffic drawn",
        Duration::from_secs(60),
        || async {
            let page = b.stats().await;
            let api = get_json(s.http, "/api/v1/participants")["count"]
                .as_i64()
                .unwrap_or(0);
            let (drawn, known) = (page["drawn"].as_i64(), page["participants"].as_i64());
            api > 30 && drawn == known && known.is_some_and(|n| (n - api).abs() <= api / 10)
        },
    )
    .await;
    b.wait_for(
        "the intersections and advisories",
        Duration::from_secs(60),
        || async {
            b.eval(
                "return [window.roadcloud.model.intersections.size, \
                     document.querySelectorAll('#advisory-list li.advisory').length > 0, \
                     window.roadcloud.model.carParks.map((c) => c.slots), \
                     window.roadcloud.model.obstacles.map((o) => o.kind)];",
            )
            .await
                == json!([
                    5,
                    true,
                    [20],
                    ["trafficcone", "trafficcone", "trafficcone", "trafficcone"]
                ])
        },
    )
    .await;
    // Long enough for signals to change and advisories to fade on the map.
    tokio::time::sleep(Duration::from_secs(3)).await;
    b.screenshot("demo").await;

    // Each operator panel fills from the API.
    for (tab, filled) in [
        ("devices", "#device-table tbody tr"),
        ("events", "#event-log li.log"),
    ] {
        b.click(&format!("#tabs button[data-tab='{tab}']")).await;
        b.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(filled))
            .await
            .unwrap_or_else(|e| panic!("the {tab} panel stays empty: {e}"));
        b.screenshot(&format!("demo-{tab}")).await;
    }
    b.click("#tabs button[data-tab='charts']").await;
    // The charts draw the series the API keeps: a line needs two samples.
    b.wait_for("the charts", Duration::from_secs(10), || async {
        b.eval(
            "const c = document.getElementById('chart-rate'); \
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
             for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 200 && d[i] < 120) return true; \
             return false;",
        )
        .await
            == true
    })
    .await;
    b.screenshot("demo-charts").await;
    b.assert_no_console_errors().await;
    b.close().await;
}

/// With logins required (serve --pki): the map asks to log in, a wrong password is said so,
/// an operator logs in over HTTPS, the header names the user and says the platform is
/// secured, the operator switches FCW off, and the event log shows who did.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_logs_in_switches_an_application_and_the_log_says_who() {
    use common::tls::*;
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    add_user(&data, "olga", "operator", Some("olga-password-1"));
    let s = serve_secured(&pki, &data, &[]);
    // The zone's CA is private: this browser is told to accept its server certificate.
    let b = Browser::start_with(&["--ignore-certificate-errors"]).await;
    b.client
        .goto(&format!("https://localhost:{}/", s.https))
        .await
        .unwrap();
    b.client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#login:not([hidden]) #login-name"))
        .await
        .expect("the login form");
    let fill = |css: &'static str, text: &'static str| {
        let c = b.client.clone();
        async move {
            c.find(Locator::Css(css))
                .await
                .unwrap()
                .send_keys(text)
                .await
                .unwrap();
        }
    };
    fill("#login-name", "olga").await;
    fill("#login-password", "wrong-password").await;
    b.click("#login-submit").await;
    b.wait_for("the login error", Duration::from_secs(10), || async {
        b.eval("const e = document.getElementById('login-error'); return !e.hidden;")
            .await
            == true
    })
    .await;
    b.eval("document.getElementById('login-password').value = ''; return null;")
        .await;
    fill("#login-password", "olga-password-1").await;
    b.screenshot("login").await;
    b.click("#login-submit").await;
    b.wait_for(
        "the live feed after login",
        Duration::from_secs(15),
        || async { b.stats().await["connected"] == true },
    )
    .await;
    // The refused requests before logging in were logged as failed loads; from here on
    // nothing may fail.
    b.console().await;
    b.wait_for("the header", Duration::from_secs(10), || async {
        b.eval(
            "const u = document.getElementById('user'), e = document.getElementById('exposure'); \
             return !u.hidden && u.textContent + '|' + e.dataset.mode;",
        )
        .await
            == json!("olga (operator)|secured")
    })
    .await;
    b.click("#tabs button[data-tab='apps']").await;
    let sw = b
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("input.app-switch[data-app='FCW']"))
        .await
        .expect("the FCW switch");
    sw.click().await.unwrap();
    b.wait_for("FCW off in the API", Duration::from_secs(10), || async {
        // Anonymous reads are refused: ask as the page does, with its session cookie.
        b.eval(
            "return fetch('/api/v1/apps/FCW').then(r => r.json()).then(a => a.enabled === false);",
        )
        .await
            == true
    })
    .await;
    b.click("#tabs button[data-tab='events']").await;
    b.wait_for("the change in the event log", Duration::from_secs(10), || async {
        b.eval(
            "return [...document.querySelectorAll('#event-log li.audit')] \
               .some(li => li.textContent.includes('app.switch FCW') && li.textContent.includes('olga'));",
        )
        .await
            == true
    })
    .await;
    b.screenshot("login-audit").await;
    b.assert_no_console_errors().await;
    b.close().await;
}
