#!/usr/bin/env bash
# Rebuilds the bundled crossing scenario from its plain node and edge files: a four-arm
# junction without signals (the main road east-west has the right of way), one lane each
# way at 50 km/h, nodes in longitude/latitude projected by netconvert to UTM zone 51. The
# scenario for cooperative intersection passing (CIP): `roadcloud eval-cip`.
#
#   scenarios/crossing/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files crossing.nod.xml --edge-files crossing.edg.xml \
  --proj.utm --output.street-names false --no-turnarounds true -o crossing.net.xml
echo "built crossing.net.xml"
