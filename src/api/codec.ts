import type { Payload } from '@temporalio/common';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type PiiCipher, shownTo } from '../events/keys/cipher';
import { mayReadPii } from '../projections/reader';
import type { AesGcmPayloadCodec } from '../support/codec';
import type { AccessLog } from '../audit/access-log';
import { recordAccess } from './audit';
import { requireRole, type TokenAuth } from './auth';
import { readResponses } from './schemas';

/**
 * Temporal's remote codec protocol (what the Web UI and `temporal workflow show --codec-endpoint` call): `POST
 * /codec/decode` with `{ payloads: [{ metadata: { k: base64 }, data: base64 }] }` answers the payloads decrypted, so an
 * operator reads histories in the Web UI while Temporal itself stores and serves only ciphertext. Personal fields in
 * them (sealed with their customer's key) are opened and masked by the caller's role, or read [已删除] once erased.
 * Authenticated like every route (Bearer token; the Web UI sends it with "pass access token", or the browser's
 * `taizhang_codec` cookie set by `POST /codec/session`), for operator roles only; the Web UI's origin is allowed
 * cross-origin (TAIZHANG_UI_ORIGIN).
 */
export const CODEC_ROLES = ['admin', 'auditor', 'supervisor', 'manager', 'general_manager'] as const;
export const CODEC_COOKIE = 'taizhang_codec';

const payload = z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }).passthrough();
const body = z.object({ payloads: z.array(payload).max(1000, 'at most 1000 payloads per request') });

const b64 = (u: Uint8Array | null | undefined) => Buffer.from(u ?? new Uint8Array()).toString('base64');
const fromJson = (p: z.infer<typeof payload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload) => ({ metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])), data: b64(p.data) });

/** The kinds of the sealed personal fields in decoded JSON payloads (phone, email, …), each once. */
function sealedKinds(payloads: Payload[]): string[] {
  const kinds = new Set<string>();
  for (const p of payloads) for (const m of Buffer.from(p.data ?? new Uint8Array()).toString('utf8').matchAll(/tzpii:1:([a-z_]+):/g)) kinds.add(m[1]!);
  return [...kinds].sort();
}

export interface CodecDeps {
  auth: TokenAuth;
  codec: AesGcmPayloadCodec;
  pii?: PiiCipher;
  /** Origins allowed to call cross-origin (the Temporal Web UI's). */
  uiOrigins: readonly string[];
  /** Where a decode that opened personal fields unmasked is recorded. */
  accessLog?: AccessLog;
}

export async function registerCodecRoutes(parent: FastifyInstance, deps: CodecDeps): Promise<void> {
  await parent.register(async (app) => {
    // The sign-in form posts urlencoded.
    await app.register(fastifyFormbody);
    codecRoutes(app, deps);
  });
}

function codecRoutes(app: FastifyInstance, deps: CodecDeps): void {
  const cors = (origin: string | undefined) =>
    origin && deps.uiOrigins.includes(origin)
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-allow-headers': 'content-type, x-namespace, authorization',
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-max-age': '600',
          vary: 'origin',
        }
      : {};

  app.options('/codec/:op', { config: { public: true }, schema: { hide: true } }, async (req, reply) => reply.status(204).headers(cors(req.headers.origin)).send());

  const showFor = (role: string) => shownTo(mayReadPii(role as never));
  /** A decoded JSON payload with its personal fields opened for the caller (masked, or [已删除]). */
  const revealed = (p: Payload, role: string): Payload => {
    if (!deps.pii || Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString() !== 'json/plain') return p;
    const value = JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8')) as unknown;
    return { ...p, data: new Uint8Array(Buffer.from(JSON.stringify(deps.pii.reveal(value, showFor(role))), 'utf8')) };
  };

  app.post(
    '/codec/decode',
    { schema: { summary: "Temporal remote codec: decrypt payloads for the Web UI or the temporal CLI (operators)", tags: ['Operations'], body, response: readResponses(body) } },
    async (req, reply) => {
      requireRole(req.principal!, CODEC_ROLES, 'decode Temporal payloads');
      const { payloads } = req.body as z.infer<typeof body>;
      const plain = await deps.codec.decode(payloads.map(fromJson));
      const role = req.principal!.role;
      // Personal fields opened unmasked are an access to personal data, recorded like a ledger read.
      const kinds = mayReadPii(role as never) ? sealedKinds(plain) : [];
      if (kinds.length && deps.accessLog) recordAccess({ accessLog: deps.accessLog }, req, { kind: 'payload', subject: String(req.headers['x-namespace'] ?? 'default'), customerIds: [], rows: payloads.length, columns: kinds });
      return reply.headers(cors(req.headers.origin)).send({ payloads: plain.map((p) => toJson(revealed(p, role))) });
    },
  );

  app.post(
    '/codec/encode',
    { schema: { summary: 'Temporal remote codec: encrypt payloads (for the temporal CLI sending input by hand)', tags: ['Operations'], body, response: readResponses(body) } },
    async (req, reply) => {
      requireRole(req.principal!, CODEC_ROLES, 'encode Temporal payloads');
      const { payloads } = req.body as z.infer<typeof body>;
      return reply.headers(cors(req.headers.origin)).send({ payloads: (await deps.codec.encode(payloads.map(fromJson))).map(toJson) });
    },
  );

  // A browser has no place for a Bearer token when the Web UI runs without its own login: the operator signs in here
  // once, and the UI (codec settings: "include cross-origin credentials") sends the cookie, valid for /codec only.
  app.get('/codec/login', { config: { public: true }, schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(
      page('解码登录 Codec sign-in', `<form method="post" action="/codec/session"><label>API token <input name="token" type="password" autocomplete="off" required></label> <button type="submit">Sign in</button></form>
<p>For operators (${CODEC_ROLES.join(', ')}): the Temporal Web UI then shows workflow inputs and results decoded. In the Web UI's codec settings, enable "Include cross-origin credentials".</p>`),
    ),
  );
  const session = z.object({ token: z.string().min(1, 'is required') }).strict();
  app.post(
    '/codec/session',
    { config: { public: true }, schema: { summary: 'Sign a browser in for the codec routes (an HttpOnly cookie, 8 hours)', tags: ['Operations'], body: session } },
    async (req, reply) => {
      const { token } = req.body as z.infer<typeof session>;
      const who = deps.auth.authenticate(`Bearer ${token}`);
      requireRole(who, CODEC_ROLES, 'decode Temporal payloads');
      reply.headers(cors(req.headers.origin)).header('set-cookie', `${CODEC_COOKIE}=${encodeURIComponent(token)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=28800`);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return reply.send({ actor: who.actor, role: who.role });
      return reply.type('text/html; charset=utf-8').send(page('已登录 Signed in', `<p>Signed in as ${escapeHtml(who.actor)} (${escapeHtml(who.role)}) for the codec endpoint. The Temporal Web UI now shows payloads decoded in this browser.</p>`));
    },
  );
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;

/** The Authorization a codec request carries: its header, else the browser's codec cookie (codec routes only). */
export function codecAuthorization(url: string, headers: { authorization?: string; cookie?: string }): string | undefined {
  if (headers.authorization || !url.startsWith('/codec/')) return headers.authorization;
  const m = new RegExp(`(?:^|;\\s*)${CODEC_COOKIE}=([^;]+)`).exec(headers.cookie ?? '');
  return m ? `Bearer ${decodeURIComponent(m[1]!)}` : undefined;
}
