#!/usr/bin/env bash
# Regenerates src/generated/ (TypeScript types for every .proto) with the same options as src/core/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/generated
files=$(cd protos && find . -name '*.proto' | sed 's|^\./||' | sort)
# shellcheck disable=SC2086
npx proto-loader-gen-types $files --keepCase --longs=Number --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js --outDir=src/generated -I protos
