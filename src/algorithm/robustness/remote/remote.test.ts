import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../../engine/index.js';
import { AisfError } from '../../../errors.js';
import { square } from '../attacks/square/index.js';
import { fashionData, fashionModel } from '../fixtures/models.js';
import { parseScores, redactUrl, remoteModel } from './index.js';

type Handler = (
  body: Record<string, unknown>,
  req: IncomingMessage,
  res: ServerResponse,
) => void | Promise<void>;

/** A loopback server whose behaviour each test sets; it serves the committed CNN via the engine. */
describe('remoteModel against a real loopback HTTP server serving the Fashion-MNIST CNN', () => {
  let model: Model;
  let server: Server;
  let base = '';
  let handler: Handler = () => undefined;
  const bodies: Record<string, unknown>[] = [];
  const { x, y } = fashionData(10);

  /** Flattens nested JSON rows into float32. */
  const flatten = (rows: unknown[]): Float32Array =>
    Float32Array.from((rows as unknown[]).flat(4) as number[]);
  const serveModel =
    (inputKey = 'inputs', outputKey = 'outputs'): Handler =>
    async (body, _req, res) => {
      const rows = body[inputKey] as unknown[];
      const data = flatten(rows);
      const logits = await model.predict({ data, shape: [rows.length, 1, 28, 28] });
      const k = 10;
      const out = Array.from({ length: rows.length }, (_, i) =>
        Array.from(logits.data.subarray(i * k, (i + 1) * k)),
      );
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          outputKey === 'result.logits' ? { result: { logits: out } } : { [outputKey]: out },
        ),
      );
    };

  beforeAll(async () => {
    model = await fashionModel();
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        bodies.push(body);
        Promise.resolve(handler(body, req, res)).catch((e: unknown) => {
          res.statusCode = 500;
          res.end(String(e));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await model.release();
  });

  it('predicts exactly what the engine predicts, in batched nested-JSON requests', async () => {
    handler = serveModel();
    bodies.length = 0;
    const remote = remoteModel({ url: `${base}/predict?token=secret`, batchSize: 4 });
    const got = await remote.predict(x);
    const want = await model.predict(x);
    expect(got.shape).toEqual([10, 10]);
    expect(Array.from(got.data)).toEqual(Array.from(want.data));
    expect(remote.queries).toBe(10);
    expect(remote.requests).toBe(3); // 4 + 4 + 2 rows
    expect(remote.endpoint).toBe(`${base}/predict`);
    // The request mapping: { inputs: [ [ [ [28 numbers] ×28 ] ×1 ] … ] }.
    const first = bodies[0]?.inputs as number[][][][];
    expect(first.length).toBe(4);
    expect(first[0]?.length).toBe(1);
    expect(first[0]?.[0]?.length).toBe(28);
    expect(first[0]?.[0]?.[0]?.length).toBe(28);
  });

  it('custom keys, dotted output paths and flat layout', async () => {
    handler = async (body, req, res) => {
      const rows = body.instances as number[][];
      expect(rows[0]?.length).toBe(784);
      expect(req.headers.authorization).toBe('Bearer t');
      await serveModel('instances', 'result.logits')(body, req, res);
    };
    const remote = remoteModel({
      url: `${base}/v1`,
      inputKey: 'instances',
      outputKey: 'result.logits',
      layout: 'flat',
      headers: { authorization: 'Bearer t' },
    });
    const got = await remote.predict(x);
    expect(Array.from(got.data)).toEqual(Array.from((await model.predict(x)).data));
  });

  it('retries 5xx and 429 with backoff, then gives E_UPSTREAM; 4xx is not retried', async () => {
    let calls = 0;
    const waits: number[] = [];
    handler = async (body, req, res) => {
      calls++;
      if (calls === 1) {
        res.statusCode = 503;
        res.end('busy');
      } else if (calls === 2) {
        res.statusCode = 429;
        res.setHeader('retry-after', '0');
        res.end();
      } else await serveModel()(body, req, res);
    };
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    const remote = remoteModel({ url: base, backoffMs: 100, sleep });
    await remote.predict(x);
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 0]); // exponential backoff, then Retry-After: 0
    expect(remote.retried).toBe(2);

    calls = 0;
    waits.length = 0;
    handler = (_b, _r, res) => {
      calls++;
      res.statusCode = 500;
      res.end();
    };
    const failing = remoteModel({ url: base, retries: 2, backoffMs: 10, sleep });
    await expect(failing.predict(x)).rejects.toMatchObject({
      code: 'E_UPSTREAM',
      message: expect.stringMatching(/failed 3 time\(s\), last: HTTP 500/),
    });
    expect(waits).toEqual([10, 20]);

    calls = 0;
    handler = (_b, _r, res) => {
      calls++;
      res.statusCode = 400;
      res.end('{"error":"bad"}');
    };
    await expect(remoteModel({ url: base, sleep }).predict(x)).rejects.toMatchObject({
      code: 'E_UPSTREAM',
      message: expect.stringMatching(/HTTP 400/),
    });
    expect(calls).toBe(1);
  });

  it('times out, rejects malformed answers clearly, and enforces the query budget', async () => {
    handler = () => undefined; // never answers
    const slow = remoteModel({ url: base, timeoutMs: 50, retries: 1, backoffMs: 1 });
    await expect(slow.predict(x)).rejects.toMatchObject({
      code: 'E_UPSTREAM',
      message: expect.stringMatching(/no response within 50 ms/),
    });
    server.closeAllConnections();

    const answer = (payload: string) => (_b: unknown, _r: unknown, res: ServerResponse) => {
      res.setHeader('content-type', 'application/json');
      res.end(payload);
    };
    const cases: [string, RegExp][] = [
      ['not json', /did not answer with JSON/],
      ['{"predictions": []}', /"outputs" is missing/],
      ['{"outputs": [[1, 2]]}', /holds 1 rows for 10 inputs/],
      [
        JSON.stringify({ outputs: Array.from({ length: 10 }, (_, i) => (i === 3 ? [1] : [1, 2])) }),
        /row 3 holds 1 scores/,
      ],
      [
        JSON.stringify({ outputs: Array.from({ length: 10 }, () => [1, 'a']) }),
        /score 1 is not a finite number/,
      ],
    ];
    for (const [payload, message] of cases) {
      handler = answer(payload) as Handler;
      await expect(remoteModel({ url: base }).predict(x)).rejects.toMatchObject({
        code: 'E_UPSTREAM',
        message: expect.stringMatching(message),
      });
    }
    handler = answer(
      JSON.stringify({ outputs: Array.from({ length: 10 }, () => [0, 1]) }),
    ) as Handler;
    await expect(remoteModel({ url: base, maxResponseBytes: 10 }).predict(x)).rejects.toThrow(
      /exceeds 10 bytes|is \d+ bytes/,
    );

    handler = serveModel();
    const budgeted = remoteModel({ url: base, maxQueries: 15 });
    await budgeted.predict(x);
    await expect(budgeted.predict(x)).rejects.toMatchObject({ code: 'E_QUERY_BUDGET' });
    expect(budgeted.queries).toBe(10);

    expect(() => remoteModel({ url: 'ftp://x' })).toThrow(/http\(s\) URL/);
    expect(() => remoteModel({ url: base, batchSize: 0 })).toThrow(/batchSize/);
    expect(redactUrl('https://user:pw@h.example:8443/p?key=1#f')).toBe('https://h.example:8443/p');
  });

  it('drives the Square attack end to end through HTTP, within its per-sample budget', async () => {
    handler = serveModel();
    const remote = remoteModel({ url: base, batchSize: 32 });
    const r = await square(remote, x, {
      labels: y,
      eps: 0.1,
      maxIter: 20,
      maxQueries: 12,
      seed: 1,
    });
    expect(r.queries.max).toBeLessThanOrEqual(12);
    expect(remote.queries).toBe(r.queries.total);
    const local = await square(model, x, {
      labels: y,
      eps: 0.1,
      maxIter: 20,
      maxQueries: 12,
      seed: 1,
    });
    expect(Array.from(r.adversarial.data)).toEqual(Array.from(local.adversarial.data));
  });
});

describe('parseScores (untrusted response bodies)', () => {
  it('never crashes on arbitrary JSON: scores or E_UPSTREAM', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 5 }), (body, rows) => {
        try {
          const t = parseScores({ outputs: body }, 'outputs', rows);
          expect(t.shape[0]).toBe(rows);
        } catch (error) {
          expect(error).toBeInstanceOf(AisfError);
          expect((error as AisfError).code).toBe('E_UPSTREAM');
        }
      }),
      { numRuns: 500 },
    );
  });
});
