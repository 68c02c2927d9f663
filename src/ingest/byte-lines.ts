/**
 * Consecutive lines of one input as byte ranges of `bytes`: line k is `[starts[k], ends[k])`,
 * without its newline or carriage return, and is line number `firstLine + k` (1-based). Valid
 * until the next batch is asked for.
 */
export interface ByteLineBatch {
  bytes: Buffer;
  starts: number[];
  ends: number[];
  firstLine: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits a byte stream into lines (LF or CRLF), a batch per chunk read, without decoding them:
 * the fast readers scan bytes, and only the lines they leave to the general parser become
 * strings. A last line without a newline is still a line; a leading byte order mark is dropped.
 * A newline byte never occurs inside a UTF-8 sequence, so splitting bytes splits characters
 * exactly where splitting the decoded text would. A chunk need only stay as it is until the next
 * is asked for (a file is read into the same buffer again and again): the piece of a line left
 * at a chunk's end is copied.
 */
export async function* readByteLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<ByteLineBatch> {
  let carry: Buffer | null = null;
  let lineNo = 1;
  let atStart = true;
  for await (const chunk of chunks) {
    let bytes: Buffer = chunk;
    if (atStart) {
      bytes = carry === null ? chunk : Buffer.concat([carry, chunk]);
      carry = null;
      // Too short to tell whether it opens with a byte order mark: wait for more.
      if (bytes.length < BYTE_ORDER_MARK.length) {
        carry = Buffer.from(bytes);
        continue;
      }
      bytes = withoutByteOrderMark(bytes);
      atStart = false;
    } else if (carry !== null) {
      // Only the line cut in two by the chunk's start is copied together (a batch of its own);
      // the rest of the chunk is read where it lies.
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, newline)]);
      yield { bytes: joined, starts: [0], ends: [lineEnd(joined, 0, joined.length)], firstLine: lineNo++ };
      carry = null;
      bytes = chunk.subarray(newline + 1);
    }
    const { starts, ends, rest } = splitLines(bytes);
    carry = rest === null ? null : Buffer.from(rest);
    if (starts.length === 0) continue;
    yield { bytes, starts, ends, firstLine: lineNo };
    lineNo += starts.length;
  }
  if (carry === null) return;
  // What is left: the last line, without its newline; or, for an input too short to have had its
  // byte order mark looked for, all of it.
  const last = atStart ? withoutByteOrderMark(carry) : carry;
  const { starts, ends, rest } = splitLines(last);
  if (rest !== null) {
    starts.push(last.length - rest.length);
    ends.push(lineEnd(last, last.length - rest.length, last.length));
  }
  if (starts.length > 0) yield { bytes: last, starts, ends, firstLine: lineNo };
}

function withoutByteOrderMark(bytes: Buffer): Buffer {
  return bytes.subarray(0, BYTE_ORDER_MARK.length).equals(BYTE_ORDER_MARK) ? bytes.subarray(BYTE_ORDER_MARK.length) : bytes;
}

function splitLines(bytes: Buffer): { starts: number[]; ends: number[]; rest: Buffer | null } {
  const starts: number[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
    starts.push(start);
    ends.push(lineEnd(bytes, start, nl));
    start = nl + 1;
  }
  return { starts, ends, rest: start < bytes.length ? bytes.subarray(start) : null };
}

/** Where the line `[start, newline)` ends once a carriage return before its newline is dropped. */
function lineEnd(bytes: Buffer, start: number, newline: number): number {
  return newline > start && bytes[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
}
