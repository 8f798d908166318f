// Small line charts on a canvas: time on x (the last minutes), one or more series on y.

/**
 * Draws `series` (each `{label, colour, values: [[atMs, value|null], ...]}`) on `canvas`.
 * The y axis starts at 0 and ends at a round number above the largest value.
 */
export function lineChart(canvas, series) {
  const r = canvas.getBoundingClientRect();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, r.width), h = Math.max(1, r.height);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const left = 44, right = 8, top = 8, bottom = 18;
  const all = series.flatMap((s) => s.values);
  if (all.length < 2) return;
  const t0 = Math.min(...all.map((v) => v[0])), t1 = Math.max(...all.map((v) => v[0]));
  const ymax = niceCeiling(Math.max(1e-9, ...all.map((v) => v[1] ?? 0)));
  const X = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * (w - left - right);
  const Y = (v) => h - bottom - (v / ymax) * (h - top - bottom);
  ctx.strokeStyle = "rgba(200,210,220,0.15)";
  ctx.fillStyle = "#9aa5b1";
  ctx.font = "10px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  for (let i = 0; i <= 4; i++) {
    const v = (ymax * i) / 4, y = Y(v);
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(w - right, y);
    ctx.stroke();
    ctx.fillText(formatNumber(v), left - 4, y + 3);
  }
  ctx.textAlign = "center";
  const minutes = (t1 - t0) / 60000;
  ctx.fillText(`-${minutes >= 1 ? minutes.toFixed(1) + " min" : Math.round((t1 - t0) / 1000) + " s"}`, left + 14, h - 4);
  ctx.fillText("0", w - right - 4, h - 4);
  ctx.lineWidth = 1.5;
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.beginPath();
    let pen = false;
    for (const [t, v] of s.values) {
      if (v == null) { pen = false; continue; }
      if (pen) ctx.lineTo(X(t), Y(v));
      else ctx.moveTo(X(t), Y(v));
      pen = true;
    }
    ctx.stroke();
  }
}

function niceCeiling(x) {
  const pow = Math.pow(10, Math.floor(Math.log10(x)));
  for (const k of [1, 2, 2.5, 5, 10]) if (k * pow >= x) return k * pow;
  return 10 * pow;
}

function formatNumber(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (v >= 1e3) return (v / 1e3).toFixed(v >= 1e4 ? 0 : 1) + "k";
  return v >= 10 || v === 0 ? v.toFixed(0) : v.toFixed(1);
}
