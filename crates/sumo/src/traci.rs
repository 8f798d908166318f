//! A TraCI client: the TCP protocol SUMO's `--remote-port` speaks
//! (<https://sumo.dlr.de/docs/TraCI/Protocol.html>). Only what the bridge needs: version,
//! simulation steps with variable subscriptions, batched variable reads and sets (vehicles'
//! slow-downs, traffic lights' states, phases and programs), close.
//!
//! A message is a 4-octet big-endian length (itself included) and commands; a command is a
//! one-octet length (or 0 and a 4-octet length) with its id and content. SUMO answers each
//! command with a status and, for reads, a result command.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;

/// Command and variable ids (TraCI constants, `traci/constants.py`).
pub mod ids {
    /// Get version.
    pub const CMD_GETVERSION: u8 = 0x00;
    /// Simulation step.
    pub const CMD_SIMSTEP: u8 = 0x02;
    /// Close.
    pub const CMD_CLOSE: u8 = 0x7f;
    /// Get a traffic light variable.
    pub const GET_TL: u8 = 0xa2;
    /// Get a vehicle variable.
    pub const GET_VEHICLE: u8 = 0xa4;
    /// Get a simulation variable.
    pub const GET_SIM: u8 = 0xab;
    /// Get a person variable.
    pub const GET_PERSON: u8 = 0xae;
    /// Subscribe to vehicle variables.
    pub const SUBSCRIBE_VEHICLE: u8 = 0xd4;
    /// Subscribe to simulation variables.
    pub const SUBSCRIBE_SIM: u8 = 0xdb;
    /// The id list of a domain.
    pub const ID_LIST: u8 = 0x00;
    /// Speed, m/s.
    pub const VAR_SPEED: u8 = 0x40;
    /// Position (x, y), metres in the network.
    pub const VAR_POSITION: u8 = 0x42;
    /// Angle, degrees clockwise from north.
    pub const VAR_ANGLE: u8 = 0x43;
    /// Length, metres.
    pub const VAR_LENGTH: u8 = 0x44;
    /// Vehicle class (`passenger`, `emergency`, ...).
    pub const VAR_VEHICLECLASS: u8 = 0x49;
    /// Width, metres.
    pub const VAR_WIDTH: u8 = 0x4d;
    /// Signals (blinkers, brake light), a bit set.
    pub const VAR_SIGNALS: u8 = 0x5b;
    /// Vehicle variable: the lane it is on.
    pub const VAR_LANE_ID: u8 = 0x51;
    /// Vehicle variable: its front bumper's distance from its lane's start, m.
    pub const VAR_LANEPOSITION: u8 = 0x56;
    /// Simulation time, seconds.
    pub const VAR_TIME: u8 = 0x66;
    /// Acceleration, m/s².
    pub const VAR_ACCELERATION: u8 = 0x72;
    /// Vehicles that departed in the last step.
    pub const VAR_DEPARTED_VEHICLES_IDS: u8 = 0x74;
    /// Vehicles that arrived in the last step.
    pub const VAR_ARRIVED_VEHICLES_IDS: u8 = 0x7a;
    /// Set vehicle variable (command).
    pub const SET_VEHICLE: u8 = 0xc4;
    /// Vehicle: slow down to a speed over a duration.
    pub const CMD_SLOWDOWN: u8 = 0x14;
    /// Vehicle: its speed mode, a bit set of the checks SUMO applies to speeds set over
    /// TraCI (bit 3: the right of way at junctions).
    pub const VAR_SPEEDSETMODE: u8 = 0xb3;
    /// SUMO's default speed mode (`VAR_SPEEDSETMODE`): safe speed, maximum acceleration and
    /// deceleration, the right of way at junctions, braking hard rather than passing a red
    /// light (bits 0 to 4).
    pub const SPEED_MODE_DEFAULT: i32 = 0b11111;
    /// Vehicle: change to a lane (its index) and try for a duration.
    pub const CMD_CHANGELANE: u8 = 0x13;
    /// Simulation variable: vehicles involved in collisions this step.
    pub const VAR_COLLIDING_VEHICLES_NUMBER: u8 = 0x80;
    /// Expected number of vehicles still to come or running.
    pub const VAR_MIN_EXPECTED_VEHICLES: u8 = 0x7d;
    /// A traffic light's state string (one of `rRyYgGoOus` per controlled link).
    pub const TL_RED_YELLOW_GREEN_STATE: u8 = 0x20;
    /// When a traffic light switches next, simulation seconds.
    pub const TL_NEXT_SWITCH: u8 = 0x2d;
    /// Traffic light: the index of its program's phase (set: jump to it).
    pub const TL_PHASE_INDEX: u8 = 0x22;
    /// Traffic light: its program's id (set: switch to it).
    pub const TL_PROGRAM: u8 = 0x23;
    /// Traffic light: the remaining duration of its phase, seconds (set).
    pub const TL_PHASE_DURATION: u8 = 0x24;
    /// Set a traffic light variable (command).
    pub const SET_TL: u8 = 0xc2;
    /// Vehicle: the edges of its route.
    pub const VAR_EDGES: u8 = 0x54;
}

/// The vehicle sets that give a vehicle back to SUMO's driver model: no commanded speed,
/// the default speed mode.
pub fn default_driving(id: &str) -> [(u8, String, Set); 2] {
    [
        (ids::VAR_SPEED, id.to_string(), Set::Double(-1.0)),
        (
            ids::VAR_SPEEDSETMODE,
            id.to_string(),
            Set::Int(ids::SPEED_MODE_DEFAULT),
        ),
    ]
}

/// A value as TraCI types it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `TYPE_DOUBLE`.
    Double(f64),
    /// `TYPE_INTEGER`.
    Int(i32),
    /// `TYPE_STRING`.
    Str(String),
    /// `TYPE_STRINGLIST`.
    StrList(Vec<String>),
    /// `POSITION_2D`.
    Pos2d(f64, f64),
    /// `TYPE_UBYTE` or `TYPE_BYTE`.
    Byte(i16),
    /// Anything else, skipped.
    Other,
}

impl Value {
    /// As a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Double(x) => Some(x),
            Value::Int(i) => Some(f64::from(i)),
            Value::Byte(b) => Some(f64::from(b)),
            _ => None,
        }
    }
}

fn bad(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Reads TraCI's big-endian storage.
struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        let s = self
            .buf
            .get(self.at..self.at + n)
            .ok_or_else(|| bad("TraCI answer ends early"))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn i32(&mut self) -> io::Result<i32> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn f64(&mut self) -> io::Result<f64> {
        Ok(f64::from_be_bytes(self.take(8)?.try_into().expect("8")))
    }
    fn len(&mut self) -> io::Result<usize> {
        let n = self.i32()?;
        usize::try_from(n).map_err(|_| bad("negative length"))
    }
    fn string(&mut self) -> io::Result<String> {
        let n = self.len()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    /// A command's length prefix: one octet, or 0 and four.
    fn command_len(&mut self) -> io::Result<usize> {
        match self.u8()? {
            0 => self.len(),
            n => Ok(usize::from(n)),
        }
    }
    fn value(&mut self) -> io::Result<Value> {
        Ok(match self.u8()? {
            0x0b => Value::Double(self.f64()?),
            0x09 => Value::Int(self.i32()?),
            0x0c => Value::Str(self.string()?),
            0x0e => {
                let n = self.len()?;
                let mut v = Vec::with_capacity(n.min(4_096));
                for _ in 0..n {
                    v.push(self.string()?);
                }
                Value::StrList(v)
            }
            0x01 => Value::Pos2d(self.f64()?, self.f64()?),
            0x07 => Value::Byte(i16::from(self.u8()?)),
            0x08 => Value::Byte(i16::from(self.u8()? as i8)),
            0x03 => {
                let v = Value::Pos2d(self.f64()?, self.f64()?);
                self.f64()?;
                v
            }
            0x00 => Value::Pos2d(self.f64()?, self.f64()?),
            0x10 => {
                let n = self.len()?;
                self.take(8 * n)?;
                Value::Other
            }
            0x11 => {
                self.take(4)?;
                Value::Other
            }
            t => return Err(bad(format!("TraCI value type {t:#04x} not understood"))),
        })
    }
}

/// Writes TraCI commands into one message.
#[derive(Default)]
struct Message {
    body: Vec<u8>,
    commands: Vec<u8>,
}

impl Message {
    fn command(&mut self, id: u8, content: &[u8]) {
        let len = content.len() + 2;
        if len <= 255 {
            self.body.extend([len as u8, id]);
        } else {
            self.body.push(0);
            self.body.extend(((len + 4) as i32).to_be_bytes());
            self.body.push(id);
        }
        self.body.extend(content);
        self.commands.push(id);
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as i32).to_be_bytes());
    out.extend(s.as_bytes());
}

/// A value to set, as TraCI types it.
#[derive(Debug, Clone, PartialEq)]
pub enum Set {
    /// `TYPE_BYTE`.
    Byte(u8),
    /// `TYPE_INTEGER`.
    Int(i32),
    /// `TYPE_DOUBLE`.
    Double(f64),
    /// `TYPE_STRING`.
    Str(String),
    /// `TYPE_COMPOUND`: its items.
    Compound(Vec<Set>),
}

impl Set {
    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Set::Byte(b) => {
                out.push(0x08);
                out.push(*b);
            }
            Set::Int(i) => {
                out.push(0x09);
                out.extend(i.to_be_bytes());
            }
            Set::Double(x) => {
                out.push(0x0b);
                out.extend(x.to_be_bytes());
            }
            Set::Str(t) => {
                out.push(0x0c);
                string(out, t);
            }
            Set::Compound(items) => {
                out.push(0x0f);
                out.extend((items.len() as i32).to_be_bytes());
                for i in items {
                    i.write(out);
                }
            }
        }
    }
}

/// What a simulation step brought: the subscribed variables of each object, by
/// subscription response id (`0xe4` vehicles, `0xeb` simulation).
pub type Subscriptions = HashMap<(u8, String), HashMap<u8, Value>>;

/// A connection to SUMO.
pub struct Client {
    stream: TcpStream,
}

impl Client {
    /// Connects to SUMO's `--remote-port` on `addr`.
    pub fn connect(addr: std::net::SocketAddr) -> io::Result<Client> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Client { stream })
    }

    fn exchange(&mut self, m: &Message) -> io::Result<Vec<u8>> {
        let mut out = ((m.body.len() + 4) as i32).to_be_bytes().to_vec();
        out.extend(&m.body);
        self.stream.write_all(&out)?;
        let mut len = [0u8; 4];
        self.stream.read_exact(&mut len)?;
        let n = usize::try_from(i32::from_be_bytes(len) - 4).map_err(|_| bad("bad length"))?;
        // SUMO's answers are at most a few MB even for large networks.
        if n > 256 << 20 {
            return Err(bad("TraCI answer over 256 MB"));
        }
        let mut buf = vec![0u8; n];
        self.stream.read_exact(&mut buf)?;
        Ok(buf)
    }

    /// Reads a status; an error status becomes an error naming the command.
    fn status(r: &mut Reader, expected: u8) -> io::Result<()> {
        let start = r.at;
        let len = r.command_len()?;
        let id = r.u8()?;
        let result = r.u8()?;
        let text = r.string()?;
        r.at = start + len;
        if id != expected {
            return Err(bad(format!("TraCI answered {id:#04x} to {expected:#04x}")));
        }
        if result != 0 {
            return Err(bad(format!("SUMO refused command {id:#04x}: {text}")));
        }
        Ok(())
    }

    /// The TraCI API version and SUMO's version string.
    pub fn version(&mut self) -> io::Result<(i32, String)> {
        let mut m = Message::default();
        m.command(ids::CMD_GETVERSION, &[]);
        let buf = self.exchange(&m)?;
        let mut r = Reader { buf: &buf, at: 0 };
        Self::status(&mut r, ids::CMD_GETVERSION)?;
        r.command_len()?;
        r.u8()?;
        Ok((r.i32()?, r.string()?))
    }

    /// Reads variables in one message: each `(domain, variable, object)` read's value, in
    /// order (`None` where SUMO has no such object any more).
    pub fn get_many(&mut self, reads: &[(u8, u8, &str)]) -> io::Result<Vec<Option<Value>>> {
        if reads.is_empty() {
            return Ok(Vec::new());
        }
        let mut m = Message::default();
        for (domain, var, obj) in reads {
            let mut c = vec![*var];
            string(&mut c, obj);
            m.command(*domain, &c);
        }
        let buf = self.exchange(&m)?;
        let mut r = Reader { buf: &buf, at: 0 };
        let mut out = Vec::with_capacity(reads.len());
        for (domain, ..) in reads {
            let start = r.at;
            let len = r.command_len()?;
            let id = r.u8()?;
            let result = r.u8()?;
            let _text = r.string()?;
            debug_assert_eq!(r.at - start, len);
            if id != *domain {
                return Err(bad(format!("TraCI answered {id:#04x} to {domain:#04x}")));
            }
            if result != 0 {
                out.push(None);
                continue;
            }
            r.command_len()?;
            r.u8()?; // response id
            r.u8()?; // variable
            r.string()?; // object
            out.push(Some(r.value()?));
        }
        Ok(out)
    }

    /// Subscribes to variables `vars` of object `obj` in domain `command` (a subscribe
    /// command id) for the whole simulation.
    pub fn subscribe_many(&mut self, command: u8, objs: &[&str], vars: &[u8]) -> io::Result<()> {
        if objs.is_empty() {
            return Ok(());
        }
        let mut m = Message::default();
        for obj in objs {
            let mut c = Vec::new();
            c.extend(0f64.to_be_bytes());
            c.extend(f64::MAX.to_be_bytes());
            string(&mut c, obj);
            c.push(vars.len() as u8);
            c.extend(vars);
            m.command(command, &c);
        }
        let buf = self.exchange(&m)?;
        let mut r = Reader { buf: &buf, at: 0 };
        for _ in objs {
            Self::status(&mut r, command)?;
            // The first values come at once; the step brings them again.
            Self::subscription(&mut r)?;
        }
        Ok(())
    }

    fn subscription(r: &mut Reader) -> io::Result<((u8, String), HashMap<u8, Value>)> {
        r.command_len()?;
        let response = r.u8()?;
        let obj = r.string()?;
        let n = r.u8()?;
        let mut vars = HashMap::with_capacity(usize::from(n));
        for _ in 0..n {
            let var = r.u8()?;
            let status = r.u8()?;
            let v = r.value()?;
            if status == 0 {
                vars.insert(var, v);
            }
        }
        Ok(((response, obj), vars))
    }

    /// Advances the simulation to `target_s` (one step when 0) and returns the subscribed
    /// variables.
    pub fn step(&mut self, target_s: f64) -> io::Result<Subscriptions> {
        let mut m = Message::default();
        m.command(ids::CMD_SIMSTEP, &target_s.to_be_bytes());
        let buf = self.exchange(&m)?;
        let mut r = Reader { buf: &buf, at: 0 };
        Self::status(&mut r, ids::CMD_SIMSTEP)?;
        let n = r.i32()?;
        let mut out = Subscriptions::with_capacity(n.max(0) as usize);
        for _ in 0..n {
            let (k, v) = Self::subscription(&mut r)?;
            out.insert(k, v);
        }
        Ok(out)
    }

    /// Has each vehicle of `orders` (id, speed m/s, duration s) slow down to the speed over
    /// the duration, in one message. A vehicle that has left is skipped (SUMO's refusal of
    /// it is not an error here); the number of orders SUMO took is returned.
    pub fn slow_down_many(&mut self, orders: &[(&str, f64, f64)]) -> io::Result<usize> {
        let sets: Vec<(u8, &str, Set)> = orders
            .iter()
            .map(|(id, speed, duration)| {
                (
                    ids::CMD_SLOWDOWN,
                    *id,
                    Set::Compound(vec![Set::Double(*speed), Set::Double(*duration)]),
                )
            })
            .collect();
        self.set_many(ids::SET_VEHICLE, &sets)
    }

    /// Sets variables of objects of one domain (`SET_VEHICLE`, `SET_TL`, ...) in one
    /// message: each `(variable, object, value)`. An object SUMO refuses (one that has
    /// left, a value it does not take) is skipped; the number of sets SUMO took is
    /// returned.
    pub fn set_many(&mut self, domain: u8, sets: &[(u8, &str, Set)]) -> io::Result<usize> {
        if sets.is_empty() {
            return Ok(0);
        }
        let mut m = Message::default();
        for (var, id, value) in sets {
            let mut c = vec![*var];
            string(&mut c, id);
            value.write(&mut c);
            m.command(domain, &c);
        }
        let buf = self.exchange(&m)?;
        let mut r = Reader { buf: &buf, at: 0 };
        let mut taken = 0;
        for _ in sets {
            let start = r.at;
            let len = r.command_len()?;
            let id = r.u8()?;
            let result = r.u8()?;
            r.at = start + len;
            if id != domain {
                return Err(bad(format!("TraCI answered {id:#04x} to {domain:#04x}")));
            }
            taken += usize::from(result == 0);
        }
        Ok(taken)
    }

    /// Ends the simulation; SUMO writes its outputs and exits.
    pub fn close(&mut self) -> io::Result<()> {
        let mut m = Message::default();
        m.command(ids::CMD_CLOSE, &[]);
        let buf = self.exchange(&m)?;
        Self::status(&mut Reader { buf: &buf, at: 0 }, ids::CMD_CLOSE)
    }
}
