/**
 * Many records of one shape (a projection's entities) stored column by column, every string once
 * in a table the whole snapshot shares. Half a million entities repeat the same few data sources,
 * intervals, versions and tiers, and a segment's id recurs in its descriptor and in each of its
 * replicas: decoded as they were written, each repeat is a string of its own, and the decoded
 * heap, which a cold start allocates and the collector copies, was mostly strings. From columns,
 * a decode allocates each distinct string once and integer ids in typed arrays, and the records
 * come back with the key order they had.
 */

/** Every distinct string of a snapshot, in the order first met; columns refer to them by index. */
export class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  id(s: string): number {
    let id = this.index.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.index.set(s, id);
    }
    return id;
  }
}

type Ids = Uint8Array | Uint16Array | Uint32Array;

export type Column =
  /** Strings or nulls: a string's table index + 1, 0 for null. */
  | { kind: 'strings'; ids: Ids }
  /**
   * Arrays of strings: the distinct lists (each one's length, then all their strings' table
   * indexes in a row), and per row the index of its list.
   */
  | { kind: 'string-lists'; lengths: Ids; ids: Ids; rows: Ids }
  /** Records of one shape, themselves in columns. */
  | { kind: 'records'; records: Records }
  /** Anything else, as it is. */
  | { kind: 'values'; values: unknown[] };

export interface Records {
  count: number;
  keys: string[];
  columns: Column[];
}

type Row = Record<string, unknown>;

const isRecord = (v: unknown): v is Row =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype;

function isStringList(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== 'string') return false;
  return true;
}

/**
 * `rows` as columns, or null when they are not all records of one shape (plain objects with the
 * same keys in the same order): a caller keeps those as they are. A `__proto__` key would set the
 * prototype of a row rebuilt as an object literal, so such rows stay as they are too.
 */
export function toRecords(rows: readonly unknown[], table: StringTable): Records | null {
  const first = rows[0];
  if (!isRecord(first)) return null;
  const keys = Object.keys(first);
  if (keys.includes('__proto__')) return null;
  const columns = keys.map(() => new Array<unknown>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!isRecord(row)) return null;
    let j = 0;
    for (const k in row) {
      if (k !== keys[j]) return null;
      columns[j++]![i] = row[k];
    }
    if (j !== keys.length) return null;
  }
  return { count: rows.length, keys, columns: columns.map((values) => toColumn(values, table)) };
}

function toColumn(values: unknown[], table: StringTable): Column {
  let strings = true;
  let lists = true;
  for (const v of values) {
    strings &&= v === null || typeof v === 'string';
    lists &&= isStringList(v);
    if (!strings && !lists) break;
  }
  if (strings) return { kind: 'strings', ids: stringIds(values as Array<string | null>, table) };
  if (lists) return stringLists(values as string[][], table);
  const records = toRecords(values, table);
  return records === null ? { kind: 'values', values } : { kind: 'records', records };
}

/** Each string's table index + 1, 0 for null. A run of one value (rows sorted by id share their data source, interval, version...) looks it up once. */
function stringIds(values: ReadonlyArray<string | null>, table: StringTable): Ids {
  const ids = new Uint32Array(values.length);
  let last: string | null = null;
  let lastId = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== last) {
      last = v;
      lastId = v === null ? 0 : table.id(v) + 1;
    }
    ids[i] = lastId;
  }
  return narrowest(ids);
}

function stringLists(lists: ReadonlyArray<readonly string[]>, table: StringTable): Column {
  const distinct = new Map<string, number>();
  const lengths: number[] = [];
  const ids: number[] = [];
  const rows = new Uint32Array(lists.length);
  for (let i = 0; i < lists.length; i++) {
    const listIds = lists[i]!.map((s) => table.id(s));
    const key = listIds.join(',');
    let n = distinct.get(key);
    if (n === undefined) {
      distinct.set(key, (n = lengths.length));
      lengths.push(listIds.length);
      ids.push(...listIds);
    }
    rows[i] = n;
  }
  return { kind: 'string-lists', lengths: narrowest(Uint32Array.from(lengths)), ids: narrowest(Uint32Array.from(ids)), rows: narrowest(rows) };
}

/** The narrowest unsigned array that holds every id. */
function narrowest(ids: Uint32Array): Ids {
  let max = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
  return max < 2 ** 8 ? new Uint8Array(ids) : max < 2 ** 16 ? new Uint16Array(ids) : ids;
}

/** The rows `toRecords` stored, each a new object with the keys in their first order. */
export function fromRecords(records: Records, strings: readonly string[]): Row[] {
  const columns: unknown[] = [];
  const make = maker(literal(records, columns, strings), columns.length)(strings, ...columns);
  const rows = new Array<Row>(records.count);
  for (let i = 0; i < records.count; i++) rows[i] = make(i);
  return rows;
}

/** Row i as object-literal code, nested records inline; the columns it reads are `c0`, `c1`... */
function literal(records: Records, columns: unknown[], strings: readonly string[]): string {
  const fields = records.keys.map((k, j) => `${JSON.stringify(k)}: ${valueAt(records.columns[j]!, columns, strings)}`);
  return `{ ${fields.join(', ')} }`;
}

function valueAt(column: Column, columns: unknown[], strings: readonly string[]): string {
  const use = (c: unknown): string => `c${columns.push(c) - 1}`;
  switch (column.kind) {
    case 'strings':
      return `str(${use(column.ids)}[i])`;
    case 'string-lists':
      return `${use(distinctLists(column, strings))}[${use(column.rows)}[i]]`;
    case 'records':
      return literal(column.records, columns, strings);
    case 'values':
      return `${use(column.values)}[i]`;
  }
}

/**
 * The distinct lists, each one array that every row holding it shares (a data source's segments
 * list the same dimensions and metrics). Frozen: a shared list changed in place would change
 * every entity holding it, so an attempt throws instead.
 */
function distinctLists(column: Extract<Column, { kind: 'string-lists' }>, strings: readonly string[]): ReadonlyArray<readonly string[]> {
  const lists = new Array<readonly string[]>(column.lengths.length);
  for (let n = 0, at = 0; n < lists.length; n++) {
    const list = new Array<string>(column.lengths[n]!);
    for (let j = 0; j < list.length; j++) list[j] = strings[column.ids[at++]!]!;
    lists[n] = Object.freeze(list);
  }
  return lists;
}

type Maker = (strings: readonly string[], ...columns: unknown[]) => (i: number) => Row;
const makers = new Map<string, Maker>();

/**
 * Compiles a row's literal once per shape of records. Each row is then built in one go as an
 * object literal: the rows share V8's hidden classes, every column is a variable of its own (one
 * element kind per load), and nothing is materialized column by column first.
 */
function maker(literalCode: string, columnCount: number): Maker {
  let make = makers.get(literalCode);
  if (make === undefined) {
    const params = Array.from({ length: columnCount }, (_, n) => `c${n}`);
    make = new Function('s', ...params, `
      const str = (id) => (id === 0 ? null : s[id - 1]);
      return (i) => (${literalCode});`) as Maker;
    makers.set(literalCode, make);
  }
  return make;
}
