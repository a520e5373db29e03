import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SURVEY_LEVEL_LABELS, SURVEY_LEVELS, type SurveyLevel } from '../domain/enums';
import { DomainError, illegalState, notFound, validationError, type FieldIssue } from '../domain/errors';
import { entityId } from '../domain/fields';
import { authorize } from '../domain/roles';
import { surveyProcess } from '../processes/survey';
import type { Dimension, SurveyState } from '../processes/survey/decider';
import { importRowSchema, type ImportRow } from '../processes/survey/schemas';
import type { TemporalGateway } from './gateway';
import { commandResponses, commandResult } from './schemas';

/**
 * Importing an outsourced survey's results (委外调查结果导入): an .xlsx workbook or a .csv file, one row per returned
 * questionnaire or competitor form. Every row is checked before anything is sent; a file with one bad row is refused
 * whole, each issue naming the line (the spreadsheet row, the header being line 1) and the column as the file writes
 * it. A good file becomes one `import` command of the round, keyed by the file's SHA-256, so the same file twice is
 * one import.
 */

/** Largest file taken (bytes, before base64). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** Most data rows in one file (the `import` command's own limit). */
export const MAX_IMPORT_ROWS = 5000;
/** Issues listed in one answer; the rest are counted. */
const MAX_LISTED_ISSUES = 200;

const LEVEL_LIST = SURVEY_LEVELS.map((l) => SURVEY_LEVEL_LABELS[l].zh).join(', ');

type ColumnRole = { kind: 'form' } | { kind: 'respondent' } | { kind: 'competitor' } | { kind: 'comment' } | { kind: 'dimension'; key: string };
interface HeaderColumn {
  index: number;
  /** The header as the file writes it (trimmed): issues name it. */
  header: string;
  role: ColumnRole;
}

export interface TableRow {
  /** The spreadsheet row (line 1 is the header). */
  line: number;
  cells: string[];
}

/** The header of each field of a row as the file writes it (`respondentId` → `客户编号`, `answers.delivery` → `交货期`). */
export type FileHeaders = Record<string, string>;

export type ParsedSurveyFile = { rows: ImportRow[]; headers: FileHeaders } | { issues: FieldIssue[] };

/** Headers and values are compared without case, surrounding blanks or full-width forms (`／`, full-width letters). */
const norm = (s: string): string => s.normalize('NFKC').trim().toLowerCase().replace(/\s+/g, ' ');

const FORM_HEADERS = ['form', '类型', '问卷类型'];
const RESPONDENT_HEADERS = ['respondent_id', 'respondentid', 'respondent id', '客户编号', '调查对象'];
const COMPETITOR_HEADERS = ['competitor', '竞争对手'];
const COMMENT_HEADERS = ['comment', '意见和建议', '意见与建议'];
const FORM_VALUES: Record<string, 'customer' | 'competitor'> = {
  customer: 'customer',
  客户: 'customer',
  客户问卷: 'customer',
  competitor: 'competitor',
  竞争对手: 'competitor',
  竞争对手对比问卷: 'competitor',
};
const LEVEL_VALUES: Record<string, SurveyLevel> = Object.fromEntries(
  SURVEY_LEVELS.flatMap((l) => [
    [norm(l), l],
    [norm(SURVEY_LEVEL_LABELS[l].zh), l],
    [norm(SURVEY_LEVEL_LABELS[l].en), l],
  ]),
);

/** Column letters as a spreadsheet shows them: 1 → A, 27 → AA. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

// ── CSV (RFC 4180) ─────────────────────────────────────────────────────────────────────────

/**
 * RFC 4180 records: fields separated by commas, records by CRLF (a bare LF or CR is taken too), a field in double
 * quotes may hold commas, line breaks and `""` for a quote; a leading UTF-8 BOM is dropped. A quote inside an unquoted
 * field is kept as text (as spreadsheets do). Each record's `line` is its row when the file is opened in a spreadsheet
 * (a line break inside quotes stays within its row).
 */
export function parseCsv(text: string): { rows: TableRow[] } | { issues: FieldIssue[] } {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: TableRow[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  const endField = () => {
    cells.push(field);
    field = '';
    afterQuote = false;
  };
  const endRecord = () => {
    endField();
    rows.push({ line, cells });
    cells = [];
    line++;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (s[i + 1] === '"') {
        field += '"';
        i++;
      } else {
        quoted = false;
        afterQuote = true;
      }
      continue;
    }
    if (c === ',') endField();
    else if (c === '\r' || c === '\n') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      endRecord();
    } else if (afterQuote) return { issues: [{ field: `line ${line}: column ${columnLetter(cells.length)}`, rule: 'has text after its closing quote; a quote inside a quoted field is written ""' }] };
    else if (c === '"' && field === '') quoted = true;
    else field += c;
  }
  if (quoted) return { issues: [{ field: `line ${line}: column ${columnLetter(cells.length)}`, rule: 'opens a quoted field that is never closed' }] };
  // The last record needs no line break after it.
  if (field !== '' || cells.length > 0 || afterQuote) endRecord();
  return { rows };
}

/** UTF-8 (with or without BOM); a file that is not UTF-8 is read as GB18030, what Excel writes on Chinese Windows. */
function decodeText(bytes: Uint8Array): string | undefined {
  for (const encoding of ['utf-8', 'gb18030']) {
    try {
      const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: false }).decode(bytes);
      if (!text.includes('\u0000')) return text;
    } catch {
      // not this encoding
    }
  }
  return undefined;
}

// ── xlsx ───────────────────────────────────────────────────────────────────────────────────

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('hyperlink' in v) return typeof v.text === 'string' ? v.text : cellText(v.text as ExcelJS.CellValue);
  if ('formula' in v || 'sharedFormula' in v) return cellText(v.result as ExcelJS.CellValue);
  if ('error' in v) return v.error;
  return '';
}

async function readWorkbook(bytes: Uint8Array, maxRows: number): Promise<{ rows: TableRow[] } | { issues: FieldIssue[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as Parameters<typeof wb.xlsx.load>[0]);
  } catch {
    return { issues: [{ field: 'file', rule: 'is not a readable .xlsx workbook' }] };
  }
  const ws = wb.worksheets.find((w) => w.actualRowCount > 0);
  if (!ws) return { issues: [{ field: 'file', rule: 'has no rows: the first line is the header, one row per questionnaire below it' }] };
  // The header and the data rows; the count is checked before the rows are read.
  if (ws.actualRowCount - 1 > maxRows) return { issues: [tooMany(ws.actualRowCount - 1, maxRows)] };
  const rows: TableRow[] = [];
  const width = ws.columnCount;
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(width, row.cellCount); c++) cells.push(cellText(row.getCell(c).value));
    rows.push({ line, cells });
  });
  return { rows };
}

const tooMany = (n: number, max: number): FieldIssue => ({ field: 'file', rule: `must have at most ${max} rows of questionnaires (it has ${n}); split it into several files` });

/** The file as rows of text, by its content (an .xlsx is a zip) or else its name. */
export async function readTable(bytes: Uint8Array, filename: string, maxRows = MAX_IMPORT_ROWS): Promise<{ rows: TableRow[] } | { issues: FieldIssue[] }> {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename.trim())?.[1]?.toLowerCase();
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  const ole = bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
  if (ole || ext === 'xls') return { issues: [{ field: 'file', rule: 'is an Excel 97–2003 workbook (.xls); save it as .xlsx or .csv (UTF-8)' }] };
  if (zip || ext === 'xlsx') return readWorkbook(bytes, maxRows);
  if (ext !== undefined && !['csv', 'txt'].includes(ext)) return { issues: [{ field: 'filename', rule: 'must be an .xlsx or .csv file' }] };
  const text = decodeText(bytes);
  if (text === undefined) return { issues: [{ field: 'file', rule: 'is neither an .xlsx workbook nor CSV text (UTF-8 or GB18030)' }] };
  return parseCsv(text);
}

// ── rows to questionnaires ─────────────────────────────────────────────────────────────────

function headerColumns(header: TableRow, dimensions: readonly Dimension[]): { columns: HeaderColumn[]; issues: FieldIssue[] } {
  const byName = new Map<string, ColumnRole>();
  for (const h of FORM_HEADERS) byName.set(norm(h), { kind: 'form' });
  for (const h of RESPONDENT_HEADERS) byName.set(norm(h), { kind: 'respondent' });
  for (const h of COMPETITOR_HEADERS) byName.set(norm(h), { kind: 'competitor' });
  for (const h of COMMENT_HEADERS) byName.set(norm(h), { kind: 'comment' });
  for (const d of dimensions) {
    byName.set(norm(d.key), { kind: 'dimension', key: d.key });
    byName.set(norm(d.label), { kind: 'dimension', key: d.key });
  }
  const columns: HeaderColumn[] = [];
  const issues: FieldIssue[] = [];
  const seen = new Map<string, string>();
  header.cells.forEach((raw, index) => {
    const written = raw.trim();
    if (!written) return;
    const role = byName.get(norm(written));
    if (!role) {
      const known = ['类型 (form)', '客户编号 (respondent_id)', '竞争对手 (competitor)', ...dimensions.map((d) => `${d.label} (${d.key})`), '意见和建议 (comment)'];
      issues.push({ field: `line ${header.line}: ${written}`, rule: `is not a column of this round's questionnaire; known: ${known.join(', ')}` });
      return;
    }
    const id = role.kind === 'dimension' ? `dimension:${role.key}` : role.kind;
    const earlier = seen.get(id);
    if (earlier !== undefined) issues.push({ field: `line ${header.line}: ${written}`, rule: `repeats the column ${earlier}` });
    else seen.set(id, written);
    columns.push({ index, header: written, role });
  });
  if (!columns.some((c) => c.role.kind === 'dimension') && !issues.length)
    issues.push({ field: `line ${header.line}`, rule: `must have at least one indicator column: ${dimensions.map((d) => d.label).join(', ')}` });
  return { columns, issues };
}

/** Where a schema issue of a row belongs: the column it came from, as the file writes it. */
function fieldOfPath(line: number, path: readonly PropertyKey[], columns: readonly HeaderColumn[]): string {
  const [top, sub] = path;
  const header = (kind: ColumnRole['kind'], key?: string) => columns.find((c) => c.role.kind === kind && (key === undefined || (c.role.kind === 'dimension' && c.role.key === key)))?.header;
  const written =
    top === 'respondentId' ? header('respondent') : top === 'competitor' ? header('competitor') : top === 'comment' ? header('comment') : top === 'form' ? header('form') : top === 'answers' && sub !== undefined ? header('dimension', String(sub)) : undefined;
  return written ? `line ${line}: ${written}` : `line ${line}`;
}

/**
 * The questionnaires of a file, or every problem of it. Pure (no Temporal, no store): the round's indicators come in
 * `dimensions`. Header: 类型/form (客户 → customer, 竞争对手 → competitor; without the column every row is a customer's),
 * 客户编号/respondent_id, 竞争对手/competitor, one column per indicator (its key or label), 意见和建议/comment. A value is a
 * level's key or label (很满意 … 很不满意); blank is not answered. Blank rows are skipped.
 */
export async function parseSurveyFile(bytes: Uint8Array, filename: string, dimensions: readonly Dimension[], options: { maxRows?: number } = {}): Promise<ParsedSurveyFile> {
  const maxRows = options.maxRows ?? MAX_IMPORT_ROWS;
  const table = await readTable(bytes, filename, maxRows);
  if ('issues' in table) return table;
  const [header, ...body] = table.rows;
  if (!header || header.line !== 1 || header.cells.every((c) => !c.trim())) return { issues: [{ field: 'line 1', rule: 'must be the header: 类型, 客户编号, 竞争对手, the indicators, 意见和建议' }] };
  const data = body.filter((r) => r.cells.some((c) => c.trim()));
  if (data.length === 0) return { issues: [{ field: 'file', rule: 'has no questionnaires: one row per questionnaire below the header' }] };
  if (data.length > maxRows) return { issues: [tooMany(data.length, maxRows)] };
  const { columns, issues } = headerColumns(header, dimensions);
  if (issues.length) return { issues };

  const col = (kind: ColumnRole['kind']) => columns.find((c) => c.role.kind === kind);
  const formCol = col('form');
  const respondentCol = col('respondent');
  const competitorCol = col('competitor');
  const commentCol = col('comment');
  const dimCols = columns.filter((c): c is HeaderColumn & { role: { kind: 'dimension'; key: string } } => c.role.kind === 'dimension');
  const out: ImportRow[] = [];
  const problems: FieldIssue[] = [];
  const firstLine = new Map<string, number>();
  let missingRespondentColumn = false;
  let missingCompetitorColumn = false;

  for (const r of data) {
    const at = (c: HeaderColumn) => `line ${r.line}: ${c.header}`;
    const value = (c: HeaderColumn | undefined) => (c ? (r.cells[c.index] ?? '').trim() : '');
    const rowIssues: FieldIssue[] = [];
    // A value in a column without a header would be silently lost: the row is misaligned.
    r.cells.forEach((cell, index) => {
      if (cell.trim() && !columns.some((c) => c.index === index)) rowIssues.push({ field: `line ${r.line}: column ${columnLetter(index)}`, rule: 'has a value but its column has no header' });
    });
    let form: 'customer' | 'competitor' | undefined = 'customer';
    if (formCol) {
      form = FORM_VALUES[norm(value(formCol))];
      if (!form) rowIssues.push({ field: at(formCol), rule: 'must be one of 客户, 竞争对手 (customer, competitor)' });
    }
    const answers: Record<string, SurveyLevel> = {};
    for (const c of dimCols) {
      const v = value(c);
      if (!v) continue;
      const level = LEVEL_VALUES[norm(v)];
      if (level) answers[c.role.key] = level;
      else rowIssues.push({ field: at(c), rule: `must be one of ${LEVEL_LIST}` });
    }
    if (Object.keys(answers).length === 0 && !dimCols.some((c) => value(c))) rowIssues.push({ field: `line ${r.line}`, rule: 'answers no indicator: at least one must be answered' });
    const respondentId = value(respondentCol);
    const competitor = value(competitorCol);
    // A missing column is said once, on the header; its rows are not checked further.
    let headerless = false;
    if (form === 'customer') {
      if (!respondentCol) missingRespondentColumn = headerless = true;
      else if (!respondentId) rowIssues.push({ field: at(respondentCol), rule: 'is required on a customer form' });
      else {
        const earlier = firstLine.get(respondentId);
        if (earlier !== undefined) rowIssues.push({ field: at(respondentCol), rule: `${respondentId} is also on line ${earlier}; one response per respondent` });
        else firstLine.set(respondentId, r.line);
      }
    } else if (form === 'competitor') {
      if (!competitorCol) missingCompetitorColumn = headerless = true;
      else if (!competitor) rowIssues.push({ field: at(competitorCol), rule: 'is required on a competitor form' });
    }
    if (rowIssues.length || !form || headerless) {
      problems.push(...rowIssues);
      continue;
    }
    const comment = value(commentCol);
    const candidate = {
      line: r.line,
      form,
      ...(form === 'customer' ? { respondentId } : { competitor }),
      answers,
      ...(comment ? { comment } : {}),
    };
    // The command's own rules (id format, text lengths), named by the file's columns.
    const parsed = importRowSchema.safeParse(candidate);
    if (parsed.success) out.push(parsed.data);
    else problems.push(...parsed.error.issues.map((i) => ({ field: fieldOfPath(r.line, i.path, columns), rule: i.message })));
  }
  if (missingRespondentColumn) problems.unshift({ field: 'line 1', rule: 'has no 客户编号 (respondent_id) column: customer forms need one' });
  if (missingCompetitorColumn) problems.unshift({ field: 'line 1', rule: 'has no 竞争对手 (competitor) column: competitor forms need one' });
  if (problems.length > MAX_LISTED_ISSUES) {
    const more = problems.length - MAX_LISTED_ISSUES;
    return { issues: [...problems.slice(0, MAX_LISTED_ISSUES), { field: 'file', rule: `and ${more} more issue${more === 1 ? '' : 's'} not listed` }] };
  }
  if (problems.length) return { issues: problems };
  const headers: FileHeaders = {};
  for (const c of columns) {
    const field = c.role.kind === 'dimension' ? `answers.${c.role.key}` : { form: 'form', respondent: 'respondentId', competitor: 'competitor', comment: 'comment' }[c.role.kind];
    headers[field] = c.header;
  }
  return { rows: out, headers };
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

// ── the route ──────────────────────────────────────────────────────────────────────────────

const BASE64_MAX = Math.ceil(MAX_IMPORT_BYTES / 3) * 4;

export const importFileBody = z
  .object({
    filename: z
      .string()
      .max(200, 'must be at most 200 characters')
      .regex(/\S/, 'must not be blank')
      .describe('the file\'s name: .xlsx or .csv (the content decides when the name has neither)'),
    content: z
      .string()
      .min(1, 'must not be empty')
      .max(BASE64_MAX, `must be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB (before base64)`)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be the file in base64')
      .describe('the file, base64'),
  })
  .strict()
  .describe(
    'An outsourced survey\'s results. Header row (line 1): 类型 or form (客户/customer, 竞争对手/competitor; without it every row is a customer form), ' +
      '客户编号 or respondent_id, 竞争对手 or competitor, one column per indicator of the round (its key or label, e.g. 交货期), 意见和建议 or comment. ' +
      `Values: a level key or label (${LEVEL_LIST}); blank = not answered. CSV: RFC 4180, UTF-8 (BOM optional) or GB18030. At most ${MAX_IMPORT_ROWS} rows.`,
  );

const importResult = commandResult.extend({
  file: z.object({ name: z.string(), sha256: z.string() }),
  responses: z.number().int().describe('customer questionnaires in the file'),
  benchmarks: z.number().int().describe('competitor forms in the file'),
});

/** The round's own refusals (a respondent not in the round, one who answered already) named by the file's columns too. */
function withFileHeaders(err: unknown, headers: FileHeaders): unknown {
  if (!(err instanceof DomainError) || !err.issues.length) return err;
  const issues = err.issues.map((i) => {
    const m = /^line (\d+): (.+)$/.exec(i.field);
    const header = m ? headers[m[2]!] : undefined;
    return header ? { field: `line ${m![1]}: ${header}`, rule: i.rule } : i;
  });
  return new DomainError(err.kind, err.code, err.message, issues);
}

export interface SurveyImportDeps {
  gateway: Pick<TemporalGateway, 'view' | 'command'>;
}

/**
 * `POST /surveys/:id/import-file`: the file itself (JSON `{ filename, content }`, content in base64). The generated
 * `POST /surveys/:id/import` takes the rows already parsed (the command as the contract has it).
 */
export function registerSurveyImportRoutes(app: FastifyInstance, deps: SurveyImportDeps): void {
  const spec = surveyProcess.commands.import!;
  app.post(
    `/${surveyProcess.collection}/:id/import-file`,
    {
      // Base64 makes 5 MB about 6.7 MB, plus the JSON around it.
      bodyLimit: BASE64_MAX + 64 * 1024,
      schema: {
        operationId: 'survey.import-file',
        summary: 'Import an outsourced survey\'s results from an .xlsx or .csv file: every row is checked, a file with a bad row is refused whole',
        description:
          `Each issue names the line (the header is line 1) and the column as the file writes it, e.g. \`line 7: 交货期\`. The same file again is the same import (keyed by its SHA-256). Roles: ${spec.roles.join(', ')}.`,
        tags: [surveyProcess.title.en],
        params: z.object({ id: entityId }),
        body: importFileBody,
        response: commandResponses(200, importResult),
      },
    },
    async (req) => {
      const who = req.principal!;
      authorize(`import into ${surveyProcess.collection}`, spec.roles, who.role);
      const { id } = req.params as { id: string };
      const { filename, content } = req.body as z.infer<typeof importFileBody>;
      const bytes = Buffer.from(content, 'base64');
      if (bytes.length > MAX_IMPORT_BYTES) throw validationError([{ field: 'content', rule: `must be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB (the file has ${(bytes.length / 1024 / 1024).toFixed(1)} MB)` }]);
      const view = await deps.gateway.view<SurveyState>(surveyProcess, id);
      const state = view.state;
      if (state.status === 'none') throw notFound('survey.not_found', `no survey ${id}`);
      if (state.status === 'closed') throw illegalState('survey.closed', `survey ${id} closed at ${state.closedAt ?? state.closesAt}: it takes no more responses`);
      const name = filename.trim();
      const parsed = await parseSurveyFile(bytes, name, state.dimensions);
      if ('issues' in parsed) {
        const shown = parsed.issues.slice(0, 5).map((i) => `${i.field}: ${i.rule}`);
        throw new DomainError('validation', 'survey.import_rejected', `${name}: nothing imported; ${shown.join('; ')}${parsed.issues.length > 5 ? '; …' : ''}`, parsed.issues);
      }
      const file = { name, sha256: sha256Of(bytes) };
      const meta = { actor: who.actor, role: who.role, correlationId: req.id };
      const result = await deps.gateway.command(surveyProcess, id, 'import', { file, rows: parsed.rows }, meta, { idempotencyKey: `import-${file.sha256}` }).catch((err: unknown) => {
        throw withFileHeaders(err, parsed.headers);
      });
      const benchmarks = parsed.rows.filter((r) => r.form === 'competitor').length;
      return { ...result, file, responses: parsed.rows.length - benchmarks, benchmarks };
    },
  );
}
