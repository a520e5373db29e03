import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/config/tools';
import { buildSurveyReport, reportSheets, surveyReportCsv, surveyReportWorkbook } from '../../src/api/survey-report';
import { SURVEY_LEVELS } from '../../src/domain/enums';
import type { LedgerRow } from '../../src/domain/ledger';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { Actor } from '../../src/domain/process';
import { surveyProcess } from '../../src/processes/survey';
import type { Dimension } from '../../src/processes/survey/decider';
import { parseCsv } from '../../src/api/survey-import';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { startAsEngine } from '../support/temporal';
import { tempDir } from '../support/store';

const DIMS = DEFAULT_POLICY.surveys.questionnaire.dimensions as Dimension[];
/** `taizhang …` in a child process, not blocking this one (the API it talks to runs here). */
function taizhang(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, TAIZHANG_TOKEN: '', PUBLIC_URL: '', ...env } }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const zeros = () => Object.fromEntries(SURVEY_LEVELS.map((l) => [l, 0]));

/** A closed key round as the surveys ledger holds it: delivery 1/1/0/1/0, service 0/1/0/1/0, nothing else answered. */
function closedRow(id: string, over: Partial<LedgerRow> = {}): LedgerRow {
  const distribution = Object.fromEntries(DIMS.map((d) => [d.key, zeros()]));
  distribution.delivery = { ...zeros(), very_satisfied: 1, satisfied: 1, dissatisfied: 1 };
  distribution.service = { ...zeros(), satisfied: 1, dissatisfied: 1 };
  const rates = Object.fromEntries(DIMS.map((d) => [d.key, null as number | null]));
  rates.delivery = 66.7;
  rates.service = 50;
  return {
    survey_id: id,
    segment: 'key',
    period: '2027Q2',
    title: '重点客户满意度调查',
    status: 'closed',
    questionnaire_version: 'Q-2026.1',
    respondents: 120,
    invited: 120,
    returns: 3,
    return_target: 100,
    returns_short: 1,
    competitor_forms: 1,
    competitor_target: 10,
    competitor_short: 1,
    satisfaction_rate: 60,
    previous_survey: 'key-2027Q1',
    previous_rate: 82.5,
    trend: -22.5,
    distribution: JSON.stringify(distribution),
    dimension_rates: JSON.stringify(rates),
    negative_dimensions: 'delivery,service',
    corrective_actions: 2,
    sample_checkpoint: '42',
    outsourced: null,
    opened_at: '2027-04-01T01:00:00.000Z',
    closes_at: '2027-04-22T10:00:00.000Z',
    closed_at: '2027-04-22T10:00:00.000Z',
    ...over,
  };
}

describe('buildSurveyReport (from ledger rows)', () => {
  const earlier = [
    closedRow('key-2026Q4', { period: '2026Q4', satisfaction_rate: 90, trend: null, opened_at: '2026-10-09T01:00:00.000Z', closed_at: '2026-10-30T10:00:00.000Z' }),
    closedRow('key-2027Q1', { period: '2027Q1', satisfaction_rate: 82.5, trend: -7.5, opened_at: '2027-01-04T01:00:00.000Z', closed_at: '2027-01-25T10:00:00.000Z' }),
    // A later round and an open one are not part of this round's trend.
    closedRow('key-2027Q3', { period: '2027Q3', opened_at: '2027-07-01T01:00:00.000Z' }),
    closedRow('key-2027Q4', { period: '2027Q4', status: 'open', opened_at: '2027-03-01T01:00:00.000Z' }),
  ];
  const row = closedRow('key-2027Q2');
  const report = buildSurveyReport(row, [earlier[1]!, earlier[0]!, earlier[2]!, earlier[3]!, row], DIMS, [
    { corrective_id: 'key-2027Q2-delivery', dimension: 'delivery', dimension_label: '交货期', status: 'planning', owner: 'wang.qiang' },
  ]);

  it('概况: the ledger figures, flags as booleans, negative indicators by label', () => {
    expect(report.survey).toMatchObject({
      surveyId: 'key-2027Q2',
      segmentLabel: '重点客户季度调查',
      questionnaireVersion: 'Q-2026.1',
      statusLabel: '已结束',
      returns: 3,
      returnTarget: 100,
      returnsShort: true,
      competitorForms: 1,
      competitorTarget: 10,
      competitorShort: true,
      satisfactionRate: 60,
      previousRate: 82.5,
      trend: -22.5,
      negativeDimensions: [
        { key: 'delivery', label: '交货期' },
        { key: 'service', label: '服务质量' },
      ],
      correctiveActions: 2,
    });
    expect(report.interim).toBe(false);
    expect(report.correctiveActions).toEqual([{ correctiveId: 'key-2027Q2-delivery', dimension: 'delivery', label: '交货期', status: 'planning', statusLabel: '待制定措施', owner: 'wang.qiang' }]);
  });

  it('分项分布: every indicator in the questionnaire order, each level counted and in percent, the rate the ledger gives', () => {
    expect(report.dimensions.map((d) => d.label)).toEqual(['产品功能/性能', '可靠性', '外观', '包装', '交货期', '服务质量', '售后服务']);
    const delivery = report.dimensions.find((d) => d.key === 'delivery')!;
    expect(delivery).toEqual({
      key: 'delivery',
      label: '交货期',
      answers: 3,
      levels: {
        very_satisfied: { count: 1, percent: 33.3 },
        satisfied: { count: 1, percent: 33.3 },
        fairly_satisfied: { count: 0, percent: 0 },
        dissatisfied: { count: 1, percent: 33.3 },
        very_dissatisfied: { count: 0, percent: 0 },
      },
      satisfactionRate: 66.7,
    });
    expect(report.dimensions.find((d) => d.key === 'product')).toMatchObject({ answers: 0, levels: { satisfied: { count: 0, percent: null } }, satisfactionRate: null });
    expect(report.total).toMatchObject({ answers: 5, levels: { satisfied: { count: 2, percent: 40 }, dissatisfied: { count: 2, percent: 40 } }, satisfactionRate: 60 });
  });

  it('趋势: the segment’s earlier closed rounds oldest first, this one last', () => {
    expect(report.trend.map((t) => [t.surveyId, t.satisfactionRate, t.trend, t.current])).toEqual([
      ['key-2026Q4', 90, null, false],
      ['key-2027Q1', 82.5, -7.5, false],
      ['key-2027Q2', 60, -22.5, true],
    ]);
  });

  it('the tables: Chinese headers; the workbook has a bold frozen header row on each sheet; the CSV is RFC 4180 with BOM', async () => {
    const labels = (c: string) => ({ returns: '回收问卷数', satisfaction_rate: '满意率(%)' })[c] ?? c;
    const sheets = reportSheets(report, labels);
    expect(sheets.map((s) => s.name)).toEqual(['概况', '分项分布', '趋势']);
    expect(sheets[1]!.headers).toEqual(['指标', '很满意(份)', '很满意(%)', '满意(份)', '满意(%)', '基本满意(份)', '基本满意(%)', '不满意(份)', '不满意(%)', '很不满意(份)', '很不满意(%)', '答卷数', '满意率(%)']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await surveyReportWorkbook(sheets, { timeZone: 'Asia/Shanghai' }).xlsx.writeBuffer()) as unknown as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概况', '分项分布', '趋势']);
    for (const ws of wb.worksheets) {
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.getRow(1).font?.bold).toBe(true);
    }
    const dist = wb.getWorksheet('分项分布')!;
    expect(dist.getRow(6).values).toEqual([undefined, '交货期', 1, 33.3, 1, 33.3, 0, 0, 1, 33.3, 0, 0, 3, 66.7]);
    // Instants are dates showing Beijing time.
    const trend = wb.getWorksheet('趋势')!;
    expect((trend.getCell('D4').value as Date).toISOString()).toBe('2027-04-22T18:00:00.000Z');
    const csv = surveyReportCsv(sheets, { timeZone: 'Asia/Shanghai' });
    expect(csv.startsWith('\uFEFF概况\r\n项目,内容\r\n')).toBe(true);
    const parsed = parseCsv(csv);
    if (!('rows' in parsed)) throw new Error('the report CSV does not parse');
    expect(parsed.rows.map((r) => r.cells)).toContainEqual(['交货期', '1', '33.3', '1', '33.3', '0', '0', '1', '33.3', '0', '0', '3', '66.7']);
    expect(parsed.rows.map((r) => r.cells)).toContainEqual(['key-2027Q2（本期）', '2027Q2', '重点客户满意度调查', '2027-04-22T18:00:00+08:00', '3', '60', '-22.5']);
  });

  it('an open round: its returns so far, no statistics yet, itself the only round of its trend when none closed before', () => {
    const open = buildSurveyReport(closedRow('key-2027Q2', { status: 'open', satisfaction_rate: null, distribution: null, dimension_rates: null, negative_dimensions: null, trend: null, closed_at: null }), [], DIMS);
    expect(open.interim).toBe(true);
    expect(open.total).toMatchObject({ answers: 0, satisfactionRate: null });
    expect(open.trend).toEqual([expect.objectContaining({ surveyId: 'key-2027Q2', current: true, satisfactionRate: null })]);
  });
});

describe('GET /surveys/:id/report', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const importCsv = async (id: string, csv: string) => {
    const r = await t.app.inject({ method: 'POST', url: `/surveys/${id}/import-file`, headers: t.as('agent'), payload: { filename: `${id}.csv`, content: Buffer.from(csv).toString('base64') } });
    expect(r.statusCode, r.body).toBe(200);
  };
  const close = async (id: string) => {
    const r = await t.app.inject({ method: 'POST', url: `/surveys/${id}/close`, headers: t.as('supervisor'), payload: { reason: '分析会前结束' } });
    expect(r.statusCode, r.body).toBe(200);
    await t.projector.waitFor((r.json() as { position: string }).position);
  };
  const row = async (id: string) => ((await t.app.inject({ method: 'GET', url: `/ledgers/surveys?survey_id=${id}`, headers: t.as('auditor') })).json() as { rows: LedgerRow[] }).rows[0]!;
  const respondents = ['C1', 'C2', 'C3', 'C4'].map((id) => ({ id, kind: 'customer' as const }));

  it('two key rounds: the second one’s report, as xlsx, csv and json, carries exactly the ledger’s figures and the trend', async () => {
    await startAsEngine(t, surveyProcess, 'key-2027Q1', 'open', { segment: 'key', period: '2027Q1', respondents });
    await importCsv('key-2027Q1', '客户编号,交货期,服务质量\r\nC1,很满意,满意\r\nC2,满意,基本满意\r\n');
    await close('key-2027Q1');
    const first = await row('key-2027Q1');
    expect(first).toMatchObject({ status: 'closed', satisfaction_rate: 100 });

    await startAsEngine(t, surveyProcess, 'key-2027Q2', 'open', { segment: 'key', period: '2027Q2', respondents, previous: { surveyId: 'key-2027Q1', satisfactionRate: 100, closedAt: String(first.closed_at) } });
    await importCsv('key-2027Q2', '类型,客户编号,竞争对手,交货期,服务质量,意见和建议\r\n客户,C1,,很满意,不满意,服务响应慢\r\n客户,C2,,满意,满意,\r\n客户,C3,,不满意,,\r\n竞争对手,,甲公司,满意,,\r\n');
    await close('key-2027Q2');
    const ledger = await row('key-2027Q2');
    expect(ledger).toMatchObject({ returns: 3, returns_short: 1, competitor_forms: 1, competitor_short: 1, satisfaction_rate: 60, previous_rate: 100, trend: -40, negative_dimensions: 'delivery,service', corrective_actions: 2 });
    const distribution = JSON.parse(String(ledger.distribution)) as Record<string, Record<string, number>>;
    const rates = JSON.parse(String(ledger.dimension_rates)) as Record<string, number | null>;

    // The corrective actions the close opened, as their ledger has them.
    for (let i = 0; i < 100; i++) {
      const page = (await t.app.inject({ method: 'GET', url: '/ledgers/corrective_actions?survey_id=key-2027Q2', headers: t.as('auditor') })).json() as { total: number };
      if (page.total === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const xlsx = await t.app.inject({ method: 'GET', url: '/surveys/key-2027Q2/report?format=xlsx', headers: t.as('auditor') });
    expect(xlsx.statusCode, xlsx.body).toBe(200);
    expect(xlsx.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概况', '分项分布', '趋势']);

    const overview = wb.getWorksheet('概况')!;
    expect(overview.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    const item = new Map<string, unknown>();
    overview.eachRow((r, n) => n > 1 && item.set(String(r.getCell(1).value), r.getCell(2).value));
    expect(Object.fromEntries(['调查编号', '期间', '问卷版本', '回收问卷数', '回收目标', '回收未达标', '竞争对手对比问卷数', '对比问卷目标', '对比问卷未达标', '满意率(%)', '上期调查', '上期满意率(%)', '变化(百分点)', '不满意指标', '纠正措施数'].map((k) => [k, item.get(k)]))).toEqual({
      调查编号: ledger.survey_id,
      期间: ledger.period,
      问卷版本: ledger.questionnaire_version,
      回收问卷数: ledger.returns,
      回收目标: ledger.return_target,
      回收未达标: '是',
      竞争对手对比问卷数: ledger.competitor_forms,
      对比问卷目标: ledger.competitor_target,
      对比问卷未达标: '是',
      '满意率(%)': ledger.satisfaction_rate,
      上期调查: 'key-2027Q1',
      '上期满意率(%)': ledger.previous_rate,
      '变化(百分点)': ledger.trend,
      不满意指标: '交货期、服务质量',
      纠正措施数: ledger.corrective_actions,
    });
    expect([...item.keys()].filter((k) => k.startsWith('纠正措施：'))).toEqual(['纠正措施：交货期', '纠正措施：服务质量']);

    const dist = wb.getWorksheet('分项分布')!;
    const header = (dist.getRow(1).values as unknown[]).slice(1);
    expect(header[0]).toBe('指标');
    const byLabel = new Map<string, unknown[]>();
    // Columns B–M: each level's count and percent, the answers, the rate (an empty cell reads null).
    dist.eachRow((r, n) => n > 1 && byLabel.set(String(r.getCell(1).value), Array.from({ length: 12 }, (_, i) => r.getCell(i + 2).value ?? null)));
    for (const d of DIMS) {
      const cells = byLabel.get(d.label)!;
      SURVEY_LEVELS.forEach((l, i) => expect(cells[2 * i], `${d.label} ${l}`).toBe(distribution[d.key]![l]));
      expect(cells[11], `${d.label} rate`).toBe(rates[d.key]);
    }
    expect(byLabel.get('交货期')).toEqual([1, 33.3, 1, 33.3, 0, 0, 1, 33.3, 0, 0, 3, 66.7]);
    expect(byLabel.get('合计')![11]).toBe(ledger.satisfaction_rate);

    const trend = wb.getWorksheet('趋势')!;
    const trendRows: unknown[][] = [];
    trend.eachRow((r, n) => n > 1 && trendRows.push([r.getCell(1).value, r.getCell(2).value, r.getCell(6).value, r.getCell(7).value ?? null]));
    expect(trendRows).toEqual([
      ['key-2027Q1', '2027Q1', first.satisfaction_rate, null],
      ['key-2027Q2（本期）', '2027Q2', ledger.satisfaction_rate, ledger.trend],
    ]);

    const json = await t.app.inject({ method: 'GET', url: '/surveys/key-2027Q2/report?format=json', headers: t.as('manager') });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.json()).toMatchObject({
      survey: { surveyId: 'key-2027Q2', returns: 3, returnsShort: true, satisfactionRate: 60, previousRate: 100, trend: -40, correctiveActions: 2 },
      trend: [{ surveyId: 'key-2027Q1', satisfactionRate: 100 }, { surveyId: 'key-2027Q2', satisfactionRate: 60, current: true }],
      correctiveActions: [{ dimension: 'delivery', label: '交货期' }, { dimension: 'service', label: '服务质量' }],
    });

    const csv = await t.app.inject({ method: 'GET', url: '/surveys/key-2027Q2/report?format=csv', headers: t.as('agent') });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const parsed = parseCsv(csv.body);
    expect('rows' in parsed && parsed.rows.map((r) => r.cells)).toContainEqual(['满意率(%)', '60']);
  });

  it('404 when the round has no row; a bad format is a 400', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/surveys/key-2000Q1/report', headers: t.as('auditor') });
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ error: 'not_found', code: 'survey.no_report' });
    const bad = await t.app.inject({ method: 'GET', url: '/surveys/key-2027Q2/report?format=pdf', headers: t.as('auditor') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ issues: [{ field: 'format', rule: 'must be one of xlsx, csv, json' }] });
  });

  it('taizhang survey report <round> --format xlsx --out <file>, and json to standard output', async () => {
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = tempDir('tz-survey-report-');
    try {
      const as = ['--url', url, '--token', TOKENS.auditor!.token];
      const env = { DATA_DIR: dir.dir };
      const out = path.join(dir.dir, '分析会.xlsx');
      const r = await taizhang(['survey', 'report', 'key-2027Q2', '--format', 'xlsx', '--out', out, ...as], env);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^wrote .*分析会\.xlsx \([\d,]+ bytes\)\n$/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(readFileSync(out) as unknown as Parameters<typeof wb.xlsx.load>[0]);
      const ledger = await row('key-2027Q2');
      let rate: unknown;
      wb.getWorksheet('概况')!.eachRow((x) => {
        if (x.getCell(1).value === '满意率(%)') rate = x.getCell(2).value;
      });
      expect(rate).toBe(ledger.satisfaction_rate);
      const json = await taizhang(['survey', 'report', 'key-2027Q2', '--format', 'json', ...as], env);
      expect(json.status, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ survey: { surveyId: 'key-2027Q2', satisfactionRate: ledger.satisfaction_rate } });
      const none = await taizhang(['survey', 'report', 'key-2000Q1', '--format', 'json', ...as], env);
      expect(none.status).toBe(1);
      expect(none.stderr).toContain('survey key-2000Q1 has no row in the surveys ledger');
    } finally {
      dir.cleanup();
    }
    // Each run of the CLI starts tsx: seconds apiece on a loaded machine.
  }, 180_000);
});
