/**
 * The one way the studio talks to the server: JSON over fetch, same-origin cookies, and every failure turned
 * into an ApiError that carries the problem+json body and the form field it names.
 */

/** The server's error body (RFC 9457 problem details) as the API contract describes it. */
export interface ProblemDetails {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  field?: string;
  /** Every problem when there are several: the field, a stable code, the message (reader's language) and texts. */
  errors?: { field: string; code?: string; message: string; text?: Partial<Record<string, string>> }[];
  /** The message in each language, when the server has written one for this refusal. */
  text?: Partial<Record<string, string>>;
  /** The same, as the ticket engine names it when it refuses a command. */
  message?: Partial<Record<string, string>>;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;
  /** The failing field as a form knows it: `body.username` → `username`, `body.members.0.userId` → `members.0.userId`. */
  readonly field: string | undefined;

  constructor(problem: ProblemDetails) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
    this.field = problem.field === undefined ? undefined : formFieldOf(problem.field);
  }

  /** True when the request never reached the server (offline, server down). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** The stable reason of the refusal: `urn:ordo:problem:link-used` → `link-used`. */
  get code(): string | undefined {
    const type = this.problem.type;
    return type?.startsWith(PROBLEM_TYPE_PREFIX) ? type.slice(PROBLEM_TYPE_PREFIX.length) : undefined;
  }

  /** Whether the server wrote this refusal for people, in their language. */
  hasTextIn(locale: string): boolean {
    return (
      localizedOf(this.problem.text, locale) !== undefined ||
      localizedOf(this.problem.message, locale) !== undefined
    );
  }

  /** The server's own sentence in the reader's language when it sent one, else its English detail. */
  messageIn(locale: string): string {
    return (
      localizedOf(this.problem.text, locale) ?? localizedOf(this.problem.message, locale) ?? this.message
    );
  }

  /** Every named field with its message, keyed like `field`, in the reader's language when the server wrote it. */
  fieldErrorsIn(locale: string): Record<string, string> {
    const fieldErrors: Record<string, string> = {};
    // Each listed problem speaks of its own field; the main message may sum up several (a refused form).
    for (const error of this.problem.errors ?? [])
      fieldErrors[formFieldOf(error.field)] ??= localizedOf(error.text, locale) ?? error.message;
    if (this.field !== undefined) fieldErrors[this.field] ??= this.messageIn(locale);
    return fieldErrors;
  }
}

const PROBLEM_TYPE_PREFIX = 'urn:ordo:problem:';

function localizedOf(texts: unknown, locale: string): string | undefined {
  if (texts === null || typeof texts !== 'object') return undefined;
  const text = (texts as Record<string, unknown>)[locale];
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/** Strip the request part (`body.`, `/body/`, `querystring.`) a server names fields with. */
export function formFieldOf(serverField: string): string {
  return serverField
    .replace(/^\//, '')
    .replace(/\//g, '.')
    .replace(/^(body|query|querystring|params|header|headers)\./, '');
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();
let acceptLanguage = 'zh-CN';

/** Called when a signed-in request comes back 401: the session expired or was revoked elsewhere. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Server messages (validation details) follow the language the user chose in the studio. */
export function setRequestLanguage(locale: string): void {
  acceptLanguage = locale;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Extra request headers, e.g. `Idempotency-Key`. */
  headers?: Record<string, string>;
  /** A 401 is an expected answer (login, "who am I"), not a lost session. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (!response.ok) throw await errorFrom(response, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Send files as multipart/form-data (the browser sets the boundary); failures are ApiErrors like any other. */
export async function upload<T>(path: string, body: FormData): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Accept-Language': acceptLanguage },
      body,
      credentials: 'same-origin',
    });
  } catch (cause) {
    throw new ApiError({ status: 0, title: 'Network error', detail: String(cause) });
  }
  if (!response.ok) throw await errorFrom(response, {});
  return (await response.json()) as T;
}

/** For endpoints whose error answers still carry data worth showing, like `/health` with 503. */
export async function requestWithStatus<T>(
  path: string,
  options: RequestOptions = {},
): Promise<{ status: number; body: T | undefined }> {
  const response = await send(path, options);
  const text = await response.text();
  let body: T | undefined;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as T);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': acceptLanguage,
    ...options.headers,
  };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError({ status: 0, title: 'Network error', detail: String(cause) });
  }
}

async function errorFrom(response: Response, options: RequestOptions): Promise<ApiError> {
  if (response.status === 401 && !options.expectUnauthorized) {
    for (const listener of unauthorizedListeners) listener();
  }
  let problem: ProblemDetails = { status: response.status, title: response.statusText };
  try {
    const body = (await response.json()) as Partial<ProblemDetails> | null;
    if (body && typeof body === 'object') problem = { ...problem, ...body, status: response.status };
  } catch {
    // Not JSON (a proxy's HTML error page): keep the status line.
  }
  return new ApiError(problem);
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) search.set(name, String(value));
  const encoded = search.toString();
  return encoded === '' ? path : `${path}?${encoded}`;
}
