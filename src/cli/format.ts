import type { Column, LedgerRow } from '../domain/ledger';
import { valueLabel, type Lang } from '../domain/labels';
import { localShort, utcOffsetLabel } from '../support/local-time';

/** Display width: CJK characters take two columns in a terminal. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(ch) ? 2 : 1;
  return w;
}

const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));

/** Text cut into lines of at most `width` display columns (a line break in the text starts a new line). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split(/\r?\n/)) {
    let line = '';
    let w = 0;
    for (const ch of para) {
      const cw = displayWidth(ch);
      if (w + cw > width && line) {
        out.push(line.trimEnd());
        line = ch === ' ' ? '' : ch;
        w = ch === ' ' ? 0 : cw;
        continue;
      }
      line += ch;
      w += cw;
    }
    out.push(line.trimEnd());
  }
  return out;
}

/** A column as the CLI shows it: its name, headers and whether it holds an instant or a flag. */
export type TableColumn = Pick<Column, 'name' | 'label'> & Partial<Pick<Column, 'instant' | 'flag'>>;

export interface TableOptions {
  lang?: Lang;
  /** The ledger's name: scopes its code labels (`ledger.column`). */
  ledger?: string;
  /** The configured zone: instants are shown there, short (`2026-12-02 10:54`). */
  timeZone?: string;
  /** The terminal width the table must fit (display columns); long text wraps within its column. Default 120. */
  maxWidth?: number;
}

const GAP = 2;
/** Below this a column is not narrowed further to fit the width. */
const MIN_TEXT = 6;
/** A value this wide or narrower (8 CJK characters) wraps only when nothing else can give way. */
const SHORT = 16;
/** A column no wider than this even when the table has room. */
const MAX_COLUMN = 40;

/** A stored cell as people read it: instants in the zone, codes as labels, flags 是/否. */
export function cellText(c: TableColumn, value: unknown, o: TableOptions = {}): string {
  if (value === null || value === undefined || value === '') return '';
  if (c.instant && typeof value === 'string' && o.timeZone) return localShort(value, o.timeZone);
  if (c.flag) return valueLabel(c.name, value, o.lang ?? 'zh', o.ledger);
  if (typeof value === 'object') return JSON.stringify(value);
  return valueLabel(c.name, value, o.lang ?? 'zh', o.ledger);
}

/**
 * A plain text table with the given columns' headers (Chinese by default) that fits `maxWidth` terminal columns:
 * instants and codes are never cut; when the table is too wide, the widest text columns are narrowed and their
 * text wraps onto more lines of the same row, so the other columns stay in place.
 */
export function table(ledger: { columns: readonly TableColumn[] }, rows: readonly LedgerRow[], langOrOptions: Lang | TableOptions = 'zh'): string {
  const o: TableOptions = typeof langOrOptions === 'string' ? { lang: langOrOptions } : langOrOptions;
  const lang = o.lang ?? 'zh';
  const maxWidth = o.maxWidth ?? 120;
  const cols = ledger.columns;
  const header = cols.map((c) => c.label[lang]);
  const cells = rows.map((r) => cols.map((c) => cellText(c, r[c.name], o)));
  const widths = header.map((h, i) => Math.min(MAX_COLUMN, Math.max(displayWidth(h), ...cells.map((row) => Math.max(0, ...row[i]!.split('\n').map(displayWidth))))));
  // Instants keep their width, and so does a code or an id (no space, no CJK); free text and headers wrap.
  const unbreakable = (v: string) => !/[\s\u2E80-\uFFFF]/u.test(v);
  const minimum = cols.map((c, i) =>
    c.instant ? widths[i]! : Math.min(widths[i]!, Math.max(MIN_TEXT, ...cells.map((row) => (unbreakable(row[i]!) ? Math.min(MAX_COLUMN, displayWidth(row[i]!)) : 0)))),
  );
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, widths.length - 1);
  // Long text wraps first; then headers wider than their column's values; short values (a name, a label of up to
  // SHORT columns) only last, so a customer's name is not split over two lines of every row for one column too many.
  const short = cols.map((_, i) => Math.min(widths[i]!, Math.max(0, ...cells.map((row) => (displayWidth(row[i]!) <= SHORT ? displayWidth(row[i]!) : 0)))));
  const keepShort = minimum.map((m, i) => Math.max(m, short[i]!));
  for (const floor of [keepShort.map((m, i) => Math.max(m, Math.min(widths[i]!, displayWidth(header[i]!)))), keepShort, minimum]) {
    while (total() > maxWidth) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) if (widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      if (widest < 0) break;
      widths[widest]!--;
    }
  }
  const line = (vals: string[]) => vals.map((v, i) => pad(v, widths[i]!)).join(' '.repeat(GAP)).trimEnd();
  const physical = (vals: string[]) => {
    const parts = vals.map((v, i) => wrap(v, widths[i]!));
    const height = Math.max(1, ...parts.map((p) => p.length));
    return Array.from({ length: height }, (_, k) => line(parts.map((p) => p[k] ?? '')));
  };
  return [...physical(header), widths.map((w) => '-'.repeat(w)).join(' '.repeat(GAP)), ...cells.flatMap(physical)].join('\n');
}

/** How people call a zone in a heading: 北京时间 for China's zones, else its IANA name. */
export function zoneHeading(timeZone: string, lang: Lang = 'zh', at = new Date()): string {
  const china = ['Asia/Shanghai', 'Asia/Chongqing', 'Asia/Harbin', 'Asia/Urumqi', 'PRC'].includes(timeZone);
  const name = china ? (lang === 'zh' ? '北京时间' : 'Beijing time') : timeZone;
  return lang === 'zh' ? `（${name} ${utcOffsetLabel(timeZone, at)}）` : `(${name} ${utcOffsetLabel(timeZone, at)})`;
}

/** A number of minutes in human units: `1 小时 52.5 分`, `5.3 秒`, `2 天 3 小时` (whole days of 24 hours). */
export function humanMinutes(minutes: number, lang: Lang = 'zh'): string {
  const u = lang === 'zh' ? { d: '天', h: '小时', m: '分', s: '秒' } : { d: 'd', h: 'h', m: 'min', s: 's' };
  const sign = minutes < 0 ? '-' : '';
  const abs = Math.abs(minutes);
  const num = (n: number) => String(Math.round(n * 10) / 10);
  if (abs < 1) return `${sign}${num(abs * 60)} ${u.s}`;
  const days = Math.floor(abs / 1440);
  const hours = Math.floor((abs - days * 1440) / 60);
  const mins = Math.round((abs - days * 1440 - hours * 60) * 10) / 10;
  const parts: string[] = [];
  if (days) parts.push(`${days} ${u.d}`);
  if (hours) parts.push(`${hours} ${u.h}`);
  if (mins || !parts.length) parts.push(`${num(mins)} ${u.m}`);
  return sign + parts.join(' ');
}
