import type { Column, LedgerRow } from '../domain/ledger';

/** Display width: CJK characters take two columns in a terminal. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(ch) ? 2 : 1;
  return w;
}

const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - displayWidth(s)));

/** A plain text table with the ledger's headers (Chinese by default). */
export function table(ledger: { columns: ReadonlyArray<Pick<Column, 'name' | 'label'>> }, rows: LedgerRow[], lang: 'zh' | 'en' = 'zh'): string {
  const cols = ledger.columns;
  const header = cols.map((c) => c.label[lang]);
  const cells = rows.map((r) => cols.map((c) => (r[c.name] === null || r[c.name] === undefined ? '' : String(r[c.name]))));
  const widths = header.map((h, i) => Math.min(40, Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i]!)))));
  const line = (vals: string[]) => vals.map((v, i) => pad(v, widths[i]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
