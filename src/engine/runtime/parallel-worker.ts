/**
 * @module Worker-thread entry of the data-parallel session (parallel.ts): holds one
 * single-threaded ONNX Runtime session and answers run requests with the outputs, moving their
 * buffers to the caller when they can be moved.
 */
import { parentPort } from 'node:worker_threads';
import { AisfError } from '../../errors.js';
import type { WorkerReply, WorkerRequest } from './parallel.js';
import { createSession, type Session, type Tensor } from './session.js';

const port = parentPort;
let session: Session | undefined;

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  try {
    port?.postMessage(message, transfer);
  } catch {
    // A buffer ONNX Runtime owns cannot be detached: send a copy instead.
    port?.postMessage(message);
  }
}

port?.on('message', async (request: WorkerRequest) => {
  try {
    if (request.type === 'create') {
      session = await createSession(request.bytes, request.options);
      reply({
        id: request.id,
        ok: true,
        names: { inputs: [...session.inputNames], outputs: [...session.outputNames] },
      });
      return;
    }
    if (request.type === 'close') {
      await session?.release();
      session = undefined;
      reply({ id: request.id, ok: true });
      port?.close();
      return;
    }
    if (!session) throw new AisfError('E_INTERNAL', 'run before the session was created');
    const out: Record<string, Tensor> = await session.run(request.feeds);
    const transfer = Object.values(out).map((t) => t.data.buffer as ArrayBuffer);
    reply({ id: request.id, ok: true, out }, [...new Set(transfer)]);
  } catch (error) {
    const e = error instanceof AisfError ? error : undefined;
    reply({
      id: request.id,
      ok: false,
      code: e?.code ?? 'E_INTERNAL',
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
