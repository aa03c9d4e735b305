#!/usr/bin/env bash
# Figure 6 (issue 8): the expert benchmark with the WebGPU provider vs the CPU provider, per expert at batch
# 1..32, on a GPU machine. Writes bench/expert-webgpu.{json,md} and bench/expert-cpu-gpuhost.{json,md} (the GPU's
# name and the date in each), then refreshes bench/README.md. Stops by itself; only loopback is used.
#
# WebGPU in onnxruntime-node runs on Vulkan. On an NVIDIA host without a Vulkan loader, bring Debian's packages
# first (see ../shared/models/README.md), e.g. from the repository root on a machine with apt:
#   echo /.gl/ >>.git/info/exclude; mkdir -p .gl /tmp/amd64/partial
#   o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#   apt-get $o update; (cd .gl && apt-get $o download libvulkan1)
# and carry .gl to the GPU machine; this script unpacks .gl/*.deb when the loader is missing.
#
# Usage: scripts/gpu-bench.sh [--experts a,b] [--batches 1,2,4,8,16,32] [--iterations N]
set -euo pipefail
cd "$(dirname "$0")/.."

EXPERTS=""
BATCHES="1,2,4,8,16,32"
ITERATIONS=20
while [ $# -gt 0 ]; do
  case "$1" in
    --experts) EXPERTS="$2"; shift 2 ;;
    --batches) BATCHES="$2"; shift 2 ;;
    --iterations) ITERATIONS="$2"; shift 2 ;;
    *) echo "usage: $0 [--experts a,b] [--batches 1,2,4,8,16,32] [--iterations N]" >&2; exit 2 ;;
  esac
done

# Vulkan loader: unpack carried .debs when the system has none.
if ! ldconfig -p 2>/dev/null | grep -q libvulkan; then
  if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    echo "gpu-bench: no Vulkan loader (libvulkan1) and no .gl/*.deb to unpack; WebGPU would fall back to CPU" >&2
    exit 1
  fi
fi
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$ICD" ]; then export VK_DRIVER_FILES="$ICD"; fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"

GPU="unknown GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  GPU="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n1)"
fi
DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "gpu-bench: $GPU, $DATE" >&2

[ -f dist/src/cli/main.js ] || npm run build --silent

EXP_ARGS=()
[ -n "$EXPERTS" ] && EXP_ARGS=(--experts "$EXPERTS")
NOTE="GPU: $GPU; run $DATE by scripts/gpu-bench.sh; CPU: $(nproc) cores"

# Every call bounded in time: a hung Vulkan device must not hang the script.
timeout 1800 node dist/src/cli/main.js bench expert --inputs pixel_values --provider webgpu --batches "$BATCHES" --iterations "$ITERATIONS" \
  --name expert-webgpu --note "$NOTE" "${EXP_ARGS[@]}"
timeout 1800 node dist/src/cli/main.js bench expert --inputs pixel_values --provider cpu --batches "$BATCHES" --iterations "$ITERATIONS" \
  --name expert-cpu-gpuhost --note "$NOTE" "${EXP_ARGS[@]}"

# CPU vs GPU ratio per expert and batch (server path and in-process path).
node -e '
const fs = require("fs");
const g = JSON.parse(fs.readFileSync("bench/expert-webgpu.json", "utf8")).data.rows;
const c = JSON.parse(fs.readFileSync("bench/expert-cpu-gpuhost.json", "utf8")).data.rows;
const lines = ["| expert | batch | CPU in-process ms | WebGPU in-process ms | GPU speed-up in-process | CPU server items/s | WebGPU server items/s | GPU speed-up via server |", "|---|---|---|---|---|---|---|---|"];
for (const r of g) {
  const k = c.find((x) => x.expert === r.expert && x.batch === r.batch);
  if (!k) continue;
  lines.push(`| ${r.expert} | ${r.batch} | ${k.inProcessMs} | ${r.inProcessMs} | ${(k.inProcessMs / r.inProcessMs).toFixed(2)}× | ${k.serverItemsPerS} | ${r.serverItemsPerS} | ${(r.serverItemsPerS / k.serverItemsPerS).toFixed(2)}× |`);
}
const md = `# Figure 6 — CPU vs WebGPU per expert\n\n'"$NOTE"'\n\n${lines.join("\n")}\n\nOutputs are copied back to the host after every run (onnxruntime-node returns CPU tensors); keeping them on the GPU between runs would need the binding'"'"'s preferredOutputLocation, not used here.\n`;
fs.writeFileSync("bench/gpu.md", md);
process.stdout.write(md);
'
node -e 'require("./dist/src/bench/readme.js").writeBenchReadme()'
echo "gpu-bench: wrote bench/expert-webgpu.*, bench/expert-cpu-gpuhost.*, bench/gpu.md" >&2
