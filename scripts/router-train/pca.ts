/**
 * Deterministic PCA of the training images' embeddings (Gram-matrix trick + power iteration with deflation):
 * the router sees the base embedding reduced to a few standardised principal components, so a handful of photos
 * cannot be memorised through 1280 raw dimensions.
 */
export interface Pca { mean: Float64Array; /** [dim × k] column-major by component: components[j*k + c]. */ components: Float64Array; scale: Float64Array; k: number }

export function fitPca(rows: readonly Float64Array[], k: number): Pca {
  const n = rows.length, dim = rows[0]!.length;
  const mean = new Float64Array(dim);
  for (const r of rows) for (let j = 0; j < dim; j++) mean[j]! += r[j]! / n;
  const X = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]!));
  const G = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = a; b < n; b++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += X[a]![j]! * X[b]![j]!;
    G[a * n + b] = s; G[b * n + a] = s;
  }
  const components = new Float64Array(dim * k), scale = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let u = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919 + c * 104729) % 97) / 97);
    let lambda = 0;
    for (let it = 0; it < 200; it++) {
      const v = new Float64Array(n);
      for (let a = 0; a < n; a++) { let s = 0; for (let b = 0; b < n; b++) s += G[a * n + b]! * u[b]!; v[a] = s; }
      lambda = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      if (lambda === 0) break;
      u = v.map((x) => x / lambda);
    }
    // Deflate, and turn the Gram eigenvector into a unit principal direction in embedding space.
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) G[a * n + b]! -= lambda * u[a]! * u[b]!;
    const dir = new Float64Array(dim);
    for (let a = 0; a < n; a++) for (let j = 0; j < dim; j++) dir[j]! += u[a]! * X[a]![j]!;
    const norm = Math.sqrt(dir.reduce((s, x) => s + x * x, 0)) || 1;
    for (let j = 0; j < dim; j++) components[j * k + c] = dir[j]! / norm;
    scale[c] = 1 / (Math.sqrt(lambda / n) + 1e-6);
  }
  return { mean, components, scale, k };
}

/** Project rows [n × dim] to standardised components [n × k]. */
export function applyPca(p: Pca, image: Float64Array, n: number): Float64Array {
  const dim = p.mean.length, out = new Float64Array(n * p.k);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) {
    const v = image[i * dim + j]! - p.mean[j]!;
    for (let c = 0; c < p.k; c++) out[i * p.k + c]! += v * p.components[j * p.k + c]!;
  }
  for (let i = 0; i < n; i++) for (let c = 0; c < p.k; c++) out[i * p.k + c]! *= p.scale[c]!;
  return out;
}
