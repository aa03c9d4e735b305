/**
 * Deterministic SVG renderers for the router's training images: documents (letter, receipt, form, table, code,
 * article, sign) and charts (bar, line, scatter, stacked, pie), rasterised with sharp. Same seed → same PNG.
 */
import { escapeXml, renderSvg } from '../../src/render/documents';
import { Rng } from './rng';

export const DOCUMENT_KINDS = ['letter', 'receipt', 'form', 'table', 'code', 'article', 'sign'] as const;
export const CHART_KINDS = ['bar', 'line', 'scatter', 'stacked', 'pie'] as const;

const FONT = "'DejaVu Sans', sans-serif";
const MONO = "'DejaVu Sans Mono', monospace";
const WORDS = ('the of report quarterly meeting please find attached invoice total amount customer service order delivery ' +
  'account payment review project schedule budget team office summary result annual market growth notice public ' +
  'entrance parking open closed monday friday welcome station coffee bread milk tax subtotal signature address').split(' ');
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

const text = (x: number, y: number, s: string, size: number, extra = ''): string =>
  `<text x="${x}" y="${y}" font-family="${extra.includes('font-family') ? '' : FONT}" font-size="${size}" ${extra}>${escapeXml(s)}</text>`.replace(' font-family=""', '');
const sentence = (r: Rng, n: number): string => Array.from({ length: n }, () => r.pick(WORDS)).join(' ');

function svg(w: number, h: number, body: string, bg = '#ffffff'): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="${bg}"/>${body}</svg>`;
}

function documentSvg(kind: (typeof DOCUMENT_KINDS)[number], r: Rng): string {
  const w = 480 + r.int(160);
  const h = 560 + r.int(200);
  let body = '';
  let y = 50;
  switch (kind) {
    case 'letter':
    case 'article': {
      body += text(40, y, kind === 'letter' ? `Dear ${r.pick(['Ms', 'Mr', 'Dr'])} ${r.pick(['Smith', 'Garcia', 'Chen', 'Okafor'])},` : sentence(r, 4).toUpperCase(), kind === 'letter' ? 18 : 26, 'font-weight="bold"');
      y += 40;
      for (let p = 0; p < 3 + r.int(3); p++) {
        for (let l = 0; l < 3 + r.int(3); l++, y += 24) body += text(40, y, sentence(r, 6 + r.int(3)), 16);
        y += 16;
      }
      if (kind === 'letter') body += text(40, y + 20, 'Yours sincerely, ' + r.pick(['A. Brown', 'J. Lee', 'K. Novak']), 16);
      break;
    }
    case 'receipt': {
      body += text(w / 2, y, r.pick(['CORNER CAFE', 'FRESH MART', 'CITY BAKERY']), 24, 'text-anchor="middle" font-weight="bold"');
      y += 40;
      let total = 0;
      for (let i = 0; i < 5 + r.int(6); i++, y += 26) {
        const price = 1 + r.int(2000) / 100;
        total += price;
        body += text(40, y, r.pick(WORDS), 18, `font-family="${MONO}"`) + text(w - 40, y, price.toFixed(2), 18, 'text-anchor="end"');
      }
      body += `<line x1="40" x2="${w - 40}" y1="${y}" y2="${y}" stroke="#000"/>` + text(40, y + 30, 'TOTAL', 20, 'font-weight="bold"') +
        text(w - 40, y + 30, total.toFixed(2), 20, 'text-anchor="end" font-weight="bold"');
      break;
    }
    case 'form': {
      body += text(40, y, r.pick(['Application Form', 'Registration', 'Change of Address']), 24, 'font-weight="bold"');
      for (let i = 0; i < 6 + r.int(4); i++) {
        y += 50;
        body += text(40, y, `${r.pick(['Name', 'Date', 'Address', 'Phone', 'Email', 'City', 'Signature'])}:`, 16) +
          `<rect x="160" y="${y - 20}" width="${w - 200}" height="28" fill="none" stroke="#444"/>` +
          (r.next() < 0.6 ? text(168, y, sentence(r, 2), 15, 'fill="#1a3a8a"') : '');
      }
      break;
    }
    case 'table': {
      const cols = 3 + r.int(3);
      const cw = (w - 80) / cols;
      for (let row = 0; row < 8 + r.int(6); row++, y += 30) {
        for (let c = 0; c < cols; c++) {
          body += `<rect x="${40 + c * cw}" y="${y - 20}" width="${cw}" height="30" fill="${row === 0 ? '#dde' : 'none'}" stroke="#333"/>` +
            text(46 + c * cw, y, row === 0 ? r.pick(WORDS) : String(r.int(1000)), 14);
        }
      }
      break;
    }
    case 'code': {
      body = '';
      for (let i = 0; i < 16 + r.int(10); i++, y += 22) {
        const ind = ' '.repeat(2 * r.int(4));
        const line = r.pick([`const ${r.pick(WORDS)} = ${r.int(100)};`, `function ${r.pick(WORDS)}(x) {`, `  return x + ${r.int(9)};`, '}', `if (${r.pick(WORDS)} > ${r.int(50)}) {`, `print("${sentence(r, 2)}")`]);
        body += `<text x="30" y="${y}" font-family="${MONO}" font-size="15" fill="#d4d4d4" xml:space="preserve">${escapeXml(ind + line)}</text>`;
      }
      return svg(w, h, body, r.pick(['#1e1e1e', '#002b36', '#272822']));
    }
    case 'sign': {
      const bg = r.pick(['#1d4e89', '#0b6e4f', '#b22222', '#f2c300']);
      const lines = [sentence(r, 2).toUpperCase(), sentence(r, 2).toUpperCase()];
      const sw = 640;
      const sh = 320;
      return svg(sw, sh, lines.map((l, i) => text(sw / 2, 140 + i * 80, l, 48, `text-anchor="middle" fill="#fff" font-weight="bold" transform="rotate(${r.int(9) - 4} ${sw / 2} ${sh / 2})"`)).join(''), bg);
    }
  }
  return svg(w, h, body, r.pick(['#ffffff', '#fbfaf5', '#f4f4f4']));
}

function chartSvg(kind: (typeof CHART_KINDS)[number], r: Rng): string {
  const w = 560 + r.int(160);
  const h = 400 + r.int(120);
  const x0 = 70, y0 = h - 60, pw = w - 110, ph = h - 120;
  const n = 4 + r.int(6);
  const vals = Array.from({ length: n }, () => 10 + r.int(90));
  const max = 110;
  let body = text(w / 2, 30, sentence(r, 3), 20, 'text-anchor="middle" font-weight="bold"');
  const axes = `<line x1="${x0}" y1="${y0}" x2="${x0 + pw}" y2="${y0}" stroke="#000"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 - ph}" stroke="#000"/>` +
    [0, 25, 50, 75, 100].map((v) => text(x0 - 8, y0 - (v / max) * ph + 4, String(v), 12, 'text-anchor="end"')).join('');
  const colour = r.pick(PALETTE);
  switch (kind) {
    case 'bar':
    case 'stacked': {
      body += axes;
      const bw = pw / n;
      vals.forEach((v, i) => {
        const v1 = kind === 'stacked' ? v * 0.6 : v;
        body += `<rect x="${x0 + i * bw + 6}" y="${y0 - (v1 / max) * ph}" width="${bw - 12}" height="${(v1 / max) * ph}" fill="${colour}"/>`;
        if (kind === 'stacked') body += `<rect x="${x0 + i * bw + 6}" y="${y0 - (v / max) * ph}" width="${bw - 12}" height="${(v * 0.4 / max) * ph}" fill="${PALETTE[(PALETTE.indexOf(colour) + 3) % PALETTE.length]}"/>`;
        body += text(x0 + i * bw + bw / 2, y0 + 18, ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct'][i] ?? '', 12, 'text-anchor="middle"');
      });
      break;
    }
    case 'line':
    case 'scatter': {
      body += axes;
      const pts = kind === 'line' ? vals.map((v, i) => [x0 + (i + 0.5) * (pw / n), y0 - (v / max) * ph] as const)
        : Array.from({ length: 20 + r.int(30) }, () => { const a = r.next(); return [x0 + a * pw, y0 - Math.min(0.95, Math.max(0.05, a * 0.7 + 0.15 * r.normal() + 0.1)) * ph] as const; });
      if (kind === 'line') body += `<polyline fill="none" stroke="${colour}" stroke-width="3" points="${pts.map((p) => p.join(',')).join(' ')}"/>`;
      body += pts.map(([x, y]) => `<circle cx="${x}" cy="${y}" r="${kind === 'line' ? 4 : 5}" fill="${colour}"/>`).join('');
      break;
    }
    case 'pie': {
      const total = vals.reduce((a, b) => a + b, 0);
      const cx = w / 2 - 60, cy = h / 2 + 15, rad = Math.min(w, h) / 3;
      let a = 0;
      vals.forEach((v, i) => {
        const a1 = a + (v / total) * 2 * Math.PI;
        const large = a1 - a > Math.PI ? 1 : 0;
        body += `<path d="M${cx},${cy} L${cx + rad * Math.cos(a)},${cy + rad * Math.sin(a)} A${rad},${rad} 0 ${large} 1 ${cx + rad * Math.cos(a1)},${cy + rad * Math.sin(a1)} Z" fill="${PALETTE[i % PALETTE.length]}" stroke="#fff"/>`;
        body += `<rect x="${w - 130}" y="${60 + i * 24}" width="14" height="14" fill="${PALETTE[i % PALETTE.length]}"/>` + text(w - 110, 72 + i * 24, `${r.pick(WORDS)} ${Math.round((v / total) * 100)}%`, 13);
        a = a1;
      });
      break;
    }
  }
  return svg(w, h, body);
}

export async function renderDocument(kind: (typeof DOCUMENT_KINDS)[number], seed: number): Promise<Buffer> {
  return renderSvg(documentSvg(kind, new Rng(seed)));
}

export async function renderChart(kind: (typeof CHART_KINDS)[number], seed: number): Promise<Buffer> {
  return renderSvg(chartSvg(kind, new Rng(seed)));
}
