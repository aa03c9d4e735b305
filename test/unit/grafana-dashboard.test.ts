/** The Grafana dashboard only queries series the code defines (names checked against the sources). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return n === 'generated' ? [] : sources(p);
    return n.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

it('every mova_* series in k8s/monitoring/grafana-dashboard.json is defined in the code', () => {
  const dash = JSON.parse(readFileSync(path.join(ROOT, 'k8s', 'monitoring', 'grafana-dashboard.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
  const code = ['src', 'gateway', 'services'].flatMap((d) => sources(path.join(ROOT, d))).join('\n');
  const names = new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => [...t.expr.matchAll(/\bmova_[a-z_]+/g)].map((m) => m[0]))));
  assert.ok(names.size > 10);
  const defined = (n: string): boolean => {
    const base = n.replace(/_(bucket|sum|count)$/, '');
    if (base.startsWith('mova_process_')) return true; // collectDefaultMetrics with prefix mova_
    // batcher-metrics.ts builds `mova_${service}_<what>` names.
    const generic = /^mova_(expert|fusion)_(.+)$/.exec(base);
    return code.includes(`'${base}'`) || (generic !== null && code.includes(`_${generic[2]}\``));
  };
  assert.deepEqual([...names].filter((n) => !defined(n)), []);
});
