import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SURVEY_LEVEL_LABELS, SURVEY_LEVELS, type SurveyLevel } from '../domain/enums';
import { DomainError } from '../domain/errors';
import { surveyProcess } from '../processes/survey';
import type { OpenSurvey, SurveyState } from '../processes/survey/decider';
import { readSurveyToken, type SurveyLinkIds } from '../support/links';
import type { TemporalGateway } from './gateway';

/**
 * The respondent's questionnaire (《客户满意度调查问卷》), opened from the personal link of the invitation: no login, the
 * signed token is the credential. `GET /s/<token>` shows the form (or why it cannot be answered), `POST /s/<token>`
 * records the answer as the respondent, through the gateway like every other command. Plain HTML that works without
 * JavaScript on a phone; every page is an answer in its own right, with its status (404 链接无效, 409 已使用, 410 已结束,
 * 400 the form again with 请选择 beside what is missing). Left out of OpenAPI: it is a page for people, not an API.
 */

export interface SurveyFormDeps {
  gateway: Pick<TemporalGateway, 'view' | 'command'>;
  links: { secret: string };
  /** Zone of the closing instant shown on the form (TAIZHANG_TIME_ZONE). */
  timeZone?: string;
}

const COMMENT_MAX = 2000;
const BODY_LIMIT = 64 * 1024;
const DEFAULT_QUESTIONNAIRE = '客户满意度调查问卷';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:17px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2328;background:#f4f5f7}
main{max-width:40rem;margin:0 auto;padding:16px}
h1{font-size:1.35rem;margin:.5rem 0 .25rem;text-align:center}
.sub{margin:0 0 1rem;text-align:center;color:#57606a}
.intro{margin:0 0 1rem}
.alert{border:2px solid #cf222e;background:#ffebe9;border-radius:8px;padding:12px;margin:0 0 1rem}
fieldset{border:1px solid #d0d7de;background:#fff;border-radius:10px;margin:0 0 14px;padding:12px}
fieldset.err{border:2px solid #cf222e}
legend{font-weight:600;padding:0 6px}
.need{color:#cf222e;font-weight:600;margin:0 0 6px}
.opts{display:grid;gap:8px}
.opts label{display:flex;align-items:center;gap:12px;min-height:48px;padding:10px 12px;border:1px solid #d0d7de;border-radius:8px;background:#fafbfc;cursor:pointer}
.opts label:has(input:checked){border-color:#0969da;background:#ddf4ff}
input[type=radio]{width:22px;height:22px;margin:0;flex:none}
.comment{display:block;font-weight:600;margin:4px 0 6px}
textarea{width:100%;min-height:8rem;font:inherit;padding:10px;border:1px solid #d0d7de;border-radius:8px}
button{display:block;width:100%;min-height:52px;margin:18px 0 8px;font:inherit;font-size:1.1rem;font-weight:600;color:#fff;background:#1f883d;border:0;border-radius:10px;cursor:pointer}
.page{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:20px;margin-top:24px;text-align:center}
.foot{color:#57606a;font-size:.85rem;text-align:center;margin-top:1rem}
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

/** A page that only says something: the link is wrong, used, over, or the answer is in. */
export function messagePage(heading: string, text: string): string {
  return layout(heading, `<div class="page"><h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p></div>`);
}

export interface FormView {
  questionnaireTitle: string;
  roundTitle: string;
  dimensions: ReadonlyArray<{ key: string; label: string }>;
  /** When the round stops taking answers, as shown (local time). */
  closes?: string;
  /** What the respondent had chosen (a form shown again). */
  answers?: Partial<Record<string, string>>;
  comment?: string;
  /** Dimension keys still to be answered, and a problem with the comment. */
  missing?: readonly string[];
  commentProblem?: string;
  /** Any other reason the form is shown again. */
  notice?: string;
}

/** The questionnaire: five radio buttons per indicator of the round, the free text 意见和建议, and 提交. */
export function surveyFormPage(v: FormView): string {
  const missing = new Set(v.missing ?? []);
  const problems = missing.size > 0 || v.commentProblem !== undefined || v.notice !== undefined;
  const groups = v.dimensions
    .map((d, i) => {
      const id = `q-${d.key}`;
      const need = missing.has(d.key);
      const options = SURVEY_LEVELS.map(
        (level) =>
          `<label><input type="radio" name="answers.${escapeHtml(d.key)}" value="${level}" required${v.answers?.[d.key] === level ? ' checked' : ''}> ${escapeHtml(SURVEY_LEVEL_LABELS[level].zh)}</label>`,
      ).join('\n');
      return `<fieldset id="${escapeHtml(id)}"${need ? ' class="err" aria-invalid="true"' : ''}>
<legend>${i + 1}. ${escapeHtml(d.label)}</legend>
${need ? '<p class="need">请选择</p>\n' : ''}<div class="opts">
${options}
</div>
</fieldset>`;
    })
    .join('\n');
  const content = `<h1>《${escapeHtml(v.questionnaireTitle)}》</h1>
<p class="sub">${escapeHtml(v.roundTitle)}</p>
${problems ? `<div class="alert" role="alert">${missing.size ? `请选择每一项的满意程度（还有 ${missing.size} 项未选）。` : ''}${v.commentProblem ? escapeHtml(v.commentProblem) : ''}${v.notice ? escapeHtml(v.notice) : ''}</div>` : `<p class="intro">尊敬的客户：感谢您抽出时间参加本次调查。请就以下每一项选择您的满意程度${v.closes ? `（截止 ${escapeHtml(v.closes)}）` : ''}。</p>`}
<form method="post" accept-charset="utf-8">
${groups}
<label class="comment" for="comment">意见和建议</label>
${v.commentProblem ? `<p class="need">${escapeHtml(v.commentProblem)}</p>\n` : ''}<textarea id="comment" name="comment" maxlength="${COMMENT_MAX}" rows="5" placeholder="您对我们的产品和服务有什么意见和建议？（选填）">${escapeHtml(v.comment ?? '')}</textarea>
<button type="submit">提交</button>
</form>
<p class="foot">此链接为您的个人专属链接，仅可提交一次。</p>`;
  return layout(`${v.questionnaireTitle}`, content);
}

// ── the pages people meet ────────────────────────────────────────────────────────────────────
const PAGES = {
  invalid: { status: 404, heading: '链接无效', text: '此链接无效或不完整。请使用邀请邮件中的完整链接。' },
  used: { status: 409, heading: '此链接已使用', text: '您已提交过问卷，感谢您的参与。每个链接仅可提交一次。' },
  over: { status: 410, heading: '调查已结束', text: '本次调查已结束，不再接收问卷。感谢您的关注。' },
  thanks: { status: 200, heading: '感谢您的反馈', text: '您的问卷已提交。我们会认真研究您的意见和建议，不断改进产品和服务。' },
  busy: { status: 500, heading: '暂时无法提交', text: '系统繁忙，请稍后再试。' },
} as const;
type PageName = keyof typeof PAGES;

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return (
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      // The token in the address is the credential: no caching, no referrer, no framing, nothing loaded from elsewhere.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex, nofollow')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
      .send(html)
  );
}
const page = (reply: FastifyReply, name: PageName) => send(reply, PAGES[name].status, messagePage(PAGES[name].heading, PAGES[name].text));

/** Why the round cannot take this respondent's answer now, if it cannot. */
function refusal(state: SurveyState, ids: SurveyLinkIds, now: Date): PageName | undefined {
  if (state.status === 'none' || state.surveyId !== ids.surveyId || !state.respondents.some((r) => r.id === ids.respondentId)) return 'invalid';
  if (state.responded[ids.respondentId] !== undefined) return 'used';
  if (state.status === 'closed' || now.getTime() >= Date.parse(state.closesAt)) return 'over';
  return undefined;
}

/** A refused command, as the page it means. */
function pageOfError(err: unknown): PageName | undefined {
  if (!(err instanceof DomainError)) return undefined;
  if (err.code === 'survey.already_responded') return 'used';
  if (err.code === 'survey.closed') return 'over';
  if (err.kind === 'not_found' || err.kind === 'forbidden') return 'invalid';
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLevel = (v: unknown): v is SurveyLevel => typeof v === 'string' && (SURVEY_LEVELS as readonly string[]).includes(v);
const single = (v: unknown): unknown => (Array.isArray(v) ? v[v.length - 1] : v);

/**
 * The answers of a posted form: `answers.<key>=<level>` fields (the form), or JSON `{ answers: { <key>: <level> }, comment }`.
 * Only the round's own indicators are read; one without a level of the scale is missing.
 */
export function readAnswers(body: unknown, dimensions: ReadonlyArray<{ key: string }>): { answers: Record<string, SurveyLevel>; chosen: Record<string, string>; missing: string[]; comment?: string; commentProblem?: string } {
  const b = isRecord(body) ? body : {};
  const nested = isRecord(b.answers) ? b.answers : {};
  const answers: Record<string, SurveyLevel> = {};
  const chosen: Record<string, string> = {};
  const missing: string[] = [];
  for (const { key } of dimensions) {
    const v = single(nested[key] ?? b[`answers.${key}`]);
    if (typeof v === 'string') chosen[key] = v;
    if (isLevel(v)) answers[key] = v;
    else missing.push(key);
  }
  const raw = single(b.comment);
  const comment = typeof raw === 'string' && raw.trim() ? raw.trim() : undefined;
  const commentProblem = comment && [...comment].length > COMMENT_MAX ? `意见和建议请不超过 ${COMMENT_MAX} 字。` : undefined;
  return { answers, chosen, missing, ...(comment !== undefined ? { comment } : {}), ...(commentProblem ? { commentProblem } : {}) };
}

function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** `GET|POST /s/<token>`: public (the token is checked here), in their own scope with their own body parser and error pages. */
export async function registerSurveyFormRoutes(app: FastifyInstance, deps: SurveyFormDeps): Promise<void> {
  const timeZone = deps.timeZone ?? 'Asia/Shanghai';
  await app.register(async (scope) => {
    await scope.register(fastifyFormbody, { bodyLimit: BODY_LIMIT });
    // fastify's own refusals in this scope (a body too large, malformed JSON, …) are pages too.
    scope.setErrorHandler((err, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) return send(reply, status, messagePage(status === 429 ? '请求过于频繁' : '无法处理此请求', status === 429 ? '请稍后再试。' : '提交的内容无法读取，请返回问卷重新提交。'));
      req.log.error({ err }, 'survey form failed');
      return page(reply, 'busy');
    });

    const current = async (req: FastifyRequest) => {
      const token = (req.params as Record<string, string | undefined>)['*'] ?? '';
      const ids = readSurveyToken(deps.links.secret, token);
      if (!ids) return { refused: 'invalid' as const };
      let state: SurveyState;
      try {
        state = (await deps.gateway.view<SurveyState>(surveyProcess, ids.surveyId)).state;
      } catch (err) {
        const p = pageOfError(err);
        if (p) return { refused: p };
        throw err;
      }
      const refused = refusal(state, ids, new Date());
      return refused ? { refused } : { ids, state: state as OpenSurvey };
    };
    const form = (s: OpenSurvey, extra: Partial<FormView> = {}) =>
      surveyFormPage({ questionnaireTitle: s.questionnaire?.title ?? DEFAULT_QUESTIONNAIRE, roundTitle: s.title, dimensions: s.dimensions, closes: localTime(s.closesAt, timeZone), ...extra });

    const options = { config: { public: true }, schema: { hide: true } } as const;
    scope.get('/s/*', options, async (req, reply) => {
      const c = await current(req);
      if (c.refused) return page(reply, c.refused);
      return send(reply, 200, form(c.state));
    });

    scope.post('/s/*', { ...options, bodyLimit: BODY_LIMIT }, async (req, reply) => {
      const c = await current(req);
      if (c.refused) return page(reply, c.refused);
      const { ids, state } = c;
      const r = readAnswers(req.body, state.dimensions);
      const again = (missing: readonly string[], problems: Pick<FormView, 'commentProblem' | 'notice'> = {}) =>
        send(reply, 400, form(state, { answers: r.chosen, ...(r.comment !== undefined ? { comment: r.comment } : {}), missing, ...problems }));
      if (r.missing.length || r.commentProblem) return again(r.missing, r.commentProblem ? { commentProblem: r.commentProblem } : {});
      try {
        await deps.gateway.command(
          surveyProcess,
          ids.surveyId,
          'respond',
          { respondentId: ids.respondentId, answers: r.answers, ...(r.comment !== undefined ? { comment: r.comment } : {}), channel: 'web' },
          { actor: `respondent:${ids.respondentId}`, role: 'respondent', correlationId: req.id },
        );
      } catch (err) {
        const p = pageOfError(err);
        if (p) return page(reply, p);
        if (err instanceof DomainError && err.kind === 'validation') {
          // The round's own rules (an indicator it does not have, a comment it refuses): shown beside the fields.
          const fields = err.issues.map((i) => i.field);
          const keys = state.dimensions.map((d) => d.key).filter((k) => fields.includes(`answers.${k}`) || fields.includes('answers'));
          if (fields.includes('comment')) return again(keys, { commentProblem: '意见和建议的内容无法接受，请修改后再提交。' });
          return again(keys, keys.length ? {} : { notice: '提交的内容无法接受，请检查后再提交。' });
        }
        throw err;
      }
      return page(reply, 'thanks');
    });
  });
}
