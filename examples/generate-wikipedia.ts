/**
 * Writes examples/data/wikipedia-2015-09-12.json.gz: a day of made-up Wikipedia edits shaped like
 * Druid's tutorial data (wikiticker-2015-09-12-sampled.json.gz), deterministic, 10,000 rows.
 * Run with `node --import tsx examples/generate-wikipedia.ts`; the file is checked in.
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const ROWS = 10_000;
const DAY = Date.UTC(2015, 8, 12);

let seed = 20150912;
/** A small deterministic generator (mulberry32), so the file is the same on every run. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
/** Zipf-like: the first values come up far more often, as popular pages and busy editors do. */
const skewed = <T>(xs: readonly T[]): T => xs[Math.min(xs.length - 1, Math.floor(xs.length * random() ** 3))]!;

const CHANNELS = ['#en.wikipedia', '#en.wikipedia', '#en.wikipedia', '#de.wikipedia', '#fr.wikipedia', '#ja.wikipedia', '#it.wikipedia', '#es.wikipedia', '#ru.wikipedia', '#vi.wikipedia'];
const PLACES = [
  { countryIsoCode: 'US', countryName: 'United States', regionIsoCode: 'CA', regionName: 'California', cityName: 'San Francisco', metroCode: 807 },
  { countryIsoCode: 'US', countryName: 'United States', regionIsoCode: 'NY', regionName: 'New York', cityName: 'New York', metroCode: 501 },
  { countryIsoCode: 'GB', countryName: 'United Kingdom', regionIsoCode: 'ENG', regionName: 'England', cityName: 'London', metroCode: null },
  { countryIsoCode: 'DE', countryName: 'Germany', regionIsoCode: 'BE', regionName: 'Berlin', cityName: 'Berlin', metroCode: null },
  { countryIsoCode: 'FR', countryName: 'France', regionIsoCode: 'IDF', regionName: 'Île-de-France', cityName: 'Paris', metroCode: null },
  { countryIsoCode: 'JP', countryName: 'Japan', regionIsoCode: '13', regionName: 'Tokyo', cityName: 'Tokyo', metroCode: null },
  { countryIsoCode: 'AU', countryName: 'Australia', regionIsoCode: 'NSW', regionName: 'New South Wales', cityName: 'Sydney', metroCode: null },
];
const NAMESPACES = ['Main', 'Main', 'Main', 'Main', 'User', 'Talk', 'Wikipedia', 'Template', 'Category', 'File'];
const TOPICS = ['Wikipedia:Vandalismusmeldung', 'Jeremy Corbyn', 'User:Cyde/List of candidates for speedy deletion/Subpage', 'Flavia Pennetta', 'Total Drama Presents: The Ridonculous Race',
  'Wikipedia:Administrators\' noticeboard/Incidents', 'Roberta Vinci', 'Wikipedia:In the news/Candidates', 'Serena Williams', 'Rugby World Cup 2015', 'Apple Inc.', 'Labour Party (UK)',
  'Syrian civil war', 'List of Naruto episodes', 'Deaths in 2015', 'Donald Trump', 'US Open (tennis)', 'Novak Djokovic', 'Roger Federer', 'Taylor Swift'];
const PAGES = [...TOPICS, ...Array.from({ length: 600 }, (_, i) => `Article ${i + 1}`)];
const USERS = [...['BotMultichill', 'Cyde', 'Materialscientist', 'ClueBot NG', 'Lsjbot', 'Kolega2357'], ...Array.from({ length: 400 }, (_, i) => `Editor${i + 1}`)];
const COMMENTS = ['', 'typo', 'Reverted edits', '/* External links */', 'added citation', 'Bot: Migrating interwiki links', 'copyedit', 'update'];

const lines: string[] = [];
for (let i = 0; i < ROWS; i++) {
  const place = random() < 0.9 ? null : pick(PLACES);
  const user = skewed(USERS);
  const isRobot = user.toLowerCase().includes('bot');
  const added = random() < 0.15 ? 0 : Math.floor(random() ** 4 * 5000);
  const deleted = random() < 0.7 ? 0 : Math.floor(random() ** 4 * 3000);
  lines.push(JSON.stringify({
    time: new Date(DAY + Math.floor((i + random()) * (86_400_000 / ROWS))).toISOString(),
    channel: pick(CHANNELS),
    cityName: place?.cityName ?? null,
    comment: pick(COMMENTS),
    countryIsoCode: place?.countryIsoCode ?? null,
    countryName: place?.countryName ?? null,
    isAnonymous: place !== null,
    isMinor: random() < 0.3,
    isNew: random() < 0.08,
    isRobot,
    isUnpatrolled: random() < 0.1,
    metroCode: place?.metroCode ?? null,
    namespace: pick(NAMESPACES),
    page: skewed(PAGES),
    regionIsoCode: place?.regionIsoCode ?? null,
    regionName: place?.regionName ?? null,
    user: place !== null ? `${10 + Math.floor(random() * 240)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}` : user,
    delta: added - deleted,
    added,
    deleted,
  }));
}
const out = new URL('./data/wikipedia-2015-09-12.json.gz', import.meta.url);
writeFileSync(out, gzipSync(lines.join('\n') + '\n', { level: 9 }));
console.log(`wrote ${ROWS} rows to ${out.pathname}`);
