/**
 * Ledger exports for people (the monthly close copy for the supervising manager and finance): CSV and Excel.
 * Headers and cells in Chinese by default (codes as their labels from the one dictionary, src/domain/labels, flags
 * 是/否, reasons the engine wrote translated), or in English; `codes` keeps the stored codes for machines and imports.
 * Instants shown in the configured time zone; personal data masked unless the role may see it (the same rule as the
 * API, `maskRows`).
 */
import { isTimeZone, zonedIso, zoneOffsetMs } from '../support/local-time';
import { renameSync, rmSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { validationError } from '../domain/errors';
import type { CellValue, Column, LedgerRow, LedgerShape } from '../domain/ledger';
import { labelRows } from '../domain/labels';
import type { ActorRole } from '../domain/roles';
import { csvField, neutraliseFormula } from '../domain/spreadsheet';
import { LedgerDb } from '../projections/ledger-db';
import { sourceOf } from '../projections/projection';
import { maskRows } from '../projections/reader';
import { writePrivateFile } from '../support/private-files';
import { openSqlite } from '../support/sqlite';

export type ExportFormat = 'csv' | 'xlsx';
export type HeaderLanguage = 'zh' | 'en';

export interface ExportOptions {
  format: ExportFormat;
  /** The file to write (replaced atomically). */
  out: string;
  /** Language of the headers and of the labelled cells; default Chinese. */
  lang?: HeaderLanguage;
  /** Cells as stored: codes (`closed`, `major`), flags 0/1 and reasons as written, for machines and imports. Default false. */
  codes?: boolean;
  /** IANA zone the instants are shown in; default Asia/Shanghai. */
  timeZone?: string;
  /** The reader's role: personal data is masked unless it may see it. */
  role: ActorRole;
  /** The ledger checkpoint the rows reflect, noted in the workbook. */
  checkpoint?: string;
  /** CSV only: prefix `'` to text a spreadsheet would run as a formula (=, +, -, @). Default true. */
  neutraliseFormulas?: boolean;
  now?: () => Date;
}

export interface ExportResult {
  file: string;
  format: ExportFormat;
  rows: number;
  /** Columns whose personal data was masked. */
  masked: string[];
}

/** Every row of a ledger in its listing order (no paging), from an open ledger database or its file. */
export function allRows(source: LedgerDb | string, ledger: LedgerShape): LedgerRow[] {
  const db = typeof source === 'string' ? openSqlite(source, { readonly: true }) : source.db;
  try {
    const cols = ledger.columns.map((c) => `"${c.name}"`).join(', ');
    return db.prepare(`SELECT ${cols} FROM ${sourceOf(ledger)} ORDER BY ${ledger.orderBy}`).all() as LedgerRow[];
  } finally {
    if (typeof source === 'string') db.close();
  }
}

export async function exportLedger(rows: LedgerRow[], ledger: LedgerShape, options: ExportOptions): Promise<ExportResult> {
  const lang = options.lang ?? 'zh';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  checkTimeZone(timeZone);
  const m = maskRows(ledger, rows, options.role);
  // Masked first (on the stored values), then labelled for people unless codes are asked for.
  const cells = options.codes ? m.rows : labelRows(ledger, m.rows, lang, { timeZone, instants: false });
  const tmp = `${options.out}.${process.pid}.tmp`;
  try {
    // Owner-only from the first byte (personal data): ExcelJS writes into the file made 0600 here, keeping its mode.
    writePrivateFile(tmp, options.format === 'csv' ? toCsv(cells, ledger, { lang, timeZone, neutralise: options.neutraliseFormulas ?? true }) : '');
    if (options.format === 'xlsx') await toWorkbook(cells, ledger, { ...options, lang, timeZone, masked: m.masked }).xlsx.writeFile(tmp);
    renameSync(tmp, options.out);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { file: options.out, format: options.format, rows: rows.length, masked: m.masked };
}

// ── CSV (RFC 4180, UTF-8 with BOM so that Excel reads the Chinese headers) ─────────────────────

function toCsv(rows: LedgerRow[], ledger: LedgerShape, o: { lang: HeaderLanguage; timeZone: string; neutralise: boolean }): string {
  const lines = [ledger.columns.map((c) => csvField(c.label[o.lang]))];
  for (const r of rows)
    lines.push(
      ledger.columns.map((c) => {
        const v = r[c.name];
        if (v === null || v === undefined) return '';
        if (typeof v === 'number') return String(v);
        if (c.instant) return csvField(zonedIso(v, o.timeZone));
        return csvField(o.neutralise ? neutraliseFormula(v) : v);
      }),
    );
  return `\uFEFF${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

// ── Excel ──────────────────────────────────────────────────────────────────────────────────

const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

function toWorkbook(
  rows: LedgerRow[],
  ledger: LedgerShape,
  o: ExportOptions & { lang: HeaderLanguage; timeZone: string; masked: string[] },
): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const now = o.now?.() ?? new Date();
  wb.created = now;
  wb.creator = 'taizhang';
  const ws = wb.addWorksheet(ledger.title[o.lang].replace(/[\\/?*[\]:]/g, ' ').slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = ledger.columns.map((c) => ({
    header: c.label[o.lang],
    key: c.name,
    width: widthOf(c, rows, o.lang),
    ...(c.instant ? { style: { numFmt: DATE_TIME_FORMAT } } : {}),
  }));
  for (const r of rows) ws.addRow(Object.fromEntries(ledger.columns.map((c) => [c.name, xlsxValue(c, r[c.name], o.timeZone)])));
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: ledger.columns.length } };

  const zh = o.lang === 'zh';
  const about = wb.addWorksheet(zh ? '说明' : 'About');
  about.columns = [{ width: 18 }, { width: 60 }];
  const maskedLabels = ledger.columns.filter((c) => o.masked.includes(c.name)).map((c) => c.label[o.lang]);
  about.addRows([
    [zh ? '台账' : 'Ledger', ledger.title[o.lang]],
    [zh ? '行数' : 'Rows', rows.length],
    [zh ? '数据截至位置' : 'Checkpoint', o.checkpoint ?? ''],
    [zh ? '导出时间' : 'Exported at', zonedIso(now.toISOString(), o.timeZone)],
    [zh ? '时区' : 'Time zone', o.timeZone],
    [zh ? '导出角色' : 'Exported as', o.role],
    [zh ? '已遮蔽的个人信息' : 'Personal data masked', maskedLabels.join(zh ? '、' : ', ') || (zh ? '无' : 'none')],
  ]);
  about.getColumn(1).font = { bold: true };
  return wb;
}

/** Instants become real dates showing the zone's wall-clock time (Excel dates have no zone). */
function xlsxValue(c: Column, v: CellValue | undefined, timeZone: string): ExcelJS.CellValue {
  if (v === null || v === undefined) return null;
  if (c.instant && typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? v : new Date(ms + zoneOffsetMs(ms, timeZone));
  }
  return v;
}

function widthOf(c: Column, rows: LedgerRow[], lang: HeaderLanguage): number {
  if (c.instant) return 20;
  // CJK characters take two columns.
  const w = (s: string) => [...s].reduce((n, ch) => n + (/[\u2E80-\uFFFF]/.test(ch) ? 2 : 1), 0);
  let max = w(c.label[lang]);
  for (const r of rows.slice(0, 500)) max = Math.max(max, w(String(r[c.name] ?? '')));
  return Math.min(Math.max(max + 2, 8), 60);
}

// ── time zones ─────────────────────────────────────────────────────────────────────────────

function checkTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) throw validationError([{ field: 'timeZone', rule: 'must be an IANA time zone such as Asia/Shanghai' }]);
}
