#!/usr/bin/env bash
# End-to-end test of the Kubernetes manifests in a throwaway kind cluster (NOT run by CI: it needs a Docker engine).
#   create a kind cluster -> docker build -> kind load -> kubectl apply -k k8s/overlays/kind-cpu -> wait for rollout
#   -> port-forward the gateway -> the local e2e's client checks through `mova infer` -> report -> tear down.
# Prerequisites: docker, kind, kubectl, node >= 20 and this repository built (`npm ci && npm run build`, for the CLI
# client and the receipt renderer). Internet access for the image build (models) and for Redis's image.
# Environment:
#   KIND_CLUSTER  cluster name (default mova-e2e)      KEEP_CLUSTER=1  leave the cluster running afterwards
#   IMAGE         image tag (default mova-cluster:dev; must match k8s/overlays/kind-cpu)
#   SKIP_BUILD=1  reuse an existing image               LOCAL_PORT    port-forward port (default 55050)
#   ROLLOUT_TIMEOUT  per-workload wait (default 600s)
set -euo pipefail
cd "$(dirname "$0")/.."

CLUSTER="${KIND_CLUSTER:-mova-e2e}"
IMAGE="${IMAGE:-mova-cluster:dev}"
REDIS_IMAGE="redis:7.2-alpine"
LOCAL_PORT="${LOCAL_PORT:-55050}"
TIMEOUT="${ROLLOUT_TIMEOUT:-600s}"
NS=mova
WORK="$(mktemp -d)"
PF_PID=""
created=0
passed=0
failed=0

log() { printf '[e2e-kind] %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  if [ -n "$PF_PID" ]; then kill "$PF_PID" 2>/dev/null || true; fi
  if [ "$rc" -ne 0 ] && [ "$created" = 1 ]; then
    log "failure: cluster state follows"
    kubectl -n "$NS" get pods -o wide >&2 || true
    kubectl -n "$NS" get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 30 >&2 || true
    for p in $(kubectl -n "$NS" get pods -o name 2>/dev/null); do
      log "--- logs $p"; kubectl -n "$NS" logs "$p" --tail=30 >&2 || true
    done
  fi
  if [ "$created" = 1 ] && [ "${KEEP_CLUSTER:-0}" != 1 ]; then
    log "deleting kind cluster $CLUSTER"; kind delete cluster --name "$CLUSTER" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT INT TERM

for tool in docker kind kubectl node; do
  command -v "$tool" >/dev/null 2>&1 || { log "missing prerequisite: $tool"; exit 2; }
done
[ -f dist/src/cli/main.js ] || { log "build the CLI first: npm ci && npm run build"; exit 2; }

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "reusing kind cluster $CLUSTER"
else
  log "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 120s >&2
  created=1
fi
kubectl config use-context "kind-$CLUSTER" >&2

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "docker build -t $IMAGE . (fetches the models into the image)"
  docker build -t "$IMAGE" . >&2
fi
docker image inspect "$REDIS_IMAGE" >/dev/null 2>&1 || docker pull "$REDIS_IMAGE" >&2
log "loading images into the cluster"
kind load docker-image "$IMAGE" --name "$CLUSTER" >&2
kind load docker-image "$REDIS_IMAGE" --name "$CLUSTER" >&2

log "kubectl apply -k k8s/overlays/kind-cpu"
kubectl apply -k k8s/overlays/kind-cpu >&2
kubectl -n "$NS" rollout status statefulset/mova-redis --timeout="$TIMEOUT" >&2
for d in $(kubectl -n "$NS" get deployments -o name); do
  log "waiting for $d"
  kubectl -n "$NS" rollout status "$d" --timeout="$TIMEOUT" >&2
done

log "port-forward svc/mova-gateway $LOCAL_PORT:50050"
kubectl -n "$NS" port-forward svc/mova-gateway "$LOCAL_PORT:50050" >"$WORK/port-forward.log" 2>&1 &
PF_PID=$!
for _ in $(seq 1 50); do
  if node -e "require('net').connect($LOCAL_PORT,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"; then break; fi
  sleep 0.2
done

GATEWAY="127.0.0.1:$LOCAL_PORT"

# check NAME JSON_FILE JS_PREDICATE: the predicate sees `r` (the `mova infer --json` output) and returns a string
# describing the failure, or '' when the check passes.
check() {
  local name="$1" file="$2" predicate="$3" why
  why="$(node -e "const r=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8'));const f=(r)=>{$predicate};process.stdout.write(String(f(r)||''))" "$file" 2>&1)" || why="predicate crashed: $why"
  if [ -z "$why" ]; then passed=$((passed + 1)); log "PASS $name"; else failed=$((failed + 1)); log "FAIL $name: $why"; fi
}

# infer OUT ARGS...: `mova infer --json` through the port-forward; a failed call is a failed check.
infer() {
  local out="$1"; shift
  if ! node dist/src/cli/main.js infer --gateway "$GATEWAY" --json --deadline-ms 60000 "$@" >"$out" 2>"$out.err"; then
    failed=$((failed + 1)); log "FAIL infer $*: $(tail -n 3 "$out.err")"; echo '{"experts":[]}' >"$out"
  fi
}

log "infer: chelsea.png, 'What animal is this?'"
infer "$WORK/cat.json" --image test/fixtures/images/chelsea.png --instruction "What animal is this?"
check "cat: the base expert labels a cat" "$WORK/cat.json" \
  "const l=(r.base_decoded&&r.base_decoded.labels||[]).map(x=>x.label); return l.some(x=>/cat|tabby/i.test(x)) ? '' : 'labels: '+l.join(', ')"
check "cat: the OCR expert is not chosen" "$WORK/cat.json" \
  "const o=r.experts.find(e=>e.name==='ppocr'); return !o||o.status==='skipped' ? '' : 'ppocr status '+o.status"
check "cat: not degraded" "$WORK/cat.json" "return r.degraded ? 'degraded, missing '+r.missing_experts : ''"

# Receipt / OCR: when the registry has the ppocr expert and the receipt renderer is built.
if grep -q 'name: ppocr' config/registry.yaml && [ -f dist/test/helpers/render-document.js ]; then
  node -e "
    const { renderReceipt } = require('./dist/test/helpers/render-document.js');
    renderReceipt({ shop: 'CORNER MARKET', items: [['Apples', '3.20'], ['Bread', '2.75'], ['Coffee beans', '12.40'], ['Milk', '1.10']], total: '19.45', date: '2026-11-02' })
      .then((png) => require('fs').writeFileSync(process.argv[1], png));
  " "$WORK/receipt.png"
  log "infer: rendered receipt, 'What is the total amount on this receipt?'"
  infer "$WORK/receipt.json" --image "$WORK/receipt.png" --instruction "What is the total amount on this receipt?"
  check "receipt: the router chooses ppocr" "$WORK/receipt.json" \
    "return (r.routing&&r.routing.chosen||[]).some(c=>c.name==='ppocr') ? '' : 'chosen: '+JSON.stringify(r.routing&&r.routing.chosen)"
  check "receipt: OCR reads the total 19.45" "$WORK/receipt.json" \
    "const o=r.experts.find(e=>e.name==='ppocr'); const t=o&&o.decoded&&o.decoded.text||''; return o&&o.status==='ok'&&/19[.,]45/.test(t) ? '' : 'ppocr '+(o&&o.status)+': '+JSON.stringify(t)"
  check "receipt: not degraded" "$WORK/receipt.json" "return r.degraded ? 'degraded, missing '+r.missing_experts : ''"
else
  log "SKIP receipt/OCR checks (no ppocr expert in the registry or no dist/test/helpers/render-document.js)"
fi

log "report: $passed passed, $failed failed"
echo "e2e-kind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
