/** A self-contained HTML report (inline SVG, no scripts or external assets): histogram and latency over time. */
import { histogram, type LatencySummary } from './stats';

export interface Sample {
  /** Seconds since the start. */
  t: number;
  latencyMs: number;
  outcome: 'ok' | 'degraded' | 'error';
}

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

function histogramSvg(samples: readonly Sample[]): string {
  const W = 640;
  const H = 240;
  const pad = 40;
  const bins = histogram(samples.map((s) => s.latencyMs), 40);
  const maxCount = Math.max(...bins.map((b) => b.count), 1);
  const bw = (W - 2 * pad) / bins.length;
  const bars = bins.map((b, i) => {
    const h = ((H - 2 * pad) * b.count) / maxCount;
    return `<rect x="${(pad + i * bw).toFixed(1)}" y="${(H - pad - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b82f6"><title>${b.lo.toFixed(1)}–${b.hi.toFixed(1)} ms: ${b.count}</title></rect>`;
  }).join('');
  const hi = bins[bins.length - 1]?.hi ?? 0;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="latency histogram">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/>${bars}
<text x="${pad}" y="${H - 10}" font-size="12">0 ms</text><text x="${W - pad}" y="${H - 10}" font-size="12" text-anchor="end">${hi.toFixed(0)} ms</text>
<text x="${pad}" y="${pad - 10}" font-size="12">max bin ${maxCount} requests</text></svg>`;
}

function timelineSvg(samples: readonly Sample[]): string {
  const W = 640;
  const H = 240;
  const pad = 40;
  const tMax = Math.max(...samples.map((s) => s.t), 1);
  const lMax = Math.max(...samples.map((s) => s.latencyMs), 1);
  const colour = { ok: '#16a34a', degraded: '#f59e0b', error: '#dc2626' } as const;
  const dots = samples.map((s) => `<circle cx="${(pad + ((W - 2 * pad) * s.t) / tMax).toFixed(1)}" cy="${(H - pad - ((H - 2 * pad) * s.latencyMs) / lMax).toFixed(1)}" r="1.6" fill="${colour[s.outcome]}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="latency over time">
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#333"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${H - pad}" stroke="#333"/>${dots}
<text x="${pad}" y="${H - 10}" font-size="12">0 s</text><text x="${W - pad}" y="${H - 10}" font-size="12" text-anchor="end">${tMax.toFixed(1)} s</text>
<text x="${pad + 4}" y="${pad - 6}" font-size="12">${lMax.toFixed(0)} ms</text></svg>`;
}

export function renderReport(title: string, summary: Record<string, unknown>, latency: LatencySummary, samples: readonly Sample[]): string {
  const rows = Object.entries(summary).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'object' ? JSON.stringify(v) : String(v))}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:760px}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}</style></head>
<body><h1>${esc(title)}</h1>
<p>p50 ${latency.p50.toFixed(1)} ms · p95 ${latency.p95.toFixed(1)} ms · p99 ${latency.p99.toFixed(1)} ms · max ${latency.max.toFixed(1)} ms</p>
<h2>Latency histogram</h2>${histogramSvg(samples)}
<h2>Latency over time</h2><p>green ok · amber degraded · red error</p>${timelineSvg(samples)}
<h2>Summary</h2><table>${rows}</table></body></html>\n`;
}
