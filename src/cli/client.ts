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

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  /** A binary download (exports). */
  async download(path: string): Promise<Buffer> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    } catch (err) {
      throw new Error(`cannot reach the API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`);
    }
    if (!res.ok) {
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = { message: text };
      }
      throw new ApiError(res.status, json as ApiError['body']);
    }
    return Buffer.from(await res.arrayBuffer());
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      throw new Error(`cannot reach the API at ${this.baseUrl} (${(err as Error).cause ?? (err as Error).message}); is \`npm start\` running?`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { message: text };
    }
    if (!res.ok) throw new ApiError(res.status, json as ApiError['body']);
    return json as T;
  }
}
