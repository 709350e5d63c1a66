/**
 * @module A tiny example upstream for examples/guard/guard.yaml (no dependencies): a JSON
 * classifier at /predict and /predict-b, and an OpenAI-compatible chat endpoint with SSE
 * streaming whose answer contains a phone number and an ID number for the guard to mask.
 * Run: node examples/guard/upstream.mjs [port]   (default 9100, loopback only)
 */
import http from 'node:http';

const port = Number(process.argv[2] ?? 9100);
const ANSWER = '您好，张三的手机号是13812345678，身份证号11010519491231002X，请核对。';

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad json"}');
      return;
    }
    if (req.url === '/predict' || req.url === '/predict-b') {
      const features = Array.isArray(body.features) ? body.features : [];
      const sum = features.reduce((a, b) => a + Number(b), 0);
      const p = 1 / (1 + Math.exp(-sum));
      const label = p >= 0.5 ? 'approve' : 'reject';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ label, probabilities: [p, 1 - p], contact: '客服 13912345678' }));
      return;
    }
    if (req.url === '/v1/chat/completions') {
      const id = `chatcmpl-${Date.now()}`;
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id,
            object: 'chat.completion',
            model: body.model ?? 'demo-llm',
            choices: [
              { index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' },
            ],
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const pieces = ANSWER.match(/.{1,3}/gsu) ?? [];
      let i = 0;
      const timer = setInterval(() => {
        if (i < pieces.length) {
          const chunk = {
            id,
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta: { content: pieces[i++] }, finish_reason: null }],
          };
          res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        } else {
          clearInterval(timer);
          res.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
          );
          res.end('data: [DONE]\n\n');
        }
      }, 20);
      return;
    }
    res.writeHead(404).end();
  });
});
server.listen(port, '127.0.0.1', () => {
  console.error(`example upstream on http://127.0.0.1:${port}`);
});
