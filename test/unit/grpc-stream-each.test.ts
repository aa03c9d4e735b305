/**
 * streamEach (src/core/grpc-call.ts) on a real grpc-js server over loopback: every request answered once, errors
 * in-stream, at most `maxInFlight` requests running, the stream ending OK after the client half-closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../../src/core/errors';
import { streamEach } from '../../src/core/grpc-call';

type Msg = { id: number; error?: string; code?: number };
const json = {
  serialize: (m: Msg): Buffer => Buffer.from(JSON.stringify(m)),
  deserialize: (b: Buffer): Msg => JSON.parse(b.toString()) as Msg,
};
const definition: grpc.ServiceDefinition = {
  Each: { path: '/test.S/Each', requestStream: true, responseStream: true, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize, originalName: 'Each' },
};

describe('streamEach', () => {
  let server: grpc.Server;
  let client: grpc.Client & { Each: (o?: grpc.CallOptions) => grpc.ClientDuplexStream<Msg, Msg> };
  let running = 0;
  let most = 0;

  before(async () => {
    server = new grpc.Server();
    server.addService(definition, {
      Each: streamEach<Msg, Msg, Msg>('Each', async (req) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5 + (req.id % 3) * 5));
        running--;
        if (req.id === 3) throw new InvalidArgumentError('three is refused');
        return { id: req.id };
      }, (res) => res, (req, st) => ({ id: req.id, error: st.details, code: st.code }), 2),
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const Client = grpc.makeGenericClientConstructor(definition, 'S');
    client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as typeof client;
  });
  after(() => {
    client.close();
    server.forceShutdown();
  });

  it('answers every request once, a failure in-stream, never more than maxInFlight at once, then ends OK', async () => {
    const call = client.Each({ deadline: Date.now() + 10_000 });
    const got: Msg[] = [];
    const done = new Promise<grpc.StatusObject>((resolve, reject) => {
      call.on('data', (m: Msg) => got.push(m));
      call.on('status', resolve);
      call.on('error', reject);
    });
    for (let id = 0; id < 10; id++) call.write({ id });
    call.end();
    const status = await done;
    assert.equal(status.code, grpc.status.OK);
    assert.deepEqual(got.map((m) => m.id).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(got.find((m) => m.id === 3), { id: 3, error: 'three is refused', code: grpc.status.INVALID_ARGUMENT });
    assert.ok(got.filter((m) => m.id !== 3).every((m) => m.error === undefined));
    assert.equal(most, 2, 'at most two requests ran at once');
  });
});
