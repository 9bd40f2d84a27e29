// A copy of a parsed JSON object without some of its keys. `delete` would do
// it in place, but V8 then keeps the object in dictionary mode (a hash table
// of about 450 bytes), for as long as a cache holds it.

/** `obj` itself when no key is dropped, else a new object of the kept keys in their order. */
export function withoutKeys<T extends object>(obj: T, drop: (key: string) => boolean): T {
  const keys = Object.keys(obj);
  if (!keys.some(drop)) return obj;
  const kept: Record<string, unknown> = {};
  for (const k of keys) if (!drop(k)) kept[k] = (obj as Record<string, unknown>)[k];
  return kept as T;
}
