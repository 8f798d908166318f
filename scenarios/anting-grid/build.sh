#!/usr/bin/env bash
# Rebuilds the bundled SUMO scenario from its plain node and edge files: a 3 x 3 grid of
# signalised intersections 250 m apart around the Anting demo intersection (31.2866 N,
# 121.1655 E), nodes given in longitude/latitude and projected by netconvert to UTM zone 51
# (the net keeps the projection and offset, so positions convert back to WGS-84), with
# sidewalks and crossings; random car and pedestrian trips routed by duarouter.
#
#   scenarios/anting-grid/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files grid.nod.xml --edge-files grid.edg.xml \
  --proj.utm --sidewalks.guess --crossings.guess --tls.default-type static \
  --output.street-names false -o anting-grid.net.xml
python3 "$SUMO_HOME/tools/randomTrips.py" -n anting-grid.net.xml -o cars.trips.xml \
  --seed 42 --begin 0 --end 600 --period 0.5 --fringe-factor 10 --min-distance 300 \
  --trip-attributes 'type="car"' --additional-file vtypes.add.xml --validate >/dev/null
python3 "$SUMO_HOME/tools/randomTrips.py" -n anting-grid.net.xml -o walks.trips.xml \
  --seed 43 --begin 0 --end 600 --period 4 --pedestrians --max-distance 600 \
  --prefix walk >/dev/null
"$SUMO_HOME/bin/duarouter" -n anting-grid.net.xml --route-files cars.trips.xml \
  --additional-files vtypes.add.xml -o cars.rou.xml --seed 42 --no-step-log >/dev/null
rm -f cars.trips.xml cars.rou.alt.xml routes.rou.xml
mv walks.trips.xml walks.rou.xml
echo "built anting-grid.net.xml, cars.rou.xml, walks.rou.xml"
