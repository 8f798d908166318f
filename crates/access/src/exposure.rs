//! Protected mode, as Redis has it: a platform that reads every vehicle and sends safety
//! advisories does not listen beyond this machine with neither TLS nor authentication.
//! [`Exposure::check`] looks at every listener before anything binds and refuses a setup that
//! would, naming the setting that fixes it; an explicit `--insecure` (for labs) lets it run,
//! and says so wherever the platform shows its state.

use serde::Serialize;
use std::net::SocketAddr;

/// One network listener: what it serves, where, and whether it authenticates its clients
/// over TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// What it serves, as the user names it: the flag that sets its address
    /// (`--mqtt-listen`, `--udp-listen`, `--http-listen`).
    pub flag: &'static str,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Whether it speaks TLS and lets in only authenticated clients.
    pub secured: bool,
}

impl std::fmt::Display for Listener {
    /// As the user set it: `--mqtt-listen 0.0.0.0:1883`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.flag, self.addr)
    }
}

impl Listener {
    /// Whether anyone beyond this machine can reach it: any address but a loopback one
    /// (`0.0.0.0` and `::` are every interface).
    pub fn exposed(&self) -> bool {
        !self.addr.ip().is_loopback()
    }
}

/// How the platform is reachable, as the API and the web map show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Exposure {
    /// Every listener beyond loopback is secured; the unsecured ones only this machine's
    /// users reach.
    Protected,
    /// Unsecured listeners beyond loopback, allowed by `--insecure`.
    Insecure {
        /// The exposed unsecured listeners, as `flag address`.
        exposed: Vec<String>,
    },
}

/// Why the platform will not start as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The exposed unsecured listeners.
    pub exposed: Vec<Listener>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self.exposed.iter().map(Listener::to_string).collect();
        write!(
            f,
            "refusing to listen beyond this machine without TLS and authentication ({}): \
             anyone on the network could read every vehicle, invent one, or switch a safety \
             application off. Listen on loopback (e.g. {} 127.0.0.1:{}), or, in a lab, pass \
             --insecure (`insecure = true` in the config file)",
            list.join(", "),
            self.exposed[0].flag,
            self.exposed[0].addr.port(),
        )
    }
}

impl std::error::Error for Refusal {}

impl Exposure {
    /// Checks `listeners` before they bind: unsecured ones beyond loopback are refused
    /// unless `insecure`.
    pub fn check(listeners: &[Listener], insecure: bool) -> Result<Exposure, Refusal> {
        let exposed: Vec<Listener> = listeners
            .iter()
            .filter(|l| l.exposed() && !l.secured)
            .cloned()
            .collect();
        match (exposed.is_empty(), insecure) {
            (true, _) => Ok(Exposure::Protected),
            (false, true) => Ok(Exposure::Insecure {
                exposed: exposed.iter().map(Listener::to_string).collect(),
            }),
            (false, false) => Err(Refusal { exposed }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(flag: &'static str, addr: &str, secured: bool) -> Listener {
        Listener {
            flag,
            addr: addr.parse().unwrap(),
            secured,
        }
    }

    #[test]
    fn loopback_listeners_are_protected() {
        let ls = [
            l("--mqtt-listen", "127.0.0.1:1883", false),
            l("--http-listen", "[::1]:8080", false),
        ];
        assert_eq!(Exposure::check(&ls, false), Ok(Exposure::Protected));
    }

    #[test]
    fn an_unsecured_listener_beyond_loopback_is_refused_with_the_fix_named() {
        let ls = [
            l("--mqtt-listen", "0.0.0.0:1883", false),
            l("--http-listen", "127.0.0.1:8080", false),
        ];
        let e = Exposure::check(&ls, false).unwrap_err();
        assert_eq!(e.exposed.len(), 1);
        let msg = e.to_string();
        assert!(msg.contains("--mqtt-listen 0.0.0.0:1883"), "{msg}");
        assert!(msg.contains("--mqtt-listen 127.0.0.1:1883"), "{msg}");
        assert!(msg.contains("--insecure"), "{msg}");
    }

    #[test]
    fn insecure_lets_it_run_and_says_what_is_exposed() {
        let ls = [
            l("--udp-listen", "10.0.0.5:5555", false),
            l("--http-listen", "0.0.0.0:8443", true),
        ];
        assert_eq!(
            Exposure::check(&ls, true),
            Ok(Exposure::Insecure {
                exposed: vec!["--udp-listen 10.0.0.5:5555".into()]
            })
        );
        // A secured listener beyond loopback needs no --insecure.
        assert_eq!(Exposure::check(&ls[1..], false), Ok(Exposure::Protected));
    }
}
