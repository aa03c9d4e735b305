/** Build a Router (learned model + every configured policy) from a compiled config; shared by the service and CLI. */
import { loadLearnedModel, type LearnedModel } from './learned-model';
import type { RouterServiceConfig } from './config';
import type { PolicyName, RoutingPolicy } from './policy';
import { allPolicy } from './policies/all';
import { learnedPolicy } from './policies/learned';
import { llmPolicy } from './policies/llm';
import { nonePolicy } from './policies/none';
import { rulesPolicy } from './policies/rules';
import { Router } from './router';

export async function buildRouter(cfg: RouterServiceConfig, env: NodeJS.ProcessEnv = process.env): Promise<{ router: Router; model: LearnedModel }> {
  const model = await loadLearnedModel(cfg.modelPath);
  const sp = cfg.specialists;
  const learned = learnedPolicy(model, sp);
  const policies = new Map<PolicyName, RoutingPolicy>([
    ['learned', learned], ['rules', rulesPolicy(sp)], ['all', allPolicy(sp)], ['none', nonePolicy(sp)],
  ]);
  const llm = cfg.registry.router.llm;
  if (llm) {
    const apiKey = llm.apiKeyEnv ? env[llm.apiKeyEnv] : undefined;
    policies.set('llm', llmPolicy({ url: llm.url, model: llm.model, timeoutMs: llm.timeoutMs, maxExperts: cfg.maxExperts, ...(apiKey ? { apiKey } : {}) }, sp, learned));
  }
  const router = new Router({
    base: cfg.registry.base, specialists: sp, policies,
    defaultPolicy: cfg.policy, maxExperts: cfg.maxExperts, threshold: cfg.threshold,
  });
  return { router, model };
}
