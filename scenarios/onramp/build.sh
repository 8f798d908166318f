#!/usr/bin/env bash
# Rebuilds the bundled on-ramp scenario from its plain node, edge and connection files: a
# two-lane 120 km/h section west of Anting whose on-ramp runs on as a 250 m acceleration
# lane that ends (a lane drop), nodes in longitude/latitude projected by netconvert to UTM
# zone 51. The scenario for cooperative merging (CVM): `roadcloud eval-merge`.
#
#   scenarios/onramp/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files onramp.nod.xml --edge-files onramp.edg.xml \
  --connection-files onramp.con.xml --proj.utm --output.street-names false \
  --no-turnarounds true -o onramp.net.xml
echo "built onramp.net.xml"
