import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { zonedIso, zoneOffsetMs } from '../support/local-time';
import { CORRECTIVE_STATUS_LABELS, labelOf, SURVEY_LEVEL_LABELS, SURVEY_LEVELS, SURVEY_SEGMENT_LABELS, SURVEY_STATUS_LABELS, type SurveyLevel } from '../domain/enums';
import { notFound } from '../domain/errors';
import { entityId } from '../domain/fields';
import type { CellValue, LedgerRow } from '../domain/ledger';
import type { Policy } from '../domain/policy/schema';
import { authorize, STAFF_ROLES, type ActorRole } from '../domain/roles';
import { csvField, neutraliseFormula } from '../domain/spreadsheet';
import { readEntity } from '../events/entities';
import type { EventStore } from '../events/store/port';
import { surveyProcess } from '../processes/survey';
import type { Dimension, SurveyState } from '../processes/survey/decider';
import type { LedgerReader } from '../projections/reader';
import { zonedDeep } from './local-time';
import { readResponses } from './schemas';

/**
 * The round report for the analysis meeting (满意度调查分析报告): from the round's row of the `surveys` ledger and the
 * earlier closed rounds of its segment. Three parts: 概况 (returns and competitor forms against their targets with the
 * shortfall flags, the satisfaction rate and its trend, the negative indicators and their corrective actions), 分项分布
 * (each indicator's five levels, counted and in percent, and its rate), 趋势 (the segment's rounds in order). The
 * figures are the ledger's, never recomputed: the percentages of the distribution are the only numbers derived here.
 */

export type ReportFormat = 'xlsx' | 'csv' | 'json';

export interface SurveyReport {
  survey: {
    surveyId: string;
    title: string | null;
    segment: string;
    segmentLabel: string;
    period: string | null;
    questionnaireVersion: string | null;
    status: string;
    statusLabel: string;
    outsourced: string | null;
    openedAt: string | null;
    closesAt: string | null;
    closedAt: string | null;
    respondents: number | null;
    returns: number;
    returnTarget: number;
    returnsShort: boolean;
    competitorForms: number;
    competitorTarget: number;
    competitorShort: boolean;
    satisfactionRate: number | null;
    previousSurvey: string | null;
    previousRate: number | null;
    /** Change against the previous round, in percentage points. */
    trend: number | null;
    negativeDimensions: Dimension[];
    correctiveActions: number;
  };
  /** Per indicator: each level counted and in percent of the indicator's answers (1 decimal), and its rate. */
  dimensions: Array<{ key: string; label: string; answers: number; levels: Record<SurveyLevel, { count: number; percent: number | null }>; satisfactionRate: number | null }>;
  /** All indicators together: the same counts summed; the rate is the round's. */
  total: { answers: number; levels: Record<SurveyLevel, { count: number; percent: number | null }>; satisfactionRate: number | null };
  /** The segment's closed rounds up to this one, oldest first, and this one last. */
  trend: Array<{ surveyId: string; period: string | null; title: string | null; closedAt: string | null; returns: number; satisfactionRate: number | null; trend: number | null; current: boolean }>;
  correctiveActions: Array<{ correctiveId: string; dimension: string; label: string; status: string; statusLabel: string; owner: string | null }>;
  /** Statistics are computed when a round closes: an open round's report has its returns so far only. */
  interim: boolean;
}

const num = (v: CellValue | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const text = (v: CellValue | undefined): string | null => (v === null || v === undefined ? null : String(v));

function json<T>(v: CellValue | undefined, fallback: T): T {
  if (typeof v !== 'string' || !v) return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

const percent = (n: number, of: number): number | null => (of === 0 ? null : Math.round((1000 * n) / of) / 10);

function levelsOf(counts: Record<string, number> | undefined): { answers: number; levels: SurveyReport['total']['levels'] } {
  const answers = SURVEY_LEVELS.reduce((a, l) => a + (counts?.[l] ?? 0), 0);
  const levels = Object.fromEntries(SURVEY_LEVELS.map((l) => [l, { count: counts?.[l] ?? 0, percent: percent(counts?.[l] ?? 0, answers) }])) as SurveyReport['total']['levels'];
  return { answers, levels };
}

/**
 * The report of a round from ledger rows: `row` its `surveys` row, `segmentRows` the closed rows of its segment (any
 * order; later rounds are left out), `dimensions` its questionnaire's indicators (for their labels and order), and
 * the rows of `corrective_actions` opened for it.
 */
export function buildSurveyReport(row: LedgerRow, segmentRows: readonly LedgerRow[], dimensions: readonly Dimension[], correctiveRows: readonly LedgerRow[] = []): SurveyReport {
  const surveyId = String(row.survey_id);
  const distribution = json<Record<string, Record<string, number>>>(row.distribution, {});
  const rates = json<Record<string, number | null>>(row.dimension_rates, {});
  // The questionnaire's order; an indicator the ledger has and the questionnaire does not (none, normally) comes last.
  const dims: Dimension[] = [...dimensions, ...Object.keys(distribution).filter((k) => !dimensions.some((d) => d.key === k)).map((key) => ({ key, label: key }))];
  const labelOfDim = (key: string) => dims.find((d) => d.key === key)?.label ?? key;
  const negative = String(row.negative_dimensions ?? '')
    .split(',')
    .filter(Boolean)
    .map((key) => ({ key, label: labelOfDim(key) }));
  const summed: Record<string, number> = {};
  for (const byLevel of Object.values(distribution)) for (const [l, n] of Object.entries(byLevel)) summed[l] = (summed[l] ?? 0) + n;
  const status = String(row.status ?? 'open');
  const openedAt = text(row.opened_at);
  const earlier = segmentRows
    .filter((r) => r.survey_id !== row.survey_id && r.status === 'closed' && String(r.opened_at ?? '') <= String(openedAt ?? ''))
    .sort((a, b) => String(a.opened_at).localeCompare(String(b.opened_at)) || String(a.survey_id).localeCompare(String(b.survey_id)));
  const trendRow = (r: LedgerRow, current: boolean) => ({
    surveyId: String(r.survey_id),
    period: text(r.period),
    title: text(r.title),
    closedAt: text(r.closed_at),
    returns: num(r.returns) ?? 0,
    satisfactionRate: num(r.satisfaction_rate),
    trend: num(r.trend),
    current,
  });
  return {
    survey: {
      surveyId,
      title: text(row.title),
      segment: String(row.segment),
      segmentLabel: labelOf(SURVEY_SEGMENT_LABELS, String(row.segment)),
      period: text(row.period),
      questionnaireVersion: text(row.questionnaire_version),
      status,
      statusLabel: labelOf(SURVEY_STATUS_LABELS, status),
      outsourced: text(row.outsourced),
      openedAt,
      closesAt: text(row.closes_at),
      closedAt: text(row.closed_at),
      respondents: num(row.respondents),
      returns: num(row.returns) ?? 0,
      returnTarget: num(row.return_target) ?? 0,
      returnsShort: num(row.returns_short) === 1,
      competitorForms: num(row.competitor_forms) ?? 0,
      competitorTarget: num(row.competitor_target) ?? 0,
      competitorShort: num(row.competitor_short) === 1,
      satisfactionRate: num(row.satisfaction_rate),
      previousSurvey: text(row.previous_survey),
      previousRate: num(row.previous_rate),
      trend: num(row.trend),
      negativeDimensions: negative,
      correctiveActions: num(row.corrective_actions) ?? 0,
    },
    dimensions: dims.map((d) => ({ key: d.key, label: d.label, ...levelsOf(distribution[d.key]), satisfactionRate: rates[d.key] ?? null })),
    total: { ...levelsOf(summed), satisfactionRate: num(row.satisfaction_rate) },
    trend: [...earlier.map((r) => trendRow(r, false)), trendRow(row, true)],
    correctiveActions: correctiveRows.map((r) => {
      const dimension = String(r.dimension);
      const cs = String(r.status ?? '');
      return { correctiveId: String(r.corrective_id), dimension, label: text(r.dimension_label) ?? labelOfDim(dimension), status: cs, statusLabel: labelOf(CORRECTIVE_STATUS_LABELS, cs), owner: text(r.owner) };
    }),
    interim: status !== 'closed',
  };
}

// ── the tables people read (one for each format) ───────────────────────────────────────────

type Cell = string | number | boolean | null | { instant: string };
interface Sheet {
  name: string;
  headers: string[];
  rows: Cell[][];
  /** Columns holding rates or percentages (shown with one decimal). */
  decimals: number[];
}

const yesNo = (b: boolean) => (b ? '是' : '否');
const instant = (v: string | null): Cell => (v ? { instant: v } : null);

/** The report's three tables, with Chinese headers; `labels` are the ledger's own column headers. */
export function reportSheets(r: SurveyReport, labels: (column: string) => string): Sheet[] {
  const s = r.survey;
  const corrective = r.correctiveActions.map((c): Cell[] => [`纠正措施：${c.label}`, `${c.correctiveId}（${c.statusLabel}${c.owner ? `，责任人 ${c.owner}` : ''}）`]);
  const overview: Sheet = {
    name: '概况',
    headers: ['项目', '内容'],
    decimals: [],
    rows: [
      [labels('survey_id'), s.surveyId],
      [labels('title'), s.title],
      [labels('segment'), s.segmentLabel],
      [labels('period'), s.period],
      [labels('questionnaire_version'), s.questionnaireVersion],
      [labels('status'), r.interim ? `${s.statusLabel}（统计在调查结束时计算）` : s.statusLabel],
      ...(s.outsourced ? [[labels('outsourced'), s.outsourced] as Cell[]] : []),
      [labels('opened_at'), instant(s.openedAt)],
      [labels('closes_at'), instant(s.closesAt)],
      [labels('closed_at'), instant(s.closedAt)],
      [labels('respondents'), s.respondents],
      [labels('returns'), s.returns],
      [labels('return_target'), s.returnTarget],
      [labels('returns_short'), yesNo(s.returnsShort)],
      [labels('competitor_forms'), s.competitorForms],
      [labels('competitor_target'), s.competitorTarget],
      [labels('competitor_short'), yesNo(s.competitorShort)],
      [labels('satisfaction_rate'), s.satisfactionRate],
      [labels('previous_survey'), s.previousSurvey],
      [labels('previous_rate'), s.previousRate],
      [labels('trend'), s.trend],
      [labels('negative_dimensions'), s.negativeDimensions.map((d) => d.label).join('、') || (r.interim ? null : '无')],
      [labels('corrective_actions'), s.correctiveActions],
      ...corrective,
    ],
  };
  const levelHeaders = SURVEY_LEVELS.flatMap((l) => [`${SURVEY_LEVEL_LABELS[l].zh}(份)`, `${SURVEY_LEVEL_LABELS[l].zh}(%)`]);
  const levelCells = (levels: SurveyReport['total']['levels']) => SURVEY_LEVELS.flatMap((l) => [levels[l].count, levels[l].percent]);
  const percentColumns = SURVEY_LEVELS.map((_, i) => 2 + 2 * i);
  const distribution: Sheet = {
    name: '分项分布',
    headers: ['指标', ...levelHeaders, '答卷数', labels('satisfaction_rate')],
    decimals: [...percentColumns, 2 + 2 * SURVEY_LEVELS.length],
    rows: [...r.dimensions.map((d): Cell[] => [d.label, ...levelCells(d.levels), d.answers, d.satisfactionRate]), ['合计', ...levelCells(r.total.levels), r.total.answers, r.total.satisfactionRate]],
  };
  const trend: Sheet = {
    name: '趋势',
    headers: [labels('survey_id'), labels('period'), labels('title'), labels('closed_at'), labels('returns'), labels('satisfaction_rate'), labels('trend')],
    decimals: [5, 6],
    rows: r.trend.map((t): Cell[] => [t.current ? `${t.surveyId}（本期）` : t.surveyId, t.period, t.title, instant(t.closedAt), t.returns, t.satisfactionRate, t.trend]),
  };
  return [overview, distribution, trend];
}

const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** Widths as the ledger export sets them: CJK characters count two, instants 20, between 8 and 60. */
function widthOf(header: string, cells: readonly Cell[]): number {
  const w = (s: string) => [...s].reduce((n, ch) => n + (/[\u2E80-\uFFFF]/.test(ch) ? 2 : 1), 0);
  if (cells.some((c) => c !== null && typeof c === 'object')) return Math.max(20, w(header) + 2);
  let max = w(header);
  for (const c of cells.slice(0, 500)) max = Math.max(max, w(String(c ?? '')));
  return Math.min(Math.max(max + 2, 8), 60);
}

/** The report as an Excel workbook: one sheet per table, bold frozen header row, instants as dates in the zone's time. */
export function surveyReportWorkbook(sheets: readonly Sheet[], options: { timeZone: string; now?: Date }): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.created = options.now ?? new Date();
  wb.creator = 'taizhang';
  for (const sheet of sheets) {
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = sheet.headers.map((header, i) => ({ header, width: widthOf(header, sheet.rows.map((r) => r[i] ?? null)) }));
    for (const cells of sheet.rows) {
      const row = ws.addRow(
        cells.map((c): ExcelJS.CellValue => {
          if (c !== null && typeof c === 'object') {
            const ms = Date.parse(c.instant);
            return Number.isNaN(ms) ? c.instant : new Date(ms + zoneOffsetMs(ms, options.timeZone));
          }
          return typeof c === 'boolean' ? yesNo(c) : c;
        }),
      );
      cells.forEach((c, i) => {
        const cell = row.getCell(i + 1);
        if (c !== null && typeof c === 'object') cell.numFmt = DATE_TIME_FORMAT;
        else if (typeof c === 'number' && sheet.decimals.includes(i)) cell.numFmt = '0.0';
      });
    }
    ws.getRow(1).font = { bold: true };
    if (sheet.name !== '概况') ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.headers.length } };
  }
  return wb;
}

/** A cell of the report's CSV: never a formula (CSV injection), quoted as RFC 4180 says. */
const csvCell = (s: string): string => csvField(neutraliseFormula(s));

/** The report as one CSV (RFC 4180, UTF-8 with BOM, CRLF): each table under its name, a blank line between them. */
export function surveyReportCsv(sheets: readonly Sheet[], options: { timeZone: string }): string {
  const value = (c: Cell): string => {
    if (c === null) return '';
    if (typeof c === 'object') return csvCell(zonedIso(c.instant, options.timeZone));
    if (typeof c === 'number') return String(c);
    if (typeof c === 'boolean') return yesNo(c);
    return csvCell(c);
  };
  const blocks = sheets.map((s) => [csvCell(s.name), s.headers.map(csvCell).join(','), ...s.rows.map((r) => r.map(value).join(','))].join('\r\n'));
  return `\uFEFF${blocks.join('\r\n\r\n')}\r\n`;
}

// ── the route ──────────────────────────────────────────────────────────────────────────────

const READERS: readonly string[] = [...STAFF_ROLES, 'auditor'];

const reportQuery = z.object({ format: z.enum(['xlsx', 'csv', 'json'], { message: 'must be one of xlsx, csv, json' }).default('json') }).strict();

const level = z.object({ count: z.number().int(), percent: z.number().nullable() });
const levels = z.object(Object.fromEntries(SURVEY_LEVELS.map((l) => [l, level])) as Record<SurveyLevel, typeof level>);
const dimension = z.object({ key: z.string(), label: z.string() });
const reportBody = z.object({
  survey: z.object({
    surveyId: z.string(),
    title: z.string().nullable(),
    segment: z.string(),
    segmentLabel: z.string(),
    period: z.string().nullable(),
    questionnaireVersion: z.string().nullable(),
    status: z.string(),
    statusLabel: z.string(),
    outsourced: z.string().nullable(),
    openedAt: z.string().nullable(),
    closesAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    respondents: z.number().int().nullable(),
    returns: z.number().int(),
    returnTarget: z.number().int(),
    returnsShort: z.boolean(),
    competitorForms: z.number().int(),
    competitorTarget: z.number().int(),
    competitorShort: z.boolean(),
    satisfactionRate: z.number().nullable(),
    previousSurvey: z.string().nullable(),
    previousRate: z.number().nullable(),
    trend: z.number().nullable().describe('change against the previous round, percentage points'),
    negativeDimensions: z.array(dimension),
    correctiveActions: z.number().int(),
  }),
  dimensions: z.array(dimension.extend({ answers: z.number().int(), levels, satisfactionRate: z.number().nullable() })),
  total: z.object({ answers: z.number().int(), levels, satisfactionRate: z.number().nullable() }),
  trend: z.array(
    z.object({ surveyId: z.string(), period: z.string().nullable(), title: z.string().nullable(), closedAt: z.string().nullable(), returns: z.number().int(), satisfactionRate: z.number().nullable(), trend: z.number().nullable(), current: z.boolean() }),
  ),
  correctiveActions: z.array(z.object({ correctiveId: z.string(), dimension: z.string(), label: z.string(), status: z.string(), statusLabel: z.string(), owner: z.string().nullable() })),
  interim: z.boolean().describe('the round is still open: its statistics are computed when it closes'),
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export interface SurveyReportDeps {
  ledgers: LedgerReader;
  store: EventStore;
  policy: Policy;
  timeZone: string;
}

/** The indicators of a round, from its own stream; the policy's questionnaire when the stream cannot say. */
async function dimensionsOf(deps: SurveyReportDeps, id: string): Promise<Dimension[]> {
  const { state } = await readEntity<SurveyState>(deps.store, surveyProcess, id);
  return state.status === 'none' ? (deps.policy.surveys.questionnaire.dimensions as Dimension[]) : state.dimensions;
}

/** Every row of a ledger that matches, however many pages. */
function rowsWhere(ledgers: LedgerReader, name: string, role: ActorRole, where: Record<string, string>): LedgerRow[] {
  const out: LedgerRow[] = [];
  for (let offset = 0; ; ) {
    const page = ledgers.list(name, role, { where, limit: 1000, offset });
    out.push(...page.rows);
    offset += page.rows.length;
    if (!page.rows.length || offset >= page.total) return out;
  }
}

/** The report of one round, as the API gives it (404 when the round has no row in the ledger). */
export async function surveyReportOf(deps: SurveyReportDeps, id: string, role: ActorRole): Promise<SurveyReport> {
  const row = deps.ledgers.list('surveys', role, { where: { survey_id: id }, limit: 1 }).rows[0];
  if (!row) throw notFound('survey.no_report', `survey ${id} has no row in the surveys ledger (no such round, or not projected yet)`);
  const segment = rowsWhere(deps.ledgers, 'surveys', role, { segment: String(row.segment), status: 'closed' });
  const corrective = rowsWhere(deps.ledgers, 'corrective_actions', role, { survey_id: id });
  return buildSurveyReport(row, segment, await dimensionsOf(deps, id), corrective);
}

/** `GET /surveys/:id/report?format=xlsx|csv|json` (staff and auditors). */
export function registerSurveyReportRoutes(app: FastifyInstance, deps: SurveyReportDeps): void {
  // The ledger's own column headers, one label dictionary for the ledger and its report.
  const labels = (column: string) => deps.ledgers.ledger('surveys').columns.find((c) => c.name === column)?.label.zh ?? column;
  app.get(
    `/${surveyProcess.collection}/:id/report`,
    {
      schema: {
        operationId: 'survey.report',
        summary: 'The round report for the analysis meeting: 概况, 分项分布 and 趋势, from the surveys ledger (xlsx, csv or json)',
        description: `Roles: ${READERS.join(', ')}. xlsx: one sheet per part, Chinese headers; csv: the three parts one after another (UTF-8 with BOM); json: the same content as data.`,
        tags: [surveyProcess.title.en],
        params: z.object({ id: entityId }),
        querystring: reportQuery,
        response: {
          ...readResponses(reportBody),
          200: {
            description: 'the report',
            content: {
              'application/json': { schema: reportBody },
              'text/csv; charset=utf-8': { schema: z.string().describe('the three parts one after another, UTF-8 with BOM') },
              [XLSX]: { schema: z.string().describe('an Excel workbook: 概况, 分项分布, 趋势') },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const who = req.principal!;
      authorize(`read the reports of ${surveyProcess.collection}`, READERS, who.role);
      const { id } = req.params as { id: string };
      const { format } = req.query as z.infer<typeof reportQuery>;
      const report = await surveyReportOf(deps, id, who.role);
      // Instants as people read them: in the configured zone, with its offset.
      if (format === 'json') return reply.send(zonedDeep(report, deps.timeZone));
      const sheets = reportSheets(report, labels);
      const filename = `survey-report-${id}.${format}`;
      reply.header('content-disposition', `attachment; filename="${filename}"`);
      if (format === 'csv') return reply.header('content-type', 'text/csv; charset=utf-8').send(surveyReportCsv(sheets, { timeZone: deps.timeZone }));
      const body = Buffer.from(await surveyReportWorkbook(sheets, { timeZone: deps.timeZone }).xlsx.writeBuffer());
      return reply.header('content-type', XLSX).send(body);
    },
  );
}
