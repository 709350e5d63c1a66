/**
 * @module A loopback HTTP endpoint serving an engine model with aisf's default remote mapping
 * (`{"inputs": [rows]}` → `{"outputs": [[scores…], …]}`), for the tests of black-box attacks and
 * remote models. Records the last Authorization header so tests can check it was sent.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Model } from '../../src/engine/index.js';

/** A running endpoint. */
export interface ModelEndpoint {
  url: string;
  /** The Authorization header of the last request (undefined if none). */
  readonly authorization: string | undefined;
  close(): Promise<void>;
}

/**
 * Serves `model` (inputs `[n, ...sampleShape]`) at `http://127.0.0.1:<port>/predict`.
 * @example const ep = await serveModelEndpoint(model, [1, 28, 28]); … await ep.close();
 */
export async function serveModelEndpoint(
  model: Pick<Model, 'predict'>,
  sampleShape: readonly number[],
): Promise<ModelEndpoint> {
  let authorization: string | undefined;
  const server = createServer((req, res) => {
    authorization = req.headers.authorization;
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', async () => {
      const rows = (JSON.parse(raw) as { inputs: unknown[] }).inputs;
      const data = Float32Array.from(rows.flat(8) as number[]);
      const out = await model.predict({ data, shape: [rows.length, ...sampleShape] });
      const k = out.data.length / Math.max(1, rows.length);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          outputs: rows.map((_, i) => Array.from(out.data.subarray(i * k, (i + 1) * k))),
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`,
    get authorization() {
      return authorization;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
