import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import picomatch from 'picomatch';

/** Druid's `ioConfig.inputSource`, the kinds grove reads. */
export type InputSourceSpec =
  | { type: 'local'; baseDir?: string; filter?: string; files?: string[] }
  | { type: 'inline'; data: string };

/** One thing to read rows from: a file or the inline text. */
export interface InputEntity {
  /** The file's path (or `inline`), for progress and for naming where a bad row is. */
  readonly name: string;
  /** Bytes as stored (before gunzip), for progress. */
  readonly size: number;
  open(): OpenedEntity;
}

export interface OpenedEntity {
  /** The content, decompressed when the name ends in `.gz`; each chunk valid until the next is asked for. */
  readonly chunks: AsyncIterable<Buffer>;
  /** Bytes read from storage so far (compressed bytes for a `.gz` file). */
  bytesRead(): number;
  /** Stops reading (whether or not every chunk was read). */
  close(): void;
}

/** Bytes per read of a file. */
const CHUNK_BYTES = 1 << 20;

export class InputSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputSourceError';
  }
}

/** Lists what `source` will read, in a stable order (paths sorted), failing if a file is missing. */
export async function listInputEntities(source: InputSourceSpec): Promise<InputEntity[]> {
  if (source.type === 'inline') return [inlineEntity(source.data)];
  const paths = new Set<string>();
  if (source.baseDir !== undefined) for (const p of await matchFiles(source.baseDir, source.filter ?? '*')) paths.add(p);
  for (const f of source.files ?? []) paths.add(resolve(f));
  if (paths.size === 0) {
    throw new InputSourceError(source.baseDir !== undefined ? `no input files: nothing under ${source.baseDir} matches "${source.filter ?? '*'}"` : 'no input files: the local input source names none');
  }
  return Promise.all([...paths].map(fileEntity));
}

function inlineEntity(data: string): InputEntity {
  const bytes = Buffer.from(data, 'utf8');
  return {
    name: 'inline',
    size: bytes.length,
    open: () => {
      let read = 0;
      async function* chunks(): AsyncGenerator<Buffer> {
        read = bytes.length;
        yield bytes;
      }
      return { chunks: chunks(), bytesRead: () => read, close: () => undefined };
    },
  };
}

async function fileEntity(path: string): Promise<InputEntity> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new InputSourceError(`input ${path} is not a file`);
    size = s.size;
  } catch (e) {
    if (e instanceof InputSourceError) throw e;
    throw new InputSourceError(`cannot read input file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return {
    name: path,
    size,
    open: () => (path.endsWith('.gz') ? gzipChunks(path) : fileChunks(path)),
  };
}

function gzipChunks(path: string): OpenedEntity {
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream = file.pipe(createGunzip({ chunkSize: CHUNK_BYTES }));
  // A pipe does not forward the source's errors; a missing or corrupt file must fail the read.
  file.on('error', (e) => stream.destroy(e));
  return { chunks: stream, bytesRead: () => file.bytesRead, close: () => { stream.destroy(); file.destroy(); } };
}

/**
 * A plain file read into one buffer again and again: a stream's fresh megabyte per read is
 * memory to fault in, and pressure on the garbage collector, for every megabyte of input.
 */
function fileChunks(path: string): OpenedEntity {
  let read = 0;
  let closed = false;
  async function* chunks(): AsyncGenerator<Buffer> {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      while (!closed) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
        if (bytesRead === 0) return;
        read += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
  return { chunks: chunks(), bytesRead: () => read, close: () => { closed = true; } };
}

/**
 * Druid's local input source: every file under `baseDir` (recursively) whose name matches the
 * `filter` wildcard. A filter with a `/` matches the path relative to `baseDir` instead.
 */
async function matchFiles(baseDir: string, filter: string): Promise<string[]> {
  const root = resolve(baseDir);
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (e) {
    throw new InputSourceError(`cannot list baseDir ${baseDir}: ${(e as Error).message}`, { cause: e });
  }
  const matches = picomatch(filter, { dot: true, basename: !filter.includes('/') });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => matches(relative(root, p).split(sep).join('/')))
    .sort();
}
