/**
 * Saved simulation samples of a ticket type. The definition schema allows no extra part, and samples are not
 * behaviour to publish, so they are kept in this browser's localStorage, per ticket type.
 */
export interface SavedSample {
  id: string;
  title: string;
  data: Record<string, unknown>;
  requester?: Record<string, unknown>;
  channel?: string;
  /** The decision scripted at each waiting step, by node id. */
  decisions?: Record<string, string>;
}

const storageKey = (typeKey: string) => `ordo.designer.samples.${typeKey}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function loadSamples(
  typeKey: string,
  storage: Storage | undefined = globalThis.localStorage,
): SavedSample[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(storageKey(typeKey)) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (item): item is SavedSample =>
        isRecord(item) &&
        typeof item.id === 'string' &&
        typeof item.title === 'string' &&
        isRecord(item.data),
    );
  } catch {
    return [];
  }
}

export function saveSamples(
  typeKey: string,
  samples: readonly SavedSample[],
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(storageKey(typeKey), JSON.stringify(samples));
  } catch {
    // A full or disabled storage keeps the samples for this page only.
  }
}

/** Form data typed as JSON: an object, or the reason it is not one. */
export function parseSampleData(text: string): { ok: true; value: Record<string, unknown> } | { ok: false } {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}
