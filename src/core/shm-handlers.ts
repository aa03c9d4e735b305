/**
 * The three RPCs of Triton's system shared-memory extension (GRPCInferenceService's messages), for any service that
 * serves it over its registered regions: the experts' OIP server and mova.v1.Fusion.
 */
import type { SystemSharedMemoryRegisterRequest__Output } from '../generated/inference/SystemSharedMemoryRegisterRequest';
import type { SystemSharedMemoryStatusResponse } from '../generated/inference/SystemSharedMemoryStatusResponse';
import { unary } from './grpc-call';
import type { SharedMemoryRegions } from './shared-memory';

export function sharedMemoryHandlers(shm: SharedMemoryRegions) {
  return {
    SystemSharedMemoryStatus: unary('SystemSharedMemoryStatus', async (req: { name: string }): Promise<SystemSharedMemoryStatusResponse> => ({ regions: shm.status(req.name) })),
    SystemSharedMemoryRegister: unary('SystemSharedMemoryRegister', async (req: SystemSharedMemoryRegisterRequest__Output): Promise<object> => {
      await shm.register(req);
      return {};
    }),
    SystemSharedMemoryUnregister: unary('SystemSharedMemoryUnregister', async (req: { name: string }): Promise<object> => {
      await shm.unregister(req.name);
      return {};
    }),
  };
}
