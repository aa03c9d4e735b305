import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../../src/core/errors';
import { allPolicy } from '../../services/router/policies/all';
import { buildPrompt, parseAnswer } from '../../services/router/policies/llm';
import { nonePolicy } from '../../services/router/policies/none';
import { rulesPolicy } from '../../services/router/policies/rules';
import { expertScoresFromDomains, type PolicyName, type RoutingPolicy, type Specialist } from '../../services/router/policy';
import { Router, type RouteItemInput } from '../../services/router/router';
import { selectExperts } from '../../services/router/select';

const SP: Specialist[] = [
  { name: 'ppocr', domains: ['document', 'chart'], expertise: ['Reads text.'], cost: 25 },
  { name: 'ultraface', domains: ['face'], expertise: ['Finds faces.'], cost: 1.5 },
  { name: 'fastestdet', domains: ['grounding'], expertise: ['Finds objects.'], cost: 1.5 },
];
const fixed = (scores: Record<string, number>): RoutingPolicy => ({ name: 'learned', score: async (xs) => xs.map(() => ({ scores, policy: 'learned' as const })) });
const item = (o: Partial<RouteItemInput> = {}): RouteItemInput => ({ instruction: 'q', pooled: null, required: [], excluded: [], ...o });

function router(scores: Record<string, number>, maxExperts = 3): Router {
  const policies = new Map<PolicyName, RoutingPolicy>([['learned', fixed(scores)], ['all', allPolicy(SP)], ['none', nonePolicy(SP)], ['rules', rulesPolicy(SP)]]);
  return new Router({ base: 'mobilenetv2', specialists: SP, policies, defaultPolicy: 'learned', maxExperts, threshold: 0.5 });
}

test('expert scores are the best of their domains', () => {
  assert.deepEqual(expertScoresFromDomains(SP, { chart: 0.9, document: 0.2, face: 0.1 }), { ppocr: 0.9, ultraface: 0.1, fastestdet: 0 });
});

test('selection: threshold, ranking, max, excluded, required', () => {
  const s = { ppocr: 0.9, ultraface: 0.6, fastestdet: 0.7 };
  assert.deepEqual(selectExperts(s, { required: [], excluded: [], maxExperts: 3 }, 0.5).chosen, ['ppocr', 'fastestdet', 'ultraface']);
  assert.deepEqual(selectExperts(s, { required: [], excluded: [], maxExperts: 1 }, 0.5).chosen, ['ppocr']);
  assert.deepEqual(selectExperts(s, { required: [], excluded: ['ppocr'], maxExperts: 3 }, 0.5).chosen, ['fastestdet', 'ultraface']);
  assert.deepEqual(selectExperts({ ppocr: 0.1, ultraface: 0, fastestdet: 0 }, { required: ['ultraface'], excluded: [], maxExperts: 1 }, 0.5).chosen, ['ultraface']);
  assert.deepEqual(selectExperts(s, { required: [], excluded: [], maxExperts: 0 }, 0.5).chosen, []);
});

test('router: overrides are validated; never the base; policies per item', async () => {
  const r = router({ ppocr: 0.9, ultraface: 0.2, fastestdet: 0.1 });
  const [d] = await r.route([item()]);
  assert.deepEqual(d?.chosen, ['ppocr']);
  assert.equal(d?.scores.length, 3);
  assert.ok(!d?.scores.some((s) => s.name === 'mobilenetv2'));
  assert.match(d?.reason ?? '', /^learned: ppocr 0\.90/);
  for (const bad of [item({ required: ['mobilenetv2'] }), item({ excluded: ['nope'] }), item({ required: ['ppocr'], excluded: ['ppocr'] }),
    item({ required: ['ppocr', 'ultraface'], maxExperts: 1 })]) {
    await assert.rejects(r.route([bad]), InvalidArgumentError);
  }
  const [all, none, rules] = await r.route([item({ policy: 'all', maxExperts: 2 }), item({ policy: 'none', required: ['fastestdet'] }), item({ policy: 'rules', instruction: 'How many faces are there?' })]);
  assert.equal(all?.chosen.length, 2);
  assert.match(all?.reason ?? '', /max 2 dropped/);
  assert.deepEqual(none?.chosen, ['fastestdet']);
  assert.deepEqual(rules?.chosen.sort(), ['fastestdet', 'ultraface']);
  // Nothing chosen: "needed" only when every score is under the threshold; overrides that dropped a match say so.
  const [capped, excluded] = await r.route([item({ maxExperts: 0 }), item({ excluded: ['ppocr'] })]);
  assert.deepEqual(capped?.chosen, []);
  assert.equal(capped?.reason, 'learned: no specialist chosen (ppocr 0.90 ≥ 0.5); max 0 dropped ppocr');
  assert.deepEqual(excluded?.chosen, []);
  assert.equal(excluded?.reason, 'learned: no specialist chosen (ppocr 0.90 ≥ 0.5); excluded ppocr');
  const [low] = await router({ ppocr: 0.3, ultraface: 0.2, fastestdet: 0.1 }).route([item()]);
  assert.equal(low?.reason, 'learned: no specialist needed (best ppocr 0.30 < 0.5)');
});

test('llm prompt lists lettered experts; answers parse robustly', () => {
  const p = buildPrompt('What does the sign say?', SP, 2);
  assert.match(p, /A\. ppocr: Reads text\./);
  assert.match(p, /C\. fastestdet/);
  assert.match(p, /up to 2 experts/);
  assert.deepEqual(parseAnswer('A', 3), [0]);
  assert.deepEqual(parseAnswer(' A, C. ', 3), [0, 2]);
  assert.deepEqual(parseAnswer('Answer: B', 3), [1]);
  assert.deepEqual(parseAnswer('B and C', 3), [1, 2]);
  assert.deepEqual(parseAnswer('None', 3), []);
  assert.deepEqual(parseAnswer('none.', 3), []);
  assert.equal(parseAnswer('I think the image shows a cat', 3), null);
  assert.equal(parseAnswer('D', 3), null);
  assert.equal(parseAnswer('', 3), null);
});
