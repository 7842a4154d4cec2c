/**
 * A small reader of `text/event-stream` over fetch, for tests and benches: it keeps every event it received and
 * waits for one with a deadline. Not used by the app (browsers have EventSource).
 */
export interface ReceivedEvent {
  id?: string;
  event: string;
  data: unknown;
  receivedAt: number;
}

export class SseClient {
  readonly events: ReceivedEvent[] = [];
  status = 0;
  closed = false;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];

  private constructor() {}

  /** Open a stream; resolves once the answer's headers arrived (`status` says how it went). */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: client.abort.signal,
    });
    client.status = response.status;
    if (response.status !== 200 || !response.body) {
      await response.text().catch(() => undefined);
      client.closed = true;
      return client;
    }
    void client.read(response.body);
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          this.take(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // Aborted by close(), or the server went away.
    }
    this.closed = true;
    this.wake();
  }

  private take(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Kept as text.
    }
    this.events.push({ id, event, data: parsed, receivedAt: Date.now() });
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** The events named `event` whose data passes `match`. */
  received<T = Record<string, unknown>>(event: string, match: (data: T) => boolean = () => true): T[] {
    return this.events.filter((e) => e.event === event && match(e.data as T)).map((e) => e.data as T);
  }

  /** The first event named `event` whose data passes `match`, waiting up to `timeoutMs` for it. */
  async next<T = Record<string, unknown>>(
    event: string,
    match: (data: T) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ReceivedEvent & { data: T }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((e) => e.event === event && match(e.data as T));
      if (found) return found as ReceivedEvent & { data: T };
      if (this.closed) throw new Error(`the stream closed before a "${event}" event came`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no "${event}" event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The id of the last event received (what a reconnect sends as `Last-Event-ID`). */
  get lastEventId(): string | undefined {
    for (let index = this.events.length - 1; index >= 0; index -= 1) {
      const id = this.events[index]!.id;
      if (id) return id;
    }
    return undefined;
  }

  close(): void {
    this.abort.abort();
    this.closed = true;
    this.wake();
  }
}
