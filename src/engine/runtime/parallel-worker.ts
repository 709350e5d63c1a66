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
/** This thread's sessions, by the pool's session id. */
const sessions = new Map<number, Session>();

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
      const session = await createSession(request.bytes, request.options);
      sessions.set(request.sid, session);
      reply({
        id: request.id,
        ok: true,
        names: { inputs: [...session.inputNames], outputs: [...session.outputNames] },
      });
      return;
    }
    if (request.type === 'release' || request.type === 'close') {
      const ids = request.type === 'release' ? [request.sid] : [...sessions.keys()];
      for (const sid of ids) {
        await sessions.get(sid)?.release();
        sessions.delete(sid);
      }
      reply({ id: request.id, ok: true });
      if (request.type === 'close') port?.close();
      return;
    }
    const session = sessions.get(request.sid);
    if (!session) throw new AisfError('E_INTERNAL', `no session ${request.sid} in this worker`);
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
