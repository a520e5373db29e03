import type { Agent } from 'node:http';

/** A small HTTP client for the API, used by the CLI. Errors carry the API's body so the CLI can name the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; issues?: Array<{ field: string; rule: string }> } | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

interface Reply {
  status: number;
  bytes: Buffer;
}

/** Kept-alive connections per protocol, so `dev seed`'s many requests reuse them (idle ones keep no process alive). */
const agents = new Map<string, Agent>();

/**
 * One request through node:http or node:https: a CLI command makes one or two, and these modules load in a fraction
 * of the time the fetch implementation takes to start.
 */
async function send(baseUrl: string, url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<Reply> {
  const http = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const agent = agents.get(url.protocol) ?? new http.Agent({ keepAlive: true });
  agents.set(url.protocol, agent);
  return new Promise<Reply>((resolve, reject) => {
    let answered = false;
    const req = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', (err) => reject(answered ? err : new Error(`cannot reach the API at ${baseUrl} (${err.message}); is \`npm start\` running?`)));
    req.end(body);
  });
}

const errorOf = (r: Reply): ApiError => {
  const text = r.bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = { message: text };
  }
  return new ApiError(r.status, json as ApiError['body']);
};

const ok = (r: Reply) => r.status >= 200 && r.status < 300;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  private get auth(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  /** A binary download (exports). */
  async download(path: string): Promise<Buffer> {
    const r = await send(this.baseUrl, new URL(path, this.baseUrl), 'GET', this.auth, undefined);
    if (!ok(r)) throw errorOf(r);
    return r.bytes;
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const r = await send(
      this.baseUrl,
      new URL(path, this.baseUrl),
      method,
      { ...this.auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body !== undefined ? JSON.stringify(body) : undefined,
    );
    if (!ok(r)) throw errorOf(r);
    const text = r.bytes.toString('utf8');
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      return { message: text } as T;
    }
  }
}
