#!/usr/bin/env bash
# GPU check (issue 10): on a GPU machine, for every expert, CPU vs WebGPU outputs agree within tolerance, and
# latency/throughput at batch 1, 8, 32 for CPU, WebGPU on the original (int8) graph and WebGPU on the float32/float16
# variants (scripts/gpu-check.ts). Writes bench/gpu-check.md with the date and the GPU's name.
#
# WebGPU in onnxruntime-node runs on Vulkan: it needs the Vulkan loader (Debian's libvulkan1), the NVIDIA Vulkan ICD
# file (VK_DRIVER_FILES) and a writable XDG_RUNTIME_DIR (see ../shared/models/README.md). Without a loader on the
# host, carry Debian's .deb in .gl/ (see scripts/gpu-bench.sh) and this script unpacks it.
# Exits 1 with a clear message when no GPU or no Vulkan is present, or when an agreement check fails.
#
# Usage: scripts/gpu-check.sh [--out FILE] [--batches 1,8,32]
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=bench/gpu-check.md
BATCHES=1,8,32
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    *) echo "usage: $0 [--out FILE] [--batches 1,8,32]" >&2; exit 2 ;;
  esac
done

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi missing or failing); run this on a GPU machine" >&2
  exit 1
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
    echo "gpu-check: no Vulkan loader (libvulkan.so.1); install libvulkan1 or carry .gl/*.deb — WebGPU cannot start" >&2
    exit 1
  fi
fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi
if [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA Vulkan ICD file found; set VK_DRIVER_FILES to the driver's nvidia_icd.json" >&2
  exit 1
fi
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR}" ]; then export XDG_RUNTIME_DIR="$(mktemp -d)"; fi
chmod 700 "$XDG_RUNTIME_DIR"

GPU="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n1)"
echo "gpu-check: $GPU, $(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
[ -f dist/scripts/gpu-check.js ] || npm run build --silent

# Bounded: a hung Vulkan device must not hang the script.
timeout 1500 node dist/scripts/gpu-check.js --gpu "$GPU" --out "$OUT" --batches "$BATCHES"
echo "gpu-check: wrote $OUT" >&2
