// The zone drawn on a canvas: roads from MAP, signal heads from SPAT, RSI zones, the
// participants and the advisories linking them. One canvas and one path per colour, not one
// DOM node per vehicle, so thousands of participants draw in a few milliseconds.
//
// Coordinates: a local east-north plane in metres around the first place the feed gives
// (equirectangular; the error over a pilot zone's few kilometres is well under a lane's
// width), turned into pixels by the view's centre and scale.

const EARTH_RADIUS_M = 6371008.8;
const DEG = Math.PI / 180;

/** Degrees to the local plane and back. */
export class Projection {
  constructor(lat0, lon0) {
    this.lat0 = lat0;
    this.lon0 = lon0;
    this.kx = Math.cos(lat0 * DEG) * EARTH_RADIUS_M * DEG;
    this.ky = EARTH_RADIUS_M * DEG;
  }
  /** `[x, y]`, metres east and north of the origin. */
  xy(lat, lon) {
    return [(lon - this.lon0) * this.kx, (lat - this.lat0) * this.ky];
  }
}

/** Colours by source, as the legend shows them. */
export const SOURCE_COLOURS = {
  self: "#4da3ff",
  roadside: "#ffb347",
  fused: "#5fd38d",
};

/** The colour of a junction held for a priority vehicle (PVP). */
const PRIORITY_COLOUR = "#38bdf8";

/** The colour of a gap granted for a lane change or a merge (CLC, CVM). */
const GAP_COLOUR = "#c084fc";
/** The parking sign's blue. */
const CAR_PARK_COLOUR = "#2f7de1";
/** Obstacles on the road (SSM): traffic orange. */
const OBSTACLE_COLOUR = "#ff8c28";

const LIGHT_COLOURS = {
  red: "#ff4d4d",
  "flashing-red": "#ff4d4d",
  yellow: "#ffd24d",
  "flashing-yellow": "#ffd24d",
  "permissive-green": "#3ddc84",
  "protected-green": "#3ddc84",
  "flashing-green": "#3ddc84",
};

const SEVERITY_COLOURS = { alert: "#ff3b3b", warning: "#ff9f1a", info: "#7fb3ff" };

/** How long an advisory stays drawn after it expires, fading out, ms. */
export const ADVISORY_FADE_MS = 3000;
/** Advisories labelled on the map at most (the newest). */
const MAX_ADVISORY_LABELS = 40;
/** How long a vehicle misbehaviour detection reported stays marked, ms. */
const FLAGGED_SHOWN_MS = 10000;
/** How far ahead of its last report a participant is drawn, at most, seconds. */
const MAX_EXTRAPOLATION_S = 0.3;

export class MapView {
  /**
   * @param canvas the canvas to draw on
   * @param model the live model (app.js): participants, intersections, events, advisories
   */
  constructor(canvas, overlay, model) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { alpha: false });
    // Participants, advisories and the scale bar go on a transparent canvas above the roads:
    // the participants as pixels written in one go (see drawParticipants).
    this.overlay = overlay;
    this.octx = overlay.getContext("2d");
    this.model = model;
    this.cx = 0;
    this.cy = 0;
    this.scale = 2; // pixels per metre
    this.fitted = false;
    this.moved = false; // by the operator
    this.drawn = 0;
    this.frameMs = 0;
    this.fps = 0;
    this.frames = 0;
    this.fpsSince = performance.now();
    this.onSelect = () => {};
    this.bindPointer();
  }

  /** Pixels of the canvas's box, times the device's pixel ratio. */
  resize() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    this.dpr = dpr;
    this.width = r.width;
    this.height = r.height;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.max(1, Math.round(r.width * dpr));
      c.height = Math.max(1, Math.round(r.height * dpr));
    }
    this.image = this.octx.createImageData(this.overlay.width, this.overlay.height);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** Screen position of a point of the plane. */
  toScreen(x, y) {
    return [this.width / 2 + (x - this.cx) * this.scale, this.height / 2 - (y - this.cy) * this.scale];
  }

  /** Point of the plane under a screen position. */
  toPlane(sx, sy) {
    return [this.cx + (sx - this.width / 2) / this.scale, this.cy - (sy - this.height / 2) / this.scale];
  }

  /**
   * Until the operator pans or zooms, keeps everything in view: fits again when something
   * lies outside it (not on every move, so the view holds still while traffic flows).
   */
  follow() {
    if (this.moved) return;
    const b = this.bounds();
    if (!b) return;
    const [x0, y1] = this.toPlane(0, 0), [x1, y0] = this.toPlane(this.width, this.height);
    if (!this.fitted || b.minX < x0 || b.maxX > x1 || b.minY < y0 || b.maxY > y1) this.fit();
  }

  /** The box around the roads, events and participants, or null when there is nothing. */
  bounds() {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const add = (x, y) => {
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    };
    for (const x of this.model.intersections.values()) {
      for (const link of x.links) for (const [px, py] of link.points) add(px, py);
      add(x.x, x.y);
    }
    for (const e of this.model.events.values()) add(e.x, e.y);
    for (const p of this.model.participants.values()) add(p.x, p.y);
    return minX === Infinity ? null : { minX, minY, maxX, maxY };
  }

  /** Frames the roads, events and participants; false when there is nothing yet. */
  fit() {
    const b = this.bounds();
    if (!b) return false;
    const { minX, minY, maxX, maxY } = b;
    const margin = 40;
    const w = Math.max(maxX - minX, 50), h = Math.max(maxY - minY, 50);
    this.cx = (minX + maxX) / 2;
    this.cy = (minY + maxY) / 2;
    this.scale = Math.min((this.width - 2 * margin) / w, (this.height - 2 * margin) / h);
    this.scale = Math.min(Math.max(this.scale, 0.02), 40);
    this.fitted = true;
    return true;
  }

  /** Centres the view on a point of the plane. */
  centreOn(x, y) {
    this.cx = x;
    this.cy = y;
  }

  bindPointer() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, cx: this.cx, cy: this.cy, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = this.moved = true;
      this.cx = drag.cx - dx / this.scale;
      this.cy = drag.cy + dy / this.scale;
    });
    c.addEventListener("pointerup", (e) => {
      const wasClick = drag && !drag.moved;
      drag = null;
      if (wasClick) {
        const r = c.getBoundingClientRect();
        this.onSelect(this.pick(e.clientX - r.left, e.clientY - r.top));
      }
    });
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      this.moved = true;
      const r = c.getBoundingClientRect();
      const sx = e.clientX - r.left, sy = e.clientY - r.top;
      const [px, py] = this.toPlane(sx, sy);
      const factor = Math.exp(-e.deltaY * 0.0015);
      this.scale = Math.min(Math.max(this.scale * factor, 0.02), 60);
      // Zoom about the cursor: the point under it stays under it.
      this.cx = px - (sx - this.width / 2) / this.scale;
      this.cy = py + (sy - this.height / 2) / this.scale;
    }, { passive: false });
  }

  /** The participant nearest a screen position within 12 px, or null. */
  pick(sx, sy) {
    let best = null, bestD = 12 * 12;
    const now = performance.now();
    for (const p of this.model.participants.values()) {
      const [x, y] = this.position(p, now);
      const [px, py] = this.toScreen(x, y);
      const d = (px - sx) ** 2 + (py - sy) ** 2;
      if (d < bestD) { bestD = d; best = p; }
    }
    return best;
  }

  /** Where a participant is drawn now: its report carried forward by its speed, a little. */
  position(p, now) {
    if (!p.speed || p.heading == null) return [p.x, p.y];
    const dt = Math.min(Math.max((now - p.received) / 1000, 0), MAX_EXTRAPOLATION_S);
    const h = p.heading * DEG;
    return [p.x + p.speed * dt * Math.sin(h), p.y + p.speed * dt * Math.cos(h)];
  }

  /** Draws one frame; `serverNow` is the server's clock, ms since the epoch. */
  draw(serverNow) {
    const t0 = performance.now();
    const ctx = this.ctx;
    if (!this.width) this.resize();
    // The roads, events and signals change rarely: they are drawn again only when the view,
    // the map or the signals change, or a countdown second passes (the browser then
    // composites the unchanged layer without rasterising it again).
    const baseKey = `${this.cx},${this.cy},${this.scale},${this.canvas.width},${this.canvas.height},${this.model.roadVersion},${Math.floor(serverNow / 500)}`;
    if (baseKey !== this.baseKey) {
      this.baseKey = baseKey;
      ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
      ctx.fillStyle = "#12161c";
      ctx.fillRect(0, 0, this.width, this.height);
      this.drawRoads(ctx);
      this.drawEvents(ctx);
      this.drawCarParks(ctx);
      this.drawObstacles(ctx);
      this.drawSignals(ctx, serverNow);
    }
    this.drawParticipants(this.octx, t0);
    this.drawAdvisories(this.octx, serverNow, t0);
    this.drawScaleBar(this.octx);
    const t1 = performance.now();
    this.frameMs = t1 - t0;
    this.frames += 1;
    if (t1 - this.fpsSince >= 1000) {
      this.fps = (this.frames * 1000) / (t1 - this.fpsSince);
      this.frames = 0;
      this.fpsSince = t1;
    }
  }

  /** Sets a plane-to-screen transform, so paths and line widths are in metres. */
  planeTransform(ctx) {
    const s = this.scale * this.dpr;
    ctx.setTransform(s, 0, 0, -s, this.dpr * (this.width / 2 - this.cx * this.scale), this.dpr * (this.height / 2 + this.cy * this.scale));
  }

  screenTransform(ctx) {
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  }

  drawRoads(ctx) {
    this.planeTransform(ctx);
    ctx.lineCap = "butt";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#2c323b";
    for (const x of this.model.intersections.values()) {
      for (const link of x.links) {
        ctx.lineWidth = link.width;
        polyline(ctx, link.points);
        ctx.stroke();
      }
    }
    // Lane centre lines, thin and dashed, once the lanes are wide enough to tell apart.
    if (this.scale >= 1.2) {
      ctx.strokeStyle = "rgba(200, 210, 220, 0.25)";
      ctx.lineWidth = 1 / this.scale;
      ctx.setLineDash([3, 3]);
      for (const x of this.model.intersections.values()) {
        for (const link of x.links) for (const lane of link.lanes) {
          if (lane.centre.length < 2) continue;
          polyline(ctx, lane.centre);
          ctx.stroke();
        }
      }
      ctx.setLineDash([]);
    }
    // Lanes an operator closed (red) or gave over to other movements (amber), DLM: a band
    // along the lane and what it is for.
    const rules = this.model.laneRules;
    const labels = [];
    if (rules && rules.size) {
      for (const x of this.model.intersections.values()) {
        for (const link of x.links) for (const lane of link.lanes) {
          const rule = rules.get(lane.key);
          if (!rule || lane.centre.length < 2) continue;
          ctx.strokeStyle = rule.closed ? "rgba(255, 77, 77, 0.45)" : "rgba(255, 179, 71, 0.45)";
          ctx.lineWidth = 2.5;
          ctx.setLineDash(rule.closed ? [4, 2] : []);
          polyline(ctx, lane.centre);
          ctx.stroke();
          labels.push([lane.centre[0], rule]);
        }
      }
      ctx.setLineDash([]);
    }
    this.screenTransform(ctx);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const [[px, py], rule] of labels) {
      const [sx, sy] = this.toScreen(px, py);
      ctx.fillStyle = rule.closed ? "#ff4d4d" : "#ffb347";
      ctx.fillText(rule.label, sx, sy - 4);
    }
    if (this.scale >= 0.6) {
      ctx.fillStyle = "rgba(220, 228, 236, 0.7)";
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "center";
      for (const x of this.model.intersections.values()) {
        const [sx, sy] = this.toScreen(x.x, x.y);
        ctx.fillText(x.name || x.id, sx, sy - 6);
      }
    }
  }

  /**
   * The car parks their RSUs announce (PAM, GSPA): a parking sign at the entrance, and the
   * slots free of all below it.
   */
  drawCarParks(ctx) {
    this.screenTransform(ctx);
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const c of this.model.carParks) {
      const [sx, sy] = this.toScreen(c.x, c.y);
      ctx.fillStyle = CAR_PARK_COLOUR;
      ctx.fillRect(sx - 8, sy - 8, 16, 16);
      ctx.fillStyle = "#ffffff";
      ctx.font = "bold 12px system-ui, sans-serif";
      ctx.fillText("P", sx, sy + 1);
      ctx.fillStyle = CAR_PARK_COLOUR;
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(`${c.free}/${c.slots}`, sx, sy + 17);
    }
    ctx.textBaseline = "alphabetic";
  }

  /**
   * The obstacles on the road that sensors report (SSM): a small warning triangle each,
   * at least 6 px across, as large as 1 m of road.
   */
  drawObstacles(ctx) {
    this.screenTransform(ctx);
    const r = Math.max(3, this.scale * 0.5);
    ctx.fillStyle = OBSTACLE_COLOUR;
    ctx.strokeStyle = "#12161c";
    ctx.lineWidth = 1;
    for (const o of this.model.obstacles) {
      const [sx, sy] = this.toScreen(o.x, o.y);
      ctx.beginPath();
      ctx.moveTo(sx, sy - r);
      ctx.lineTo(sx + r, sy + r);
      ctx.lineTo(sx - r, sy + r);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
    }
  }

  drawEvents(ctx) {
    this.planeTransform(ctx);
    for (const e of this.model.events.values()) {
      const colour = e.kind === "sign" ? "rgba(90, 160, 255," : "rgba(255, 140, 40,";
      ctx.strokeStyle = colour + "0.35)";
      ctx.lineCap = "round";
      for (const path of e.paths) {
        ctx.lineWidth = Math.max(path.half * 2, 2 / this.scale);
        polyline(ctx, path.points);
        ctx.stroke();
      }
      if (e.radius > 0) {
        ctx.beginPath();
        ctx.arc(e.x, e.y, e.radius, 0, 2 * Math.PI);
        ctx.fillStyle = colour + "0.12)";
        ctx.fill();
        ctx.strokeStyle = colour + "0.7)";
        ctx.lineWidth = 1.5 / this.scale;
        ctx.stroke();
      }
    }
    this.screenTransform(ctx);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const e of this.model.events.values()) {
      const [sx, sy] = this.toScreen(e.x, e.y);
      ctx.fillStyle = e.kind === "sign" ? "#5aa0ff" : "#ff8c28";
      ctx.beginPath();
      ctx.arc(sx, sy, 5, 0, 2 * Math.PI);
      ctx.fill();
      if (this.scale >= 0.8) {
        ctx.fillStyle = "#e8edf2";
        ctx.fillText(e.label, sx, sy - 9);
      }
    }
  }

  drawSignals(ctx, serverNow) {
    this.screenTransform(ctx);
    const r = Math.min(Math.max(this.scale * 0.9, 2), 7);
    ctx.font = "10px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const x of this.model.intersections.values()) {
      const phases = x.phases;
      if (x.priority) {
        // A junction held for a priority vehicle: a ring round it, its served lights
        // ringed too, and whom it serves.
        const [cx, cy] = this.toScreen(x.x, x.y);
        ctx.beginPath();
        ctx.arc(cx, cy, Math.max(14, 28 * this.scale), 0, 2 * Math.PI);
        ctx.strokeStyle = PRIORITY_COLOUR;
        ctx.lineWidth = 3;
        ctx.stroke();
        ctx.fillStyle = PRIORITY_COLOUR;
        ctx.fillText(x.priority.label, cx, cy - Math.max(14, 28 * this.scale) - 4);
      }
      for (const link of x.links) for (const lane of link.lanes) {
        if (!lane.stop || lane.phase == null) continue;
        const ph = phases && phases.get(lane.phase);
        const light = ph && ph.light ? ph.light.toLowerCase() : null;
        const [sx, sy] = this.toScreen(lane.stop[0], lane.stop[1]);
        ctx.beginPath();
        ctx.arc(sx, sy, r, 0, 2 * Math.PI);
        ctx.fillStyle = (light && LIGHT_COLOURS[light]) || "#6b7280";
        ctx.fill();
        if (x.priority && lane.phase === x.priority.phase) {
          ctx.strokeStyle = PRIORITY_COLOUR;
          ctx.lineWidth = 2;
          ctx.stroke();
        }
        if (this.scale >= 2.5 && ph && ph.likely_end != null) {
          const left = Math.max(0, Math.round((ph.likely_end - serverNow) / 1000));
          ctx.fillStyle = "#e8edf2";
          ctx.fillText(String(left), sx, sy - r - 3);
        }
      }
    }
  }

  drawParticipants(ctx, now) {
    const margin = 20;
    const w = this.width, h = this.height, s = this.scale, dpr = this.dpr;
    if (!this.sprites || this.sprites.dpr !== dpr) this.sprites = buildSprites(dpr);
    // Small participants are stamped as pixels from pre-drawn sprites straight into the
    // overlay's image, which goes to the canvas in one putImageData: a software canvas (no
    // GPU in many control-room PCs and in headless tests) pays for every drawImage or path,
    // far too much for thousands a frame (docs/webmap.md). Only participants large enough to
    // show their outline to scale are paths, one per colour.
    const pixels = this.pixels, pw = this.overlay.width, ph = this.overlay.height;
    pixels.fill(0);
    const outlines = new Map();
    let drawn = 0;
    const ox = w / 2 - this.cx * s, oy = h / 2 + this.cy * s;
    for (const p of this.model.participants.values()) {
      // this.position(), inline: no array per participant and frame for the collector.
      let x = p.x, y = p.y;
      if (p.speed && p.heading != null) {
        const d = p.speed * Math.min(Math.max((now - p.received) / 1000, 0), MAX_EXTRAPOLATION_S);
        x += d * Math.sin(p.heading * DEG);
        y += d * Math.cos(p.heading * DEG);
      }
      const sx = ox + x * s, sy = oy - y * s;
      if (sx < -margin || sy < -margin || sx > w + margin || sy > h + margin) continue;
      drawn += 1;
      const shape = p.type === "cyclist" ? 2 : p.type === "pedestrian" || p.type === "road-worker" ? 1 : 0;
      const len = (p.length || 4.5) * s;
      if (shape === 0 && len >= 8) {
        let path = outlines.get(p.source);
        if (!path) outlines.set(p.source, (path = new Path2D()));
        const a = (p.heading || 0) * DEG;
        const fx = Math.sin(a), fy = -Math.cos(a); // forward, on screen
        const l = len / 2, q = ((p.width || 1.8) * s) / 2, n = Math.min(l * 0.35, q);
        path.moveTo(sx + fx * l, sy + fy * l);
        path.lineTo(sx + fx * (l - n) - fy * q, sy + fy * (l - n) + fx * q);
        path.lineTo(sx - fx * l - fy * q, sy - fy * l + fx * q);
        path.lineTo(sx - fx * l + fy * q, sy - fy * l - fx * q);
        path.lineTo(sx + fx * (l - n) + fy * q, sy + fy * (l - n) - fx * q);
        path.closePath();
        continue;
      }
      const row = Math.max(0, SOURCES.indexOf(p.source)) * SHAPES.length + shape;
      const col = Math.round((((p.heading || 0) % 360) + 360) / SPRITE_STEP_DEG) % SPRITE_HEADINGS;
      const sprite = this.sprites.stamps[row * SPRITE_HEADINGS + col];
      const px = Math.round(sx * dpr) - sprite.half, py = Math.round(sy * dpr) - sprite.half;
      const { dx, dy, colour } = sprite;
      for (let i = 0; i < colour.length; i++) {
        const X = px + dx[i], Y = py + dy[i];
        if (X >= 0 && Y >= 0 && X < pw && Y < ph) pixels[Y * pw + X] = colour[i];
      }
    }
    ctx.putImageData(this.image, 0, 0);
    this.screenTransform(ctx);
    for (const [source, path] of outlines) {
      ctx.fillStyle = SOURCE_COLOURS[source];
      ctx.fill(path);
    }
    this.drawn = drawn;
    this.drawMisbehaviour(ctx, s, now);
    this.drawGaps(ctx, s, now);
    const sel = this.model.selected && this.model.participants.get(this.model.selected);
    if (sel) {
      const [x, y] = this.position(sel, now);
      const [sx, sy] = this.toScreen(x, y);
      ctx.beginPath();
      ctx.arc(sx, sy, Math.max(10, (sel.length || 4.5) * s * 0.7), 0, 2 * Math.PI);
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  /**
   * Marks the vehicles misbehaviour detection names (docs/misbehaviour.md): a red ring and
   * a bar across for the quarantined (nothing they say moves the world), an amber ring for
   * one reported in the last ten seconds.
   */
  drawMisbehaviour(ctx, s, now) {
    const { quarantined, flagged, trackOf, participants } = this.model;
    if (!quarantined.size && !flagged.size) return;
    const recent = Date.now() + (this.model.clockOffset || 0) - FLAGGED_SHOWN_MS;
    for (const [id, at] of flagged) if (at < recent) flagged.delete(id);
    const ring = (id, colour, bar) => {
      const p = participants.get(trackOf.get(id));
      if (!p) return;
      const [sx, sy] = this.toScreen(...this.position(p, now));
      const r = Math.max(8, (p.length || 4.5) * s * 0.8);
      ctx.beginPath();
      ctx.arc(sx, sy, r, 0, 2 * Math.PI);
      if (bar) {
        ctx.moveTo(sx - r * 0.7, sy + r * 0.7);
        ctx.lineTo(sx + r * 0.7, sy - r * 0.7);
      }
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
    };
    for (const id of flagged.keys()) if (!quarantined.has(id)) ring(id, "#ffb020", false);
    for (const id of quarantined) ring(id, "#ff3b3b", true);
  }

  /**
   * Marks the gaps granted for lane changes and merges (CLC, CVM): a violet ring and the
   * label round the vehicle changing lanes, a dashed ring round the vehicle slowing to make
   * room, and a line from it to the gap.
   */
  drawGaps(ctx, s, now) {
    const { gaps, trackOf, participants } = this.model;
    if (!gaps || !gaps.length) return;
    const at = (id) => {
      const p = id && participants.get(trackOf.get(id));
      if (!p) return null;
      const [sx, sy] = this.toScreen(...this.position(p, now));
      return { sx, sy, r: Math.max(9, (p.length || 4.5) * s * 0.9) };
    };
    ctx.strokeStyle = GAP_COLOUR;
    ctx.fillStyle = GAP_COLOUR;
    ctx.lineWidth = 2;
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const g of gaps) {
      const v = at(g.vehicle);
      if (!v) continue;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.arc(v.sx, v.sy, v.r, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillText(g.label, v.sx, v.sy - v.r - 4);
      const y = at(g.yielding);
      if (!y) continue;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.arc(y.sx, y.sy, y.r, 0, 2 * Math.PI);
      ctx.moveTo(y.sx, y.sy);
      ctx.lineTo(v.sx, v.sy);
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }

  drawAdvisories(ctx, serverNow, now) {
    this.screenTransform(ctx);
    // One path per severity and fading step: a busy zone has thousands of advisories
    // standing, and a stroke each would cost more than all the participants.
    const FADE_STEPS = 4;
    const paths = new Map();
    const labels = [];
    const list = this.model.drawnAdvisories;
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i];
      const fade = serverNow <= a.expiresAt ? 0 : (serverNow - a.expiresAt) / ADVISORY_FADE_MS;
      if (fade >= 1) continue;
      const step = Math.min(FADE_STEPS - 1, Math.floor(fade * FADE_STEPS));
      const key = `${a.severity}/${step}`;
      let path = paths.get(key);
      if (!path) paths.set(key, (path = { severity: a.severity, alpha: 1 - step / FADE_STEPS, p: new Path2D() }));
      const [tx, ty] = this.toScreen(...this.whereIs(a.target, a.x, a.y, now));
      // Information (GLOSA, IVS, ...) marks its vehicle quietly; warnings stand out.
      const info = a.severity === "info";
      const r = info ? 4 : 9;
      path.p.moveTo(tx + r, ty);
      path.p.arc(tx, ty, r, 0, 2 * Math.PI);
      let lx = tx, ly = ty - 14;
      for (const o of a.others) {
        const [ox, oy] = this.toScreen(...this.whereIs(o.id, o.x, o.y, now));
        path.p.moveTo(tx, ty);
        path.p.lineTo(ox, oy);
        lx = (tx + ox) / 2;
        ly = (ty + oy) / 2 - 6;
      }
      // Labels for the newest only: beyond a few dozen they are unreadable anyway.
      if (!info && labels.length < MAX_ADVISORY_LABELS) {
        labels.push({ text: a.ttc != null ? `${a.scenario} ${a.ttc.toFixed(1)} s` : a.scenario, x: lx, y: ly, severity: a.severity, alpha: 1 - fade });
      }
    }
    ctx.lineWidth = 2;
    for (const { severity, alpha, p } of paths.values()) {
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = SEVERITY_COLOURS[severity] || SEVERITY_COLOURS.warning;
      ctx.stroke(p);
    }
    ctx.font = "bold 11px system-ui, sans-serif";
    ctx.textAlign = "center";
    for (const l of labels) {
      ctx.globalAlpha = l.alpha;
      ctx.fillStyle = SEVERITY_COLOURS[l.severity] || SEVERITY_COLOURS.warning;
      ctx.fillText(l.text, l.x, l.y);
    }
    ctx.globalAlpha = 1;
  }

  /** Where a participant named in an advisory is now, or where the advisory saw it. */
  whereIs(id, x, y, now) {
    const track = this.model.trackOf.get(id);
    const p = track != null && this.model.participants.get(track);
    return p ? this.position(p, now) : [x, y];
  }

  drawScaleBar(ctx) {
    this.screenTransform(ctx);
    const target = 120 / this.scale; // metres in about 120 px
    const pow = Math.pow(10, Math.floor(Math.log10(target)));
    const metres = [1, 2, 5, 10].map((k) => k * pow).filter((m) => m <= target).pop() || pow;
    const px = metres * this.scale;
    const x = 16, y = this.height - 18;
    ctx.strokeStyle = "#cbd5e1";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + px, y); ctx.lineTo(x + px, y - 5);
    ctx.stroke();
    ctx.fillStyle = "#cbd5e1";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.fillText(metres >= 1000 ? `${metres / 1000} km` : `${metres} m`, x + px + 6, y);
  }
}

const SOURCES = ["self", "roadside", "fused"];
const SHAPES = ["vehicle", "pedestrian", "cyclist"];
/** Side of a sprite, CSS pixels. */
const SPRITE_CELL_PX = 16;
/** Headings a sprite is drawn at: every 10 degrees. */
const SPRITE_HEADINGS = 36;
const SPRITE_STEP_DEG = 360 / SPRITE_HEADINGS;

/**
 * An atlas of the small participant symbols: a row per source colour and shape, a column
 * per heading. Vehicles are arrowheads, cyclists diamonds (both pointing where they head),
 * pedestrians dots.
 */
function buildSprites(dpr) {
  const cell = SPRITE_CELL_PX;
  const canvas = document.createElement("canvas");
  canvas.width = SPRITE_HEADINGS * cell * dpr;
  canvas.height = SOURCES.length * SHAPES.length * cell * dpr;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.scale(dpr, dpr);
  SOURCES.forEach((source, si) => {
    ctx.fillStyle = SOURCE_COLOURS[source];
    SHAPES.forEach((shape, hi) => {
      for (let k = 0; k < SPRITE_HEADINGS; k++) {
        const cx = k * cell + cell / 2, cy = (si * SHAPES.length + hi) * cell + cell / 2;
        const a = k * SPRITE_STEP_DEG * DEG;
        const fx = Math.sin(a), fy = -Math.cos(a);
        ctx.beginPath();
        if (shape === "pedestrian") {
          ctx.arc(cx, cy, 2.5, 0, 2 * Math.PI);
        } else if (shape === "cyclist") {
          const l = 3.5, q = 1.8;
          ctx.moveTo(cx + fx * l, cy + fy * l);
          ctx.lineTo(cx - fy * q, cy + fx * q);
          ctx.lineTo(cx - fx * l, cy - fy * l);
          ctx.lineTo(cx + fy * q, cy - fx * q);
        } else {
          const l = 5, q = 3;
          ctx.moveTo(cx + fx * l, cy + fy * l);
          ctx.lineTo(cx - fx * l - fy * q, cy - fy * l + fx * q);
          ctx.lineTo(cx - fx * l * 0.4, cy - fy * l * 0.4);
          ctx.lineTo(cx - fx * l + fy * q, cy - fy * l - fx * q);
        }
        ctx.closePath();
        ctx.fill();
      }
    });
  });
  // Each sprite as the list of its painted pixels: offset and colour (RGBA in memory order,
  // as ImageData holds it).
  const side = cell * dpr;
  const data = new Uint32Array(ctx.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
  const stamps = [];
  for (let row = 0; row < SOURCES.length * SHAPES.length; row++) {
    for (let k = 0; k < SPRITE_HEADINGS; k++) {
      const dx = [], dy = [], colour = [];
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const v = data[(row * side + y) * canvas.width + k * side + x];
          if (v >>> 24) {
            dx.push(x);
            dy.push(y);
            colour.push(v);
          }
        }
      }
      stamps.push({ dx: Int16Array.from(dx), dy: Int16Array.from(dy), colour: Uint32Array.from(colour), half: side / 2 });
    }
  }
  return { canvas, dpr, stamps };
}

function polyline(ctx, points) {
  ctx.beginPath();
  points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
}
