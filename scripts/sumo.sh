#!/usr/bin/env bash
# Installs Eclipse SUMO 1.28.0 from PyPI into a venv (once) and exports SUMO_HOME (and
# PROJ_DATA, SUMO's projection data) for the caller: `source scripts/sumo.sh`.
# The venv lives in ${ROADCLOUD_SUMO_VENV:-$HOME/.cache/roadcloud/sumo-venv}.
venv=${ROADCLOUD_SUMO_VENV:-$HOME/.cache/roadcloud/sumo-venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sumo' 2>/dev/null; then
  echo "installing eclipse-sumo==1.28.0 into $venv ..." >&2
  command -v python3 >/dev/null || { echo "error: python3 is needed to install SUMO" >&2; return 1 2>/dev/null || exit 1; }
  python3 -m venv "$venv" || { echo "error: cannot create a venv (Debian: apt-get install python3-venv)" >&2; return 1 2>/dev/null || exit 1; }
  "$venv/bin/pip" install -q eclipse-sumo==1.28.0 >&2
fi
SUMO_HOME=$("$venv/bin/python" -c 'import sumo, os; print(os.path.dirname(sumo.__file__))')
export SUMO_HOME
export PROJ_DATA="$SUMO_HOME/data/proj" PROJ_LIB="$SUMO_HOME/data/proj"
