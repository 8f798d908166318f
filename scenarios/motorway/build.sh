#!/usr/bin/env bash
# Rebuilds the bundled motorway scenario from its plain node, edge and connection files: a
# three-lane 120 km/h section west of Anting with an on-ramp whose acceleration lane runs on
# to the next off-ramp (a weaving section), nodes in longitude/latitude projected by
# netconvert to UTM zone 51. No traffic lights: the scenario for the applications on
# sections, where lanes come from MAP of road sections, not of junctions.
#
#   scenarios/motorway/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files motorway.nod.xml --edge-files motorway.edg.xml \
  --connection-files motorway.con.xml --proj.utm --output.street-names false \
  --no-turnarounds true -o motorway.net.xml
echo "built motorway.net.xml"
