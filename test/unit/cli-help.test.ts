import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const MAIN = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const mova = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 });

test('mova <command> --help prints that command\'s usage and exits 0; a bad option prints it on stderr with exit 2', () => {
  for (const cmd of ['up', 'serve', 'infer', 'loadtest', 'route', 'fetch-models', 'prepare-models', 'bench']) {
    const help = mova(cmd, '--help');
    assert.equal(help.status, 0, `${cmd} --help: ${help.stderr}`);
    assert.match(help.stdout, new RegExp(`^usage: mova ${cmd}`));
  }
  assert.match(mova('infer', '-h').stdout, /--gateway ADDR/);
  const bad = mova('infer', '--address', 'x');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--address'/);
  assert.match(bad.stderr, /usage: mova infer --image FILE/);
  const top = mova('--help');
  assert.equal(top.status, 0);
  assert.match(top.stdout, /mova up \[--config FILE\] \[--no-redis\] \[--port N\] \[--any-ports\]/);
  const unknown = mova('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('a failed command prints one line: the gRPC status by name with its details, or the file it could not read', () => {
  const missing = mova('infer', '--image', '/nonexistent/cat.png', '--instruction', 'what is this?');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), 'mova: cannot read /nonexistent/cat.png: no such file or directory');
  // Nothing listens on this port: UNAVAILABLE, named, with the hint; no stack trace.
  const down = mova('infer', '--image', path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images', 'chelsea.png'), '--instruction', 'what is this?', '--gateway', '127.0.0.1:1', '--deadline-ms', '3000');
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^mova: (UNAVAILABLE: .*\(is the cluster running\? `mova up` starts it|DEADLINE_EXCEEDED: ).*\n$/);
  assert.doesNotMatch(down.stderr, /\n\s+at /);
});
