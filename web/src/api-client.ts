/**
 * Talks to the admin API. Where the API lives comes from `./config.json` next to the portal
 * (`{ "apiUrl": "/api" }` from `wing start`; the API Gateway URL in the CloudFront bucket), so one
 * build serves both. Every response is `{ success: true, ... }` or `{ success: false, error }`;
 * an error's message is meant for the administrator and is shown as it is.
 */
import { clearSession, readSession } from './session-store.js';

const DEFAULT_API_URL = '/api';

/** A refused or failed request, with the API's own message. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when the API could not be reached at all. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/**
 * Reads `./config.json`. A missing or unreadable file is not an error: the portal then assumes
 * it is served by the API's own host, at `/api`.
 */
export async function loadApiUrl(): Promise<string> {
  try {
    const response = await fetch('./config.json', { cache: 'no-store' });
    if (!response.ok) return DEFAULT_API_URL;
    const config: unknown = await response.json();
    if (typeof config === 'object' && config !== null && 'apiUrl' in config && typeof config.apiUrl === 'string' && config.apiUrl !== '') {
      return config.apiUrl.replace(/\/+$/, '');
    }
  } catch {
    // No config (or not JSON): the default below.
  }
  return DEFAULT_API_URL;
}

type Method = 'GET' | 'POST' | 'DELETE';

export interface RequestOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

export class ApiClient {
  constructor(
    readonly apiUrl: string,
    /**
     * Called when the API answers 401 to a signed-in request: the token expired or was revoked,
     * so the administrator has to sign in again. Gets the API's message to show there.
     */
    private readonly onSessionEnded: (message: string) => void,
  ) {}

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /**
   * One request. Resolves with the body of a 2xx answer whose `success` is not false; otherwise
   * throws {@link ApiRequestError} with the API's `error` text (or a description of what went
   * wrong on the way when there is none).
   */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const session = readSession();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (session) headers.Authorization = `Bearer ${session.token}`;
    const url = `${this.apiUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
        cache: 'no-store',
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new ApiRequestError(`The admin API at ${url} could not be reached (${err instanceof Error ? err.message : String(err)}). Check the network connection and try again.`, 0);
    }
    const body = await readJson(response);
    const apiError = typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string' ? body.error : undefined;
    const refused = typeof body === 'object' && body !== null && 'success' in body && body.success === false;
    if (response.status === 401 && session) {
      clearSession();
      const message = apiError ?? 'Your session has ended. Sign in again.';
      this.onSessionEnded(message);
      throw new ApiRequestError(message, 401);
    }
    if (!response.ok || refused) {
      throw new ApiRequestError(apiError ?? `The admin API answered ${response.status} ${response.statusText} to ${method} ${path}.`, response.status);
    }
    if (body === undefined) {
      // 204 No Content (signing out may answer so): nothing to return.
      if (response.status === 204) return undefined as T;
      throw new ApiRequestError(`The admin API answered ${method} ${path} with something that is not JSON.`, response.status);
    }
    return body as T;
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The message to show for anything a request threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
