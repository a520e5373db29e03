import type { LedgerProjection, LedgerShape } from '../domain/ledger';

/**
 * A ledger computed from other ledgers by SQL at read time (the KPI views): always consistent with them, live, as of
 * any moment (it reads the as-of rebuild) and in exports.
 */
export interface LedgerView extends LedgerShape {
  sql: string;
}

/**
 * The FROM clause of a ledger: its table, or its view's query; for a read shape with lookup columns (readShapeOf), its
 * table LEFT JOINed with the ledgers they are read from, as a subquery whose columns are the shape's (so filters and
 * the ledger's ordering name them unqualified). Every row of the table comes out once: each lookup joins on the
 * other ledger's key.
 */
export function sourceOf(l: LedgerShape): string {
  if ('sql' in l) return `(${(l as LedgerView).sql})`;
  const looked = l.columns.filter((c) => c.lookup);
  if (!looked.length) return `"${tableOf(l)}"`;
  const joins = new Map<string, { alias: string; ledger: string; key: string; via: string }>();
  const select = l.columns.map((c) => {
    if (!c.lookup) return `t."${c.name}"`;
    const id = JSON.stringify([c.lookup.ledger, c.lookup.key, c.lookup.via]);
    let j = joins.get(id);
    if (!j) joins.set(id, (j = { alias: `j${joins.size}`, ...c.lookup }));
    return `${j.alias}."${c.lookup.column}" AS "${c.name}"`;
  });
  const from = [...joins.values()].map((j) => `LEFT JOIN "${tableOf({ name: j.ledger })}" ${j.alias} ON ${j.alias}."${j.key}" = t."${j.via}"`).join(' ');
  return `(SELECT ${select.join(', ')} FROM "${tableOf(l)}" t ${from})`;
}

export const isProjection = (l: LedgerShape): l is LedgerProjection => 'evolve' in l;

export const tableOf = (p: Pick<LedgerProjection, 'name'>): string => `ledger_${p.name}`;
