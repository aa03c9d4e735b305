/**
 * One proto loader with one set of options. src/generated/ holds the TypeScript types generated from the same
 * options (scripts/gen-proto-types.sh); keep the two in step.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import path from 'node:path';
import type { ProtoGrpcType as InferenceProto } from '../generated/grpc_service';
import { PROJECT_ROOT } from './registry';

export const PROTO_DIR = path.join(PROJECT_ROOT, 'protos');

/** The options every proto in this project is loaded with (and its types generated with). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
});

const definitions = new Map<string, protoLoader.PackageDefinition>();
const objects = new Map<string, grpc.GrpcObject>();

/** The package definition of a .proto (path relative to protos/); used for server reflection. */
export function packageDefinition(relativePath: string): protoLoader.PackageDefinition {
  let def = definitions.get(relativePath);
  if (!def) {
    def = protoLoader.loadSync(path.join(PROTO_DIR, relativePath), PROTO_LOADER_OPTIONS);
    definitions.set(relativePath, def);
  }
  return def;
}

/** Load a .proto (path relative to protos/) into a grpc-js package object. */
export function loadProto<T>(relativePath: string): T {
  let obj = objects.get(relativePath);
  if (!obj) {
    obj = grpc.loadPackageDefinition(packageDefinition(relativePath));
    objects.set(relativePath, obj);
  }
  return obj as unknown as T;
}

export function loadInferenceProto(): InferenceProto {
  return loadProto<InferenceProto>('inference/grpc_service.proto');
}
