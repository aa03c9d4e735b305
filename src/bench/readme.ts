/** bench/README.md: one line per figure found under bench/ (its headline and machine), linking each table. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, describeMachine, type Machine } from './common';

const FIGURES: { file: string; fallback: string }[] = [
  { file: 'overhead', fallback: 'Figure 1 — serving overhead' },
  { file: 'batching', fallback: 'Figure 2 — batching gain' },
  { file: 'sparsity', fallback: 'Figure 3 — sparsity gain' },
  { file: 'transport', fallback: 'Figure 4 — tensor transport' },
  { file: 'scaling', fallback: 'Figure 5 — scaling' },
  { file: 'expert', fallback: 'Expert benchmark (CPU)' },
  { file: 'expert-webgpu', fallback: 'Figure 6 — GPU (WebGPU) expert benchmark' },
];

export function writeBenchReadme(out?: string): string {
  const dir = benchDir(out);
  const lines = FIGURES.map(({ file, fallback }) => {
    const json = path.join(dir, `${file}.json`);
    if (!existsSync(json)) {
      const gpu = file === 'expert-webgpu' ? ' — run `scripts/gpu-bench.sh` on a GPU machine (none was available for these runs)' : ' — not run yet (`mova bench ' + (file === 'expert' ? 'expert' : file) + '`)';
      return `- ${fallback}${gpu}`;
    }
    const f = JSON.parse(readFileSync(json, 'utf8')) as { title?: string; headline?: string; machine?: Machine };
    return `- [${f.title ?? fallback}](${file}.md): ${f.headline ?? ''}${f.machine ? `  \n  _${describeMachine(f.machine)}_` : ''}`;
  });
  const md = `# Benchmarks

Every figure is a ratio measured in one run against its baseline on the same machine (DESIGN.md, "Performance
model"); each is a script (\`mova bench <figure>\`, \`npm run bench\` for all), never a timed test. Cells are medians
of repeated runs with the min–max over repetitions; the load average before and after each figure says how busy the
machine was. \`router-eval.md\` (router quality) comes from \`npm run eval:router\`, \`ocr-eval.md\` (OCR
character error rates on drawn pages) from \`npm run eval:ocr\`, \`fusion.md\` from
\`node dist/scripts/bench-fusion.js\`, and \`memory-tuning.md\` is an A/B of the memory settings (\`mova bench expert\`
with \`MOVA_MEMORY_TUNING=off\` vs on, src/core/memory-tuning.ts).

${lines.join('\n')}
`;
  writeFileSync(path.join(dir, 'README.md'), md);
  return md;
}
