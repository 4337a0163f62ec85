/**
 * The page's one HTTP client for Reach's REST API: bearer token, JSON in and out, every answer
 * validated, and every failure turned into an `ApiError` carrying the problem+json details.
 */
import * as z from 'zod/mini';
import { problem } from './schemas';

/** A failed call, with what the API said (title, detail, failing fields) ready to show. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly { readonly field: string; readonly message: string }[] = [],
  ) {
    super(message);
  }
}

export interface ApiOptions {
  /** Prefix of every path; '' for the page's own origin. */
  readonly base: string;
  /** The bearer token to send, if signed in. */
  readonly token: () => string | undefined;
  /** Called on a 401 (the token was refused or has expired). */
  readonly onUnauthorized: () => void;
}

/** Reads a failed answer's body into an `ApiError` (problem+json, API Gateway's `{message}`, or plain). */
export const errorFrom = async (res: Response): Promise<ApiError> => {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new ApiError(res.status, `${res.status} ${res.statusText || 'error'}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }
  const p = problem.safeParse(body);
  if (!p.success) return new ApiError(res.status, `${res.status} ${res.statusText || 'error'}`);
  const heading = p.data.title ?? p.data.message ?? `${res.status} ${res.statusText}`;
  const message = p.data.detail && p.data.detail !== heading ? `${heading}: ${p.data.detail}` : heading;
  return new ApiError(res.status, message, p.data.errors ?? []);
};

/** The client bound to a base URL and a token source. */
export class Api {
  constructor(private readonly options: ApiOptions) {}

  /** Calls `method path` and validates a 2xx answer with `schema`. */
  async call<S extends z.ZodMiniType>(method: string, path: string, schema: S, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<z.infer<S>> {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    const token = this.options.token();
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.options.base}${path}`, { method, headers, ...(init.body !== undefined && { body: JSON.stringify(init.body) }) });
    } catch (err) {
      throw new ApiError(0, `Could not reach the API (${err instanceof Error ? err.message : String(err)})`);
    }
    if (res.status === 401) this.options.onUnauthorized();
    if (!res.ok) throw await errorFrom(res);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError(res.status, `${method} ${path} answered something that is not JSON`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 3).join(', ');
      throw new ApiError(res.status, `${method} ${path} answered an unexpected shape (at ${where})`);
    }
    return parsed.data;
  }

  get<S extends z.ZodMiniType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.call('GET', path, schema);
  }

  post<S extends z.ZodMiniType>(path: string, body: unknown, schema: S, headers: Record<string, string> = {}): Promise<z.infer<S>> {
    return this.call('POST', path, schema, { body, headers });
  }
}
