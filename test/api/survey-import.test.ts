import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/config/tools';
import { parseCsv, parseSurveyFile, sha256Of } from '../../src/api/survey-import';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { Dimension } from '../../src/processes/survey/decider';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { tempDir } from '../support/store';

/** The round's questionnaire: the default policy's seven indicators (产品功能/性能 … 售后服务). */
const DIMS = DEFAULT_POLICY.surveys.questionnaire.dimensions as Dimension[];
const utf8 = (s: string) => new TextEncoder().encode(s);

/** `taizhang …` in a child process, not blocking this one (the API it talks to runs here). */
function taizhang(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'taizhang.js'), ...args], { cwd: ROOT, env: { ...process.env, TAIZHANG_TOKEN: '', PUBLIC_URL: '', ...env } }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function xlsxOf(rows: unknown[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('结果');
  for (const r of rows) ws.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted commas, doubled quotes and line breaks inside quotes, drops the BOM, takes CRLF, LF and a missing last break', () => {
    const text = '\uFEFFa,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\n1,,3\n"",last,\r\nend';
    expect(parseCsv(text)).toEqual({
      rows: [
        { line: 1, cells: ['a', 'b', 'c'] },
        { line: 2, cells: ['x, y', 'say "hi"', 'two\r\nlines'] },
        { line: 3, cells: ['1', '', '3'] },
        { line: 4, cells: ['', 'last', ''] },
        { line: 5, cells: ['end'] },
      ],
    });
    // A final line break ends the last record; it does not start an empty one.
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual({ rows: [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['1', '2'] }] });
  });

  it('names the line of a quoted field never closed, or text after a closing quote', () => {
    expect(parseCsv('a,b\r\n1,"open\r\n')).toEqual({ issues: [{ field: 'line 2: column B', rule: 'opens a quoted field that is never closed' }] });
    expect(parseCsv('a,b\r\n"x"y,2\r\n')).toEqual({ issues: [{ field: 'line 2: column A', rule: 'has text after its closing quote; a quote inside a quoted field is written ""' }] });
  });
});

describe('parseSurveyFile', () => {
  it('a CSV with Chinese headers and labels: customer and competitor forms, blanks not answered, a comment with commas, quotes and a line break', async () => {
    const csv =
      '\uFEFF类型,客户编号,竞争对手,产品功能/性能,交货期,售后服务,意见和建议\r\n' +
      '客户,C1,,很满意,不满意,,"交货慢, 希望改进"\r\n' +
      '客户, C2 ,,满意,基本满意,很不满意,"说""还行""\r\n第二行"\r\n' +
      '\r\n' +
      '竞争对手,,某竞品公司,基本满意,满意,满意,\r\n';
    const r = await parseSurveyFile(utf8(csv), 'results.csv', DIMS);
    expect(r).toEqual({
      rows: [
        { line: 2, form: 'customer', respondentId: 'C1', answers: { product: 'very_satisfied', delivery: 'dissatisfied' }, comment: '交货慢, 希望改进' },
        { line: 3, form: 'customer', respondentId: 'C2', answers: { product: 'satisfied', delivery: 'fairly_satisfied', after_sales: 'very_dissatisfied' }, comment: '说"还行"\r\n第二行' },
        // line 4 is blank and skipped; the numbering still counts it, as a spreadsheet shows it
        { line: 5, form: 'competitor', competitor: '某竞品公司', answers: { product: 'fairly_satisfied', delivery: 'satisfied', after_sales: 'satisfied' } },
      ],
      headers: { form: '类型', respondentId: '客户编号', competitor: '竞争对手', 'answers.product': '产品功能/性能', 'answers.delivery': '交货期', 'answers.after_sales': '售后服务', comment: '意见和建议' },
    });
  });

  it('an .xlsx with English keys and level keys; a numeric id is its digits; without a form column every row is a customer form', async () => {
    const bytes = await xlsxOf([
      ['respondent_id', 'reliability', 'Service', 'comment'],
      ['C10', 'very_satisfied', 'Satisfied', { richText: [{ text: '很' }, { text: '好' }] }],
      [1001, 'dissatisfied', null, null],
    ]);
    // The name does not decide: the content is a workbook.
    for (const name of ['outsourced.xlsx', 'outsourced']) {
      const r = await parseSurveyFile(bytes, name, DIMS);
      expect(r).toMatchObject({
        rows: [
          { line: 2, form: 'customer', respondentId: 'C10', answers: { reliability: 'very_satisfied', service: 'satisfied' }, comment: '很好' },
          { line: 3, form: 'customer', respondentId: '1001', answers: { reliability: 'dissatisfied' } },
        ],
      });
    }
  });

  it('one bad row refuses the whole file; every issue names the line and the column as the file writes it', async () => {
    const csv = ['类型,客户编号,竞争对手,交货期,服务质量', '客户,C1,,满意,很满意', '客户,C2,,满意,很满意', '客户,C3,,满意,好', '客户,C4,,满意,满意'].join('\r\n');
    expect(await parseSurveyFile(utf8(csv), 'r.csv', DIMS)).toEqual({ issues: [{ field: 'line 4: 服务质量', rule: 'must be one of 很满意, 满意, 基本满意, 不满意, 很不满意' }] });
    const bytes = await xlsxOf([
      ['类型', '客户编号', '竞争对手', '交货期'],
      ['客户', 'C1', null, '满意'],
      ['客户', 'C2', null, '满意'],
      ['客户', 'C3', null, '满意'],
      ['客户', 'C4', null, '满意'],
      ['客户', 'C5', null, '满意'],
      ['客户', 'C6', null, '非常好'],
    ]);
    expect(await parseSurveyFile(bytes, 'r.xlsx', DIMS)).toEqual({ issues: [{ field: 'line 7: 交货期', rule: 'must be one of 很满意, 满意, 基本满意, 不满意, 很不满意' }] });
  });

  it('names each rule: the form, a customer without id, a competitor without name, no answer, an id twice, a value with no header', async () => {
    const csv = [
      'form,respondent_id,competitor,交货期,comment',
      '供应商,C1,,满意,',
      '客户,,,满意,',
      'competitor,,,满意,',
      '客户,C2,,,只写了意见',
      '客户,C3,,满意,',
      '客户,C3,,不满意,',
      '客户,C4,,满意,,多出来',
      '客户,bad id!,,满意,',
    ].join('\n');
    const r = await parseSurveyFile(utf8(csv), 'r.csv', DIMS);
    expect(r).toEqual({
      issues: [
        { field: 'line 2: form', rule: 'must be one of 客户, 竞争对手 (customer, competitor)' },
        { field: 'line 3: respondent_id', rule: 'is required on a customer form' },
        { field: 'line 4: competitor', rule: 'is required on a competitor form' },
        { field: 'line 5', rule: 'answers no indicator: at least one must be answered' },
        { field: 'line 7: respondent_id', rule: 'C3 is also on line 6; one response per respondent' },
        { field: 'line 8: column F', rule: 'has a value but its column has no header' },
        { field: 'line 9: respondent_id', rule: 'must be a customer id (C123) or staff.<person> (staff.li.na)' },
      ],
    });
  });

  it('refuses a header that is not a column of the round, a repeated column, and a file without the respondent column', async () => {
    const unknown = await parseSurveyFile(utf8('客户编号,交货期,价格\r\nC1,满意,满意\r\n'), 'r.csv', DIMS);
    expect(unknown).toMatchObject({ issues: [{ field: 'line 1: 价格', rule: expect.stringMatching(/^is not a column of this round's questionnaire; known: 类型 \(form\), .*交货期 \(delivery\)/) }] });
    expect(await parseSurveyFile(utf8('客户编号,交货期,delivery\r\nC1,满意,满意\r\n'), 'r.csv', DIMS)).toEqual({ issues: [{ field: 'line 1: delivery', rule: 'repeats the column 交货期' }] });
    expect(await parseSurveyFile(utf8('交货期\r\n满意\r\n满意\r\n'), 'r.csv', DIMS)).toEqual({ issues: [{ field: 'line 1', rule: 'has no 客户编号 (respondent_id) column: customer forms need one' }] });
    // The round's own indicators decide: a round that asks only about delivery knows no 外观.
    expect(await parseSurveyFile(utf8('客户编号,外观\r\nC1,满意\r\n'), 'r.csv', [{ key: 'delivery', label: '交货期' }])).toMatchObject({ issues: [{ field: 'line 1: 外观' }] });
  });

  it('limits the rows, with a clear message; takes a GB18030 CSV (Excel on Chinese Windows); refuses .xls, empty files and other files', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => `C${i},满意`);
    expect(await parseSurveyFile(utf8(['客户编号,交货期', ...rows].join('\r\n')), 'r.csv', DIMS, { maxRows: 5 })).toEqual({
      issues: [{ field: 'file', rule: 'must have at most 5 rows of questionnaires (it has 6); split it into several files' }],
    });
    // A file wrong throughout lists its first 200 issues and counts the rest.
    const wrong = await parseSurveyFile(utf8(['客户编号,交货期', ...Array.from({ length: 250 }, (_, i) => `C${i},好`)].join('\r\n')), 'r.csv', DIMS);
    expect('issues' in wrong && [wrong.issues.length, wrong.issues[0], wrong.issues[200]]).toEqual([
      201,
      { field: 'line 2: 交货期', rule: 'must be one of 很满意, 满意, 基本满意, 不满意, 很不满意' },
      { field: 'file', rule: 'and 50 more issues not listed' },
    ]);
    const gbk = Buffer.from([...Buffer.from('\xbf\xcd\xbb\xa7\xb1\xe0\xba\xc5,\xbd\xbb\xbb\xf5\xc6\xda\r\nC1,\xc2\xfa\xd2\xe2\r\n', 'latin1')]); // 客户编号,交货期 / C1,满意
    expect(await parseSurveyFile(gbk, 'r.csv', DIMS)).toMatchObject({ rows: [{ line: 2, respondentId: 'C1', answers: { delivery: 'satisfied' } }] });
    expect(await parseSurveyFile(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0, 0]), 'r.xls', DIMS)).toEqual({ issues: [{ field: 'file', rule: 'is an Excel 97–2003 workbook (.xls); save it as .xlsx or .csv (UTF-8)' }] });
    expect(await parseSurveyFile(utf8('客户编号,交货期\r\n'), 'r.csv', DIMS)).toEqual({ issues: [{ field: 'file', rule: 'has no questionnaires: one row per questionnaire below the header' }] });
    expect(await parseSurveyFile(utf8('x'), 'r.pdf', DIMS)).toEqual({ issues: [{ field: 'filename', rule: 'must be an .xlsx or .csv file' }] });
    expect(await parseSurveyFile(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]), 'r.xlsx', DIMS)).toEqual({ issues: [{ field: 'file', rule: 'is not a readable .xlsx workbook' }] });
  });
});

describe('POST /surveys/:id/import-file', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const open = async (surveyId: string, respondents: string[], extra: Record<string, unknown> = {}) => {
    const r = await t.app.inject({ method: 'POST', url: '/surveys', headers: t.as('supervisor'), payload: { surveyId, segment: 'special', title: `专项调查 ${surveyId}`, respondents: respondents.map((id) => ({ id, kind: 'customer' })), ...extra } });
    expect(r.statusCode, r.body).toBe(201);
  };
  const send = (id: string, filename: string, bytes: Uint8Array, who: Parameters<TestApp['as']>[0] = 'agent') =>
    t.app.inject({ method: 'POST', url: `/surveys/${id}/import-file`, headers: t.as(who), payload: { filename, content: Buffer.from(bytes).toString('base64') } });
  const streamLength = async (id: string) => (await t.store.readStream(`survey-${id}`)).length;

  it('a file with one bad row: 400 naming the line and the column, and nothing of it appended', async () => {
    const id = 'special-imp-bad';
    await open(id, ['C1', 'C2', 'C3']);
    const before = await streamLength(id);
    const csv = ['类型,客户编号,竞争对手,交货期,服务质量', '客户,C1,,满意,很满意', '客户,C2,,满意,很满意', '竞争对手,,甲公司,满意,满意', '客户,C3,,满意,好'].join('\r\n');
    const r = await send(id, '外包结果.csv', utf8(csv));
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json()).toMatchObject({ error: 'validation', code: 'survey.import_rejected', issues: [{ field: 'line 5: 服务质量', rule: 'must be one of 很满意, 满意, 基本满意, 不满意, 很不满意' }] });
    expect(await streamLength(id)).toBe(before);
    // The round's own refusal (someone it did not ask) is named by the file's column too, and appends nothing either.
    const stranger = await send(id, 'r.csv', utf8('客户编号,交货期\r\nC1,满意\r\nC9,满意\r\n'));
    expect(stranger.statusCode, stranger.body).toBe(400);
    expect(stranger.json()).toMatchObject({ code: 'survey.import_rejected', issues: [{ field: 'line 3: 客户编号', rule: `C9 is not a respondent of survey ${id}` }] });
    expect(await streamLength(id)).toBe(before);
  });

  it('a good .xlsx: its rows in survey_responses with channel import; the same file again adds nothing', async () => {
    const id = 'special-imp-good';
    await open(id, ['C11', 'C12', 'C13']);
    const bytes = await xlsxOf([
      ['类型', '客户编号', '竞争对手', '交货期', '售后服务', '意见和建议'],
      ['客户', 'C11', null, '很满意', '不满意', '售后响应慢'],
      ['客户', 'C12', null, '满意', null, null],
      ['竞争对手', null, '乙公司', '基本满意', '满意', null],
    ]);
    const r = await send(id, '委外结果.xlsx', bytes);
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json() as { position: string; eventTypes: string[]; responses: number; benchmarks: number; file: { sha256: string } };
    expect(body).toMatchObject({ responses: 2, benchmarks: 1, file: { name: '委外结果.xlsx', sha256: sha256Of(bytes) } });
    expect(body.eventTypes).toEqual(['SurveyResponseRecorded', 'SurveyResponseRecorded', 'SurveyBenchmarkRecorded', 'SurveyImportRecorded']);
    await t.projector.waitFor(body.position);
    const page = await t.app.inject({ method: 'GET', url: `/ledgers/survey_responses?survey_id=${id}`, headers: t.as('supervisor') });
    expect(page.json()).toMatchObject({
      total: 3,
      rows: [
        { response_no: 1, form: 'customer', respondent_id: 'C11', channel: 'import', answers: JSON.stringify({ delivery: 'very_satisfied', after_sales: 'dissatisfied' }), comment: '售后响应慢', negative_dimensions: 'after_sales', entered_by: 'agent-1' },
        { response_no: 2, form: 'customer', respondent_id: 'C12', channel: 'import', answers: JSON.stringify({ delivery: 'satisfied' }) },
        { response_no: 3, form: 'competitor', competitor: '乙公司', channel: 'import' },
      ],
    });
    const after = await streamLength(id);
    const again = await send(id, '委外结果-副本.xlsx', bytes);
    // The same file is the same import (keyed by its SHA-256, whatever its name): the first answer again.
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ eventTypes: body.eventTypes, position: body.position, responses: 2, benchmarks: 1 });
    expect(await streamLength(id)).toBe(after);
    const state = (await t.app.inject({ method: 'GET', url: `/surveys/${id}`, headers: t.as('agent') })).json() as { state: { returns: number; competitorForms: number; imported: string[] } };
    expect(state.state).toMatchObject({ returns: 2, competitorForms: 1, imported: [sha256Of(bytes)] });
  });

  it('refuses what is not base64, an auditor, an unknown round, and a closed round', async () => {
    const notBase64 = await t.app.inject({ method: 'POST', url: '/surveys/special-imp-good/import-file', headers: t.as('agent'), payload: { filename: 'r.csv', content: '这不是base64' } });
    expect(notBase64.statusCode).toBe(400);
    expect(notBase64.json()).toMatchObject({ issues: [{ field: 'content', rule: 'must be the file in base64' }] });
    const csv = utf8('客户编号,交货期\r\nC21,满意\r\n');
    expect((await send('special-imp-good', 'r.csv', csv, 'auditor')).statusCode).toBe(403);
    expect((await send('special-imp-none', 'r.csv', csv)).json()).toMatchObject({ error: 'not_found', code: 'survey.not_found' });
    const id = 'special-imp-closed';
    await open(id, ['C21']);
    expect((await t.app.inject({ method: 'POST', url: `/surveys/${id}/close`, headers: t.as('supervisor'), payload: { reason: '提前结束' } })).statusCode).toBe(200);
    const closed = await send(id, 'r.csv', csv);
    expect(closed.statusCode).toBe(409);
    expect(closed.json()).toMatchObject({ code: 'survey.closed' });
  });

  it('an outsourced round takes customers it did not list; the OpenAPI document describes the file shape', async () => {
    const id = 'special-imp-agency';
    await open(id, [], { outsourced: '某调研公司' });
    const r = await send(id, 'agency.csv', utf8('类型,客户编号,竞争对手,外观\r\n客户,C31,,满意\r\n客户,C32,,很满意\r\n'));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ responses: 2, benchmarks: 0 });
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { description?: string } }> } }>> };
    const op = doc.paths['/surveys/{id}/import-file']?.post;
    expect(op?.requestBody?.content['application/json']?.schema.description).toContain('客户编号 or respondent_id');
  });

  it('taizhang survey import <round> --file: over HTTP, naming each bad line on stderr, and the same file once', async () => {
    const id = 'special-imp-cli';
    await open(id, ['C41', 'C42']);
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const dir = tempDir('tz-survey-cli-');
    try {
      const as = ['--url', url, '--token', TOKENS.agent!.token];
      const env = { DATA_DIR: dir.dir };
      const help = await taizhang(['survey', '--help'], env);
      expect(help.stdout).toMatch(/^\s+open \[options\]/m);
      for (const c of ['respond', 'benchmark', 'import', 'close', 'show', 'report']) expect(help.stdout).toMatch(new RegExp(`^\\s+${c} \\[options\\] <`, 'm'));

      const before = await streamLength(id);
      const bad = path.join(dir.dir, 'bad.csv');
      writeFileSync(bad, '\uFEFF客户编号,交货期\r\nC41,满意\r\nC42,还行\r\n');
      const refused = await taizhang(['survey', 'import', id, '--file', bad, ...as], env);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('error: bad.csv: nothing imported (HTTP 400 validation)');
      expect(refused.stderr).toContain('  line 3: 交货期: must be one of 很满意, 满意, 基本满意, 不满意, 很不满意');
      expect(await streamLength(id)).toBe(before);

      const good = path.join(dir.dir, 'good.csv');
      writeFileSync(good, '\uFEFF客户编号,交货期\r\nC41,满意\r\nC42,基本满意\r\n');
      const done = await taizhang(['survey', 'import', id, '--file', good, ...as], env);
      expect(done.status, done.stderr).toBe(0);
      expect(done.stdout).toMatch(new RegExp(`^survey ${id} import good.csv: 2 questionnaires, 0 competitor forms \\(survey-${id} revision \\d+; sha256 [0-9a-f]{12}…\\)\\n$`));
      const length = await streamLength(id);
      const again = await taizhang(['survey', 'import', id, '--file', good, '--json', ...as], env);
      expect(again.status, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ responses: 2, file: { name: 'good.csv' } });
      expect(await streamLength(id)).toBe(length);
      const missing = await taizhang(['survey', 'import', id, '--file', path.join(dir.dir, 'none.csv'), ...as], env);
      expect(missing).toMatchObject({ status: 1, stderr: expect.stringContaining('--file') });
    } finally {
      dir.cleanup();
    }
    // Each run of the CLI starts tsx: seconds apiece on a loaded machine.
  }, 180_000);
});
