import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerContactFromStore, NotificationDispatcher, RecipientResolver, SentLog, SmtpNotifier } from '../../src/activities/notify';
import { surveyLinkRenderer } from '../../src/activities/notify/links';
import { buildApp } from '../../src/api/app';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { ALL_LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader } from '../../src/projections/reader';
import { readSurveyToken } from '../../src/support/links';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { testLogger } from '../support/temporal';

/**
 * The respondent's side of a survey, end to end: a registered customer with an e-mail address is invited to a special
 * survey; the worker's notification dispatcher signs their personal link into the mail, sent over SMTP to a real SMTP
 * server on loopback; the link, taken from the received message, opens the form in headless Chromium (a phone-sized
 * viewport, JavaScript off: the form must work without it); the answers submitted there reach the survey_responses
 * ledger; the link is then used up.
 */

const CHROMIUM = '/usr/bin/chromium';
const SECRET = 'browser-test-link-secret-0123456789abcdef';

interface Mail {
  to: string[];
  headers: string;
  body: string;
}

/** The text of a single-part message as nodemailer sends it (base64 or quoted-printable, UTF-8). */
function decodeBody(raw: string): { headers: string; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const encoded = raw.slice(split + 4);
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return { headers, body: Buffer.from(encoded.replace(/\s+/g, ''), 'base64').toString('utf8') };
  if (encoding === 'quoted-printable') {
    const bytes = encoded.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { headers, body: Buffer.from(bytes, 'latin1').toString('utf8') };
  }
  return { headers, body: encoded };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the survey form in a browser, from the invitation e-mail', () => {
  let t: TestApp;
  let app: FastifyInstance;
  let reader: LedgerReader;
  let smtp: SMTPServer;
  let dispatcher: NotificationDispatcher;
  let notifier: SmtpNotifier;
  let sentLog: SentLog;
  let context: BrowserContext;
  let profileDir: string;
  let base: string;
  const inbox: Mail[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests drive Debian's chromium. Install it with \`apt-get install -y chromium\` (or run \`node scripts/setup.mjs --for-tests\` as root, which does).`);
    t = await startTestApp();

    // The API with the survey form, listening for the browser.
    reader = new LedgerReader(path.join(t.dir, 'ledger.db'), ALL_LEDGERS);
    // The API reads links with the secret only; the base URL is the dispatcher's, known once the API listens.
    app = await buildApp({ config: { temporalAddress: t.env.connection.options.address, tokens: Object.values(TOKENS) }, logger: testLogger, gateway: t.gateway, store: t.store, ledgers: reader, policy: DEFAULT_POLICY, links: { secret: SECRET, baseUrl: 'http://127.0.0.1' } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });

    // A real SMTP server on loopback keeping every message.
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        // Bytes as sent: a transfer-encoded body is ASCII, decoded below.
        stream.on('data', (d: Buffer) => (raw += d.toString('latin1')));
        stream.on('end', () => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), ...decodeBody(raw) });
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as { port: number }).port;

    // The worker's outbox dispatcher, as worker.ts composes it: SMTP, customers' addresses from their records, links signed at send time.
    notifier = new SmtpNotifier(`smtp://127.0.0.1:${smtpPort}`, 'taizhang <noreply@taizhang.test>');
    sentLog = new SentLog(path.join(t.dir, 'notifications.db'));
    dispatcher = new NotificationDispatcher(t.store, notifier, sentLog, new RecipientResolver({ staff: [] }, customerContactFromStore(t.store, t.pii)), testLogger, {
      maxBackoffMs: 500,
      render: surveyLinkRenderer({ secret: SECRET, baseUrl: base }),
    });
    dispatcher.start();

    profileDir = mkdtempSync(path.join(tmpdir(), 'tz-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 3,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      // The form must work without JavaScript.
      javaScriptEnabled: false,
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await dispatcher?.stop();
    await notifier?.close();
    sentLog?.close();
    if (smtp) await new Promise<void>((r) => smtp.close(() => r()));
    await app?.close();
    reader?.close();
    await t?.close();
  });

  const post = async (url: string, who: keyof typeof TOKENS, payload: object) => {
    const r = await t.app.inject({ method: 'POST', url, headers: t.as(who), payload });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json() as Record<string, unknown> & { position: string };
  };

  it('invites by e-mail with a personal link; the form answered on a phone lands in the ledger; the link is then used up', async () => {
    const email = `wang.${Date.now().toString(36)}@customer.test`;
    const registered = await post('/customers', 'agent', { name: '苏州某物业公司', phone: '13800138000', email, grade: 'B' });
    const customerId = registered.customerId as string;
    await post(`/customers/${customerId}/approve`, 'checker', { changeId: `${customerId}-1` });

    const surveyId = `special-web-${Date.now().toString(36)}`;
    await post('/surveys', 'supervisor', { surveyId, segment: 'special', title: '专项调查：交付与服务', respondents: [{ id: customerId, kind: 'customer' }] });

    // The invitation, as the customer's mailbox receives it.
    const mail = await until('the invitation e-mail', () => inbox.find((m) => m.to.includes(email)));
    expect(mail.headers).toMatch(new RegExp(`^X-Taizhang-Key: .*customer:${customerId}`, 'im'));
    expect(mail.body).toContain('诚邀您参加本次满意度调查');
    expect(mail.body).not.toContain('{{survey-link');
    const links = mail.body.match(/http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9._%-]+/g) ?? [];
    expect(links).toHaveLength(1);
    const link = links[0]!;
    expect(link.startsWith(`${base}/s/`)).toBe(true);
    expect(readSurveyToken(SECRET, decodeURIComponent(link.slice(`${base}/s/`.length)))).toEqual({ surveyId, respondentId: customerId });

    // The form on a phone-sized screen.
    const page: Page = await context.newPage();
    const opened = await page.goto(link);
    expect(opened?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('《客户满意度调查问卷》');
    expect(await page.locator('.sub').textContent()).toBe('专项调查：交付与服务');
    const dimensions = DEFAULT_POLICY.surveys.questionnaire.dimensions;
    expect(await page.locator('fieldset').count()).toBe(dimensions.length);
    expect(await page.locator('input[type=radio]').count()).toBe(dimensions.length * 5);
    // Nothing wider than the screen; every choice is a big tap target.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    const choice = await page.locator('fieldset#q-product label').first().boundingBox();
    expect(choice!.height).toBeGreaterThanOrEqual(44);
    expect(choice!.width).toBeGreaterThan(300);

    const chosen: Record<string, { level: string; label: string }> = {
      product: { level: 'very_satisfied', label: '很满意' },
      reliability: { level: 'satisfied', label: '满意' },
      appearance: { level: 'fairly_satisfied', label: '基本满意' },
      packaging: { level: 'satisfied', label: '满意' },
      delivery: { level: 'dissatisfied', label: '不满意' },
      service: { level: 'very_satisfied', label: '很满意' },
      after_sales: { level: 'very_dissatisfied', label: '很不满意' },
    };
    expect(Object.keys(chosen).sort()).toEqual(dimensions.map((d) => d.key).sort());
    for (const [key, { label }] of Object.entries(chosen)) {
      const option = page.locator(`fieldset#q-${key}`).getByLabel(label, { exact: true });
      await option.tap();
      expect(await option.isChecked(), key).toBe(true);
    }
    await page.getByLabel('意见和建议').fill('交货期偏长，售后响应慢，希望改进。');
    const [submitted] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: '提交' }).tap()]);
    expect(submitted?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('感谢您的反馈');

    // The answer in the survey_responses ledger: through the web, as chosen.
    const row = await until('the response in the ledger', async () => {
      const r = (await t.app.inject({ method: 'GET', url: `/ledgers/survey_responses?survey_id=${surveyId}`, headers: t.as('admin') })).json() as { rows: Array<Record<string, unknown>> };
      return r.rows[0];
    });
    expect(row).toMatchObject({ survey_id: surveyId, respondent_id: customerId, form: 'customer', channel: 'web', comment: '交货期偏长，售后响应慢，希望改进。' });
    expect(JSON.parse(String(row.answers))).toEqual(Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, v.level])));

    // Used up: opening it again says so at once, and another post is refused.
    const again = await page.goto(link);
    expect(again?.status()).toBe(409);
    expect(await page.locator('h1').textContent()).toBe('此链接已使用');
    expect(await page.locator('body').textContent()).toContain('您已提交过问卷');
    const body = new URLSearchParams(Object.fromEntries(Object.keys(chosen).map((k) => [`answers.${k}`, 'satisfied']))).toString();
    const repost = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(repost.status).toBe(409);
    expect(await repost.text()).toContain('此链接已使用');
    await page.close();
  });
});
