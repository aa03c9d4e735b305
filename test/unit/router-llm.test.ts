// The llm policy's HTTP contract and answer parsing, against a local server answering in the OpenAI
// chat-completions format. No LLM runs here: this covers the request we send and how we read replies.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { llmPolicy } from '../../services/router/policies/llm';
import type { RoutingPolicy, Specialist } from '../../services/router/policy';

const SP: Specialist[] = [
  { name: 'ppocr', domains: ['document'], expertise: ['Reads text.'], cost: 25 },
  { name: 'ultraface', domains: ['face'], expertise: ['Finds faces.'], cost: 1.5 },
];
const fallback: RoutingPolicy = { name: 'learned', score: async (xs) => xs.map(() => ({ scores: { ppocr: 0.7, ultraface: 0 }, policy: 'learned' as const })) };

let server: http.Server;
let url = '';
const seen: { path: string; body: { model: string; messages: { role: string; content: string }[] } }[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const parsed = JSON.parse(body) as (typeof seen)[number]['body'];
      seen.push({ path: req.url ?? '', body: parsed });
      const q = parsed.messages[0]?.content ?? '';
      const reply = (content: string): void => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
      };
      if (q.includes('Question: letters')) reply('A, B');
      else if (q.includes('Question: none')) reply('None.');
      else if (q.includes('Question: garbage')) reply('Let me think about the weather');
      else if (q.includes('Question: error')) { res.statusCode = 500; res.end('boom'); }
      else if (q.includes('Question: slow')) setTimeout(() => reply('A'), 1000);
      else reply('B');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => { server.closeAllConnections(); server.close(); });

test('llm policy: letters, none, garbage, HTTP error and timeout (fallback to learned, said in the note)', async () => {
  const p = llmPolicy({ url, model: 'test-model', timeoutMs: 200, maxExperts: 2 }, SP, fallback);
  const inputs = ['letters', 'none', 'garbage', 'error', 'slow'].map((instruction) => ({ instruction, pooled: null }));
  const t0 = Date.now();
  const [letters, none, garbage, error, slow] = await p.score(inputs);
  assert.ok(Date.now() - t0 < 900, 'timeout honoured');
  assert.deepEqual(letters, { scores: { ppocr: 1, ultraface: 1 }, policy: 'llm' });
  assert.deepEqual(none, { scores: { ppocr: 0, ultraface: 0 }, policy: 'llm' });
  assert.equal(garbage?.policy, 'learned');
  assert.match(garbage?.note ?? '', /llm unparseable answer .*fell back to learned/);
  assert.match(error?.note ?? '', /llm failed: HTTP 500; fell back to learned/);
  assert.match(slow?.note ?? '', /llm timed out after 200 ms; fell back to learned/);
  assert.equal(seen[0]?.path, '/v1/chat/completions');
  assert.equal(seen[0]?.body.model, 'test-model');
  assert.match(seen[0]?.body.messages[0]?.content ?? '', /A\. ppocr: Reads text\.\nB\. ultraface: Finds faces\./);
});
