/**
 * @module Server-sent events framing (WHATWG HTML §9.2.6): events end with a blank line; `data:`
 * lines of one event are joined with '\n'; LF, CRLF (and mixes) are accepted. Incremental: the
 * unfinished tail is returned for the next chunk.
 */

/**
 * Takes the complete events from a buffer.
 *
 * @example
 * takeSseEvents('data: {"a":1}\n\ndata: [DO'); // { data: ['{"a":1}'], rest: 'data: [DO' }
 */
export function takeSseEvents(buffer: string): { data: string[]; rest: string } {
  const data: string[] = [];
  const separator = /\r?\n\r?\n/g;
  let start = 0;
  let match = separator.exec(buffer);
  while (match !== null) {
    const event = buffer.slice(start, match.index);
    start = match.index + match[0].length;
    const payload = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''));
    if (payload.length > 0) data.push(payload.join('\n'));
    match = separator.exec(buffer);
  }
  return { data, rest: buffer.slice(start) };
}
