/**
 * What the learned router predicts: one score per specialist *domain* (multi-label). Expert scores follow from the
 * registry: an expert scores the maximum of its domains' scores. Predicting domains rather than expert names keeps
 * the trained model valid when experts are added, renamed or swapped in the registry.
 */
export const ROUTER_LABELS = ['document', 'chart', 'grounding', 'face'] as const;
export type RouterLabel = (typeof ROUTER_LABELS)[number];

export function isRouterLabel(s: string): s is RouterLabel {
  return (ROUTER_LABELS as readonly string[]).includes(s);
}

/** The primary domain of a label set: its first label in ROUTER_LABELS order of the sample, or `natural` when empty. */
export function primaryDomain(labels: readonly string[]): string {
  return labels[0] ?? 'natural';
}
