import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readByteLines } from '../../../src/ingest/byte-lines.ts';

/** What splitting the decoded text gives: lines without LF or CRLF, the last one even without a newline. */
function expectedLines(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

/**
 * The chunks as a file is read: into one buffer again and again, so a chunk is overwritten (here
 * with garbage) as soon as the next is asked for.
 */
async function* reusedBuffer(chunks: Buffer[]): AsyncGenerator<Buffer> {
  const buffer = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    chunk.copy(buffer);
    yield buffer.subarray(0, chunk.length);
    buffer.fill('#');
  }
}

async function readLines(chunks: Buffer[]): Promise<Array<{ line: number; text: string }>> {
  const out: Array<{ line: number; text: string }> = [];
  for await (const batch of readByteLines(reusedBuffer(chunks))) {
    batch.starts.forEach((start, k) => out.push({ line: batch.firstLine + k, text: batch.bytes.toString('utf8', start, batch.ends[k]) }));
  }
  return out;
}

/** `bytes` cut at the given places (as a stream's chunks are, anywhere, even inside a character or a CRLF). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return chunks;
}

const line = fc.string({ unit: fc.constantFrom('a', 'é', '€', '𝄞', ' ', '\r', '"', ',', '{') , maxLength: 12 });
const text = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 12 }), fc.option(line))
  .map(([bom, lines, last]) => (bom ? '\uFEFF' : '') + lines.map(([l, nl]) => l + nl).join('') + (last ?? ''));

describe('byte lines', () => {
  it('give the same numbered lines however the input is cut into chunks, each overwritten once read', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 8 }), async (t, at) => {
        const lines = await readLines(cut(Buffer.from(t, 'utf8'), at));
        expect(lines).toEqual(expectedLines(t).map((l, i) => ({ line: i + 1, text: l })));
      }),
      { numRuns: 3000 },
    );
  });
});
