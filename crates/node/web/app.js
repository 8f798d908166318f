// The web map's live model and panels. The model follows the WebSocket feed
// (`/api/v1/live?view=map`: a snapshot, then an update every 100 ms); the panels read the
// REST API (`/api/v1/apps`, `/devices`, `/stats/series`, `/participants/{id}`, history).

import { MapView, Projection, ADVISORY_FADE_MS } from "./map.js";
import { lineChart } from "./charts.js";
import { t, scenarioName, language, setLanguage, translatePage } from "./i18n.js";

/** What the page knows of the zone. */
const model = {
  projection: null,
  /** track -> participant */
  participants: new Map(),
  /** public id -> track */
  trackOf: new Map(),
  /** intersection id -> intersection */
  intersections: new Map(),
  /** `${rsu}/${kind}/${id}` -> event or sign */
  events: new Map(),
  /** advisories drawn on the map until they have faded */
  drawnAdvisories: [],
  /** the newest advisories, newest first, for the panel and the details */
  recentAdvisories: [],
  /** send times of the last minute's advisories, for the header */
  advisoryTimes: [],
  /** counts changes of the intersections, signals and events (the map redraws them) */
  roadVersion: 0,
  /** misbehaviour (docs/misbehaviour.md): the vehicles quarantined now, those reported
   * lately (id -> time of the last report), and the newest reports, newest first */
  quarantined: new Set(),
  flagged: new Map(),
  misbehaviour: [],
  /** the operators' lane rules in force (DLM): lane key -> { closed, label } */
  laneRules: new Map(),
  /** the gaps granted now for lane changes and merges (CLC, CVM): the vehicle changing
   * lanes, the one making room, and a label */
  gaps: [],
  /** the car parks their RSUs announce (PAM, GSPA): where, name, free slots of all */
  carParks: [],
  /** the obstacles on the road that sensors report (SSM): where, and what */
  obstacles: [],
  /** the selected participant's track */
  selected: null,
  /** server clock minus this page's clock, ms */
  clockOffset: 0,
};

const MAX_LISTED_ADVISORIES = 100;
const MAX_DRAWN_ADVISORIES = 300;
const MAX_LOG = 1000;
const MAX_DEVICE_ROWS = 300;
const $ = (id) => document.getElementById(id);
const serverNow = () => Date.now() + model.clockOffset;

const view = new MapView($("map"), $("map-top"), model);
// For tests and for operators' own tooling: the model and the view's figures.
window.roadcloud = {
  model,
  view,
  stats: () => ({
    participants: model.participants.size,
    drawn: view.drawn,
    fps: view.fps,
    frameMs: view.frameMs,
    feedMsPerS: feedTime.msPerS,
    feedBytesPerS: feedTime.bytesPerS,
    connected: socket?.readyState === WebSocket.OPEN,
  }),
};

// ---------------------------------------------------------------- the feed

let socket = null;
/** Main-thread time spent on the feed (parse and apply) and its size since `since`. */
const feedTime = { ms: 0, bytes: 0, since: performance.now(), msPerS: 0, bytesPerS: 0 };
let retryMs = 500;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/live?view=map`);
  socket.onopen = () => {
    retryMs = 500;
    setConnection("open");
  };
  socket.onmessage = (m) => {
    const started = performance.now();
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch (e) {
      console.warn("roadcloud: a feed message that is not JSON was skipped", e);
      return;
    }
    apply(msg);
    feedTime.ms += performance.now() - started;
    feedTime.bytes += m.data.length;
  };
  socket.onclose = () => {
    setConnection("closed");
    // The server may be restarting: try again, less often the longer it is away.
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

function setConnection(state) {
  const el = $("conn");
  el.dataset.state = state;
  if (state === "open") el.dataset.everOpen = "1";
  const key = state === "open" ? "connected" : el.dataset.everOpen ? "reconnecting" : "connecting";
  $("conn-text").dataset.i18n = key;
  $("conn-text").textContent = t(key);
}

function apply(msg) {
  model.clockOffset = msg.at - Date.now();
  if (msg.type === "snapshot") {
    model.roadVersion += 1;
    model.participants.clear();
    model.trackOf.clear();
    model.intersections.clear();
    model.events.clear();
  }
  for (const x of msg.intersections || []) putIntersection(x);
  for (const row of msg.participants || []) putParticipant(row);
  for (const track of msg.removed || []) {
    const p = model.participants.get(track);
    if (p) {
      model.participants.delete(track);
      if (model.trackOf.get(p.id) === track) model.trackOf.delete(p.id);
    }
  }
  if (msg.type === "snapshot") {
    for (const e of msg.events || []) putEvent(e, "appeared");
  } else {
    for (const c of msg.events || []) {
      putEvent(c.event, c.change);
      log(roadEntry(msg.at, c.event, c.change));
    }
  }
  for (const d of msg.devices || []) {
    log(deviceEntry(d));
  }
  for (const a of msg.advisories || []) putAdvisory(a, true);
  if (msg.lane_rules) {
    const rules = new Map(
      msg.lane_rules.map((r) => [
        r.lane,
        {
          closed: r.use === "closed",
          label: r.use === "closed" ? t("laneClosed") : `${t("laneFor")} ${r.maneuvers.map((m) => t(`move_${m}`)).join(", ")}`,
        },
      ]),
    );
    const key = (m) => JSON.stringify([...m.entries()]);
    if (key(rules) !== key(model.laneRules)) {
      model.laneRules = rules;
      model.roadVersion += 1;
    }
  }
  if (msg.gaps) {
    model.gaps = msg.gaps.map((g) => ({
      vehicle: g.vehicle,
      yielding: g.yielding,
      label: t(g.kind === "merge" ? "gapMerge" : "gapLaneChange"),
    }));
  }
  if (msg.car_parks) {
    model.carParks = msg.car_parks.map((c) => {
      const [x, y] = project(c.position[0], c.position[1]);
      return { x, y, name: c.name, free: c.free, slots: c.slots };
    });
  }
  if (msg.obstacles) {
    model.obstacles = msg.obstacles.map(([lat, lon, kind]) => {
      const [x, y] = project(lat, lon);
      return { x, y, kind };
    });
  }
  if (msg.type === "snapshot") model.quarantined = new Set(msg.quarantined || []);
  for (const r of msg.misbehaviour || []) putMisbehaviour(r);
  for (const q of msg.quarantine || []) {
    if (q.quarantined) model.quarantined.add(q.device);
    else model.quarantined.delete(q.device);
  }
}

function project(lat, lon) {
  if (!model.projection) model.projection = new Projection(lat, lon);
  return model.projection.xy(lat, lon);
}

function putParticipant(row) {
  const [track, id, type, lat, lon, heading, speed, source, length, width] = row;
  const [x, y] = project(lat, lon);
  let p = model.participants.get(track);
  if (!p) {
    p = { track };
    model.participants.set(track, p);
  }
  p.id = id;
  p.type = type;
  p.x = x;
  p.y = y;
  p.heading = heading;
  p.speed = speed;
  p.source = source;
  p.length = length;
  p.width = width;
  p.received = performance.now();
  model.trackOf.set(id, track);
}

function putIntersection(x) {
  model.roadVersion += 1;
  const old = model.intersections.get(x.id);
  const phases = x.signal ? new Map(x.signal.phases.map((ph) => [ph.id, ph])) : null;
  // Held for a priority vehicle (PVP): the map rings the junction.
  const priority = x.priority
    ? { phase: x.priority.phase, label: `${t("priorityFor")} ${x.priority.vehicle.slice(-4)}` }
    : null;
  if (!x.links) {
    // Signal state only (no MAP yet, or only the lights changed).
    if (old) {
      old.phases = phases;
      old.priority = priority;
    }
    return;
  }
  const [cx, cy] = project(x.lat, x.lon);
  const xy = (pts) => pts.map(([lat, lon]) => project(lat, lon));
  model.intersections.set(x.id, {
    id: x.id,
    name: x.name,
    x: cx,
    y: cy,
    phases,
    priority,
    links: x.links.map((l) => ({
      width: l.width_m || 3.5 * Math.max(1, l.lanes.length),
      points: xy(l.points),
      lanes: l.lanes.map((lane) => {
        const centre = xy(lane.centre_line || lane.points || []);
        // Centre lines run towards the intersection: the stop line is the last point.
        const stop = centre.length ? centre[centre.length - 1] : null;
        const straight = lane.connects_to.find((c) => c.phase != null);
        // As the API names a lane: intersection, upstream node, lane id.
        const key = `${x.id}:${l.upstream}:${lane.id}`;
        return { centre, stop, phase: straight ? straight.phase : null, key };
      }),
    })),
  });
}

function putEvent(e, change) {
  model.roadVersion += 1;
  const key = `${e.rsu}/${e.kind}/${e.id}`;
  if (change === "ended") {
    model.events.delete(key);
    return;
  }
  const [x, y] = project(e.lat, e.lon);
  model.events.set(key, {
    kind: e.kind,
    x,
    y,
    radius: e.radius_m || 0,
    label: readable(e.description) || `${t(e.kind)} ${e.code ?? ""}`,
    paths: (e.paths || []).map((p) => ({ half: p.half_width_m || 1.5, points: p.points.map(([lat, lon]) => project(lat, lon)) })),
  });
}

/**
 * A description as people read it. The API gives one the server could not read as
 * `gb2312:` and its octets in hex (T/CSAE 53-2020 `Description` may be GB2312); browsers
 * read GBK, a superset of GB2312.
 */
function readable(text) {
  if (!text || !text.startsWith("gb2312:")) return text;
  const hex = text.slice(7);
  const octets = new Uint8Array(hex.length / 2);
  for (let i = 0; i < octets.length; i++) octets[i] = parseInt(hex.substr(2 * i, 2), 16);
  try {
    return new TextDecoder("gbk").decode(octets);
  } catch (_) {
    return text;
  }
}

/** A new advisory: drawn, listed, logged; `live` when it comes from the feed now. */
function putAdvisory(a, live) {
  const [x, y] = project(a.lat, a.lon);
  const others = (a.others || []).map((o) => {
    const [ox, oy] = project(o.lat, o.lon);
    return { id: o.id, type: o.type, x: ox, y: oy };
  });
  const entry = { ...a, x, y, others, ttc: a.ttc_s, expiresAt: a.expires_at };
  if (live) {
    model.drawnAdvisories.push(entry);
    // The newest only: past a few hundred links the map is a tangle, and each costs a frame.
    if (model.drawnAdvisories.length > MAX_DRAWN_ADVISORIES) model.drawnAdvisories.shift();
    model.advisoryTimes.push(a.at);
  }
  model.recentAdvisories.unshift(entry);
  if (model.recentAdvisories.length > MAX_LISTED_ADVISORIES * 5) model.recentAdvisories.length = MAX_LISTED_ADVISORIES * 5;
  advisoriesToList.push(entry);
  if (advisoriesToList.length > 2 * MAX_LISTED_ADVISORIES) advisoriesToList.splice(0, advisoriesToList.length - MAX_LISTED_ADVISORIES);
  log({ kind: "advisory", at: a.at, scenario: a.scenario, text: advisoryText(entry) });
}

function advisoryText(a) {
  const about = a.others.length ? ` ${t("about")} ${a.others.map((o) => o.id).join(", ")}` : "";
  const ttc = a.ttc != null ? `, ${t("ttc")} ${a.ttc.toFixed(1)} s` : "";
  return `${a.scenario} ${t("target")} ${a.target}${about}${ttc}`;
}

// ---------------------------------------------------------------- advisories panel

/** Advisories not yet in the panel, oldest first. */
let advisoriesToList = [];

/** Puts the advisories that came since the last call at the top of the panel. */
function listAdvisories() {
  if (!advisoriesToList.length) return;
  const ul = $("advisory-list");
  // Only the newest can stay: a busy zone sends more a second than the panel keeps.
  const items = advisoriesToList.slice(-MAX_LISTED_ADVISORIES).reverse().map(advisoryItem);
  advisoriesToList = [];
  ul.prepend(...items);
  while (ul.children.length > MAX_LISTED_ADVISORIES) ul.lastChild.remove();
  $("advisories-empty").hidden = true;
}

function advisoryItem(a) {
  const li = document.createElement("li");
  li.className = `advisory ${a.severity}`;
  li.dataset.scenario = a.scenario;
  li.dataset.target = a.target;
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.textContent = a.scenario;
  const name = document.createElement("span");
  name.className = "name";
  name.dataset.scenario = a.scenario;
  name.textContent = scenarioName(a.scenario);
  const time = document.createElement("time");
  time.textContent = new Date(a.at).toLocaleTimeString();
  const detail = document.createElement("div");
  detail.className = "detail";
  detail.textContent = a.detail || advisoryText(a);
  const who = document.createElement("div");
  who.className = "who dim";
  who.textContent = advisoryText(a);
  li.append(badge, name, time, detail, who);
  li.addEventListener("click", () => select(model.trackOf.get(a.target) ?? null, true));
  return li;
}

// ---------------------------------------------------------------- details

function select(track, centre) {
  model.selected = track;
  const p = track != null && model.participants.get(track);
  $("details").hidden = !p;
  if (!p) return;
  if (centre) view.centreOn(p.x, p.y);
  renderDetails(p, null);
  fetchJson(`/api/v1/participants/${encodeURIComponent(p.id)}`).then((full) => {
    if (model.selected === track) renderDetails(p, full);
  });
}

function renderDetails(p, full) {
  const rows = [
    [t("id"), p.id],
    [t("type"), t(p.type)],
    [t("speed"), p.speed != null ? `${(p.speed * 3.6).toFixed(1)} km/h` : "—"],
    [t("heading"), p.heading != null ? `${p.heading.toFixed(0)}°` : "—"],
    [t("lane"), full && full.lane ? full.lane.id : t("none")],
    [t("sources"), full ? full.sources.join(", ") : t(p.source === "self" ? "legendSelf" : p.source === "fused" ? "legendFused" : "legendRoadside")],
  ];
  const dl = $("details-body");
  dl.replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      return [dt, dd];
    }),
  );
  const mine = model.recentAdvisories.filter((a) => a.target === p.id || a.others.some((o) => o.id === p.id)).slice(0, 5);
  const ul = $("details-advisories");
  ul.replaceChildren(
    ...(mine.length
      ? mine.map((a) => {
          const li = document.createElement("li");
          li.textContent = `${new Date(a.at).toLocaleTimeString()} ${scenarioName(a.scenario)}: ${advisoryText(a)}`;
          return li;
        })
      : [Object.assign(document.createElement("li"), { textContent: t("none"), className: "dim" })]),
  );
}

// ---------------------------------------------------------------- applications panel

async function refreshApps() {
  const r = await fetchJson("/api/v1/apps");
  if (!r) return;
  const tbody = $("app-table").tBodies[0];
  for (const app of r.apps) {
    let tr = tbody.querySelector(`tr[data-app="${CSS.escape(app.id)}"]`);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.app = app.id;
      const sw = document.createElement("input");
      sw.type = "checkbox";
      sw.className = "app-switch";
      sw.dataset.app = app.id;
      sw.addEventListener("change", () => switchApp(app.id, sw));
      const name = document.createElement("td");
      name.className = "app-name";
      const sent = document.createElement("td");
      sent.className = "num sent";
      const cell = document.createElement("td");
      cell.append(sw);
      tr.append(cell, name, sent);
      tbody.append(tr);
    }
    const sw = tr.querySelector("input");
    if (!sw.disabled) sw.checked = app.enabled;
    tr.querySelector(".app-name").textContent = `${app.id} · ${scenarioName(app.id)}`;
    tr.querySelector(".sent").textContent = app.advisories_sent;
    tr.classList.toggle("off", !app.enabled);
  }
}

async function switchApp(id, sw) {
  sw.disabled = true;
  const error = $("apps-error");
  try {
    const r = await fetch(`/api/v1/apps/${encodeURIComponent(id)}`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ enabled: sw.checked }),
    });
    const body = await r.json();
    if (!r.ok) throw new Error(body.error || r.statusText);
    sw.checked = body.enabled;
    error.hidden = true;
  } catch (e) {
    sw.checked = !sw.checked;
    error.textContent = `${t("appSwitchFailed")} ${id}: ${e.message}`;
    error.hidden = false;
  } finally {
    sw.disabled = false;
    refreshApps();
  }
}

// ---------------------------------------------------------------- misbehaviour panel

const MAX_MISBEHAVIOUR = 200;
let misbehaviourDirty = false;
let misbehaviourLoaded = false;

/** A misbehaviour report: its vehicle marked on the map, the report listed. */
function putMisbehaviour(r) {
  if (r.action !== "none") model.flagged.set(r.device, r.at);
  model.misbehaviour.unshift(r);
  if (model.misbehaviour.length > MAX_MISBEHAVIOUR) model.misbehaviour.length = MAX_MISBEHAVIOUR;
  misbehaviourDirty = true;
}

/** The panel: the stored reports once, then what the feed brings. */
async function refreshMisbehaviour() {
  if (!misbehaviourLoaded) {
    misbehaviourLoaded = true;
    const r = await fetchJson("/api/v1/misbehaviour?limit=100");
    if (r) {
      const seen = new Set(model.misbehaviour.map((m) => `${m.device}/${m.kind}/${m.at}`));
      const older = r.reports.filter((m) => !seen.has(`${m.device}/${m.kind}/${m.at}`));
      model.misbehaviour.push(...older);
      model.misbehaviour.sort((a, b) => b.at - a.at);
      model.misbehaviour.length = Math.min(model.misbehaviour.length, MAX_MISBEHAVIOUR);
      for (const d of r.quarantined || []) model.quarantined.add(d);
      misbehaviourDirty = true;
    }
  }
  $("quarantined-count").textContent = model.quarantined.size;
  if (!misbehaviourDirty) return;
  misbehaviourDirty = false;
  const items = model.misbehaviour.map((r) => {
    const li = document.createElement("li");
    li.className = `misbehaviour ${r.action}`;
    const head = document.createElement("div");
    head.textContent = `${new Date(r.at).toLocaleTimeString()} ${r.kind} · ${t(`action_${r.action}`)}`;
    const who = document.createElement("div");
    who.className = "mono";
    who.textContent = r.device;
    who.onclick = () => {
      const track = model.trackOf.get(r.device);
      if (track != null) select(track, true);
    };
    const detail = document.createElement("div");
    detail.className = "dim";
    detail.textContent = r.detail;
    li.append(head, who, detail);
    return li;
  });
  $("misbehaviour-list").replaceChildren(...items);
  $("misbehaviour-empty").hidden = items.length > 0;
}

// ---------------------------------------------------------------- devices panel

let devices = [];

async function refreshDevices() {
  const r = await fetchJson("/api/v1/devices");
  if (!r) return;
  devices = r.devices;
  renderDevices();
}

function renderDevices() {
  const q = $("device-filter").value.trim().toLowerCase();
  const now = serverNow();
  const list = devices
    .filter((d) => !q || d.id.includes(q) || (d.kind || "").toLowerCase().includes(q))
    // RSUs first: there are few of them and each matters.
    .sort((a, b) => (a.kind === b.kind ? a.id.localeCompare(b.id) : a.kind === "RSU" ? -1 : 1));
  const rows = list.slice(0, MAX_DEVICE_ROWS).map((d) => {
    const tr = document.createElement("tr");
    tr.className = d.online ? "" : "off";
    const rejected = Object.values(d.rejected || {}).reduce((s, n) => s + n, 0);
    for (const [text, cls] of [
      [d.id, "mono"],
      [d.kind || "?", ""],
      [t(d.online ? "online" : "offline"), d.online ? "ok" : "bad"],
      [d.last_seen ? `${Math.max(0, (now - d.last_seen) / 1000).toFixed(1)} ${t("ago")}` : "—", "num"],
      [d.rate_per_s != null ? d.rate_per_s.toFixed(1) : "—", "num"],
      [String(rejected), rejected ? "num bad" : "num"],
    ]) {
      const td = document.createElement("td");
      td.textContent = text;
      td.className = cls;
      tr.append(td);
    }
    return tr;
  });
  $("device-table").tBodies[0].replaceChildren(...rows);
  $("devices-shown").textContent = rows.length;
  $("devices-total").textContent = devices.length;
}

// ---------------------------------------------------------------- event log

const logEntries = [];
let logDirty = false;

function log(entry) {
  logEntries.unshift(entry);
  if (logEntries.length > MAX_LOG) logEntries.length = MAX_LOG;
  if (entry.scenario) addScenarioOption(entry.scenario);
  logDirty = true;
}

/** A log entry of a road event or sign that appeared, changed or ended (live or stored). */
function roadEntry(at, e, change) {
  return { kind: "road", at, text: `${t(e.kind)} ${e.code ?? ""} ${readable(e.description) ?? ""} — ${t(change)} (RSU ${e.rsu})` };
}

/** A log entry of a change an operator made (the audit log). */
function auditEntry(e) {
  const detail = e.detail == null ? "" : ` ${JSON.stringify(e.detail)}`;
  return { kind: "audit", at: e.at, text: `${e.action} ${e.target}${detail} — ${t("auditBy")} ${e.actor} ${t("auditFrom")} ${e.source}` };
}

/** The audit log's newest sequence number seen. */
let auditSeq = 0;

/** Adds the changes operators made since the last look to the event log. */
async function pollAudit() {
  const r = await fetchJson(`/api/v1/audit?after=${auditSeq}&limit=200`);
  if (!r) return;
  // Newest first from the API; the log takes them oldest first.
  for (const e of [...r.entries].reverse()) {
    auditSeq = Math.max(auditSeq, e.seq);
    log(auditEntry(e));
  }
}

/** A log entry of a device that came online or went offline (live or stored). */
function deviceEntry(d) {
  return { kind: "device", at: d.at, text: `${d.kind.toUpperCase()} ${d.device}: ${t(d.status)}` };
}

function addScenarioOption(s) {
  const select = $("log-scenario");
  if ([...select.options].some((o) => o.value === s)) return;
  select.append(new Option(`${s} · ${scenarioName(s)}`, s));
}

function renderLog() {
  logDirty = false;
  const show = {
    advisory: $("log-advisories").checked,
    road: $("log-road").checked,
    device: $("log-devices").checked,
    audit: $("log-audit").checked,
  };
  const scenario = $("log-scenario").value;
  const q = $("log-filter").value.trim().toLowerCase();
  const items = logEntries
    .filter((e) => show[e.kind] && (!scenario || e.kind !== "advisory" || e.scenario === scenario))
    .filter((e) => !q || e.text.toLowerCase().includes(q))
    .slice(0, 300)
    .map((e) => {
      const li = document.createElement("li");
      li.className = `log ${e.kind}`;
      li.dataset.kind = e.kind;
      const time = document.createElement("time");
      time.textContent = new Date(e.at).toLocaleTimeString();
      li.append(time, ` ${e.text}`);
      return li;
    });
  $("event-log").replaceChildren(...items);
}

/** The last ten minutes from the store, so the log is not empty after a reload. */
async function loadHistory() {
  const from = serverNow() - 10 * 60 * 1000;
  const [events, changes, advisories] = await Promise.all([
    fetchJson(`/api/v1/history/events?from=${from}&limit=200`),
    fetchJson(`/api/v1/history/devices?from=${from}&limit=200`),
    fetchJson(`/api/v1/advisories?from=${from}&limit=200`),
  ]);
  const old = [];
  for (const e of events?.events || []) {
    old.push(roadEntry(e.at, e, e.change));
  }
  for (const d of changes?.changes || []) {
    old.push(deviceEntry(d));
  }
  for (const a of advisories?.advisories || []) {
    if (!a) continue;
    const others = (a.others || []).map((o) => ({ id: o.id }));
    old.push({ kind: "advisory", at: a.at, scenario: a.scenario, text: advisoryText({ ...a, others, ttc: a.ttc_s }) });
    addScenarioOption(a.scenario);
  }
  old.sort((a, b) => b.at - a.at);
  // What the feed brought meanwhile is newer; the stored entries go after it, once each.
  const newest = logEntries.length ? logEntries[logEntries.length - 1].at : Infinity;
  logEntries.push(...old.filter((e) => e.at < newest));
  if (logEntries.length > MAX_LOG) logEntries.length = MAX_LOG;
  logDirty = true;
}

// ---------------------------------------------------------------- charts

async function refreshCharts() {
  const r = await fetchJson("/api/v1/stats/series");
  if (!r) return;
  const s = r.samples.slice(-300);
  const values = (k) => s.map((x) => [x.at, x[k]]);
  lineChart($("chart-rate"), [
    { colour: "#4da3ff", values: values("received_per_s") },
    { colour: "#5fd38d", values: values("admitted_per_s") },
    { colour: "#ff4d4d", values: values("rejected_per_s") },
  ]);
  lineChart($("chart-latency"), [
    { colour: "#5fd38d", values: values("ingest_p50_ms") },
    { colour: "#ffb347", values: values("ingest_p99_ms") },
  ]);
  lineChart($("chart-advisories"), [{ colour: "#ff9f1a", values: values("advisories_per_s") }]);
}

// ---------------------------------------------------------------- page

async function fetchJson(path) {
  try {
    const r = await fetch(path);
    return r.ok ? await r.json() : null;
  } catch (_) {
    // The server is away; the connection indicator says so and the next poll tries again.
    return null;
  }
}

let activeTab = "advisories";

function showTab(name) {
  activeTab = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const p of document.querySelectorAll(".panel")) p.hidden = p.id !== `panel-${name}`;
  refreshPanel();
}

function refreshPanel() {
  if (activeTab === "advisories") listAdvisories();
  else if (activeTab === "apps") refreshApps();
  else if (activeTab === "devices") refreshDevices();
  else if (activeTab === "misbehaviour") refreshMisbehaviour();
  else if (activeTab === "charts") refreshCharts();
  else if (activeTab === "events" && logDirty) renderLog();
}

function refreshHeader() {
  const now = performance.now();
  if (now - feedTime.since >= 1000) {
    const seconds = (now - feedTime.since) / 1000;
    feedTime.msPerS = feedTime.ms / seconds;
    feedTime.bytesPerS = feedTime.bytes / seconds;
    Object.assign(feedTime, { ms: 0, bytes: 0, since: now });
  }
  const minuteAgo = serverNow() - 60000;
  while (model.advisoryTimes.length && model.advisoryTimes[0] < minuteAgo) model.advisoryTimes.shift();
  model.drawnAdvisories = model.drawnAdvisories.filter((a) => a.expiresAt + ADVISORY_FADE_MS > serverNow());
  $("count-participants").textContent = model.participants.size;
  $("count-intersections").textContent = model.intersections.size;
  $("count-events").textContent = model.events.size;
  $("count-advisories").textContent = model.advisoryTimes.length;
  $("fps").textContent = view.fps.toFixed(0);
  if (activeTab === "advisories") listAdvisories();
  view.follow();
  const sel = model.selected != null && model.participants.get(model.selected);
  if (model.selected != null && !sel) select(null);
}

function frame() {
  view.draw(serverNow());
  requestAnimationFrame(frame);
}

/**
 * Who is looking: with logins required (serve --pki) and no valid session, the login form
 * instead of the map; after logging in (the server sets the session cookie), the page
 * starts over. Returns whether the map may start.
 */
async function authenticate() {
  let r;
  try {
    r = await fetch("/api/v1/whoami");
  } catch (_) {
    return true; // the server is away; the map shows it and reconnects
  }
  if (r.ok) {
    const me = await r.json();
    if (me.name) {
      $("user").textContent = `${me.name} (${me.role})`;
      $("user").hidden = false;
    }
    loginRequired = me.login_required;
    return true;
  }
  if (r.status !== 401) return true;
  $("login").hidden = false;
  $("login-name").focus();
  $("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = $("login-error");
    try {
      const res = await fetch("/api/v1/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: $("login-name").value, password: $("login-password").value }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body.error || res.statusText);
      location.reload();
    } catch (e) {
      error.textContent = `${t("loginFailed")} ${e.message}`;
      error.hidden = false;
    }
  });
  return false;
}

let loginRequired = false;

async function start() {
  translatePage();
  if (!(await authenticate())) return;
  view.resize();
  new ResizeObserver(() => view.resize()).observe($("map"));
  view.onSelect = (p) => select(p ? p.track : null, false);
  $("details-close").addEventListener("click", () => select(null));
  $("fit").addEventListener("click", () => {
    view.moved = false;
    view.fit();
  });
  $("lang").addEventListener("click", () => {
    setLanguage(language() === "zh" ? "en" : "zh");
    for (const el of document.querySelectorAll(".advisory .name")) el.textContent = scenarioName(el.dataset.scenario);
    refreshApps();
    renderLog();
    if (model.selected != null) select(model.selected, false);
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("device-filter").addEventListener("input", renderDevices);
  for (const id of ["log-advisories", "log-road", "log-devices", "log-audit", "log-scenario", "log-filter"]) {
    $(id).addEventListener(id === "log-filter" ? "input" : "change", renderLog);
  }
  connect();
  loadHistory();
  pollAudit();
  refreshApps();
  showExposure();
  setInterval(pollAudit, 3000);
  setInterval(refreshHeader, 500);
  setInterval(refreshPanel, 2000);
  setInterval(() => {
    if (model.selected != null) select(model.selected, false);
  }, 1000);
  requestAnimationFrame(frame);
}

// How the platform is reachable (`exposure` in /api/v1/stats): an --insecure platform says
// so in the header, always.
async function showExposure() {
  const r = await fetchJson("/api/v1/stats");
  const e = r && r.exposure;
  if (!e) return;
  const el = $("exposure");
  const mode = e.mode === "insecure" ? "insecure" : loginRequired ? "secured" : "protected";
  el.dataset.mode = mode;
  el.dataset.i18n = { insecure: "exposureInsecure", secured: "exposureSecured", protected: "exposureProtected" }[mode];
  el.textContent = t(el.dataset.i18n);
  el.title =
    mode === "insecure" ? `${t("exposureInsecureTitle")} ${e.exposed.join(", ")}` : t(`${el.dataset.i18n}Title`);
  el.hidden = false;
  // Whether messages must be signed (`signatures` in /api/v1/stats): --allow-unsigned says so.
  const s = r.signatures;
  if (!s) return;
  const sig = $("signing");
  sig.dataset.mode = s.required ? "secured" : "insecure";
  sig.dataset.i18n = s.required ? "signingRequired" : "signingAllowUnsigned";
  sig.textContent = t(sig.dataset.i18n);
  sig.title = t(`${sig.dataset.i18n}Title`);
  sig.hidden = false;
}

start();
