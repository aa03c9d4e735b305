/** POST /v1/infer bodies (gateway/http-body.ts): JSON (proto and lowerCamelCase names, protobuf-JSON values, data URLs) and multipart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/core/errors';
import { parseJsonBody, parseMultipartBody } from '../../gateway/http-body';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xfb, 0xff, 0xfe]);
const body = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const rejects = (o: unknown, message: RegExp): void => {
  assert.throws(() => parseJsonBody(typeof o === 'string' ? Buffer.from(o) : body(o)), (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
};

describe('HTTP JSON body', () => {
  it('reads the proto field names', () => {
    const w = parseJsonBody(body({
      image: PNG.toString('base64'), instruction: 'hi', deadline_ms: 5000, max_experts: 2, required_experts: ['ppocr'],
      excluded_experts: ['ultraface'], return_features: true, features_dtype: 'FP16', request_id: 'r-1',
    }));
    assert.deepEqual(Buffer.from(w.image), PNG);
    assert.deepEqual({ ...w, image: undefined }, {
      image: undefined, instruction: 'hi', deadlineMs: 5000, maxExperts: 2, requiredExperts: ['ppocr'], excludedExperts: ['ultraface'],
      returnFeatures: true, featuresDtype: 'FP16', requestId: 'r-1',
    });
  });

  it('reads what a protobuf JSON printer writes: lowerCamelCase names, integers as strings, enums by name or number', () => {
    const w = parseJsonBody(body({ image: PNG.toString('base64'), instruction: 'hi', deadlineMs: '5000', maxExperts: '1', returnFeatures: true, featuresDtype: 2, requestId: 'x' }));
    assert.equal(w.deadlineMs, 5000);
    assert.equal(w.maxExperts, 1);
    assert.equal(w.returnFeatures, true);
    assert.equal(w.featuresDtype, 'FP16');
    assert.equal(w.requestId, 'x');
    assert.equal(parseJsonBody(body({ image: '', instruction: 'x', featuresDtype: 'TENSOR_DATA_TYPE_UNSPECIFIED' })).featuresDtype, 'FP32');
    assert.equal(parseJsonBody(body({ image: '', instruction: 'x' })).maxExperts, undefined);
  });

  it('takes the image as standard or URL-safe base64, with line breaks, or as a base64 data URL', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    const b64 = bytes.toString('base64');
    for (const image of [b64, bytes.toString('base64url'), b64.replace(/(.{76})/g, '$1\n'), `data:image/png;base64,${b64}`, `DATA:image/jpeg;name=a.jpg;base64,${b64}`, `data:;base64,${b64}`]) {
      assert.deepEqual(Buffer.from(parseJsonBody(body({ image, instruction: 'x' })).image), bytes, image.slice(0, 40));
    }
  });

  it('names what is wrong', () => {
    rejects('{"image": 5', /not valid JSON/);
    rejects([], /must be a JSON object/);
    rejects({ image: '', instruction: 'x', max_expert: 2 }, /unknown field "max_expert"; the fields are image, instruction, .*max_experts/);
    rejects({ image: '', instruction: 'x', max_experts: 1, maxExperts: 2 }, /"max_experts" is given twice/);
    rejects({ image: '!!!', instruction: 'x' }, /"image" must be base64/);
    rejects({ image: 'data:text/plain;base64,aGk=', instruction: 'x' }, /"text\/plain", not an image/);
    rejects({ image: 'data:image/png,rawbytes', instruction: 'x' }, /data URL must be base64-encoded/);
    rejects({ image: '', instruction: 5 }, /"instruction" must be a string/);
    // Ranges (negative, fractional, too large) are validateRequest's, the same for gRPC and HTTP.
    assert.equal(parseJsonBody(body({ image: '', instruction: 'x', max_experts: '-1' })).maxExperts, -1);
    rejects({ image: '', instruction: 'x', deadline_ms: '5s' }, /"deadline_ms" must be a number, got "5s"/);
    rejects({ image: '', instruction: 'x', max_experts: true }, /"max_experts" must be a number, got true/);
    rejects({ image: '', instruction: 'x', return_features: 'yes' }, /"return_features" must be a boolean/);
    rejects({ image: '', instruction: 'x', required_experts: 'ppocr' }, /"required_experts" must be an array of strings/);
    rejects({ image: '', instruction: 'x', features_dtype: 'INT8' }, /"features_dtype" must be "FP32" or "FP16", got "INT8"/);
  });
});

async function multipart(fill: (f: FormData) => void): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  fill(form);
  const res = new Response(form);
  return { body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
}

describe('HTTP multipart body', () => {
  it('takes the image as a file part and the same names as JSON in text parts', async () => {
    const { body, type } = await multipart((f) => {
      f.set('image', new Blob([PNG]), 'cat.png');
      f.set('instruction', 'What animal is this?');
      f.set('maxExperts', '2');
      f.set('deadline_ms', '3000');
      f.append('required_experts', 'ppocr,fastestdet');
      f.append('required_experts', 'ultraface');
      f.set('return_features', 'True');
      f.set('features_dtype', 'FP16');
    });
    const w = await parseMultipartBody(body, type);
    assert.deepEqual(Buffer.from(w.image), PNG);
    assert.deepEqual({ ...w, image: undefined }, {
      image: undefined, instruction: 'What animal is this?', deadlineMs: 3000, maxExperts: 2, requiredExperts: ['ppocr', 'fastestdet', 'ultraface'],
      excludedExperts: [], returnFeatures: true, featuresDtype: 'FP16', requestId: '',
    });
    const dataUrl = await multipart((f) => { f.set('image', `data:image/png;base64,${PNG.toString('base64')}`); f.set('instruction', 'x'); f.set('return_features', '0'); });
    const w2 = await parseMultipartBody(dataUrl.body, dataUrl.type);
    assert.deepEqual(Buffer.from(w2.image), PNG);
    assert.equal(w2.returnFeatures, false);
  });

  it('names what is wrong', async () => {
    const fails = async (fill: (f: FormData) => void, message: RegExp): Promise<void> => {
      const { body, type } = await multipart(fill);
      await assert.rejects(parseMultipartBody(body, type), (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message));
    };
    const image = (f: FormData): void => f.set('image', new Blob([PNG]), 'a.png');
    await fails((f) => f.set('instruction', 'x'), /needs an "image" file part/);
    await fails((f) => { image(f); f.set('instrucion', 'x'); }, /unknown field "instrucion"/);
    await fails((f) => { image(f); f.append('instruction', 'a'); f.append('instruction', 'b'); }, /"instruction" is given 2 times/);
    await fails((f) => { image(f); f.set('return_features', 'yes'); }, /"return_features" must be true or false, got "yes"/);
    await fails((f) => { image(f); f.set('instruction', new Blob(['x']), 'i.txt'); }, /"instruction" must be a text part, not a file/);
    await assert.rejects(parseMultipartBody(Buffer.from('garbage'), 'multipart/form-data; boundary=zzz'), /malformed multipart body/);
  });
});
