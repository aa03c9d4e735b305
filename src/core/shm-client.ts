/**
 * The client side of the system shared-memory extension (see shared-memory.ts) for Node callers on the server's
 * host: a POSIX shared-memory object (a file under /dev/shm, as shm_open makes it) that tensors are copied into and
 * out of. Node cannot map it, so each tensor costs one copy through the page cache (a preprocessing step in another
 * language would write into the mapping directly).
 */
import { closeSync, ftruncateSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SHM_DIR } from './shared-memory';

export class ShmObject {
  private fd: number | undefined;
  readonly file: string;

  /** Creates (or truncates) the object `key` ("/name" or "name") with `byteSize` bytes. */
  constructor(readonly key: string, readonly byteSize: number, dir = DEFAULT_SHM_DIR) {
    this.file = path.join(dir, key.replace(/^\//, ''));
    this.fd = openSync(this.file, 'w+', 0o600);
    ftruncateSync(this.fd, byteSize);
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`shared-memory object ${this.key} is closed`);
    return this.fd;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset + data.byteLength > this.byteSize) throw new RangeError(`${data.byteLength} bytes at ${offset} exceed ${this.key} (${this.byteSize} bytes)`);
    let done = 0;
    while (done < data.byteLength) done += writeSync(this.open(), data, done, data.byteLength - done, offset + done);
  }

  /** `byteLength` bytes from `offset`, in a fresh buffer of their own. */
  read(offset: number, byteLength: number): Buffer {
    const out = Buffer.allocUnsafeSlow(byteLength);
    let done = 0;
    while (done < byteLength) {
      const n = readSync(this.open(), out, done, byteLength - done, offset + done);
      if (n === 0) throw new RangeError(`${this.key} ends before byte ${offset + byteLength}`);
      done += n;
    }
    return out;
  }

  /** Closes and removes the object. */
  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.file, { force: true });
  }
}
