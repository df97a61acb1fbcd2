/** The API's error body: `{"error": {"code", "message", "details"?, "requestId"}}`. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: { issues?: { path: string; message: string }[] } & Record<string, unknown>;
  requestId?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * One door to the REST API. Same origin, so the HttpOnly session cookie rides along; nothing
 * secret is kept in the page.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; query?: Query; signal?: AbortSignal } = {}): Promise<T> {
  const res = await fetch(withQuery(path, init.query), {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
    signal: init.signal,
  });
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json() : undefined;
  if (!res.ok) {
    const body = (data as { error?: ApiErrorBody } | undefined)?.error ?? { code: `http_${res.status}`, message: res.statusText };
    throw new ApiError(res.status, body);
  }
  return data as T;
}

export function isApiError(e: unknown, status?: number): e is ApiError {
  return e instanceof ApiError && (status === undefined || e.status === status);
}

/**
 * A 404 that means "nothing yet" (no model run, no score): null, so the page shows its empty state rather than an
 * error. With `code`, only a 404 carrying that error code counts; other 404s still throw.
 */
export async function orNull<T>(p: Promise<T>, code?: string): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (isApiError(e, 404) && (code === undefined || e.body.code === code)) return null;
    throw e;
  }
}
