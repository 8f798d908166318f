#!/usr/bin/env bash
# Rebuilds the bundled arterial scenario from its plain node and edge files: an urban
# arterial south of Anting, two lanes each way, with two signalised junctions whose left
# turns are permitted (they yield to oncoming traffic: netconvert's default program) and two
# unsignalised ones where the side streets yield, sidewalks and crossings; random car,
# bicycle and pedestrian trips routed by duarouter. Nodes in longitude/latitude, projected
# by netconvert to UTM zone 51.
#
#   scenarios/arterial/build.sh        # needs scripts/sumo.sh's venv (SUMO_HOME)
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=../../scripts/sumo.sh
source ../../scripts/sumo.sh
"$SUMO_HOME/bin/netconvert" --node-files arterial.nod.xml --edge-files arterial.edg.xml \
  --proj.utm --sidewalks.guess --crossings.guess --tls.default-type static \
  --no-turnarounds true --output.street-names false -o arterial.net.xml
python3 "$SUMO_HOME/tools/randomTrips.py" -n arterial.net.xml -o cars.trips.xml \
  --seed 42 --begin 0 --end 600 --period 1.0 --fringe-factor 20 --min-distance 250 \
  --trip-attributes 'type="car"' --additional-file vtypes.add.xml --validate >/dev/null
python3 "$SUMO_HOME/tools/randomTrips.py" -n arterial.net.xml -o bikes.trips.xml \
  --seed 44 --begin 0 --end 600 --period 8 --fringe-factor 20 --min-distance 250 \
  --vehicle-class bicycle --prefix bike --validate >/dev/null
python3 "$SUMO_HOME/tools/randomTrips.py" -n arterial.net.xml -o walks.trips.xml \
  --seed 43 --begin 0 --end 600 --period 3 --pedestrians --max-distance 500 \
  --prefix walk >/dev/null
for f in cars bikes; do
  "$SUMO_HOME/bin/duarouter" -n arterial.net.xml --route-files $f.trips.xml \
    --additional-files vtypes.add.xml -o $f.rou.xml --seed 42 --no-step-log >/dev/null
  rm -f $f.trips.xml $f.rou.alt.xml
done
rm -f routes.rou.xml
mv walks.trips.xml walks.rou.xml
echo "built arterial.net.xml, cars.rou.xml, bikes.rou.xml, walks.rou.xml"
