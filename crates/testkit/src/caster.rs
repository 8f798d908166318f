//! A real NTRIP caster for tests: RTKLIB's `str2str` (Debian package rtklib, installed by
//! scripts/test.sh) serving one mountpoint, fed RTCM 3 on its standard input as a base
//! station would feed it.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The caster's mountpoint.
pub const MOUNTPOINT: &str = "JD01";
/// The user it admits.
pub const USER: &str = "rover";
/// That user's password.
pub const PASSWORD: &str = "s3cret";

/// A running caster on a free loopback port; stopped when dropped.
pub struct Caster {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl Caster {
    /// Starts the caster and waits until it listens; panics (failing the test) when
    /// `str2str` is missing or does not listen within 5 s.
    pub fn start() -> Caster {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new("str2str")
            .args([
                "-out",
                &format!("ntripc://{USER}:{PASSWORD}@:{port}/{MOUNTPOINT}"),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("str2str (Debian package rtklib) runs; scripts/test.sh installs it");
        let caster = Caster { child, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return caster;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("str2str did not listen on {port}");
    }

    /// The URL of `mountpoint` with user and password `auth` (`user:password@`, or empty).
    pub fn url(&self, auth: &str, mountpoint: &str) -> String {
        format!("ntrip://{auth}127.0.0.1:{}/{mountpoint}", self.port)
    }

    /// The URL roadcloud is given: the mountpoint with the right credentials.
    pub fn good_url(&self) -> String {
        self.url(&format!("{USER}:{PASSWORD}@"), MOUNTPOINT)
    }

    /// Feeds `bytes` to the caster, which streams them to the clients connected now.
    pub fn send(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("str2str's input");
        stdin.write_all(bytes).expect("str2str takes input");
        stdin.flush().expect("str2str takes input");
    }
}

impl Drop for Caster {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
