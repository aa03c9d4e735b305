/**
 * Documents drawn on demand as SVG text (DejaVu fonts, Debian's fonts-dejavu-core) rendered to PNG with sharp:
 * receipts, paragraphs and signs for tests, the load test's default mix and the router's training data.
 * Every helper returns encoded PNG bytes, ready to send as an `image`.
 */
import sharp from 'sharp';

export interface ReceiptSpec {
  shop: string;
  /** [item name, price] rows. */
  items: readonly (readonly [string, string])[];
  total: string;
  /** Printed under the shop name, e.g. "2026-11-02". */
  date: string;
  /** Image width in pixels. @default 480 */
  width?: number;
}

export interface ParagraphSpec {
  /** Optional bold heading above the lines. */
  title?: string;
  /** Lines of body text, drawn as given (no wrapping). */
  lines: readonly string[];
  /** @default 640 */
  width?: number;
  /** Body font size in pixels. @default 22 */
  fontSize?: number;
}

export interface SignSpec {
  /** One or two short lines of large text. */
  lines: readonly string[];
  /** Rotation of the sign's text in degrees (positive = clockwise). @default 0 */
  angle?: number;
  /** @default '#1d4e89' */
  background?: string;
  /** @default '#ffffff' */
  color?: string;
}

const SANS = "'DejaVu Sans', sans-serif";

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Render an SVG document to PNG. */
export async function renderSvg(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
}

interface TextRun {
  text: string;
  x: number;
  y: number;
  size: number;
  bold?: boolean;
  anchor?: 'start' | 'middle' | 'end';
  fill?: string;
}

function textElement(t: TextRun): string {
  return `<text x="${t.x}" y="${t.y}" font-family="${SANS}" font-size="${t.size}"${t.bold ? ' font-weight="bold"' : ''}` +
    ` text-anchor="${t.anchor ?? 'start'}" fill="${t.fill ?? '#111111'}">${escapeXml(t.text)}</text>`;
}

/** A shop receipt: shop name, date, item rows with right-aligned prices, and a TOTAL row. */
export async function renderReceipt(spec: ReceiptSpec): Promise<Buffer> {
  const width = spec.width ?? 480;
  const margin = 28;
  const runs: TextRun[] = [];
  let y = 56;
  runs.push({ text: spec.shop, x: width / 2, y, size: 30, bold: true, anchor: 'middle' });
  y += 38;
  runs.push({ text: spec.date, x: width / 2, y, size: 20, anchor: 'middle' });
  y += 24;
  const rules: number[] = [y];
  y += 40;
  for (const [name, price] of spec.items) {
    runs.push({ text: name, x: margin, y, size: 22 });
    runs.push({ text: price, x: width - margin, y, size: 22, anchor: 'end' });
    y += 36;
  }
  rules.push(y - 18);
  y += 24;
  runs.push({ text: 'TOTAL', x: margin, y, size: 26, bold: true });
  runs.push({ text: spec.total, x: width - margin, y, size: 26, bold: true, anchor: 'end' });
  y += 48;
  runs.push({ text: 'THANK YOU', x: width / 2, y, size: 18, anchor: 'middle' });
  const height = y + 36;
  const lines = rules.map((ry) => `<line x1="${margin}" y1="${ry}" x2="${width - margin}" y2="${ry}" stroke="#555555" stroke-width="2" stroke-dasharray="8 6"/>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#fbfaf6"/>${lines.join('')}${runs.map(textElement).join('')}</svg>`;
  return renderSvg(svg);
}

/** A page of text: an optional bold title and lines of body text. */
export async function renderParagraph(spec: ParagraphSpec): Promise<Buffer> {
  const width = spec.width ?? 640;
  const size = spec.fontSize ?? 22;
  const runs: TextRun[] = [];
  let y = 40 + size;
  if (spec.title) {
    runs.push({ text: spec.title, x: 32, y, size: Math.round(size * 1.4), bold: true });
    y += Math.round(size * 2.2);
  }
  for (const line of spec.lines) {
    runs.push({ text: line, x: 32, y, size });
    y += Math.round(size * 1.6);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 24}">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${runs.map(textElement).join('')}</svg>`;
  return renderSvg(svg);
}

/** A sign: large bold lines on a coloured panel, optionally rotated a few degrees. */
export async function renderSign(spec: SignSpec): Promise<Buffer> {
  const width = 640;
  const size = 56;
  const height = 120 + spec.lines.length * Math.round(size * 1.4);
  const runs = spec.lines.map((text, i): TextRun => ({
    text, x: width / 2, y: 70 + size + i * Math.round(size * 1.4), size, bold: true, anchor: 'middle', fill: spec.color ?? '#ffffff',
  }));
  const angle = spec.angle ?? 0;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect width="100%" height="100%" fill="#d9d4c7"/>` +
    `<g transform="rotate(${angle} ${width / 2} ${height / 2})">` +
    `<rect x="24" y="24" width="${width - 48}" height="${height - 48}" rx="18" fill="${spec.background ?? '#1d4e89'}"/>` +
    `${runs.map(textElement).join('')}</g></svg>`;
  return renderSvg(svg);
}
