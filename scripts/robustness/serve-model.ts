/**
 * @module Serves an ONNX classifier as an HTTP JSON endpoint on loopback, so the black-box
 * robustness walkthrough (`aisf test robustness --endpoint …`) can be tried without a real
 * deployment. Request `{ "inputs": [rows nested in the sample shape] }`, response
 * `{ "outputs": [[scores…], …] }` — aisf's default mapping.
 *
 * Run: npx tsx scripts/robustness/serve-model.ts [model.onnx] [port]
 *   (defaults: the committed Fashion-MNIST CNN, port 8765)
 */
import { createServer } from 'node:http';
import { loadModel } from '../../src/engine/index.js';

const file =
  process.argv[2] ??
  new URL('../../src/algorithm/robustness/fixtures/fashion-cnn-trained.onnx', import.meta.url)
    .pathname;
const port = Number(process.argv[3] ?? 8765);
const model = await loadModel(file, { threads: 1 });
const sampleShape = (model.inputs[0]?.shape ?? [])
  .slice(1)
  .map((d) => (typeof d === 'number' ? d : 1));
const inner = sampleShape.reduce((a, b) => a * b, 1);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { inputs?: unknown[] };
      if (req.method !== 'POST' || !Array.isArray(body.inputs)) {
        res.statusCode = 400;
        res.end('{"error":"POST {\\"inputs\\": [...]}"}');
        return;
      }
      const data = Float32Array.from(body.inputs.flat(8) as number[]);
      const n = body.inputs.length;
      if (data.length !== n * inner) throw new Error(`expected ${inner} values per row`);
      const out = await model.predict({ data, shape: [n, ...sampleShape] });
      const k = out.data.length / n;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          outputs: Array.from({ length: n }, (_, i) =>
            Array.from(out.data.subarray(i * k, (i + 1) * k)),
          ),
        }),
      );
    } catch (error) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: (error as Error).message }));
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`serving ${file} at http://127.0.0.1:${port}/predict\n`);
});
