/**
 * `llm`: MoVA's coarse routing prompt (expert letters with their expertise, the question, "answer with up to K
 * letters or none") sent to an OpenAI-compatible chat-completions endpoint. Chosen letters score 1, others 0.
 * A timeout, HTTP error or unparseable answer falls back to the fallback policy (learned) for that request, and
 * the note says so. No LLM runs in this project's tests: they cover this HTTP contract and the parser only.
 */
import type { PolicyScores, RouteInput, RoutingPolicy, Specialist } from '../policy';

export interface LlmSettings {
  /** Base URL (…/v1) or the full …/chat/completions URL. */
  url: string;
  model: string;
  timeoutMs: number;
  apiKey?: string;
  maxExperts: number;
}

export function buildPrompt(instruction: string, specialists: readonly Specialist[], maxExperts: number): string {
  const lines = specialists.map((s, i) => `${String.fromCharCode(65 + i)}. ${s.name}: ${s.expertise.join(' ')}`);
  return [
    'You are choosing vision experts to help answer a question about an image.',
    'Experts:', ...lines,
    `Question: ${instruction}`,
    `Answer with the letters of up to ${maxExperts} experts that are needed (e.g. "A" or "A, C"), or "none" if none is needed.`,
  ].join('\n');
}

/** Parse an answer into expert indexes; null when it is neither letters nor "none". */
export function parseAnswer(answer: string, count: number): number[] | null {
  const text = answer.trim();
  if (/^\W*none\W*$/i.test(text) || /^\W*(none|no experts?)\b/i.test(text)) return [];
  const letters = text.toUpperCase().match(/(?<![A-Z])[A-Z](?![A-Z])/g) ?? [];
  const idx = [...new Set(letters.map((l) => l.charCodeAt(0) - 65))];
  if (idx.length === 0 || idx.some((i) => i < 0 || i >= count)) return null;
  return idx;
}

function endpoint(url: string): string {
  return /\/chat\/completions\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/chat/completions`;
}

async function ask(s: LlmSettings, prompt: string, signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const res = await fetch(endpoint(s.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {}) },
    body: JSON.stringify({ model: s.model, temperature: 0, max_tokens: 16, messages: [{ role: 'user', content: prompt }] }),
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw new Error('no choices[0].message.content');
  return content;
}

export function llmPolicy(s: LlmSettings, specialists: readonly Specialist[], fallback: RoutingPolicy): RoutingPolicy {
  return {
    name: 'llm',
    async score(inputs: readonly RouteInput[], signal?: AbortSignal): Promise<PolicyScores[]> {
      const answers = await Promise.all(inputs.map(async (inp) => {
        try {
          const content = await ask(s, buildPrompt(inp.instruction, specialists, s.maxExperts), signal);
          const idx = parseAnswer(content, specialists.length);
          return idx ?? `unparseable answer ${JSON.stringify(content.slice(0, 40))}`;
        } catch (err) {
          const e = err as Error;
          return e.name === 'TimeoutError' ? `timed out after ${s.timeoutMs} ms` : `failed: ${e.message}`;
        }
      }));
      const failed = inputs.filter((_, i) => typeof answers[i] === 'string');
      const fb = failed.length > 0 ? await fallback.score(failed, signal) : [];
      let k = 0;
      return answers.map((a): PolicyScores => {
        if (typeof a === 'string') {
          const f = fb[k++] as PolicyScores;
          return { ...f, note: `llm ${a}; fell back to ${f.policy}` };
        }
        return { scores: Object.fromEntries(specialists.map((sp, i) => [sp.name, a.includes(i) ? 1 : 0])), policy: 'llm' };
      });
    },
  };
}
