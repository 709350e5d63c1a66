/**
 * @module A fake upstream for guard tests and benchmarks, on loopback: a JSON model endpoint
 * (`/predict`, `/predict-b`, `/predict-c` for redundancy), a rule endpoint (`/rule`), an
 * OpenAI-compatible chat endpoint with SSE streaming in tiny chunks (so PII is split across
 * chunks), and switchable faults: slow, garbage, 500, wrong stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The chat answer: contains a mobile number and a resident ID (the guard must mask/block them). */
export const CHAT_ANSWER = '您好，张三的手机号是13812345678，身份证号11010519491231002X，请核对。';

export type UpstreamMode = 'normal' | 'slow' | 'garbage' | 'error' | 'not-sse' | 'no-done';

export interface FakeUpstream {
  url: string;
  mode: UpstreamMode;
  /** Delay for `slow` and between stream chunks. */
  delayMs: number;
  /** Requests received, by path. */
  hits: Record<string, number>;
  /** The chat answer to send (default CHAT_ANSWER). */
  answer: string;
  /** Characters per stream chunk. @default 3 */
  chunkChars: number;
  close(): Promise<void>;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Starts the fake upstream on 127.0.0.1 (random port). */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const state: Omit<FakeUpstream, 'url' | 'close'> = {
    mode: 'normal',
    delayMs: 0,
    hits: {},
    answer: CHAT_ANSWER,
    chunkChars: 3,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      state.hits[path] = (state.hits[path] ?? 0) + 1;
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
        return;
      }
      const answer = () => {
        if (state.mode === 'error') {
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
          return;
        }
        if (state.mode === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
          return;
        }
        if (path.startsWith('/predict') || path === '/rule') {
          const features = Array.isArray(body.features) ? (body.features as number[]) : [];
          const sum = features.reduce((a, b) => a + Number(b), 0);
          // /predict-c disagrees with the others (redundancy tests).
          const p = path === '/predict-c' ? 1 - sigmoid(sum) : sigmoid(sum);
          const result =
            path === '/rule'
              ? { label: 'rule-default', probabilities: [1, 0], source: 'rule' }
              : {
                  label: p >= 0.5 ? 'approve' : 'reject',
                  probabilities: [p, 1 - p],
                  note: '联系人手机13912345678',
                };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
          return;
        }
        if (path === '/v1/chat/completions') {
          const id = 'chatcmpl-fake';
          if (body.stream !== true) {
            res.writeHead(200, { 'content-type': 'application/json' }).end(
              JSON.stringify({
                id,
                object: 'chat.completion',
                model: String(body.model ?? 'fake'),
                choices: [
                  {
                    index: 0,
                    message: { role: 'assistant', content: state.answer },
                    finish_reason: 'stop',
                  },
                ],
                usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
              }),
            );
            return;
          }
          if (state.mode === 'not-sse') {
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"oops":true}');
            return;
          }
          res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          const pieces: string[] = [];
          for (let i = 0; i < state.answer.length; i += state.chunkChars) {
            pieces.push(state.answer.slice(i, i + state.chunkChars));
          }
          const events = [
            {
              id,
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: { role: 'assistant' }, finish_reason: null }],
            },
            ...pieces.map((p) => ({
              id,
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: { content: p }, finish_reason: null }],
            })),
            {
              id,
              object: 'chat.completion.chunk',
              choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
            },
          ];
          let i = 0;
          const next = () => {
            if (res.destroyed) return;
            const event = events[i++];
            if (event) {
              res.write(`data: ${JSON.stringify(event)}\n\n`);
              setTimeout(next, state.delayMs);
            } else if (state.mode === 'no-done') {
              res.end();
            } else {
              res.end('data: [DONE]\n\n');
            }
          };
          next();
          return;
        }
        res.writeHead(404).end();
      };
      if (state.mode === 'slow') setTimeout(answer, state.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const upstream = state as FakeUpstream;
  upstream.url = `http://127.0.0.1:${port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return upstream;
}
