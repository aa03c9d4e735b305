/**
 * Load-test request mixes. A mix file is JSONL: `{"image": PATH, "instruction": TEXT, "weight"?: N}` per line
 * (paths relative to the file). The default mix spans several domains: photos (natural, faces, objects) and
 * rendered documents.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../core/registry';
import { renderParagraph, renderReceipt, renderSign } from '../render/documents';

export interface MixItem {
  name: string;
  image: Uint8Array;
  instruction: string;
  weight: number;
}

export function loadMix(file: string): MixItem[] {
  const dir = path.dirname(file);
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    let o: { image?: unknown; instruction?: unknown; weight?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof o.image !== 'string' || typeof o.instruction !== 'string') throw new Error(`${file}:${i + 1}: needs "image" and "instruction" strings`);
    return { name: path.basename(o.image), image: readFileSync(path.resolve(dir, o.image)), instruction: o.instruction, weight: typeof o.weight === 'number' ? o.weight : 1 };
  });
}

export async function defaultMix(): Promise<MixItem[]> {
  const img = (f: string): Buffer => readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'images', f));
  const receipt = await renderReceipt({ shop: 'GREEN GROCER', items: [['Tomatoes', '4.10'], ['Olive oil', '8.95'], ['Basil', '1.99']], total: '15.04', date: '2026-10-30' });
  const notice = await renderParagraph({ title: 'NOTICE', lines: ['The library closes at 6 pm', 'on Saturdays in November.', 'Returns go in the box outside.'] });
  const sign = await renderSign({ lines: ['NO PARKING', 'EXIT ONLY'], angle: 6 });
  return [
    { name: 'chelsea.png', image: img('chelsea.png'), instruction: 'What animal is this?', weight: 2 },
    { name: 'coffee.jpg', image: img('coffee.jpg'), instruction: 'Where is the cup on the table?', weight: 1 },
    { name: 'astronaut.jpg', image: img('astronaut.jpg'), instruction: 'How many faces can you see?', weight: 1 },
    { name: 'camera.png', image: img('camera.png'), instruction: 'Is there a person in this photo?', weight: 1 },
    { name: 'rocket.jpg', image: img('rocket.jpg'), instruction: 'Describe the scene.', weight: 1 },
    { name: 'receipt.png', image: receipt, instruction: 'What is the total amount on this receipt?', weight: 2 },
    { name: 'notice.png', image: notice, instruction: 'When does the library close on Saturdays?', weight: 1 },
    { name: 'sign.png', image: sign, instruction: 'Read the text of this sign.', weight: 1 },
  ];
}

/** Deterministic weighted round-robin over the mix. */
export function mixSequence(items: readonly MixItem[]): () => MixItem {
  const expanded = items.flatMap((it) => Array.from({ length: Math.max(1, Math.round(it.weight)) }, () => it));
  let i = 0;
  return () => expanded[i++ % expanded.length]!;
}
