/**
 * A throw-away PKI for TLS tests, made with the openssl CLI at test time: a CA, one node certificate (server and
 * client auth, SAN 127.0.0.1 and localhost) signed by it, and a certificate from an unrelated CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  nodeCert: string;
  nodeKey: string;
  /** Signed by another CA: must be refused wherever the test CA is required. */
  rogueCert: string;
  rogueKey: string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function leaf(dir: string, name: string, caName: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'leaf.cnf']);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mova-pki-'));
  writeFileSync(path.join(dir, 'leaf.cnf'), 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  ca(dir, 'ca');
  leaf(dir, 'node', 'ca');
  ca(dir, 'rogue-ca');
  leaf(dir, 'rogue', 'rogue-ca');
  const p = (f: string): string => path.join(dir, f);
  return { dir, caCert: p('ca.crt'), nodeCert: p('node.crt'), nodeKey: p('node.key'), rogueCert: p('rogue.crt'), rogueKey: p('rogue.key') };
}
