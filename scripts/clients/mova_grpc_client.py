#!/usr/bin/env python3
"""A mova-cluster client in Python that uses only grpcio and the classes protoc generates from protos/.

It is what a Python user writes, and the test suite runs it against a live cluster
(test/e2e/gateway.test.ts), so the published protocols stay usable from a client that shares no code with the
cluster (another protobuf implementation, another HTTP/2 stack).

Generate the message classes once (Debian: apt-get install python3-grpcio python3-protobuf protobuf-compiler):

    protoc -Iprotos --python_out=OUT protos/inference/grpc_service.proto protos/mova/v1/gateway.proto \
        protos/mova/v1/fusion.proto

then:

    python3 scripts/clients/mova_grpc_client.py --gen OUT gateway 127.0.0.1:50050 receipt.png "What is the total?"
    python3 scripts/clients/mova_grpc_client.py --gen OUT gateway-stream 127.0.0.1:50050 receipt.png "What is the total?" \
        cat.png "What animal is this?"
    python3 scripts/clients/mova_grpc_client.py --gen OUT expert 127.0.0.1:50061 mobilenetv2 cat.png [more.png ...]
    python3 scripts/clients/mova_grpc_client.py --gen OUT expert --shm 127.0.0.1:50061 mobilenetv2 cat.png
    python3 scripts/clients/mova_grpc_client.py --gen OUT expert --stream 127.0.0.1:50061 mobilenetv2 cat.png dog.jpg
    python3 scripts/clients/mova_grpc_client.py --gen OUT fusion [--shm] [--fp16] [--batch N] 127.0.0.1:50070

With --shm the images and the outputs travel through a POSIX shared-memory region (Triton's system shared-memory
extension, as tritonclient.utils.shared_memory uses it; the server must run with --allow-client-shm). With --stream
each image is its own request on one ModelStreamInfer stream (Triton's streaming RPC, as tritonclient's
start_stream/async_stream_infer use it), answered in turn; a failed one comes back with its error_message. The fusion
command asks Describe for the adapter's geometry, makes seeded pseudo-random tokens for a batch whose requests choose
different slots, and calls Fuse: the tokens in the message, or with --shm in a region (FusionTensor.shared_memory)
with the fused tokens written back there (fused_shared_memory).

Each prints one JSON object: the gateway's answer (routing, expert results, fused tokens' shape) or the expert's
metadata, decoded outputs and statistics (Triton's ModelStatistics, read after the call). A gRPC error prints
{"error": {"code": NAME, "message": ...}} and exits with 3.
"""
import argparse
import json
import struct
import sys

import grpc

MAX_MESSAGE = 64 * 1024 * 1024
CHANNEL_OPTIONS = [('grpc.max_receive_message_length', MAX_MESSAGE), ('grpc.max_send_message_length', MAX_MESSAGE)]


def unary(channel, method, response_class):
    # A generic unary call: what the grpc plugin's generated stub does, without needing that plugin.
    return channel.unary_unary(method, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_class.FromString)


def bidi(channel, method, response_class):
    # A generic bidirectional streaming call: requests from an iterator in, responses as an iterator out.
    return channel.stream_stream(method, request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=response_class.FromString)


def gateway(args):
    from mova.v1 import gateway_pb2 as pb
    with open(args.image, 'rb') as f:
        image = f.read()
    req = pb.InferRequest(image=image, instruction=args.instruction, deadline_ms=args.deadline_ms,
                          return_features=args.features is not None, request_id=args.request_id,
                          required_experts=args.require, excluded_experts=args.exclude)
    if args.features == 'fp16':
        req.features_dtype = pb.FP16
    elif args.features == 'fp32':
        req.features_dtype = pb.FP32
    if args.max_experts is not None:
        req.max_experts = args.max_experts  # proto3 optional: set, even to 0, means "at most this many"
    with grpc.insecure_channel(args.address, options=CHANNEL_OPTIONS) as channel:
        res = unary(channel, '/mova.v1.Gateway/Infer', pb.InferResponse)(req, timeout=args.timeout)
    return summary(res)


def gateway_stream(args):
    # Several image/instruction pairs on one InferStream stream; answers come as each finishes, matched by index.
    from mova.v1 import gateway_pb2 as pb
    if len(args.pairs) % 2:
        raise SystemExit('gateway-stream takes IMAGE INSTRUCTION pairs')
    pairs = list(zip(args.pairs[0::2], args.pairs[1::2]))

    def requests():
        for k, (path, instruction) in enumerate(pairs):
            with open(path, 'rb') as f:
                yield pb.InferRequest(image=f.read(), instruction=instruction, request_id='py-stream-%d' % k)

    with grpc.insecure_channel(args.address, options=CHANNEL_OPTIONS) as channel:
        stream = bidi(channel, '/mova.v1.Gateway/InferStream', pb.InferStreamResponse)
        answers = []
        for m in stream(requests(), timeout=args.timeout):
            answer = {'index': m.index, 'request_id': m.request_id, 'error_code': m.error_code or None,
                      'error_message': m.error_message or None}
            if m.HasField('response'):
                answer.update(summary(m.response))
            answers.append(answer)
    return {'stream': sorted(answers, key=lambda a: a['index'])}


def summary(res):
    # What the gateway answered, in plain JSON.
    out = {
        'request_id': res.request_id,
        'chosen': [c.name for c in res.routing.chosen],
        'reason': res.routing.reason,
        'experts': {e.name: {'status': e.status, 'decoded': json.loads(e.decoded_json) if e.decoded_json else None}
                    for e in res.experts},
        'base_decoded': json.loads(res.base_decoded_json) if res.base_decoded_json else None,
        'degraded': res.degraded,
    }
    if res.HasField('fused'):
        out['fused'] = {'datatype': res.fused.datatype, 'shape': list(res.fused.shape), 'bytes': len(res.fused.raw)}
    return out


def bytes_tensor(items):
    # Triton's BYTES layout in raw_input_contents: per element a 4-byte little-endian length, then the bytes.
    return b''.join(struct.pack('<I', len(x)) + x for x in items)


def shm_params(params, region, offset, size):
    params['shared_memory_region'].string_param = region
    params['shared_memory_offset'].int64_param = offset
    params['shared_memory_byte_size'].int64_param = size


def decode_outputs(tensors, raws):
    # Output name -> datatype, shape and, for BYTES, the JSON items (else the raw byte count).
    outputs = {}
    for tensor, raw in zip(tensors, raws):
        entry = {'datatype': tensor.datatype, 'shape': list(tensor.shape)}
        if tensor.datatype == 'BYTES':
            items, pos = [], 0
            while pos < len(raw):
                (n,) = struct.unpack_from('<I', raw, pos)
                items.append(json.loads(raw[pos + 4:pos + 4 + n]))
                pos += 4 + n
            entry['items'] = items
        else:
            entry['bytes'] = len(raw)
        outputs[tensor.name] = entry
    return outputs


def expert_stream(args, images):
    # One request per image on one ModelStreamInfer stream; answers arrive in completion order, matched by id.
    from inference import grpc_service_pb2 as pb

    def requests():
        for k, image in enumerate(images):
            req = pb.ModelInferRequest(model_name=args.model, id='py-%d' % k)
            req.inputs.add(name='image', datatype='BYTES', shape=[1])
            req.raw_input_contents.append(bytes_tensor([image]))
            for name in ('decoded', 'pooled'):
                req.outputs.add(name=name)
            yield req

    with grpc.insecure_channel(args.address, options=CHANNEL_OPTIONS) as channel:
        stream = bidi(channel, '/inference.GRPCInferenceService/ModelStreamInfer', pb.ModelStreamInferResponse)
        answers = []
        for m in stream(requests(), timeout=args.timeout):
            r = m.infer_response
            code = r.parameters['error_code'].string_param if 'error_code' in r.parameters else None
            answers.append({'id': r.id, 'model_name': r.model_name, 'error': m.error_message or None, 'error_code': code,
                            'outputs': decode_outputs(r.outputs, list(r.raw_output_contents))})
    return {'stream': sorted(answers, key=lambda a: int(a['id'].rsplit('-', 1)[-1]))}


def expert(args):
    from inference import grpc_service_pb2 as pb
    images = []
    for path in args.images:
        with open(path, 'rb') as f:
            images.append(f.read())
    if args.stream:
        return expert_stream(args, images)
    shm = None
    with grpc.insecure_channel(args.address, options=CHANNEL_OPTIONS) as channel:
        ready = unary(channel, '/inference.GRPCInferenceService/ModelReady', pb.ModelReadyResponse)(
            pb.ModelReadyRequest(name=args.model), timeout=args.timeout)
        meta = unary(channel, '/inference.GRPCInferenceService/ModelMetadata', pb.ModelMetadataResponse)(
            pb.ModelMetadataRequest(name=args.model), timeout=args.timeout)
        req = pb.ModelInferRequest(model_name=args.model, id='python-client')
        inp = req.inputs.add(name='image', datatype='BYTES', shape=[len(images)])
        data = bytes_tensor(images)
        try:
            if args.shm:
                # One region: the input at offset 0, then room for the outputs (decoded JSON, pooled vectors).
                from multiprocessing import shared_memory
                out_size = 1 << 20
                shm = shared_memory.SharedMemory(create=True, size=len(data) + 2 * out_size)
                shm.buf[:len(data)] = data
                unary(channel, '/inference.GRPCInferenceService/SystemSharedMemoryRegister',
                      pb.SystemSharedMemoryRegisterResponse)(pb.SystemSharedMemoryRegisterRequest(
                          name='py-region', key='/' + shm.name, offset=0, byte_size=shm.size), timeout=args.timeout)
                shm_params(inp.parameters, 'py-region', 0, len(data))
                for k, name in enumerate(('decoded', 'pooled')):
                    shm_params(req.outputs.add(name=name).parameters, 'py-region', len(data) + k * out_size, out_size)
            else:
                req.raw_input_contents.append(data)
                for name in ('decoded', 'pooled'):
                    req.outputs.add(name=name)
            res = unary(channel, '/inference.GRPCInferenceService/ModelInfer', pb.ModelInferResponse)(req, timeout=args.timeout)
            # Triton's statistics extension: the model's cumulative counts and stage times so far.
            stats = unary(channel, '/inference.GRPCInferenceService/ModelStatistics', pb.ModelStatisticsResponse)(
                pb.ModelStatisticsRequest(name=args.model), timeout=args.timeout).model_stats[0]
            raws = list(res.raw_output_contents)
            if shm is not None:
                for k, tensor in enumerate(res.outputs):
                    p = tensor.parameters
                    off, n = p['shared_memory_offset'].int64_param, p['shared_memory_byte_size'].int64_param
                    assert raws[k] == b'', 'an output in shared memory must leave its raw entry empty'
                    raws[k] = bytes(shm.buf[off:off + n])
                unary(channel, '/inference.GRPCInferenceService/SystemSharedMemoryUnregister',
                      pb.SystemSharedMemoryUnregisterResponse)(pb.SystemSharedMemoryUnregisterRequest(name='py-region'),
                                                              timeout=args.timeout)
        finally:
            if shm is not None:
                shm.close()
                shm.unlink()
    return {
        'ready': ready.ready,
        'inputs': [{'name': t.name, 'datatype': t.datatype, 'shape': list(t.shape)} for t in meta.inputs],
        'id': res.id,
        'outputs': decode_outputs(res.outputs, raws),
        'statistics': {
            'inference_count': stats.inference_count,
            'execution_count': stats.execution_count,
            **{k: {'count': getattr(stats.inference_stats, k).count, 'ns': getattr(stats.inference_stats, k).ns}
               for k in ('success', 'fail', 'queue', 'compute_input', 'compute_infer', 'compute_output')},
        },
    }


def fusion(args):
    import array
    import hashlib
    import random
    from inference import grpc_service_pb2 as ipb
    from mova.v1 import fusion_pb2 as pb
    rng = random.Random(args.seed)
    dtype = 'FP16' if args.fp16 else 'FP32'

    def floats(count):
        return [rng.uniform(-1, 1) for _ in range(count)]

    def raw(values, as_dtype):
        if as_dtype == 'FP16':
            return struct.pack('<%de' % len(values), *values)
        a = array.array('f', values)
        if sys.byteorder != 'little':
            a.byteswap()
        return a.tobytes()

    shm = None
    with grpc.insecure_channel(args.address, options=CHANNEL_OPTIONS) as channel:
        d = unary(channel, '/mova.v1.Fusion/Describe', pb.DescribeResponse)(pb.DescribeRequest(), timeout=args.timeout)
        n, slots = args.batch, list(d.slots)
        tokens = d.base_grid[0] * d.base_grid[1]
        # Request i chooses slot i mod (E + 1) (the last choice: none), so the batch mixes different chosen sets.
        mask = [[1.0 if i % (len(slots) + 1) == j else 0.0 for j in range(len(slots))] for i in range(n)]
        tensors = [('base', [n, tokens, d.base_width], floats(n * tokens * d.base_width), dtype)]
        for s in slots:
            rows = [i for i in range(n) if mask[i][s.index] == 1.0]
            if rows:
                t = s.grid[0] * s.grid[1]
                tensors.append((s.name, [len(rows), t, s.width], floats(len(rows) * t * s.width), dtype, rows))
        tensors.append(('mask', [n, len(slots)], [v for row in mask for v in row], 'FP32'))
        tensors.append(('context', [n, d.context_width], floats(n * d.context_width), 'FP32'))
        req = pb.FuseRequest(fused_datatype='FP32')
        fused_bytes = n * tokens * d.output_width * 4
        blobs = [raw(t[2], t[3]) for t in tensors]
        try:
            if args.shm:
                from multiprocessing import shared_memory
                size = sum(len(b) for b in blobs) + fused_bytes
                shm = shared_memory.SharedMemory(create=True, size=size)
                region = 'py-' + shm.name  # one region name per client run: several may share a server
                unary(channel, '/mova.v1.Fusion/SystemSharedMemoryRegister', ipb.SystemSharedMemoryRegisterResponse)(
                    ipb.SystemSharedMemoryRegisterRequest(name=region, key='/' + shm.name, offset=0, byte_size=size),
                    timeout=args.timeout)
            offset = 0
            for t, blob in zip(tensors, blobs):
                msg = pb.FusionTensor(name=t[0], datatype=t[3], shape=t[1], rows=t[4] if len(t) > 4 else [])
                if shm is not None:
                    shm.buf[offset:offset + len(blob)] = blob
                    msg.shared_memory.region, msg.shared_memory.offset, msg.shared_memory.byte_size = region, offset, len(blob)
                    offset += len(blob)
                else:
                    msg.raw = blob
                if t[0] in ('base', 'mask', 'context'):
                    getattr(req, t[0]).CopyFrom(msg)
                else:
                    req.experts.append(msg)
            if shm is not None:
                req.fused_shared_memory.region, req.fused_shared_memory.offset = region, offset
                req.fused_shared_memory.byte_size = fused_bytes
            res = unary(channel, '/mova.v1.Fusion/Fuse', pb.FuseResponse)(req, timeout=args.timeout)
            fused = res.fused.raw
            if shm is not None:
                loc = res.fused.shared_memory
                assert fused == b'', 'fused tokens written to shared memory must leave raw empty'
                fused = bytes(shm.buf[loc.offset:loc.offset + loc.byte_size])
                unary(channel, '/mova.v1.Fusion/SystemSharedMemoryUnregister', ipb.SystemSharedMemoryUnregisterResponse)(
                    ipb.SystemSharedMemoryUnregisterRequest(name=region), timeout=args.timeout)
        finally:
            if shm is not None:
                shm.close()
                shm.unlink()
    gates = struct.unpack('<%df' % (len(res.gates.raw) // 4), res.gates.raw)
    per = d.blocks * len(slots)
    return {
        'slots': [s.name for s in slots],
        'fused': {'datatype': res.fused.datatype, 'shape': list(res.fused.shape), 'bytes': len(fused),
                  'sha256': hashlib.sha256(fused).hexdigest()},
        'gates_shape': list(res.gates.shape),
        # Per request and block, the gate weights over the slots (they sum to 1 over the chosen ones, else 0).
        'gates': [[list(gates[i * per + b * len(slots):i * per + (b + 1) * len(slots)]) for b in range(d.blocks)]
                  for i in range(n)],
        'mask': mask,
        'batch_size': res.batch_size,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--gen', required=True, help='directory with the protoc-generated *_pb2.py modules')
    p.add_argument('--timeout', type=float, default=60.0)
    sub = p.add_subparsers(dest='command', required=True)
    g = sub.add_parser('gateway')
    g.add_argument('address')
    g.add_argument('image')
    g.add_argument('instruction')
    g.add_argument('--max-experts', type=int)
    g.add_argument('--require', action='append', default=[])
    g.add_argument('--exclude', action='append', default=[])
    g.add_argument('--features', choices=['fp32', 'fp16'])
    g.add_argument('--deadline-ms', type=int, default=0)
    g.add_argument('--request-id', default='')
    gs = sub.add_parser('gateway-stream')
    gs.add_argument('address')
    gs.add_argument('pairs', nargs='+', metavar='IMAGE INSTRUCTION')
    e = sub.add_parser('expert')
    mode = e.add_mutually_exclusive_group()
    mode.add_argument('--shm', action='store_true', help='pass tensors through system shared memory')
    mode.add_argument('--stream', action='store_true', help='one request per image on a ModelStreamInfer stream')
    e.add_argument('address')
    e.add_argument('model')
    e.add_argument('images', nargs='+')
    f = sub.add_parser('fusion')
    f.add_argument('--shm', action='store_true', help='tokens in, fused tokens out through system shared memory')
    f.add_argument('--fp16', action='store_true', help='base and expert tokens as FP16')
    f.add_argument('--batch', type=int, default=4)
    f.add_argument('--seed', type=int, default=1)
    f.add_argument('address')
    args = p.parse_args()
    sys.path.insert(0, args.gen)
    try:
        out = {'gateway': gateway, 'gateway-stream': gateway_stream, 'expert': expert, 'fusion': fusion}[args.command](args)
    except grpc.RpcError as err:
        print(json.dumps({'error': {'code': err.code().name, 'message': err.details()}}))
        sys.exit(3)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
