//! SUMO's trip output (`--tripinfo-output`): each vehicle's trip, for travel times and
//! delays (<https://sumo.dlr.de/docs/Simulation/Output/TripInfo.html>).

/// One vehicle's trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// The vehicle's id.
    pub id: String,
    /// When it departed, seconds.
    pub depart_s: f64,
    /// How long the trip took (to the run's end when unfinished), seconds.
    pub duration_s: f64,
    /// The time lost against driving at the ideal speed, seconds (SUMO's `timeLoss`).
    pub time_loss_s: f64,
    /// The edge it departed from.
    pub depart_edge: String,
    /// The edge it arrived on (empty when unfinished).
    pub arrival_edge: String,
    /// It had not arrived when the run ended (`arrival="-1"`).
    pub unfinished: bool,
}

/// The edge of a lane id (`edge_index`).
fn edge_of(lane: &str) -> String {
    lane.rsplit_once('_')
        .map_or(lane, |(edge, _)| edge)
        .to_string()
}

/// Reads a trip output.
pub fn read(xml: &str) -> Result<Vec<Trip>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        let ev = reader
            .read_event()
            .map_err(|e| format!("the trip output is not XML: {e}"))?;
        let e = match &ev {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => e,
            quick_xml::events::Event::Eof => break,
            _ => continue,
        };
        if e.name().as_ref() != "tripinfo" {
            continue;
        }
        let mut get = std::collections::HashMap::new();
        for a in e.attributes().filter_map(Result::ok) {
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_default();
            get.insert(a.key.as_ref().to_string(), value);
        }
        let text = |k: &str| get.get(k).cloned().unwrap_or_default();
        let number = |k: &str| -> Result<f64, String> {
            text(k)
                .parse()
                .map_err(|_| format!("tripinfo {} has no number {k}", text("id")))
        };
        out.push(Trip {
            id: text("id"),
            depart_s: number("depart")?,
            duration_s: number("duration")?,
            time_loss_s: number("timeLoss")?,
            depart_edge: edge_of(&text("departLane")),
            arrival_edge: edge_of(&text("arrivalLane")),
            unfinished: number("arrival")? < 0.0,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_finished_and_unfinished_trips() {
        let xml = r#"<tripinfos>
  <tripinfo id="a" depart="40.00" departLane="w_c1_0" arrival="160.00" arrivalLane="c6_e_1" duration="120.00" timeLoss="31.50" vType="ambulance"/>
  <tripinfo id="b" depart="550.00" departLane="c2n_c2_0" arrival="-1" arrivalLane="" duration="50.00" timeLoss="3.00"/>
</tripinfos>"#;
        let t = read(xml).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].depart_edge, "w_c1");
        assert_eq!(t[0].arrival_edge, "c6_e");
        assert!((t[0].time_loss_s - 31.5).abs() < 1e-9);
        assert!(t[1].unfinished && !t[0].unfinished);
        assert!(read("<tripinfos><tripinfo id=\"x\"/></tripinfos>").is_err());
    }
}
