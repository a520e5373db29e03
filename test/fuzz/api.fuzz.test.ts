import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TOKENS, type TestApp } from '../support/app';
import { invalidOf, isoInstant, junkJson, junkString, longString, operationsOf, RawJson, toJsonText, validOf, type Hints, type OpenApiDocument, type Operation } from './schema-arbitraries';

/**
 * Bad input for every operation of the API's own OpenAPI document: bodies derived from each operation's JSON schema
 * (valid ones, and ones with wrong types, missing or undeclared fields, huge or odd strings, numbers out of range,
 * nested junk), malformed JSON text and wrong content types, random and hostile path parameters and query strings,
 * every role's token, no token and garbage Authorization headers. Requests go through `app.inject` into the real
 * stack (a worker on the Temporal dev server, the SQLite event store, the projector), one at a time.
 *
 * For every request: never a 5xx; a 4xx body carries `error` and `message` strings, and a validation error lists
 * `issues` with `field` and `rule`; a rejected request (and any GET) leaves the event store's head where it was; a
 * body the document itself declares invalid is never accepted. Only an accepted POST may append.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_BUDGET_MS sets the time spent sending requests (default 30 s), FUZZ_RUNS the
 * requests per operation (default 160), FUZZ_ONLY a regex over `METHOD /path` to fuzz only some operations.
 */

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 30_000);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 160);
/** Requests every operation gets, however slow its answers on a loaded machine. */
const MIN_PER_OPERATION = Math.min(20, RUNS_PER_OPERATION - 1);
const ONLY = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : undefined;

type Who = keyof typeof TOKENS;

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string | Buffer;
  /** How the request was built (auth, body kind, …), for the report. */
  how: string[];
  /** Set when the body definitely breaks the operation's schema: it must not be accepted. */
  invalidBody?: string;
}

interface Stats {
  requests: number;
  fivexx: number;
  rejected: number;
  accepted: number;
  acceptedPosts: number;
  byStatus: Map<number, number>;
  byOperation: Map<string, number>;
}

// --------------------------------------------------------------------------------------------------------------
// App bugs found by this suite and not fixed yet. Each has its own failing test below with the exact reproduction;
// the fuzzer counts their 5xx answers apart so that it keeps looking for other bugs meanwhile. Remove an entry once
// its test passes.

/** The messages of an error and of its causes (a Temporal ServiceError wraps the gRPC error that says why). */
const messagesOf = (err: unknown): string => {
  const out: string[] = [];
  for (let e = err as { name?: unknown; message?: unknown; details?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++)
    out.push(`${String(e.name)}: ${String(e.message)}${e.details ? ` (${String(e.details)})` : ''}`);
  return out.join(' ← ');
};

// --------------------------------------------------------------------------------------------------------------
// Rendering requests compactly

const TOKEN_LABELS = new Map(Object.entries(TOKENS).map(([who, t]) => [t.token, `<${who} token>`]));
const unToken = (s: string) => {
  let out = s;
  for (const [token, label] of TOKEN_LABELS) out = out.split(token).join(label);
  return out;
};
const clip = (s: string, n = 240): string => JSON.stringify(unToken(s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s));
const clipValue = (v: string | string[]) => (Array.isArray(v) ? `[${v.map((x) => clip(x, 80)).join(', ')}]` : clip(v, 120));
const clipPayload = (p: string | Buffer | undefined, n: number) =>
  p === undefined ? '(no body)' : Buffer.isBuffer(p) ? `<${p.length} bytes: ${p.subarray(0, 24).toString('hex')}…>` : clip(p, n);

function renderRequest(r: FuzzRequest): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `  ${k}: ${clipValue(v)}`);
  return [`${r.method} ${clip(r.url, 300)}`, ...headers, `  body ${clipPayload(r.payload, 300)}`, `  (${r.how.join('; ')})`].join('\n');
}

// --------------------------------------------------------------------------------------------------------------
// Encoding

/** encodeURIComponent that also takes lone surrogates (sent as the UTF-8 of U+FFFD, as an HTTP client would). */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
};

/** Characters an HTTP header value may carry (Node refuses others before anything is sent). */
const headerSafe = (s: string) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

const queryValueText = (v: unknown): string | undefined => {
  if (v === undefined || v === null) return undefined; // null: `key` with no `=`
  if (v instanceof RawJson) return v.text;
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return toJsonText(v);
  return String(v);
};

/** One parameter's value as query pairs: arrays repeat the key, objects become JSON or bracketed keys. */
const pairsFor = (name: string, v: unknown, bracket: boolean): Array<[string, string | undefined]> => {
  if (Array.isArray(v)) return v.length ? v.map((x) => [name, queryValueText(x)]) : [[`${name}[]`, '']];
  if (v && typeof v === 'object' && !(v instanceof RawJson) && bracket) return Object.entries(v).map(([k, x]) => [`${name}[${k}]`, queryValueText(x)]);
  return [[name, queryValueText(v)]];
};

// --------------------------------------------------------------------------------------------------------------

describe('API bad-input fuzzing from /openapi.json', () => {
  let t: TestApp;
  let operations: Operation[];
  let ledgerNames: string[] = [];
  let ledgerColumns: string[] = [];
  const seeded = { customerId: '', open: '', withdrawn: '', closed: '' };
  const captured: { error?: unknown } = {};

  const head = async () => (await t.store.head()).position;

  beforeAll(async () => {
    t = await startTestApp();
    // Keep whatever reaches the error handler, to report it with a 5xx.
    t.app.addHook('onError', async (_req, _reply, err) => {
      captured.error = err;
    });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    operations = operationsOf(res.json() as OpenApiDocument);

    const ledgers = (await t.app.inject({ method: 'GET', url: '/ledgers', headers: t.as('admin') })).json() as { ledgers: Array<{ name: string; columns: Array<{ name: string }> }> };
    ledgerNames = ledgers.ledgers.map((l) => l.name);
    ledgerColumns = [...new Set(ledgers.ledgers.flatMap((l) => l.columns.map((c) => c.name)))];

    // A customer in the ledger and complaints in three states, so that generated requests also reach live workflows.
    const post = async (url: string, payload: unknown, who: Who = 'agent') => {
      const r = await t.app.inject({ method: 'POST', url, headers: t.as(who), payload: payload as Record<string, unknown> });
      expect(r.statusCode, `${url}: ${r.body}`).toBeLessThan(300);
      return r.json() as { customerId?: string; complaintId?: string; position: string };
    };
    const customer = await post('/customers', { name: '模糊测试客户', phone: '13800138000', grade: 'B' });
    seeded.customerId = customer.customerId!;
    await t.projector.waitFor(customer.position, 10_000);
    const receive = async () => (await post('/complaints', { customerId: seeded.customerId, channel: 'phone', category: 'delivery', severity: 'minor', summary: '模糊测试' })).complaintId!;
    seeded.open = await receive();
    seeded.withdrawn = await receive();
    await post(`/complaints/${seeded.withdrawn}/withdraw`, { reason: '客户撤诉' });
    seeded.closed = await receive();
    for (const [action, body] of [
      ['acknowledge', {}],
      ['verify', { findings: '属实' }],
      ['propose', { plan: '致歉' }],
      ['notify', { result: '已致歉' }],
      ['follow-up', { rating: 5 }],
    ] as const)
      await post(`/complaints/${seeded.closed}/${action}`, body);
    await post(`/complaints/${seeded.closed}/close`, {}, 'supervisor');
  });

  afterAll(async () => {
    await t?.close();
  });

  // ------------------------------------------------------------------------------------------------------------
  // Generators that need the seeded ids and the ledgers

  const entityIdArb = () => fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
  const knownComplaints = () => [seeded.open, seeded.withdrawn, seeded.closed];

  /** Plausible values for properties the schema alone describes poorly. */
  const bodyHints = (): Hints => ({
    customerId: fc.oneof({ weight: 4, arbitrary: fc.constant(seeded.customerId) }, { weight: 1, arbitrary: entityIdArb() }, { weight: 1, arbitrary: fc.constantFrom('C1', 'nobody') }),
    complaintId: fc.oneof(entityIdArb(), fc.constantFrom(...knownComplaints())),
    email: fc.oneof(fc.emailAddress(), fc.constantFrom('a@b.co', 'x@例子.中国')),
    to: fc.oneof(fc.constantFrom('agent-1', 'agent-2', 'sup-1', 'nobody'), entityIdArb()),
    owner: fc.oneof(fc.constantFrom('agent-1', 'agent-2', 'sup-1'), entityIdArb()),
  });

  const pauseRange = fc
    .tuple(fc.integer({ min: Date.now() - 400 * 86_400_000, max: Date.now() + 400 * 86_400_000 }), fc.integer({ min: -3_600_000, max: 30 * 86_400_000 }))
    .map(([from, len]) => `${new Date(from).toISOString()}/${new Date(from + len).toISOString()}`);
  const queryHints = (): Hints => ({
    pause: fc.oneof(pauseRange, fc.array(pauseRange, { minLength: 1, maxLength: 4 }), fc.tuple(isoInstant, isoInstant).map(([a, b]) => `${a}/${b}`)),
  });

  const pathValue = (op: Operation, name: string): fc.Arbitrary<{ text: string; how: string }> => {
    const known: Array<fc.Arbitrary<string>> = [];
    if (name === 'id') known.push(fc.constantFrom(...knownComplaints()));
    if (name === 'name') known.push(fc.constantFrom(...ledgerNames));
    if (name === '*')
      known.push(
        fc.constantFrom(`customer-${seeded.customerId}`, ...knownComplaints().map((k) => `complaint-${k}`), '$all', 'customer-nobody'),
        fc.tuple(fc.constantFrom('customer-', 'complaint-', ''), junkString).map(([p, s]) => `${p}${s}`),
      );
    const raw = fc.oneof(
      ...(known.length ? [{ weight: 5, arbitrary: fc.oneof(...known) }] : []),
      { weight: 2, arbitrary: entityIdArb() },
      { weight: 3, arbitrary: junkString },
      { weight: 1, arbitrary: longString(65, 8000).map((s) => s.replace(/[^A-Za-z0-9]/g, 'a')) },
      ...(op.path.includes('{*}') ? [{ weight: 1, arbitrary: fc.array(junkString, { minLength: 2, maxLength: 4 }).map((a) => a.join('/')) }] : []),
    );
    return fc
      .tuple(raw, fc.constantFrom('encoded', 'encoded', 'encoded', 'encoded', 'encoded', 'encoded', 'raw', 'double-encoded'))
      .map(([v, how]) => ({ text: how === 'raw' ? v : how === 'encoded' ? encode(v) : encode(encode(v)), how: `path ${name} ${how}` }));
  };

  const queryArb = (op: Operation): fc.Arbitrary<{ text: string; how: string }> => {
    const hints = queryHints();
    const perParam = op.queryParams.map((p) =>
      fc.oneof(
        { weight: p.required ? 1 : 4, arbitrary: fc.constant<Array<[string, string | undefined]>>([]) },
        { weight: p.required ? 9 : 4, arbitrary: fc.tuple(validOf(p.schema, hints, p.name), fc.boolean()).map(([v, b]) => pairsFor(p.name, v, b)) },
        { weight: p.required ? 2 : 1, arbitrary: fc.tuple(invalidOf(p.schema, hints), fc.boolean()).map(([r, b]) => pairsFor(p.name, r.value, b)) },
      ),
    );
    const extraKeys = fc.oneof(
      ...(op.path.startsWith('/ledgers/{name}') && ledgerColumns.length ? [{ weight: 3, arbitrary: fc.constantFrom(...ledgerColumns) }] : []),
      { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', '', 'a[b]', 'limit', 'x', '🙂', 'asOf', 'format', '"k"') },
      { weight: 1, arbitrary: junkString },
    );
    const extraValue = fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(seeded.customerId, ...knownComplaints(), 'A', 'key', 'ordinary', '1', '') },
      { weight: 3, arbitrary: junkString },
    );
    // Undeclared keys: column filters where the query takes any (a ledger), otherwise mostly absent, so that the
    // declared parameters often make a valid query and reach the handler.
    const filters = op.path.startsWith('/ledgers/{name}') && !op.path.endsWith('/export');
    const extras = fc.oneof(
      { weight: filters ? 1 : 3, arbitrary: fc.constant<Array<[string, string | undefined]>>([]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(extraKeys, fc.option(extraValue, { nil: undefined, freq: 8 })), { minLength: 1, maxLength: 2 }) },
    );
    const structured = fc.tuple(fc.tuple(...perParam), extras, fc.constantFrom('encoded', 'encoded', 'encoded', 'encoded', 'encoded', 'encoded', 'encoded', 'raw')).map(([declared, extra, how]) => {
      const enc = how === 'raw' ? (s: string) => s : encode;
      const text = [...declared.flat(), ...extra].map(([k, v]) => (v === undefined ? enc(k) : `${enc(k)}=${enc(v)}`)).join('&');
      return { text, how: `query ${how}${extra.length ? ' +extra' : ''}` };
    });
    const rawJunk = fc
      .oneof(
        fc.constantFrom('%', '%%', 'a=%zz', 'a=%E0%A4%A', '&&&', '=', '==&=', 'limit=1&limit=2&limit=3', '__proto__[x]=1', 'constructor[prototype][x]=1', 'a[]=1&a[]=2', ';;', '?', '#frag'),
        longString(2000, 30_000).map((s) => `k=${encode(s)}`),
        junkString,
      )
      .map((text) => ({ text, how: 'query junk' }));
    return fc.oneof({ weight: 9, arbitrary: structured }, { weight: 1, arbitrary: rawJunk });
  };

  const authArb = (): fc.Arbitrary<{ value?: string | string[]; how: string }> => {
    const tokens = Object.entries(TOKENS).map(([who, x]) => ({ value: `Bearer ${x.token}`, how: `auth ${who}` }));
    const admin = TOKENS.admin!.token;
    const garbage = fc.oneof(
      fc.constantFrom(
        '',
        ' ',
        'Bearer',
        'Bearer ',
        'bearer',
        'Basic YWRtaW46YWRtaW4=',
        `Token ${admin}`,
        admin,
        `Bearer ${admin}x`,
        `Bearer ${admin.slice(0, -1)}`,
        `Bearer ${admin} ${admin}`,
        `Bearer ${admin.toUpperCase()}`,
        'Bearer null',
        'Bearer undefined',
        'Bearer ÿÿÿÿ',
        `Bearer\t${admin}`,
        `BEARER   ${admin}   `,
        `Bearer ${'x'.repeat(10_000)}`,
      ),
      junkString.map((s) => `Bearer ${headerSafe(s)}`),
      junkString.map(headerSafe),
    );
    return fc.oneof(
      { weight: 14, arbitrary: fc.constantFrom(...tokens) },
      { weight: 1, arbitrary: fc.constant({ value: undefined, how: 'no auth' }) },
      { weight: 3, arbitrary: garbage.map((value) => ({ value, how: 'garbage auth' })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<string[]>([`Bearer ${admin}`, `Bearer ${TOKENS.auditor!.token}`], ['Bearer nope', `Bearer ${admin}`]).map((value) => ({ value, how: 'two auth headers' })),
      },
    );
  };

  const CONTENT_TYPES = [
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json;;',
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x',
    'application/xml',
    'application/octet-stream',
    'application/vnd.api+json',
    'application/jsonx',
    '*/*',
    'json',
    '',
  ];

  interface Body {
    payload?: string | Buffer;
    contentType?: string;
    how: string;
    definite?: string;
  }

  /** Broken JSON text made from a valid body. */
  const malformed = (text: string): fc.Arbitrary<string> =>
    fc.oneof(
      fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => text.slice(0, n)),
      fc.constantFrom(
        `${text},`,
        `${text}}`,
        `${text}x`,
        `${text}${text}`,
        `\ufeff${text}`,
        `/* c */${text}`,
        text.replace(/"/g, "'"),
        text.replace(/^\{/, '{,'),
        text.replace(/\}$/, ',}'),
        text.replace(/^\{/, '{"a":NaN,'),
        text.replace(/^\{/, '{"name":1,"name":{"x":[]},'),
      ),
      fc.constantFrom('', ' ', '\n', 'null', 'true', '0', '"string"', '[]', '[{}]', '{}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', 'undefined', "{'a':1}"),
    );

  const bodyArb = (op: Operation): fc.Arbitrary<Body> => {
    if (!op.body) {
      // Bodies and content types where none is expected.
      return fc.oneof(
        { weight: 12, arbitrary: fc.constant<Body>({ how: 'no body' }) },
        { weight: 1, arbitrary: junkJson.map((v): Body => ({ payload: toJsonText(v), contentType: 'application/json', how: 'unexpected json body' })) },
        { weight: 1, arbitrary: fc.tuple(junkString, fc.constantFrom(...CONTENT_TYPES)).map(([s, ct]): Body => ({ payload: s, contentType: ct, how: 'unexpected text body' })) },
      );
    }
    const schema = op.body.schema;
    const hints = bodyHints();
    const valid = validOf(schema, hints);
    const json = 'application/json';
    const deep = fc.tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('array', 'object', 'name')).map(([n, kind]): Body => {
      const payload = kind === 'array' ? `${'['.repeat(n)}${']'.repeat(n)}` : kind === 'object' ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `{"name":${'['.repeat(n)}${']'.repeat(n)}}`;
      return { payload, contentType: json, how: `nested ${kind} ×${n}` };
    });
    return fc.oneof(
      { weight: 10, arbitrary: valid.map((v): Body => ({ payload: toJsonText(v), contentType: json, how: 'valid body' })) },
      {
        weight: 16,
        arbitrary: invalidOf(schema, hints).map((r): Body => ({ payload: toJsonText(r.value), contentType: json, how: `invalid body (${r.how})`, ...(r.definite ? { definite: r.how } : {}) })),
      },
      { weight: 3, arbitrary: junkJson.map((v): Body => ({ payload: toJsonText(v), contentType: json, how: 'junk json' })) },
      { weight: 5, arbitrary: valid.chain((v) => malformed(toJsonText(v))).map((payload): Body => ({ payload, contentType: json, how: 'malformed json' })) },
      {
        weight: 4,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...CONTENT_TYPES))
          .map(([v, contentType]): Body => ({ payload: toJsonText(v), contentType, how: `content-type ${JSON.stringify(contentType)}` })),
      },
      { weight: 1, arbitrary: valid.map((v): Body => ({ payload: toJsonText(v), how: 'no content-type' })) },
      { weight: 1, arbitrary: fc.constantFrom<Body>({ contentType: json, how: 'json content-type, no body' }, { how: 'no body at all' }) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(valid, fc.constantFrom(...Object.keys(schema.properties ?? { name: {} })), longString(10_000, 200_000))
          .map(([v, k, s]): Body => ({ payload: toJsonText({ ...(v as object), [k]: s }), contentType: json, how: `huge ${k} (${s.length} chars)` })),
      },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 1_048_577, max: 1_300_000 }).map((n): Body => ({ payload: `{"name":"${'x'.repeat(n)}"}`, contentType: json, how: `over the body limit (${n} chars)` })),
      },
      { weight: 1, arbitrary: deep },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b): Body => ({ payload: Buffer.from(b), contentType: json, how: 'binary bytes' })) },
      {
        weight: 1,
        arbitrary: fc.constant<Body>({ payload: Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), contentType: json, how: 'invalid UTF-8 in a string' }),
      },
    );
  };

  const idempotencyArb = fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 2, arbitrary: fc.stringMatching(/^[\w.:-]{8,60}$/) },
    { weight: 2, arbitrary: fc.constantFrom('short', '', ' ', 'has spaces in it', 'k'.repeat(201), 'k'.repeat(5000), 'ÿÿÿÿÿÿÿÿÿÿ', '../../../../..', 'key\tkey\tkey') },
  );

  const METHOD_SWAPS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

  const requestArb = (op: Operation): fc.Arbitrary<FuzzRequest> =>
    fc
      .record({
        params: fc.tuple(...op.pathParams.map((p) => pathValue(op, p.name))),
        query: fc.option(queryArb(op), { freq: op.queryParams.length ? 8 : 3, nil: undefined }),
        body: bodyArb(op),
        auth: authArb(),
        idem: op.method === 'POST' ? idempotencyArb : fc.constant(undefined),
        method: fc.oneof({ weight: 19, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHOD_SWAPS) }),
      })
      .map(({ params, query, body, auth, idem, method }): FuzzRequest => {
        let path = op.path;
        op.pathParams.forEach((p, i) => {
          path = path.replace(`{${p.name}}`, params[i]!.text);
        });
        const payload = method === 'GET' || method === 'HEAD' ? undefined : body.payload;
        const headers: Record<string, string | string[]> = {};
        if (auth.value !== undefined) headers.authorization = auth.value;
        if (body.contentType !== undefined && payload !== undefined) headers['content-type'] = body.contentType;
        if (idem !== undefined) headers['idempotency-key'] = idem;
        return {
          method,
          url: `${path}${query ? `?${query.text}` : ''}`,
          headers,
          ...(payload !== undefined ? { payload } : {}),
          how: [auth.how, body.how, ...params.map((p) => p.how), ...(query ? [query.how] : []), ...(idem !== undefined ? ['idempotency-key'] : []), ...(method !== op.method ? [`method ${method}`] : [])],
          ...(body.definite && method === op.method && payload !== undefined ? { invalidBody: body.definite } : {}),
        };
      });

  // ------------------------------------------------------------------------------------------------------------
  // Sending one request and checking it

  /** Waits until nothing has been appended for a while (an accepted command's workflow may still be writing). */
  const settle = async () => {
    let last = await head();
    let quietFor = 0;
    for (const started = Date.now(); quietFor < 60 && Date.now() - started < 3000; ) {
      await new Promise((r) => setTimeout(r, 20));
      const now = await head();
      quietFor = now === last ? quietFor + 20 : 0;
      last = now;
    }
  };

  const eventsAfter = async (position: string) => {
    const out: string[] = [];
    for await (const e of t.store.readAll({ fromPosition: position })) {
      out.push(`${e.position} ${e.streamName} ${e.type} correlation=${e.metadata.correlationId}`);
      if (out.length >= 5) break;
    }
    return out;
  };

  /** The last few requests, for failures that depend on what came before. */
  const recent: string[] = [];

  /** Sends one request and throws, with a compact account, if any rule is broken. */
  async function send(r: FuzzRequest, stats: Stats, opKey: string): Promise<void> {
    captured.error = undefined;
    const before = await head();
    let res: Awaited<ReturnType<TestApp['app']['inject']>>;
    try {
      res = await t.app.inject({ method: r.method as 'GET', url: r.url, headers: r.headers, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
    } catch (err) {
      throw new Error(`app.inject threw: ${messagesOf(err)}`);
    }
    const status = res.statusCode;
    stats.requests++;
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    stats.byOperation.set(opKey, (stats.byOperation.get(opKey) ?? 0) + 1);
    const problems: string[] = [];

    // A replica behind a position it was asked to wait for is a declared state (503 ledgers.behind), not a fault.
    const behind = status === 503 && /"code":"ledgers\.behind"/.test(res.body);
    if (status >= 500 && !behind) {
      stats.fivexx++;
      const stack = (captured.error as Error | undefined)?.stack?.split('\n').slice(1, 8).join('\n      ') ?? '';
      problems.push(`answered ${status}: ${res.body.slice(0, 200)}\n    cause: ${messagesOf(captured.error).slice(0, 400) || '(nothing reached the error handler)'}\n      ${stack}`);
    } else if (status >= 400) {
      stats.rejected++;
      if (r.method !== 'HEAD') {
        let body: { error?: unknown; message?: unknown; issues?: unknown } | undefined;
        try {
          body = res.json();
        } catch {
          problems.push(`${status} with a body that is not JSON: ${res.body.slice(0, 200)}`);
        }
        if (body) {
          if (typeof body.error !== 'string' || typeof body.message !== 'string') problems.push(`${status} body lacks string error and message: ${res.body.slice(0, 300)}`);
          if (body.error === 'validation' || body.issues !== undefined) {
            const issues = body.issues;
            const ok =
              Array.isArray(issues) && issues.length > 0 && issues.every((i: { field?: unknown; rule?: unknown }) => typeof i?.field === 'string' && typeof i?.rule === 'string' && i.rule.length > 0);
            if (!ok) problems.push(`${status} validation error without issues naming field and rule: ${res.body.slice(0, 300)}`);
          }
        }
      }
      if (status === 401 && !String(res.headers['www-authenticate'] ?? '').includes('Bearer')) problems.push('401 without WWW-Authenticate: Bearer');
    } else if (status >= 200 && status < 300) {
      stats.accepted++;
      if (r.method === 'POST') stats.acceptedPosts++;
      if (r.invalidBody) problems.push(`accepted (${status}) a body the OpenAPI document declares invalid (${r.invalidBody}): ${res.body.slice(0, 200)}`);
    }

    if (r.method === 'POST' && status >= 200 && status < 300) await settle();
    else {
      const after = await head();
      if (after !== before) {
        problems.push(`answered ${status} yet the event store head moved ${before} → ${after}:\n      ${(await eventsAfter(before)).join('\n      ')}`);
        await settle();
      }
    }
    const previous = recent.map((x) => `      ${x}`).join('\n');
    recent.push(`${r.method} ${clip(r.url, 100)} ${clipPayload(r.payload, 100)} (${r.how.slice(0, 2).join('; ')}) → ${status}`);
    if (recent.length > 5) recent.shift();
    if (problems.length) throw new Error(`${problems.join('\n  ')}\n    after:\n${previous}`);
  }

  it(
    'no 5xx, clear 4xx bodies, nothing appended on rejection, no schema-invalid body accepted — for every operation',
    async () => {
      const stats: Stats = { requests: 0, fivexx: 0, rejected: 0, accepted: 0, acceptedPosts: 0, byStatus: new Map(), byOperation: new Map() };
      const failures: string[] = [];
      const started = Date.now();
      const ops = [...operations].sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`)).filter((op) => !ONLY || ONLY.test(`${op.method} ${op.path}`));
      if (!ONLY) expect(ops.length).toBeGreaterThan(10);
      for (const [i, op] of ops.entries()) {
        const opKey = `${op.method} ${op.path}`;
        // A cooperative deadline per operation: fast-check's interruptAfterTimeLimit abandons an async run in flight,
        // whose request then goes on (and may append) while the next operation is checked. Shrinking gets 5 s more.
        const deadline = Date.now() + Math.max(250, Math.floor((BUDGET_MS - (Date.now() - started)) / (ops.length - i)));
        let failing = false;
        const details = await fc.check(
          fc.asyncProperty(requestArb(op), async (r) => {
            // Past its share of the budget an operation stops, but never before it had its minimum of requests.
            if (Date.now() > (failing ? deadline + 5000 : deadline) && (stats.byOperation.get(opKey) ?? 0) > MIN_PER_OPERATION) return;
            try {
              await send(r, stats, opKey);
            } catch (err) {
              failing = true;
              throw err;
            }
          }),
          { numRuns: RUNS_PER_OPERATION, seed: SEED + i },
        );
        if (details.failed) {
          const [r] = details.counterexample ?? [];
          const message = (details.errorInstance as Error | undefined)?.message ?? String(details.errorInstance);
          failures.push(
            [
              `✗ ${opKey} (seed ${SEED + i}, path ${JSON.stringify(details.counterexamplePath)}, after ${details.numRuns} runs and ${details.numShrinks} shrinks)`,
              `  ${message}`,
              r ? renderRequest(r).replace(/^/gm, '    ') : '',
            ].join('\n'),
          );
        }
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const statuses = [...stats.byStatus.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      console.info(
        `fuzz: ${stats.requests} requests, ${stats.fivexx} responses ≥ 500, ${stats.rejected} rejected with 4xx, ${stats.accepted} accepted (${stats.acceptedPosts} POSTs) — ${ops.length} operations in ${seconds} s, seed ${SEED}; statuses ${statuses}`,
      );
      if (failures.length) throw new Error(`fuzzing found ${failures.length} failing operation(s); replay with FUZZ_SEED=${SEED}\n\n${failures.join('\n\n')}`);
      if (!ONLY) expect(stats.requests).toBeGreaterThanOrEqual(2000);
      for (const op of ops) expect(stats.byOperation.get(`${op.method} ${op.path}`) ?? 0, `requests sent to ${op.method} ${op.path}`).toBeGreaterThan(MIN_PER_OPERATION);
    },
    BUDGET_MS + 90_000,
  );

  // Found by the fuzzer above: the key becomes part of a Temporal update id, whose length is limited.
  it('an Idempotency-Key too long for a Temporal update id gets a 400 on every command route, not a 500', async () => {
    const key = 'k'.repeat(1000);
    const receive = { customerId: seeded.customerId, channel: 'phone', category: 'delivery', severity: 'minor', summary: '幂等键过长' };
    const fresh = await t.app.inject({ method: 'POST', url: '/complaints', headers: t.as('supervisor'), payload: receive });
    expect(fresh.statusCode, fresh.body).toBe(201);
    const cases = [
      { url: '/complaints', payload: receive },
      { url: `/complaints/${(fresh.json() as { complaintId: string }).complaintId}/pause`, payload: { reason: '等待客户' } },
      { url: `/complaints/${seeded.withdrawn}/reopen`, payload: { reason: '重新处理' } },
    ];
    const answers: string[] = [];
    for (const c of cases) {
      const before = await head();
      const res = await t.app.inject({ method: 'POST', ...c, headers: { ...t.as('supervisor'), 'idempotency-key': key } });
      answers.push(`POST ${c.url} with Idempotency-Key: "k" × 1000 → ${res.statusCode} ${res.body.slice(0, 120)}`);
      expect(await head(), `${c.url} appended`).toBe(before);
    }
    expect(answers.filter((a) => !/→ 4\d\d /.test(a)), `expected a 4xx for each:\n${answers.join('\n')}`).toEqual([]);
  });

  // Found by the fuzzer above: a command reaching a run that closes under it goes on to a new run.
  it('two commands at once on a withdrawn complaint both get a 409, not a 500', async () => {
    const acknowledge = () => t.app.inject({ method: 'POST', url: `/complaints/${seeded.withdrawn}/acknowledge`, headers: t.as('agent'), payload: {} });
    const before = await head();
    const answers: string[] = [];
    for (const gap of [10, 20, 30, 40, 60]) {
      const first = acknowledge();
      await new Promise((r) => setTimeout(r, gap)); // the second arrives while the run the first one started is still up
      const second = acknowledge();
      for (const res of await Promise.all([first, second])) answers.push(`${res.statusCode} ${res.body.slice(0, 140)}`);
    }
    expect(await head(), 'appended').toBe(before);
    expect(
      answers.filter((a) => !a.startsWith('409 ')),
      `POST /complaints/<withdrawn>/acknowledge {} twice, 10, 20, 30, 40 and 60 ms apart:\n${answers.join('\n')}\nlast error: ${messagesOf(captured.error)}`,
    ).toEqual([]);
  });
});
