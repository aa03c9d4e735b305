/**
 * Gateway API keys and per-key rate limits. Keys are configured as sha256 digests (never stored in clear); a
 * presented key is hashed and compared with every configured digest in constant time (crypto.timingSafeEqual, no
 * early exit). Each key has a token bucket: `rateLimitPerS` tokens/s up to `rateLimitBurst`.
 * Keys travel as `authorization: Bearer <key>` or `x-api-key: <key>` (gRPC metadata or HTTP headers).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ResourceExhaustedError, UnauthenticatedError } from '../src/core/errors';

export interface AuthConfig {
  readonly apiKeySha256: readonly string[];
  readonly rateLimitPerS: number;
  readonly rateLimitBurst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The key from `authorization: Bearer <key>` or `x-api-key`, whichever is present. */
export function presentedKey(get: (header: string) => string | undefined): string | undefined {
  const auth = get('authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const key = get('x-api-key');
  return key === undefined || key === '' ? undefined : key.trim();
}

export class ApiKeyGuard {
  private readonly digests: Buffer[];
  private readonly buckets = new Map<number, Bucket>();

  constructor(private readonly cfg: AuthConfig, private readonly now: () => number = () => performance.now()) {
    this.digests = cfg.apiKeySha256.map((d) => Buffer.from(d, 'hex'));
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Throws UNAUTHENTICATED (no or unknown key) or RESOURCE_EXHAUSTED (key over its rate); else takes one token. */
  admit(key: string | undefined): void {
    if (!this.enabled) return;
    if (key === undefined) throw new UnauthenticatedError('missing API key: send "authorization: Bearer <key>" or "x-api-key: <key>"');
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let match = -1;
    for (let i = 0; i < this.digests.length; i++) {
      if (timingSafeEqual(digest, this.digests[i]!)) match = i;
    }
    if (match < 0) throw new UnauthenticatedError('invalid API key');
    this.take(match);
  }

  private take(keyIndex: number): void {
    const rate = this.cfg.rateLimitPerS;
    if (rate <= 0) return;
    const t = this.now();
    const b = this.buckets.get(keyIndex) ?? { tokens: this.cfg.rateLimitBurst, at: t };
    b.tokens = Math.min(this.cfg.rateLimitBurst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    this.buckets.set(keyIndex, b);
    if (b.tokens < 1) {
      const waitMs = Math.ceil(((1 - b.tokens) / rate) * 1000);
      throw new ResourceExhaustedError(`rate limit of ${rate} requests/s for this API key exceeded; retry in ${waitMs} ms`);
    }
    b.tokens -= 1;
  }
}
