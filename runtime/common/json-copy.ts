/**
 * `JSON.parse(JSON.stringify(value))` without the text in between: every decide copies the ticket state this way
 * (so the caller's object stays untouched), and writing and reading the text cost several times more than walking
 * plain data. What JSON would change is changed the same way (`-0` → `0`, non-finite numbers → `null`, properties
 * holding `undefined`, functions or symbols left out); anything else it treats specially — `toJSON` (dates), class
 * instances, maps, holes and non-JSON values in arrays, a `__proto__` key, bigints, cycles, very deep nesting —
 * sends the whole value through JSON itself, so the result and the errors thrown are JSON's.
 */

const MAX_DEPTH = 200;

class NotPlain extends Error {}
const NOT_PLAIN = new NotPlain();

function copyValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'object':
      if (value === null) return null;
      if (depth > MAX_DEPTH) throw NOT_PLAIN;
      return Array.isArray(value) ? copyArray(value, depth) : copyObject(value, depth);
    default:
      throw NOT_PLAIN;
  }
}

function copyArray(array: unknown[], depth: number): unknown[] {
  if (Object.getPrototypeOf(array) !== Array.prototype) throw NOT_PLAIN;
  const copy = new Array<unknown>(array.length);
  for (let index = 0; index < array.length; index += 1) {
    if (!(index in array)) throw NOT_PLAIN;
    const item: unknown = array[index];
    // JSON writes null for these inside an array: rare enough to leave to JSON.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') throw NOT_PLAIN;
    copy[index] = copyValue(item, depth + 1);
  }
  return copy;
}

function copyObject(object: object, depth: number): Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(object);
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in object) throw NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (key === '__proto__') throw NOT_PLAIN;
    const item: unknown = (object as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    copy[key] = copyValue(item, depth + 1);
  }
  return copy;
}

/** A copy of `value` equal to `JSON.parse(JSON.stringify(value))`, throwing what that throws. */
export function copyJson<T>(value: T): T {
  try {
    return copyValue(value, 0) as T;
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
    return JSON.parse(JSON.stringify(value)) as T;
  }
}
