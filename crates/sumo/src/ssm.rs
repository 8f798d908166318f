//! The conflicts SUMO's SSM device records (`--device.ssm.file`): for each encounter of two
//! vehicles whose time to collision, deceleration to avoid a crash or post-encroachment time
//! passed its threshold, when it began and ended, when and how low the TTC got and the PET.

use quick_xml::Reader;
use quick_xml::events::Event;

/// One conflict between two vehicles.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// When it began, simulation seconds.
    pub begin_s: f64,
    /// When it ended.
    pub end_s: f64,
    /// The vehicle whose device recorded it.
    pub ego: String,
    /// The other vehicle.
    pub foe: String,
    /// The lowest time to collision, seconds, and when.
    pub min_ttc: Option<(f64, f64)>,
    /// The post-encroachment time of a crossing (the time between the first vehicle leaving
    /// the conflict area and the second entering it), seconds, and when.
    pub min_pet: Option<(f64, f64)>,
    /// What kind of encounter it was at the lowest TTC.
    pub encounter: Encounter,
    /// For a car-following conflict, the follower and its speed at the lowest TTC, m/s.
    pub follower: Option<(String, f64)>,
}

/// The kind of an encounter, from SSM's encounter type codes (SUMO's MSDevice_SSM
/// `EncounterType`: 1-3 following, 5-8 merging, 9-11 crossing, 12-17 in a conflict area).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encounter {
    /// One vehicle behind the other in a lane (a rear-end conflict).
    Following,
    /// Paths that join (a merge at a junction).
    Merging,
    /// Paths that cross, or both in the area where they cross.
    Crossing,
    /// Anything else, or not recorded.
    #[default]
    Other,
}

impl Encounter {
    /// The kind of SSM's code `code`.
    pub fn of_code(code: u32) -> Encounter {
        match code {
            1..=3 => Encounter::Following,
            5..=8 => Encounter::Merging,
            9..=17 => Encounter::Crossing,
            _ => Encounter::Other,
        }
    }
}

impl Conflict {
    /// The pair, in a fixed order: SUMO writes each conflict from both sides.
    pub fn pair(&self) -> (&str, &str) {
        if self.ego <= self.foe {
            (&self.ego, &self.foe)
        } else {
            (&self.foe, &self.ego)
        }
    }
}

/// Reads an SSM output file's conflicts, each pair and begin once.
pub fn read(xml: &str) -> Result<Vec<Conflict>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<Conflict> = Vec::new();
    let mut current: Option<Conflict> = None;
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("SSM output is not XML: {e}"))?;
        let e = match &ev {
            Event::Start(e) | Event::Empty(e) => e,
            Event::End(e) if e.name().as_ref() == "conflict" => {
                if let Some(c) = current.take() {
                    out.push(c);
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let attr = |k: &str| -> Option<String> {
            e.attributes().filter_map(Result::ok).find_map(|a| {
                (a.key.as_ref() == k).then(|| {
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.into_owned())
                        .unwrap_or_default()
                })
            })
        };
        let num = |k: &str| attr(k).and_then(|v| v.parse::<f64>().ok());
        match e.name().as_ref() {
            "conflict" => {
                current = Some(Conflict {
                    begin_s: num("begin").unwrap_or(0.0),
                    end_s: num("end").unwrap_or(0.0),
                    ego: attr("ego").unwrap_or_default(),
                    foe: attr("foe").unwrap_or_default(),
                    min_ttc: None,
                    min_pet: None,
                    encounter: Encounter::Other,
                    follower: None,
                });
            }
            "minTTC" => {
                if let (Some(c), Some(t), Some(v)) = (current.as_mut(), num("time"), num("value"))
                    // SUMO writes NA (not a number) when the TTC never applied.
                    && v.is_finite()
                {
                    c.min_ttc = Some((t, v));
                    let code = num("type").map_or(0, |c| c as u32);
                    c.encounter = Encounter::of_code(code);
                    // Type 2: the device's vehicle (ego) follows; `speed` is its own.
                    if code == 2
                        && let Some(speed) = num("speed")
                    {
                        c.follower = Some((c.ego.clone(), speed));
                    }
                }
            }
            "PET" => {
                if let (Some(c), Some(t), Some(v)) = (current.as_mut(), num("time"), num("value"))
                    && v.is_finite()
                {
                    c.min_pet = Some((t, v));
                }
            }
            _ => {}
        }
    }
    // Counted once per pair and begin time: SUMO writes both sides.
    out.sort_by(|a, b| {
        a.pair()
            .cmp(&b.pair())
            .then(a.begin_s.total_cmp(&b.begin_s))
    });
    // The follower's speed is on the follower's side of the record.
    out.dedup_by(|b, a| {
        let same = a.pair() == b.pair() && (a.begin_s - b.begin_s).abs() < 1e-6;
        if same && a.follower.is_none() {
            a.follower = b.follower.take();
        }
        if same && a.min_pet.is_none() {
            a.min_pet = b.min_pet;
        }
        same
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_pair_and_begin_counts_once() {
        let xml = r#"<SSMLog>
    <conflict begin="39.80" end="48.60" ego="49" foe="17">
        <minTTC time="40.40" position="759.47,738.92" type="11" value="2.83" speed="16.18"/>
    </conflict>
    <conflict begin="39.80" end="48.60" ego="17" foe="49">
        <minTTC time="40.40" position="759.47,738.92" type="11" value="2.83" speed="16.18"/>
    </conflict>
    <conflict begin="12.00" end="14.00" ego="3" foe="4">
        <minTTC time="13.00" position="1,1" type="3" value="1.20" speed="5.00"/>
    </conflict>
    <conflict begin="12.00" end="14.00" ego="4" foe="3">
        <minTTC time="13.00" position="1,1" type="2" value="1.20" speed="9.50"/>
    </conflict>
    <conflict begin="7.80" end="51.40" ego="9" foe="13">
        <minTTC time="NA" position="NA" type="NA" value="NA" speed="NA"/>
    </conflict>
    <conflict begin="60.00" end="66.00" ego="20" foe="21">
        <minTTC time="NA" position="NA" type="NA" value="NA" speed="NA"/>
        <PET time="64.10" position="5,5" type="6" value="1.30" speed="7.00"/>
    </conflict>
</SSMLog>"#;
        let c = read(xml).unwrap();
        assert_eq!(c.len(), 4);
        // A crossing only its post-encroachment time made a conflict: no TTC.
        let c20 = c.iter().find(|c| c.ego == "20").unwrap();
        assert_eq!((c20.min_ttc, c20.min_pet), (None, Some((64.1, 1.3))));
        let c34 = c.iter().find(|c| c.pair() == ("3", "4")).unwrap();
        assert_eq!(c34.encounter, Encounter::Following);
        assert_eq!(c34.follower, Some(("4".to_string(), 9.5)));
        let c49 = c.iter().find(|c| c.pair() == ("17", "49")).unwrap();
        assert_eq!(c49.min_ttc, Some((40.4, 2.83)));
        assert_eq!(c49.encounter, Encounter::Crossing);
        assert_eq!(c.iter().find(|c| c.ego == "9").unwrap().min_ttc, None);
    }
}
