import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createNotifier, NotificationDispatcher, RecipientResolver, SentLog, WebhookNotifier } from '../../src/activities/notify';
import { surveyLinkRenderer } from '../../src/activities/notify/links';
import { buildApp } from '../../src/api/app';
import { escapeHtml, messagePage, readAnswers, surveyFormPage } from '../../src/api/survey-form';
import { loadConfig, surveyLinkSettings } from '../../src/config/config';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { surveyProcess } from '../../src/processes/survey';
import type { SurveyState } from '../../src/processes/survey/decider';
import { surveyLinkPlaceholder } from '../../src/processes/survey/notifications';
import { LedgerReader } from '../../src/projections/reader';
import { ALL_LEDGERS } from '../../src/projections/ledgers';
import { readSurveyToken, secretFromFile, surveyLink, surveyToken } from '../../src/support/links';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { envelope } from '../support/events';
import { tempStore } from '../support/store';
import { testLogger } from '../support/temporal';

const SECRET = 'test-link-secret-0123456789abcdefghijkl';
const OTHER = 'another-link-secret-0123456789abcdefghij';

describe('survey link tokens', () => {
  it('round-trip: the same ids always give the same token, and it reads back to them', () => {
    const t = surveyToken(SECRET, 'special-2027-hk', 'C1a2b3');
    expect(t).toBe(surveyToken(SECRET, 'special-2027-hk', 'C1a2b3'));
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(readSurveyToken(SECRET, t)).toEqual({ surveyId: 'special-2027-hk', respondentId: 'C1a2b3' });
    expect(readSurveyToken(SECRET, surveyToken(SECRET, 'special-x', 'staff.li.na'))).toEqual({ surveyId: 'special-x', respondentId: 'staff.li.na' });
    // Other ids, other tokens: one respondent's link is not another's.
    expect(surveyToken(SECRET, 'special-2027-hk', 'C1a2b4')).not.toBe(t);
    expect(surveyToken(SECRET, 'special-2027-hl', 'C1a2b3')).not.toBe(t);
  });

  it('refuses tampered tokens, tokens of another secret and junk', () => {
    const t = surveyToken(SECRET, 'special-2027-hk', 'C1');
    const [payload, mac] = t.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['special-2027-hk', 'C2'])).toString('base64url');
    expect(readSurveyToken(SECRET, `${forged}.${mac}`)).toBeUndefined();
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    expect(readSurveyToken(SECRET, `${payload}.${flipped}`)).toBeUndefined();
    expect(readSurveyToken(SECRET, `${payload}.${mac.slice(0, 10)}`)).toBeUndefined();
    expect(readSurveyToken(SECRET, `${payload}.${mac}AA`)).toBeUndefined();
    expect(readSurveyToken(OTHER, t)).toBeUndefined();
    expect(readSurveyToken(SECRET, surveyToken(OTHER, 'special-2027-hk', 'C1'))).toBeUndefined();
    for (const junk of ['', '.', 'abc', `${payload}`, `${payload}.${mac}.x`, `${payload}=.${mac}`, 'x'.repeat(5000), `../${t}`]) expect(readSurveyToken(SECRET, junk), junk).toBeUndefined();
  });

  it('links are <base>/s/<token>, with or without a trailing slash on the base', () => {
    const t = surveyToken(SECRET, 'special-a', 'C1');
    expect(surveyLink('https://survey.example.com', t)).toBe(`https://survey.example.com/s/${t}`);
    expect(surveyLink('https://example.com/taizhang/', t)).toBe(`https://example.com/taizhang/s/${t}`);
  });

  it('the secret: TAIZHANG_LINK_SECRET, else generated once into DATA_DIR/link-secret (mode 0600) and read back', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tz-links-'));
    try {
      const generated = surveyLinkSettings(loadConfig({ DATA_DIR: dir }));
      expect(generated.secret.length).toBeGreaterThanOrEqual(32);
      expect(generated.baseUrl).toBe('http://127.0.0.1:3000');
      expect(statSync(path.join(dir, 'link-secret')).mode & 0o777).toBe(0o600);
      expect(secretFromFile(path.join(dir, 'link-secret'))).toBe(generated.secret);
      expect(surveyLinkSettings(loadConfig({ DATA_DIR: dir, PORT: '4000' })).secret).toBe(generated.secret);
      expect(surveyLinkSettings(loadConfig({ DATA_DIR: dir, TAIZHANG_LINK_SECRET: SECRET, TAIZHANG_PUBLIC_URL: 'https://survey.example.com/' }))).toEqual({ secret: SECRET, baseUrl: 'https://survey.example.com/' });
      expect(() => loadConfig({ TAIZHANG_LINK_SECRET: 'short' })).toThrow(/TAIZHANG_LINK_SECRET must be at least 32 characters/);
      expect(() => loadConfig({ TAIZHANG_PUBLIC_URL: 'survey.example.com' })).toThrow(/TAIZHANG_PUBLIC_URL must be an absolute URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the renderer puts the personal link in place of each placeholder, and leaves other text alone', () => {
    const render = surveyLinkRenderer({ secret: SECRET, baseUrl: 'https://s.example.com/' });
    const body = `请点击：\n${surveyLinkPlaceholder('special-a', 'C1')}\n以及 ${surveyLinkPlaceholder('special-a', 'staff.li.na')}\n{{survey-link bad}}`;
    expect(render(body)).toBe(`请点击：\nhttps://s.example.com/s/${surveyToken(SECRET, 'special-a', 'C1')}\n以及 https://s.example.com/s/${surveyToken(SECRET, 'special-a', 'staff.li.na')}\n{{survey-link bad}}`);
    expect(render('无链接')).toBe('无链接');
  });
});

describe('the notification dispatcher renders links at send time', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('the stored notification keeps the placeholder; what is sent carries the link, in the body and the subject', async () => {
    const received: Array<{ subject: string; body: string }> = [];
    const server: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        received.push(JSON.parse(text) as { subject: string; body: string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const s = tempStore();
    cleanups.push(s.cleanup);
    const placeholder = surveyLinkPlaceholder('special-d1', 'C9');
    await s.store.append(
      'survey-special-d1',
      [envelope('NotificationIssued', { stream: 'survey-special-d1', key: 'survey-special-d1#1:customer:C9', recipient: 'customer:C9', subject: `问卷 ${placeholder}`, body: `链接：${placeholder}`, about: 'SurveyInvitationsSent' }, { schemaVersion: 2 })],
      { expectedRevision: 'no_stream' },
    );
    const sentLog = new SentLog(`${s.dir}/notifications.db`);
    cleanups.push(() => sentLog.close());
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const d = new NotificationDispatcher(s.store, new WebhookNotifier(url), sentLog, new RecipientResolver({ staff: [] }), testLogger, { render: surveyLinkRenderer({ secret: SECRET, baseUrl: 'https://s.example.com' }) });
    d.start();
    for (let i = 0; i < 200 && sentLog.count() < 1; i++) await new Promise((r) => setTimeout(r, 20));
    await d.stop();
    const link = `https://s.example.com/s/${surveyToken(SECRET, 'special-d1', 'C9')}`;
    expect(received).toEqual([expect.objectContaining({ subject: `问卷 ${link}`, body: `链接：${link}` })]);
    const stored: string[] = [];
    for await (const e of s.store.readAll()) stored.push(JSON.stringify(e.data));
    expect(stored.join('')).toContain('{{survey-link special-d1 C9}}');
    expect(stored.join('')).not.toContain(link);
  });

  it('the log channel writes the subject to the log: it keeps the placeholder, so no link lands in a log', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const s = tempStore();
    cleanups.push(s.cleanup);
    const placeholder = surveyLinkPlaceholder('special-d2', 'C9');
    await s.store.append(
      'survey-special-d2',
      [envelope('NotificationIssued', { stream: 'survey-special-d2', key: 'survey-special-d2#1:customer:C9', recipient: 'customer:C9', subject: `问卷 ${placeholder}`, body: `链接：${placeholder}`, about: 'SurveyInvitationsSent' }, { schemaVersion: 2 })],
      { expectedRevision: 'no_stream' },
    );
    const sentLog = new SentLog(`${s.dir}/notifications.db`);
    cleanups.push(() => sentLog.close());
    const d = new NotificationDispatcher(s.store, createNotifier({ channel: 'log', smtpFrom: 'x <x@x>' }, logger), sentLog, new RecipientResolver({ staff: [] }), logger, { render: surveyLinkRenderer({ secret: SECRET, baseUrl: 'https://s.example.com' }) });
    d.start();
    for (let i = 0; i < 200 && sentLog.count() < 1; i++) await new Promise((r) => setTimeout(r, 20));
    await d.stop();
    const log = lines.join('');
    expect(log).toContain('survey-special-d2#1:customer:C9');
    expect(log).toContain('{{survey-link special-d2 C9}}');
    expect(log).not.toContain(surveyToken(SECRET, 'special-d2', 'C9'));
    expect(log).not.toContain('https://s.example.com');
  });
});

describe('the form pages', () => {
  const dims = [
    { key: 'product', label: '产品功能/性能' },
    { key: 'delivery', label: '交货期 <b>&"\'' },
  ];

  it('escape everything they print', () => {
    const html = surveyFormPage({ questionnaireTitle: '客户满意度调查问卷', roundTitle: '<script>alert(1)</script>', dimensions: dims, comment: '</textarea><img src=x onerror=alert(1)>', answers: { product: '"><script>' } });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('交货期 &lt;b&gt;&amp;&quot;&#39;');
    expect(html).toContain('&lt;/textarea&gt;&lt;img src=x onerror=alert(1)&gt;</textarea>');
    expect(messagePage('<h1>', '"&"')).toContain('<h1>&lt;h1&gt;</h1><p>&quot;&amp;&quot;</p>');
    expect(escapeHtml(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('are small and mobile-friendly: viewport, inline CSS, no script, nothing loaded from elsewhere, five levels per indicator', () => {
    const html = surveyFormPage({ questionnaireTitle: '客户满意度调查问卷', roundTitle: '专项', dimensions: dims });
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html).toContain('《客户满意度调查问卷》');
    expect(html.match(/type="radio" name="answers\.product"/g)).toHaveLength(5);
    for (const label of ['很满意', '满意', '基本满意', '不满意', '很不满意', '意见和建议', '提交']) expect(html).toContain(label);
    expect(html).not.toContain('请选择</p>');
  });

  it('a posted form gives its answers; an indicator without a level of the scale is missing', () => {
    expect(readAnswers({ 'answers.product': 'satisfied', 'answers.delivery': 'great', comment: '  好  ', other: 'x' }, dims)).toEqual({
      answers: { product: 'satisfied' },
      chosen: { product: 'satisfied', delivery: 'great' },
      missing: ['delivery'],
      comment: '好',
    });
    expect(readAnswers({ answers: { product: 'very_satisfied', delivery: 'dissatisfied' } }, dims)).toMatchObject({ answers: { product: 'very_satisfied', delivery: 'dissatisfied' }, missing: [] });
    expect(readAnswers(undefined, dims)).toMatchObject({ answers: {}, missing: ['product', 'delivery'] });
    expect(readAnswers({ 'answers.product': 'satisfied', 'answers.delivery': 'satisfied', comment: '长'.repeat(2001) }, dims).commentProblem).toContain('2000');
  });
});

describe('the survey form through the API', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let reader: LedgerReader;
  const linkOf = (surveyId: string, respondentId: string, secret = SECRET) => `/s/${surveyToken(secret, surveyId, respondentId)}`;
  const dimensionKeys = DEFAULT_POLICY.surveys.questionnaire.dimensions.map((d) => d.key);
  const allAnswered = (level = 'satisfied') => Object.fromEntries(dimensionKeys.map((k) => [`answers.${k}`, level]));
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const postForm = (url: string, fields: Record<string, string>) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
  const open = async (surveyId: string, title: string, respondents: string[]) => {
    const r = await t.app.inject({ method: 'POST', url: '/surveys', headers: t.as('supervisor'), payload: { surveyId, segment: 'special', title, respondents: respondents.map((id) => ({ id, kind: 'customer' })) } });
    expect(r.statusCode, r.body).toBe(201);
  };
  const sid = (name: string) => `special-${name}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    t = await startTestApp();
    reader = new LedgerReader(path.join(t.dir, 'ledger.db'), ALL_LEDGERS);
    app = await buildApp({
      config: { temporalAddress: t.env.connection.options.address, tokens: Object.values(TOKENS) },
      logger: testLogger,
      gateway: t.gateway,
      store: t.store,
      ledgers: reader,
      policy: DEFAULT_POLICY,
      links: { secret: SECRET, baseUrl: 'http://127.0.0.1' },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    reader?.close();
    await t?.close();
  });

  it('needs no token, is left out of OpenAPI, and refuses links it did not sign (404 链接无效)', async () => {
    const id = sid('links');
    await open(id, '专项调查：链接', ['C100']);
    const good = await app.inject({ method: 'GET', url: linkOf(id, 'C100') });
    expect(good.statusCode, good.body).toBe(200);
    expect(good.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(good.headers['cache-control']).toBe('no-store');
    expect(good.headers['referrer-policy']).toBe('no-referrer');
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/s/'))).toEqual([]);
    const token = surveyToken(SECRET, id, 'C100');
    for (const url of [linkOf(id, 'C100', OTHER), `/s/${token.slice(0, -2)}xx`, linkOf(id, 'C999'), linkOf('special-never-opened', 'C100'), '/s/', '/s/junk', `/s/${token}/more`]) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.body, url).toContain('链接无效');
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      const p = await postForm(url, allAnswered());
      expect(p.statusCode, url).toBe(404);
      expect(p.body).toContain('链接无效');
    }
  });

  it('shows the round\'s questionnaire, takes one answer, and then says the link is used (409)', async () => {
    const id = sid('once');
    await open(id, '专项调查：<交付>', ['C200', 'C201']);
    const page = await app.inject({ method: 'GET', url: linkOf(id, 'C200') });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('《客户满意度调查问卷》');
    expect(page.body).toContain('专项调查：&lt;交付&gt;');
    expect(page.body.match(/type="radio"/g)).toHaveLength(5 * dimensionKeys.length);
    for (const d of DEFAULT_POLICY.surveys.questionnaire.dimensions) expect(page.body).toContain(escapeHtml(d.label));

    // A missing answer: the form again (400), 请选择 beside it, what was chosen and written kept.
    const { 'answers.delivery': _left, ...partial } = allAnswered('very_satisfied');
    const missing = await postForm(linkOf(id, 'C200'), { ...partial, comment: '<b>包装</b>' });
    expect(missing.statusCode).toBe(400);
    expect(missing.body.match(/<p class="need">请选择<\/p>/g)).toHaveLength(1);
    expect(missing.body).toMatch(/<fieldset id="q-delivery" class="err"[^>]*>\s*<legend>[^<]*<\/legend>\s*<p class="need">请选择<\/p>/);
    expect(missing.body).toContain('name="answers.product" value="very_satisfied" required checked');
    expect(missing.body).toContain('&lt;b&gt;包装&lt;/b&gt;</textarea>');
    expect(missing.body).not.toContain('<b>包装');
    const invalid = await postForm(linkOf(id, 'C200'), { ...allAnswered(), 'answers.product': 'excellent' });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body).toMatch(/<fieldset id="q-product" class="err"/);

    const ok = await postForm(linkOf(id, 'C200'), { ...allAnswered('satisfied'), 'answers.delivery': 'dissatisfied', comment: '交货期希望再短一些' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body).toContain('感谢您的反馈');

    const again = await app.inject({ method: 'GET', url: linkOf(id, 'C200') });
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('此链接已使用');
    expect(again.body).toContain('您已提交过问卷');
    const twice = await postForm(linkOf(id, 'C200'), allAnswered('very_satisfied'));
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('此链接已使用');

    // JSON is taken too; the other respondent's link is still open.
    const json = await app.inject({ method: 'POST', url: linkOf(id, 'C201'), payload: { answers: Object.fromEntries(dimensionKeys.map((k) => [k, 'very_satisfied'])) } });
    expect(json.statusCode, json.body).toBe(200);
    expect(json.body).toContain('感谢您的反馈');

    const { state } = await t.gateway.view<SurveyState>(surveyProcess, id);
    expect(state.status === 'open' && Object.keys(state.responded).sort()).toEqual(['C200', 'C201']);
    const rows = async () => (await t.app.inject({ method: 'GET', url: `/ledgers/survey_responses?survey_id=${id}`, headers: t.as('admin') })).json() as { rows: Array<Record<string, unknown>> };
    for (let i = 0; i < 200 && (await rows()).rows.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    const c200 = (await rows()).rows.find((r) => r.respondent_id === 'C200')!;
    expect(c200).toMatchObject({ channel: 'web', form: 'customer', comment: '交货期希望再短一些' });
    expect(JSON.parse(String(c200.answers))).toEqual({ ...Object.fromEntries(dimensionKeys.map((k) => [k, 'satisfied'])), delivery: 'dissatisfied' });
  });

  it('a round that is over says so (410 调查已结束), to the form and to a post', async () => {
    const id = sid('over');
    await open(id, '专项调查：结束', ['C300']);
    const close = await t.app.inject({ method: 'POST', url: `/surveys/${id}/close`, headers: t.as('supervisor'), payload: { reason: '提前结束' } });
    expect(close.statusCode, close.body).toBe(200);
    const page = await app.inject({ method: 'GET', url: linkOf(id, 'C300') });
    expect(page.statusCode).toBe(410);
    expect(page.body).toContain('调查已结束');
    const post = await postForm(linkOf(id, 'C300'), allAnswered());
    expect(post.statusCode).toBe(410);
    expect(post.body).toContain('调查已结束');
  });

  it('a body it cannot read is a page too, not JSON', async () => {
    const id = sid('junk');
    await open(id, '专项调查：内容', ['C400']);
    const r = await app.inject({ method: 'POST', url: linkOf(id, 'C400'), headers: { 'content-type': 'application/json' }, payload: '{"answers":' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const big = await postForm(linkOf(id, 'C400'), { ...allAnswered(), comment: '长'.repeat(30_000) });
    expect(big.statusCode).toBe(413);
    expect(big.headers['content-type']).toBe('text/html; charset=utf-8');
    const long = await postForm(linkOf(id, 'C400'), { ...allAnswered(), comment: '长'.repeat(2001) });
    expect(long.statusCode).toBe(400);
    expect(long.body).toContain('不超过 2000 字');
  });
});
