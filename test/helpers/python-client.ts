/**
 * Runs scripts/clients/mova_grpc_client.py (grpcio + protoc-generated message classes, no project code) for the
 * end-to-end tests. Needs Debian's python3-grpcio, python3-protobuf and protobuf-compiler (.ci/run installs them).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/core/registry';

/** Debian's interpreter: its dist-packages hold python3-grpcio even when another python3 comes first on PATH. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'clients', 'mova_grpc_client.py');

export interface PythonClient {
  /**
   * Runs the client with these arguments; `json` is its one line of output, `status` its exit code. Asynchronous:
   * the server under test may live in this process's event loop.
   */
  run(args: readonly string[]): Promise<{ status: number; json: Record<string, unknown> }>;
}

export function pythonClient(): PythonClient {
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`${PYTHON} cannot import grpc and protobuf (apt-get install python3-grpcio python3-protobuf; .ci/run does): ${probe.stderr}`);
  const gen = mkdtempSync(path.join(os.tmpdir(), 'mova-pyproto-'));
  const protoc = spawnSync('protoc', [`-I${path.join(PROJECT_ROOT, 'protos')}`, `--python_out=${gen}`, 'inference/grpc_service.proto', 'mova/v1/gateway.proto', 'mova/v1/fusion.proto'], { cwd: path.join(PROJECT_ROOT, 'protos'), encoding: 'utf8' });
  if (protoc.error || protoc.status !== 0) throw new Error(`protoc failed (apt-get install protobuf-compiler; .ci/run does): ${protoc.error?.message ?? protoc.stderr}`);
  return {
    run(args) {
      return new Promise((resolve, reject) => {
        execFile(PYTHON, [SCRIPT, '--gen', gen, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
          const status = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          const line = stdout.trim().split('\n').pop() ?? '';
          try {
            resolve({ status, json: JSON.parse(line) as Record<string, unknown> });
          } catch {
            reject(new Error(`python client printed no JSON (status ${status}): ${stdout}${stderr}`));
          }
        });
      });
    },
  };
}
