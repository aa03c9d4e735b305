#!/usr/bin/env node
// Runs the compiled test suites with node's test runner: unit, then integration, then e2e.
// Usage: node scripts/run-tests.js [unit|integration|e2e ...]
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const levels = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['unit', 'integration', 'e2e'];

function find(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return name.endsWith('.test.js') ? [p] : [];
  }).sort();
}

const files = levels.flatMap((l) => find(path.join(root, 'dist', 'test', l)));
if (files.length === 0) {
  console.error(`no compiled tests found for ${levels.join(', ')} (run \`npm run build\` first)`);
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: { ...process.env, MOVA_LOG_LEVEL: process.env.MOVA_LOG_LEVEL ?? 'warn' },
});
process.exit(res.status ?? 1);
