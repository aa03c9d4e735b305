/**
 * Triton's system shared-memory extension, server side: clients on the same host register regions of POSIX
 * shared-memory objects (`shm_open` keys, i.e. files under /dev/shm on Linux) and then name them in a tensor's
 * parameters instead of sending its bytes in the gRPC message. A 4.9 MB `pixel_values` tensor then costs the server
 * one read from the page cache instead of the message's framing, reassembly and decode copies.
 *
 * Safety: a registered region lets a client make this process read and write that object, so the extension is off
 * unless the server is started with it (`--allow-client-shm`), keys are plain object names (no path), only
 * regular files inside the shared-memory directory are opened (no symlinks), and the number of regions is bounded.
 * Reads and writes are bounds-checked against the region; the data is copied in or out at call time, so the client
 * may reuse its region as soon as the call returns.
 */
import { constants, promises as fsp, readSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from './errors';

/** The extension's name in ServerMetadata.extensions. */
export const SYSTEM_SHARED_MEMORY_EXTENSION = 'system_shared_memory';

/** Where shm_open keeps its objects on Linux. */
export const DEFAULT_SHM_DIR = '/dev/shm';

/** The most regions one server keeps registered at once. */
export const MAX_REGIONS = 256;

export interface RegionStatus {
  name: string;
  key: string;
  offset: number;
  byte_size: number;
}

interface Region extends RegionStatus {
  file: fsp.FileHandle;
}

/** Where a tensor lives: region name, offset into the region and size, as the tensor's parameters give them. */
export interface ShmLocation {
  region: string;
  offset: number;
  byteSize: number;
}

/** A tensor parameter as proto-loader decodes InferParameter (oneof `parameter_choice`). */
export interface ShmParameterValue {
  parameter_choice?: string;
  int64_param?: number | string;
  uint64_param?: number | string;
  string_param?: string;
}

const KEY_PATTERN = /^\/?[A-Za-z0-9][A-Za-z0-9._-]{0,250}$/;

function nonNegativeInteger(v: unknown, what: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${String(v)}`);
  return n;
}

function intParam(p: ShmParameterValue, what: string): number {
  const v = p.parameter_choice === 'uint64_param' ? p.uint64_param : p.parameter_choice === 'int64_param' ? p.int64_param : undefined;
  if (v === undefined) throw new InvalidArgumentError(`${what} must be an int64 parameter`);
  return nonNegativeInteger(v, what);
}

/**
 * The shared-memory location named in a tensor's parameters, or undefined when it names none.
 * `shared_memory_region` and `shared_memory_byte_size` come together; `shared_memory_offset` defaults to 0.
 */
export function shmLocation(parameters: Readonly<Record<string, ShmParameterValue>> | undefined | null, what: string): ShmLocation | undefined {
  const region = parameters?.shared_memory_region;
  const size = parameters?.shared_memory_byte_size;
  const offset = parameters?.shared_memory_offset;
  if (region === undefined && size === undefined && offset === undefined) return undefined;
  if (region === undefined || size === undefined) {
    throw new InvalidArgumentError(`${what}: shared_memory_region and shared_memory_byte_size must be given together`);
  }
  if (region.parameter_choice !== 'string_param' || !region.string_param) {
    throw new InvalidArgumentError(`${what}: shared_memory_region must be a non-empty string parameter`);
  }
  return {
    region: region.string_param,
    byteSize: intParam(size, `${what}: shared_memory_byte_size`),
    offset: offset === undefined ? 0 : intParam(offset, `${what}: shared_memory_offset`),
  };
}

/** The registered regions of one server. */
export class SharedMemoryRegions {
  private readonly regions = new Map<string, Region>();

  /**
   * `maxReadBytes` bounds what one input may read out of a region (a server passes its message-size limit: a tensor
   * in shared memory may be no larger than one that could come in the message). Default: no bound.
   */
  constructor(readonly options: { enabled: boolean; dir?: string; maxReadBytes?: number } = { enabled: false }) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  private checkEnabled(): void {
    if (!this.enabled) {
      throw new FailedPreconditionError('system shared memory is not enabled on this server (start it with --allow-client-shm)');
    }
  }

  async register(req: { name: string; key: string; offset: number | string; byte_size: number | string }): Promise<void> {
    this.checkEnabled();
    if (!req.name) throw new InvalidArgumentError('a shared-memory region needs a name');
    if (this.regions.has(req.name)) throw new AlreadyExistsError(`shared-memory region "${req.name}" is already registered`);
    if (this.regions.size >= MAX_REGIONS) throw new ResourceExhaustedError(`at most ${MAX_REGIONS} shared-memory regions may be registered`);
    if (!KEY_PATTERN.test(req.key)) {
      throw new InvalidArgumentError(`shared-memory key "${req.key}" must be an object name such as "/input0" (letters, digits, '.', '_', '-'; no path)`);
    }
    const offset = nonNegativeInteger(req.offset, 'offset');
    const byteSize = nonNegativeInteger(req.byte_size, 'byte_size');
    if (byteSize === 0) throw new InvalidArgumentError('byte_size of a shared-memory region must be positive');
    const file = path.join(this.options.dir ?? DEFAULT_SHM_DIR, req.key.replace(/^\//, ''));
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, constants.O_RDWR | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NotFoundError(`shared-memory object "${req.key}" does not exist (create it with shm_open first)`);
      throw new InvalidArgumentError(`cannot open shared-memory object "${req.key}": ${code ?? String(e)}`);
    }
    let stat: Stats;
    try {
      stat = await handle.stat();
      if (!stat.isFile()) throw new InvalidArgumentError(`shared-memory object "${req.key}" is not a regular object`);
      if (offset + byteSize > stat.size) {
        throw new InvalidArgumentError(`shared-memory region "${req.name}" (offset ${offset}, ${byteSize} bytes) exceeds object "${req.key}" (${stat.size} bytes)`);
      }
    } catch (e) {
      await handle.close();
      throw e;
    }
    // Registered only now (a concurrent register of the same name may have won meanwhile).
    if (this.regions.has(req.name)) {
      await handle.close();
      throw new AlreadyExistsError(`shared-memory region "${req.name}" is already registered`);
    }
    this.regions.set(req.name, { name: req.name, key: req.key, offset, byte_size: byteSize, file: handle });
  }

  /** Unregisters one region, or every region when `name` is empty. Unknown names are not an error. */
  async unregister(name: string): Promise<void> {
    this.checkEnabled();
    const names = name ? [name] : [...this.regions.keys()];
    for (const n of names) {
      const r = this.regions.get(n);
      if (!r) continue;
      this.regions.delete(n);
      await r.file.close();
    }
  }

  status(name: string): Record<string, RegionStatus> {
    this.checkEnabled();
    const pick = name ? [this.regions.get(name)] : [...this.regions.values()];
    if (name && !pick[0]) throw new NotFoundError(`shared-memory region "${name}" is not registered`);
    const out: Record<string, RegionStatus> = {};
    for (const r of pick) if (r) out[r.name] = { name: r.name, key: r.key, offset: r.offset, byte_size: r.byte_size };
    return out;
  }

  /** Throws unless `loc` lies inside a registered region. */
  check(loc: ShmLocation, what: string): void {
    this.resolve(loc, what);
  }

  private resolve(loc: ShmLocation, what: string): Region {
    this.checkEnabled();
    const r = this.regions.get(loc.region);
    if (!r) throw new NotFoundError(`${what}: shared-memory region "${loc.region}" is not registered`);
    if (loc.offset + loc.byteSize > r.byte_size) {
      throw new InvalidArgumentError(`${what}: offset ${loc.offset} + ${loc.byteSize} bytes exceeds shared-memory region "${loc.region}" (${r.byte_size} bytes)`);
    }
    return r;
  }

  /**
   * Copies a tensor's bytes out of its region into a fresh buffer of its own (aligned; safe to transfer).
   * Synchronous: the object lives in memory (tmpfs), so the copy costs what a memcpy does, and a thread-pool round
   * trip (which first has to wake a pool thread) would cost more than the copy on the call's critical path.
   */
  read(loc: ShmLocation, what: string): Buffer {
    const r = this.resolve(loc, what);
    const max = this.options.maxReadBytes;
    if (max !== undefined && loc.byteSize > max) {
      throw new ResourceExhaustedError(`${what}: shared_memory_byte_size ${loc.byteSize} exceeds this server's limit of ${max} bytes per input (its message-size limit)`);
    }
    const out = Buffer.allocUnsafeSlow(loc.byteSize);
    let done = 0;
    while (done < loc.byteSize) {
      const bytesRead = readSync(r.file.fd, out, done, loc.byteSize - done, r.offset + loc.offset + done);
      if (bytesRead === 0) throw new InvalidArgumentError(`${what}: shared-memory object "${r.key}" is shorter than its region (truncated after registration?)`);
      done += bytesRead;
    }
    return out;
  }

  /** Copies `data` into a region; the location's byte size must hold it. Synchronous, as `read` is. */
  write(loc: ShmLocation, data: Uint8Array, what: string): void {
    const r = this.resolve(loc, what);
    if (data.byteLength > loc.byteSize) {
      throw new InvalidArgumentError(`${what}: ${data.byteLength} bytes do not fit in the ${loc.byteSize} bytes given in shared-memory region "${loc.region}"`);
    }
    let done = 0;
    while (done < data.byteLength) {
      const bytesWritten = writeSync(r.file.fd, data, done, data.byteLength - done, r.offset + loc.offset + done);
      done += bytesWritten;
    }
  }

  /** Closes every region (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.regions.values()];
    this.regions.clear();
    await Promise.all(all.map((r) => r.file.close()));
  }
}
