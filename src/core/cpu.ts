/**
 * What this machine's CPU is, as far as onnxruntime's kernels care: the model name and the widest x86 SIMD level
 * (int8 kernels are exact only with VNNI; without it their u8×s8 products saturate).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** 'AVX-512 VNNI', 'AVX-512', 'AVX-VNNI', 'AVX2' or '' from /proc/cpuinfo (Linux x86; '' elsewhere). */
export function simdLevel(): string {
  let flags: Set<string>;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flags = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return '';
  }
  if (flags.has('avx512_vnni')) return 'AVX-512 VNNI';
  if (flags.has('avx512f')) return 'AVX-512';
  if (flags.has('avx_vnni')) return 'AVX-VNNI';
  return flags.has('avx2') ? 'AVX2' : '';
}

/** Whether onnxruntime's int8 kernels compute exact int8 maths here: not x86-64, or x86-64 with VNNI. */
export function int8KernelsExact(): boolean {
  return process.arch !== 'x64' || simdLevel().includes('VNNI');
}

/** The CPU model with its SIMD level, e.g. "AMD EPYC (AVX2)". */
export function cpuDescription(): string {
  const simd = simdLevel();
  return `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}${simd ? ` (${simd})` : ''}`;
}
