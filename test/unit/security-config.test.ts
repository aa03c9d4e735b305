/** TLS settings from the environment, API-key extraction, and the gateway's reliability/security config keys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { presentedKey } from '../../gateway/auth';
import { compileGatewayConfig } from '../../gateway/config';
import { ConfigError } from '../../src/core/errors';
import { tlsFilesFromEnv } from '../../src/core/tls';

describe('tlsFilesFromEnv', () => {
  it('is off without MOVA_TLS_CERT / MOVA_TLS_KEY', () => {
    assert.equal(tlsFilesFromEnv({}), undefined);
  });
  it('needs both the certificate and the key', () => {
    assert.throws(() => tlsFilesFromEnv({ MOVA_TLS_CERT: '/c.pem' }), (e: unknown) => e instanceof ConfigError && e.key === 'MOVA_TLS_KEY');
    assert.throws(() => tlsFilesFromEnv({ MOVA_TLS_KEY: '/k.pem' }), (e: unknown) => e instanceof ConfigError && e.key === 'MOVA_TLS_CERT');
  });
  it('mutual TLS needs a CA to verify clients', () => {
    assert.throws(() => tlsFilesFromEnv({ MOVA_TLS_CERT: '/c', MOVA_TLS_KEY: '/k', MOVA_TLS_CLIENT_AUTH: '1' }), (e: unknown) => e instanceof ConfigError && e.key === 'MOVA_TLS_CA');
    assert.deepEqual(tlsFilesFromEnv({ MOVA_TLS_CERT: '/c', MOVA_TLS_KEY: '/k', MOVA_TLS_CA: '/ca', MOVA_TLS_CLIENT_AUTH: 'true' }), { certFile: '/c', keyFile: '/k', caFile: '/ca', clientAuth: true });
  });
});

describe('presentedKey', () => {
  const from = (h: Record<string, string>) => presentedKey((k) => h[k]);
  it('reads a Bearer token or x-api-key', () => {
    assert.equal(from({ authorization: 'Bearer abc.def' }), 'abc.def');
    assert.equal(from({ authorization: 'bearer   xyz ' }), 'xyz');
    assert.equal(from({ 'x-api-key': ' k1 ' }), 'k1');
  });
  it('ignores other schemes and empty values', () => {
    assert.equal(from({ authorization: 'Basic dXNlcjpwdw==' }), undefined);
    assert.equal(from({ 'x-api-key': '' }), undefined);
    assert.equal(from({}), undefined);
  });
});

describe('gateway reliability and security config', () => {
  it('queue takeover settings come from options or MOVA_QUEUE_*', () => {
    const d = compileGatewayConfig({ env: {} });
    assert.equal(d.lockDurationMs, 10_000);
    assert.equal(d.stalledIntervalMs, 5_000);
    assert.equal(d.attempts, 3);
    const e = compileGatewayConfig({ env: { MOVA_QUEUE_LOCK_DURATION_MS: '2000', MOVA_QUEUE_STALLED_INTERVAL_MS: '1000', MOVA_QUEUE_NAME: 'q2' } });
    assert.equal(e.lockDurationMs, 2000);
    assert.equal(e.stalledIntervalMs, 1000);
    assert.equal(e.queueName, 'q2');
    assert.throws(() => compileGatewayConfig({ env: { MOVA_QUEUE_LOCK_DURATION_MS: 'soon' } }), (err: unknown) => err instanceof ConfigError && err.key === 'MOVA_QUEUE_LOCK_DURATION_MS');
  });
  it('no API keys means no authentication; rate limits are non-negative', () => {
    assert.deepEqual(compileGatewayConfig({ env: {} }).apiKeySha256, []);
    assert.throws(() => compileGatewayConfig({ env: {}, rateLimitPerS: -1 }), ConfigError);
  });
});
