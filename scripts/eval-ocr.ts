/**
 * OCR accuracy on pages with known text (npm run eval:ocr): pages drawn with ImageMagick (`convert`, Debian's
 * `imagemagick`, and the DejaVu fonts) in five sets — loose and tight line spacing, the loose pages turned by 90°,
 * 180° and 270°, and elongated images (long receipts and one-line banners) — read by the registry's OCR expert in
 * process. Prints and saves (bench/ocr-eval.md + .json) the character error rate per set, with and without spaces
 * (edit distance ÷ truth length; lines joined by "\n" on both sides), and the time per page.
 *
 *   npm run eval:ocr [-- --set unclipRatio=1.5 --set recMaxWidth=1600] [--no-cls] [--variant original|folded] [--out DIR] [--verbose]
 *
 * `--set` overrides the expert's decoder settings, `--no-cls` drops its angle classifier, `--variant` picks the CPU model
 * variant (src/onnx/variants.ts): A/B runs of one change.
 * Pages are generated once into .cache/ocr-eval/ (deterministic: seeded; delete the folder to redraw them).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { registryCopy } from '../src/bench/cluster';
import { cpuDescription } from '../src/core/cpu';
import { decodeImage } from '../src/core/image';
import { DEFAULT_REGISTRY_PATH, loadRegistry, PROJECT_ROOT } from '../src/core/registry';
import { createExpertPipeline } from '../services/expert/runner';
import type { OcrResult } from '../services/expert/pipelines/ocr';
import { Rng } from './router-data/rng';

const WORDS = ('the quick brown fox jumps over lazy dog invoice total amount due paid card cash change receipt coffee tea bread '
  + 'milk eggs butter cheese apple orange market street road avenue north south meeting agenda project report summary '
  + 'quarter revenue growth budget team office library closes opens monday friday saturday november december parking '
  + 'exit entrance only please thank you visit again order number reference account balance').split(' ');
const FONTS = ['DejaVu-Sans', 'DejaVu-Serif', 'DejaVu-Sans-Mono', 'DejaVu-Sans-Bold'];

interface Page { file: string; lines: string[] }
interface SetResult { set: string; pages: number; chars: number; cer: number; cerNoSpaces: number; msPerPage: number }

function convert(args: string[]): void {
  execFileSync('convert', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function words(r: Rng, n: number): string {
  return Array.from({ length: n }, () => r.pick(WORDS)).join(' ');
}

/** Pages of 2-6 lines, 16-34 pt, line gap 1.6-2.6 × the size, eight page shapes (landscape, portrait, banner-like). */
function loosePages(dir: string): Page[] {
  const r = new Rng(5);
  const shapes: [number, number][] = [[900, 220], [420, 800], [640, 640], [1100, 420], [500, 360], [1280, 720], [300, 600], [760, 300]];
  return Array.from({ length: 32 }, (_, i) => {
    const [w, h] = shapes[i % shapes.length]!;
    const size = 16 + r.int(19);
    const args = ['-size', `${w}x${h}`, `xc:${r.pick(['white', '#f4f1e8', '#e8eef7'])}`, '-font', FONTS[i % FONTS.length]!, '-pointsize', String(size), '-fill', r.pick(['black', '#1a237e', '#333333'])];
    const lines: string[] = [];
    let y = 20 + size;
    for (let k = 0, n = 2 + r.int(5); k < n && y + size <= h - 10; k++) {
      let text = words(r, 2 + r.int(5));
      if (r.next() < 0.4) text += ` ${1 + r.int(999)}.${String(r.int(100)).padStart(2, '0')}`;
      text = text.slice(0, Math.floor((w - 40) / (size * 0.7))).trim();
      args.push('-annotate', `+20+${y}`, text);
      lines.push(text);
      y += Math.floor(size * (1.6 + r.next()));
    }
    const file = path.join(dir, `loose-${String(i).padStart(2, '0')}.png`);
    convert([...args, file]);
    return { file, lines };
  });
}

/** Dense pages: 12-20 pt, line gap 1.15-1.4 × the size, up to 14 lines. */
function tightPages(dir: string): Page[] {
  const r = new Rng(11);
  const shapes: [number, number][] = [[700, 500], [500, 700], [900, 600], [600, 400]];
  const fonts = ['DejaVu-Sans', 'DejaVu-Serif', 'DejaVu-Sans-Mono', 'DejaVu-Sans-Condensed'];
  return Array.from({ length: 24 }, (_, i) => {
    const [w, h] = shapes[i % shapes.length]!;
    const size = 12 + r.int(9);
    const gap = 1.15 + 0.25 * r.next();
    const args = ['-size', `${w}x${h}`, 'xc:white', '-font', fonts[i % fonts.length]!, '-pointsize', String(size), '-fill', 'black'];
    const lines: string[] = [];
    for (let y = 10 + size; y + size < h - 10 && lines.length < 14; y += Math.floor(size * gap)) {
      let text = words(r, 3 + r.int(7));
      if (r.next() < 0.3) text += ` ${1 + r.int(99)}.${String(r.int(100)).padStart(2, '0')}`;
      text = text.slice(0, Math.floor((w - 30) / (size * 0.7))).trim();
      args.push('-annotate', `+15+${y}`, text);
      lines.push(text);
    }
    const file = path.join(dir, `tight-${String(i).padStart(2, '0')}.png`);
    convert([...args, file]);
    return { file, lines };
  });
}

/** The loose pages photographed at a slant: turned by 10-35° either way, on their own background colour. */
function slantedPages(dir: string, pages: readonly Page[]): Page[] {
  const angles = [12, -15, 18, -22, 25, -28, 32, -35];
  return pages.map((p, i) => {
    const file = path.join(dir, `slanted-${path.basename(p.file)}`);
    convert([p.file, '-background', 'white', '-rotate', String(angles[i % angles.length]), file]);
    return { file, lines: p.lines };
  });
}

function turnedPages(dir: string, pages: readonly Page[], angle: number): Page[] {
  return pages.map((p) => {
    const file = path.join(dir, `turned${angle}-${path.basename(p.file)}`);
    convert([p.file, '-rotate', String(angle), file]);
    return { file, lines: p.lines };
  });
}

/** Long receipts (25-45 rows, aspect 2.5-4) and one-line to three-line banners 2400-4200 px wide. */
function elongatedPages(dir: string): Page[] {
  const r = new Rng(21);
  return Array.from({ length: 10 }, (_, i) => {
    const size = 14 + r.int(7);
    const lines: string[] = [];
    let args: string[];
    if (i % 2 === 0) {
      const n = 25 + r.int(21), w = 380 + r.int(141), h = 100 + n * Math.floor(size * 2.2);
      args = ['-size', `${w}x${h}`, 'xc:white', '-font', r.pick(['DejaVu-Sans-Mono', 'DejaVu-Sans']), '-pointsize', String(size), '-fill', 'black'];
      for (let k = 0, y = 40; k < n; k++, y += Math.floor(size * 2.2)) {
        const text = `${words(r, 2)} ${1 + r.int(99)}.${String(r.int(100)).padStart(2, '0')}`;
        args.push('-annotate', `+20+${y}`, text);
        lines.push(text);
      }
    } else {
      const n = 1 + r.int(3), w = 2400 + r.int(1801), h = 30 + n * size * 2 + 10;
      args = ['-size', `${w}x${h}`, 'xc:#f0f0f0', '-font', 'DejaVu-Sans', '-pointsize', String(size), '-fill', 'black'];
      for (let k = 0, y = 10 + size; k < n; k++, y += size * 2) {
        const text = words(r, Math.floor((w - 40) / (size * 0.7) / 8));
        args.push('-annotate', `+20+${y}`, text);
        lines.push(text);
      }
    }
    const file = path.join(dir, `elongated-${i}.png`);
    convert([...args, file]);
    return { file, lines };
  });
}

/**
 * Large pages, as a 300 dpi scan or a phone photo gives them (2000-4032 px, 4-10 lines of 7-14 pt print: 24-48 px),
 * and large screenshots (1600-1800 px wide, 14-22 px text): so small that the 640 px detection letterbox shrinks the
 * text below what the detector finds.
 */
function largePages(dir: string): Page[] {
  const r = new Rng(31);
  const shapes: [number, number, number, number][] = [[2480, 3508, 24, 25], [4032, 3024, 24, 25], [3000, 2000, 24, 25], [2000, 2800, 24, 25], [1800, 1100, 15, 8], [1600, 1000, 14, 7]];
  return Array.from({ length: 18 }, (_, i) => {
    const [w, h, smallest, spread] = shapes[i % shapes.length]!;
    const size = smallest + r.int(spread);
    const args = ['-size', `${w}x${h}`, `xc:${r.pick(['white', '#f4f1e8', '#eeeeee'])}`, '-font', FONTS[i % FONTS.length]!, '-pointsize', String(size), '-fill', r.pick(['black', '#1a237e', '#333333'])];
    const lines: string[] = [];
    const x = Math.floor(w / 20) + r.int(Math.floor(w / 8));
    let y = Math.floor(h / 20) + r.int(Math.floor(h / 8));
    for (let k = 0, n = 4 + r.int(7); k < n && y + size < h - 50; k++) {
      let text = words(r, 3 + r.int(6));
      if (r.next() < 0.4) text += ` ${1 + r.int(999)}.${String(r.int(100)).padStart(2, '0')}`;
      text = text.slice(0, Math.floor((w - x - 40) / (size * 0.7))).trim();
      args.push('-annotate', `+${x}+${y}`, text);
      lines.push(text);
      y += Math.floor(size * (1.5 + r.next()));
    }
    const file = path.join(dir, `large-${String(i).padStart(2, '0')}.png`);
    convert([...args, file]);
    return { file, lines };
  });
}

/** Levenshtein distance (two rows). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The drawn page sets, made once into `dir` (a set added later is drawn on the next run; the others are kept). */
function pageSets(dir: string): Record<string, Page[]> {
  const index = path.join(dir, 'index.json');
  const sets = existsSync(index) ? JSON.parse(readFileSync(index, 'utf8')) as Record<string, Page[]> : {};
  mkdirSync(dir, { recursive: true });
  const make: [string, () => Page[]][] = [
    ['loose', () => loosePages(dir)],
    ['tight', () => tightPages(dir)],
    ['turned 90°', () => turnedPages(dir, sets.loose ?? [], 90)],
    ['turned 180°', () => turnedPages(dir, sets.loose ?? [], 180)],
    ['turned 270°', () => turnedPages(dir, sets.loose ?? [], 270)],
    ['elongated', () => elongatedPages(dir)],
    ['large', () => largePages(dir)],
    ['slanted', () => slantedPages(dir, sets.loose ?? [])],
  ];
  let added = false;
  for (const [name, draw] of make) {
    if (sets[name]) continue;
    sets[name] = draw();
    added = true;
  }
  if (added) writeFileSync(index, JSON.stringify(sets));
  return Object.fromEntries(make.map(([name]) => [name, sets[name] ?? []]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { set: { type: 'string', multiple: true }, 'no-cls': { type: 'boolean' }, variant: { type: 'string' }, out: { type: 'string' }, verbose: { type: 'boolean' } } });
  try {
    execFileSync('convert', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new Error('ImageMagick `convert` is needed to draw the pages (apt-get install imagemagick fonts-dejavu-core)');
  }
  const overrides = Object.fromEntries((values.set ?? []).map((kv) => {
    const [k, v] = kv.split('=');
    if (!k || v === undefined) throw new Error(`--set wants key=value, got "${kv}"`);
    return [k, Number.isNaN(Number(v)) ? v : Number(v)];
  }));
  const registryPath = registryCopy((doc) => {
    for (const e of doc.experts as { pipeline?: unknown; decoder?: Record<string, unknown>; files: Record<string, unknown>; variants?: Record<string, unknown> }[]) {
      if (e.pipeline !== 'ocr') continue;
      e.decoder = { ...(e.decoder ?? {}), ...overrides };
      if (values['no-cls']) delete e.files.cls;
      if (values.variant) e.variants = { ...(e.variants ?? {}), cpu: values.variant };
    }
  });
  const registry = loadRegistry(registryPath);
  const entry = registry.experts.find((e) => e.pipeline === 'ocr');
  if (!entry) throw new Error('the registry has no ocr expert');
  const sets = pageSets(path.join(PROJECT_ROOT, '.cache', 'ocr-eval'));
  const pipeline = await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: entry.name, intraOpThreads: 2 });
  const results: SetResult[] = [];
  for (const [name, pages] of Object.entries(sets)) {
    let errors = 0, errorsNoSpaces = 0, chars = 0, charsNoSpaces = 0, ms = 0;
    for (const page of pages) {
      const image = await decodeImage(readFileSync(page.file));
      const t0 = performance.now();
      const out = await pipeline.runImages([image]);
      ms += performance.now() - t0;
      const read = (out.decoded[0] as OcrResult).text, truth = page.lines.join('\n');
      const squash = (s: string): string => s.replace(/\s+/g, '');
      const e = editDistance(read, truth);
      if (values.verbose && e > 0.02 * truth.length) process.stderr.write(`${path.basename(page.file)}: ${(100 * e / truth.length).toFixed(1)}% read ${JSON.stringify(read)}\n  truth ${JSON.stringify(truth)}\n`);
      errors += e;
      errorsNoSpaces += editDistance(squash(read), squash(truth));
      chars += truth.length;
      charsNoSpaces += squash(truth).length;
    }
    results.push({ set: name, pages: pages.length, chars, cer: errors / chars, cerNoSpaces: errorsNoSpaces / charsNoSpaces, msPerPage: ms / pages.length });
  }
  await pipeline.dispose();
  const setting = [...Object.entries(overrides).map(([k, v]) => `${k}=${v}`), ...(values['no-cls'] ? ['no angle classifier'] : []), ...(values.variant ? [`CPU model variant ${values.variant}`] : [])].join(', ') || 'the registry as committed';
  const md = [
    '# OCR accuracy on pages with known text',
    '',
    `${new Date().toISOString()}; ${cpuDescription()}, ${os.cpus().length} cores; Node ${process.version}; expert \`${entry.name}\` (${setting}), 2 intra-op threads, in process. Pages drawn with ImageMagick by scripts/eval-ocr.ts (seeded).`,
    '',
    '| set | pages | characters | error rate with spaces | without spaces | ms per page |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.set} | ${r.pages} | ${r.chars} | ${(100 * r.cer).toFixed(2)}% | ${(100 * r.cerNoSpaces).toFixed(2)}% | ${r.msPerPage.toFixed(0)} |`),
    '',
  ].join('\n');
  const out = path.resolve(values.out ?? path.join(PROJECT_ROOT, 'bench'));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'ocr-eval.md'), md);
  writeFileSync(path.join(out, 'ocr-eval.json'), `${JSON.stringify({ setting, results }, null, 2)}\n`);
  process.stdout.write(md);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`eval-ocr: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
