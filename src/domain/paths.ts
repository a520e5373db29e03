/** The value at a dotted path (split), or undefined where the path leads nowhere. */
export const valueAt = (o: unknown, path: readonly string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/** Sets the value at a path whose parent object exists (a missing parent leaves `o` as it is). */
export function setValueAt(o: unknown, path: readonly string[], value: unknown): void {
  const parent = valueAt(o, path.slice(0, -1));
  if (parent && typeof parent === 'object') (parent as Record<string, unknown>)[path.at(-1)!] = value;
}
