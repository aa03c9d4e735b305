/**
 * Security: the cluster with mutual TLS on every gRPC hop (certificates made at test time with openssl), gateway
 * API keys (sha256 at rest, constant-time compare) with per-key rate limits on gRPC and HTTP, and Redis with a
 * password and an ACL user.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { start, type RunningGateway } from '../../gateway/main';
import { ApiKeyGuard } from '../../gateway/auth';
import { compileGatewayConfig } from '../../gateway/config';
import { ConfigError } from '../../src/core/errors';
import { ProcessGroup } from '../../src/launcher/process-group';
import { freePort, redisServerPath, redisSpec } from '../../src/launcher/redis';
import { startBackends, type Backends } from '../helpers/cluster';
import { hasOpenssl, makeTestPki, type TestPki } from '../helpers/certs';
import { GatewayCaller } from '../helpers/fault-load';
import { oipClient } from '../helpers/oip-client';
import { outcome } from '../helpers/grpc-raw';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'images');
const cat = readFileSync(path.join(FIXTURES, 'chelsea.png'));
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const S = grpc.status;

describe('mutual TLS on every gRPC hop', { timeout: 180_000, skip: hasOpenssl() ? false : 'openssl is not installed' }, () => {
  let pki: TestPki;
  let backends: Backends;
  let gw: RunningGateway;

  before(async () => {
    pki = makeTestPki();
    const env = { MOVA_TLS_CERT: pki.nodeCert, MOVA_TLS_KEY: pki.nodeKey, MOVA_TLS_CA: pki.caCert, MOVA_TLS_CLIENT_AUTH: '1' };
    backends = await startBackends({ redis: false, env });
    gw = await start({
      port: 0, httpPort: 0, addresses: backends.addresses, redisUrl: '', env: {},
      tls: { certFile: pki.nodeCert, keyFile: pki.nodeKey, caFile: pki.caCert, clientAuth: true },
    });
  });
  after(async () => {
    await gw?.stop();
    await backends?.stop();
  });

  const mtls = (): grpc.ChannelCredentials => grpc.credentials.createSsl(readFileSync(pki.caCert), readFileSync(pki.nodeKey), readFileSync(pki.nodeCert));

  it('a client with a certificate from the cluster CA is served end to end (gateway → experts, router, fusion over mTLS)', async () => {
    const caller = new GatewayCaller(gw.address, mtls());
    try {
      const res = await caller.call({ image: cat, instruction: 'What animal is this?', request_id: 'mtls-ok' }, 30_000);
      assert.equal(res.degraded, false, JSON.stringify(res.experts));
      assert.notEqual(res.routing?.policy, 'unavailable');
    } finally {
      caller.close();
    }
  });

  it('a TLS client without a certificate is refused, by the gateway and by an expert', async () => {
    for (const address of [gw.address, backends.addresses.mobilenetv2!]) {
      const noCert = new GatewayCaller(address, grpc.credentials.createSsl(readFileSync(pki.caCert)));
      const got = await outcome(noCert.call({ image: cat, instruction: 'hi' }, 5000));
      noCert.close();
      assert.equal(got.code, S.UNAVAILABLE, `${address}: ${S[got.code]} ${got.details}`);
    }
  });

  it('a client certificate from another CA is refused', async () => {
    const rogue = new GatewayCaller(gw.address, grpc.credentials.createSsl(readFileSync(pki.caCert), readFileSync(pki.rogueKey), readFileSync(pki.rogueCert)));
    const got = await outcome(rogue.call({ image: cat, instruction: 'hi' }, 5000));
    rogue.close();
    assert.equal(got.code, S.UNAVAILABLE, `${S[got.code]} ${got.details}`);
  });

  it('a plaintext client is refused by every service', async () => {
    for (const [name, address] of Object.entries(backends.addresses)) {
      const client = oipClient(address);
      const got = await outcome(client.call('ServerLive', {}, 5000));
      client.close();
      assert.equal(got.code, S.UNAVAILABLE, `${name}: ${S[got.code]} ${got.details}`);
    }
  });
});

describe('gateway API keys and per-key rate limits', { timeout: 60_000 }, () => {
  let gw: RunningGateway;
  const keyA = 'mova-test-key-A-0123456789';
  const keyB = 'mova-test-key-B-9876543210';

  before(async () => {
    // No batch worker needed: every call here is decided at the edge (auth, limit, then validation).
    gw = await start({ port: 0, httpPort: 0, redisUrl: '', env: {}, worker: false, apiKeySha256: [sha256(keyA), sha256(keyB)], rateLimitPerS: 1, rateLimitBurst: 3 });
  });
  after(async () => {
    await gw?.stop();
  });

  const grpcCall = async (meta: Record<string, string>): Promise<{ code: number; details: string }> => {
    const caller = new GatewayCaller(gw.address);
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(meta)) md.set(k, v);
    const got = await outcome(caller.call({ image: Buffer.from('not an image'), instruction: 'hi' }, 5000, md));
    caller.close();
    return got;
  };
  const httpCall = async (headers: Record<string, string>): Promise<{ status: number; message: string }> => {
    const res = await fetch(`${gw.httpUrl}/v1/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ image: 'AAAA', instruction: 'hi' }) });
    return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
  };

  it('gRPC: no key or a wrong key → UNAUTHENTICATED; a valid key (Bearer or x-api-key) gets past the edge', async () => {
    const none = await grpcCall({});
    assert.equal(none.code, S.UNAUTHENTICATED);
    assert.match(none.details, /missing API key/);
    const wrong = await grpcCall({ authorization: 'Bearer not-the-key' });
    assert.equal(wrong.code, S.UNAUTHENTICATED);
    assert.match(wrong.details, /invalid API key/);
    // Authenticated: the request then fails validation (the image is garbage), which proves auth let it through.
    assert.equal((await grpcCall({ authorization: `Bearer ${keyA}` })).code, S.INVALID_ARGUMENT);
    assert.equal((await grpcCall({ 'x-api-key': keyB })).code, S.INVALID_ARGUMENT);
  });

  it('HTTP: 401 without a valid key, and a key over its rate gets 429 while other keys do not', async () => {
    assert.equal((await httpCall({})).status, 401);
    assert.equal((await httpCall({ 'x-api-key': 'nope' })).status, 401);
    // Key A used once above; its bucket holds 3 and refills at 1/s: a burst of 4 more must hit the limit.
    const burst = [];
    for (let i = 0; i < 4; i++) burst.push(await httpCall({ authorization: `Bearer ${keyA}` }));
    const limited = burst.filter((r) => r.status === 429);
    assert.ok(limited.length >= 1, JSON.stringify(burst));
    assert.match(limited[0]!.message, /rate limit of 1 requests\/s for this API key exceeded/);
    const other = await grpcCall({ authorization: `Bearer ${keyB}` });
    assert.equal(other.code, S.INVALID_ARGUMENT, 'key B has its own bucket');
    const overGrpc = await grpcCall({ authorization: `Bearer ${keyA}` });
    assert.equal(overGrpc.code, S.RESOURCE_EXHAUSTED, overGrpc.details);
  });

  it('the token bucket refills at the configured rate', () => {
    let now = 0;
    const guard = new ApiKeyGuard({ apiKeySha256: [sha256('k')], rateLimitPerS: 2, rateLimitBurst: 2 }, () => now);
    guard.admit('k');
    guard.admit('k');
    assert.throws(() => guard.admit('k'), /retry in 500 ms/);
    now += 500;
    guard.admit('k');
    assert.throws(() => guard.admit('k'));
  });

  it('config takes digests, never keys in clear, and reads MOVA_API_KEYS_SHA256', () => {
    assert.throws(() => compileGatewayConfig({ apiKeySha256: ['my-secret-key'] }), (e: unknown) => e instanceof ConfigError && /sha256 digest/.test(e.message));
    const cfg = compileGatewayConfig({ env: { MOVA_API_KEYS_SHA256: `${sha256(keyA)}, ${sha256(keyB).toUpperCase()}`, MOVA_RATE_LIMIT_RPS: '5' } });
    assert.deepEqual(cfg.apiKeySha256, [sha256(keyA), sha256(keyB)]);
    assert.equal(cfg.rateLimitPerS, 5);
    assert.equal(cfg.rateLimitBurst, 10);
  });
});

describe('Redis with a password and an ACL user', { timeout: 60_000, skip: redisServerPath() ? false : 'redis-server is not installed' }, () => {
  const group = new ProcessGroup();
  let port = 0;

  before(async () => {
    port = await freePort();
    const spec = redisSpec(redisServerPath()!, port);
    await group.start({ ...spec, args: [...spec.args, '--requirepass', 'default-secret', '--user', 'mova', 'on', '>mova-secret', '~*', '&*', '+@all'] });
  });
  after(async () => {
    await group.stop();
  });

  for (const [who, url] of [['password', 'redis://:default-secret@127.0.0.1:PORT'], ['ACL user', 'redis://mova:mova-secret@127.0.0.1:PORT']] as const) {
    it(`queues jobs with the ${who} from the URL`, async () => {
      const gw = await start({ port: 0, httpPort: 0, env: {}, worker: false, redisUrl: url.replace('PORT', String(port)), queueName: `auth-${who.replace(' ', '-')}` });
      try {
        assert.equal(gw.queueKind, 'bullmq');
        const caller = new GatewayCaller(gw.address);
        // No worker: the job is accepted into Redis, and the producer answers DEADLINE_EXCEEDED when its budget ends.
        const got = await outcome(caller.call({ image: cat, instruction: 'hi', deadline_ms: 300 }, 5000));
        caller.close();
        assert.equal(got.code, S.DEADLINE_EXCEEDED, got.details);
        assert.match(got.details, /while queued or running/);
      } finally {
        await gw.stop();
      }
    });
  }

  it('a wrong password fails at start with the Redis error', async () => {
    await assert.rejects(
      start({ port: 0, httpPort: 0, env: {}, worker: false, redisUrl: `redis://:wrong@127.0.0.1:${port}`, queueName: 'auth-wrong' }),
      /WRONGPASS|NOAUTH|invalid username-password/i,
    );
  });
});
