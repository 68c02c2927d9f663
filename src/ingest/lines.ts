import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** Consecutive lines of one input, `firstLine` being the 1-based number of `lines[0]`. */
export interface LineBatch {
  lines: string[];
  firstLine: number;
}

/**
 * Splits a byte stream into lines (LF or CRLF), a batch per chunk read, so per-line work runs in
 * tight synchronous loops. A last line without a newline is still a line; a leading byte order
 * mark is dropped.
 */
export async function* readLines(stream: Readable): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let lineNo = 1;
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text = carry + decoder.write(chunk);
    // A byte order mark opens some exported files; it is no part of the first line's data.
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    carry = lines.pop()!;
    if (lines.length === 0) continue;
    stripCarriageReturns(lines);
    yield { lines, firstLine: lineNo };
    lineNo += lines.length;
  }
  const rest = carry + decoder.end();
  if (rest !== '') {
    const lines = [rest];
    stripCarriageReturns(lines);
    yield { lines, firstLine: lineNo };
  }
}

function stripCarriageReturns(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
  }
}
