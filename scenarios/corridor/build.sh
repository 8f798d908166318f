#!/usr/bin/env bash
# Rebuilds the bundled corridor scenario from its plain node and edge files: six signalised
# junctions 300 m apart on an east-west arterial south of Anting (two lanes each way, side
# streets north and south), netconvert's static programs (uncoordinated: each junction's
# cycle starts at 0), random car trips routed by duarouter, and ambulances on calls along
# the whole corridor (ambulances.rou.xml, written by hand). Nodes in longitude/latitude,
# projected by netconvert to UTM zone 51. `roadcloud eval-green-wave` measures the
# ambulances' travel times on it with and without roadcloud's signal priority.
#
#   scenarios/corridor/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files corridor.nod.xml --edge-files corridor.edg.xml \
  --proj.utm --tls.default-type static --no-turnarounds true \
  --output.street-names false -o corridor.net.xml
python3 "$SUMO_HOME/tools/randomTrips.py" -n corridor.net.xml -o cars.trips.xml \
  --seed 42 --begin 0 --end 600 --period 1.6 --fringe-factor 10 --min-distance 300 \
  --trip-attributes 'type="car"' --additional-file vtypes.add.xml --validate >/dev/null
"$SUMO_HOME/bin/duarouter" -n corridor.net.xml --route-files cars.trips.xml \
  --additional-files vtypes.add.xml -o cars.rou.xml --seed 42 --no-step-log >/dev/null
rm -f cars.trips.xml cars.rou.alt.xml routes.rou.xml
echo "built corridor.net.xml, cars.rou.xml"
