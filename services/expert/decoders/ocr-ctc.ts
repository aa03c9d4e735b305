/**
 * CTC decoding for PaddleOCR recognition models (PaddleOCR's CTCLabelDecode conventions):
 * class 0 is the CTC blank, classes 1..K are the lines of the character file in order, and class K+1 is ' '
 * when the model was trained with `use_space_char`. Greedy decoding takes the arg-max per time step, collapses
 * runs of the same class, drops blanks; a line's confidence is the mean arg-max probability of the kept steps.
 *
 * Spaces: PP-OCRv4's recogniser often lets the blank win the steps between two words while it still gives the space
 * class a clearly non-zero probability there ("12Mill Road,Leeds", "VAT20%"). With `spaceThresh`, a run of blank
 * steps between two characters whose space probability reaches it reads as a space.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../../src/core/errors';

/** Index → character; index 0 is the blank (''). */
export interface Charset {
  readonly chars: readonly string[];
  /** Number of classes the recognition model must output (blank + characters [+ space]). */
  readonly classes: number;
}

/** Build a charset from the key file's text: one character per line; `\r\n` tolerated; a final newline ignored. */
export function parseCharset(keysText: string, useSpaceChar: boolean): Charset {
  const lines = keysText.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new ConfigError('files.keys', 'character file is empty');
  const chars = ['', ...lines, ...(useSpaceChar ? [' '] : [])];
  return { chars, classes: chars.length };
}

/**
 * Load the key file and match it to the model's class count: K lines give K+1 classes without the space
 * character, K+2 with it (PaddleOCR's `use_space_char`). Any other count means the file does not belong to
 * the model.
 */
export function loadCharset(keysPath: string, modelClasses: number): Charset {
  const text = readFileSync(keysPath, 'utf8');
  const plain = parseCharset(text, false);
  if (plain.classes === modelClasses) return plain;
  if (plain.classes + 1 === modelClasses) return parseCharset(text, true);
  throw new ConfigError('files.keys', `${keysPath} has ${plain.classes - 1} characters, but the recognition model outputs ${modelClasses} classes (expected characters + 1 blank, + 1 when it has a space class)`);
}

export interface CtcLine {
  text: string;
  /** Mean probability of the kept (non-blank, de-duplicated) steps; 0 for an empty line. */
  confidence: number;
}

/**
 * Greedy CTC decode of one sequence of per-step class probabilities, `steps` × `classes`, starting at `offset`
 * in `probs` (already softmaxed, as PP-OCR's rec graph outputs them).
 */
export function ctcGreedyDecode(probs: Float32Array, offset: number, steps: number, charset: Charset, spaceThresh = Infinity): CtcLine {
  const classes = charset.classes;
  const space = charset.chars[classes - 1] === ' ' ? classes - 1 : -1;
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  // The highest space probability over the blank steps since the last character.
  let gapSpace = 0;
  for (let t = 0; t < steps; t++) {
    const base = offset + t * classes;
    let best = 0;
    let bestP = probs[base] ?? -Infinity;
    for (let c = 1; c < classes; c++) {
      const p = probs[base + c] ?? -Infinity;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best === 0) {
      if (space >= 0) gapSpace = Math.max(gapSpace, probs[base + space] ?? 0);
    } else {
      if (best !== prev) {
        if (best !== space && gapSpace >= spaceThresh && text !== '' && !text.endsWith(' ')) text += ' ';
        text += charset.chars[best] ?? '';
        sum += bestP;
        kept++;
      }
      gapSpace = 0;
    }
    prev = best;
  }
  return { text, confidence: kept > 0 ? sum / kept : 0 };
}

/** Decode a batch [N, T, classes] into one line per item (`spaceThresh`: see ctcGreedyDecode). */
export function ctcDecodeBatch(probs: Float32Array, dims: readonly number[], charset: Charset, spaceThresh = Infinity): CtcLine[] {
  const [n = 0, steps = 0, classes = 0] = dims;
  if (dims.length !== 3 || classes !== charset.classes || probs.length !== n * steps * classes) {
    throw new Error(`recognition output has dims [${dims.join(',')}]; expected [N, T, ${charset.classes}]`);
  }
  const out: CtcLine[] = [];
  for (let i = 0; i < n; i++) out.push(ctcGreedyDecode(probs, i * steps * classes, steps, charset, spaceThresh));
  return out;
}
