//! roadcloud's bridge to Eclipse SUMO: [`traci`] drives SUMO step by step, [`net`] reads its
//! network (projection, MAP), [`bridge`] turns its vehicles, pedestrians and traffic lights
//! into the messages devices send, and [`ssm`] reads the conflicts its SSM device records,
//! and [`truth`] what happened that SSM does not record, for [`eval`]uating roadcloud's
//! warnings against them; [`priority`] has its emergency vehicles ask for the green and its
//! traffic lights carry out roadcloud's priority commands; [`sds`] has a share of its vehicles
//! ask what lies ahead and scores the answers against what they could not see; [`merge`] has
//! the vehicles on an on-ramp's acceleration lane ask for a gap, carries out the answers and
//! records every merge; [`passing`] has the vehicles coming to a junction without signals
//! declare how they pass it and carries out the slots they get; [`runners`] has a share of
//! its drivers run red lights, which SUMO's own never do; [`distraction`] has them look
//! away from the road now and then, which SUMO's own never do either; [`respond`] has them
//! heed roadcloud's advisories.

#![warn(missing_docs)]

pub mod bridge;
pub mod cosim;
pub mod distraction;
pub mod eval;
pub mod merge;
pub mod net;
pub mod passing;
pub mod priority;
pub mod respond;
pub mod runners;
pub mod sds;
pub mod ssm;
pub mod traci;
pub mod tripinfo;
pub mod truth;

/// What the unit tests share.
#[cfg(test)]
pub(crate) mod testing {
    use crate::bridge::VehicleSample;
    use crate::net::Net;

    /// A passenger car `id` heading north at the origin, on `lane` `lane_pos_m` from its
    /// start, at `speed_mps`.
    pub fn car(id: &str, lane: &str, lane_pos_m: f64, speed_mps: f64) -> VehicleSample {
        VehicleSample {
            id: id.into(),
            x: 0.0,
            y: 0.0,
            speed_mps,
            angle_deg: 0.0,
            accel_mps2: 0.0,
            length_m: 5.0,
            width_m: 1.8,
            class: "passenger".into(),
            signals: 0,
            lane: lane.into(),
            lane_pos_m,
        }
    }

    /// The bundled grid's network: lane 1 of `n01_n11` comes to traffic light `n11`, whose
    /// link 19 takes it straight on to `n11_n21`.
    pub fn grid() -> Net {
        Net::read(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../scenarios/anting-grid/anting-grid.net.xml"),
        )
        .unwrap()
    }
}
