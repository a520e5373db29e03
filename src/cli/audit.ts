import { existsSync } from 'node:fs';
import { AnchorStore, type AnchorReason } from '../audit/anchors';
import { anchorChain, recordChain } from '../audit/recorder';
import { verifyLedgers, type LedgerVerification } from '../audit/rebuild';
import { eventStoreOptions, type Config } from '../config/config';
import { openEventStore } from '../events/store';
import { LEDGERS } from '../projections/ledgers';

/** Runs against the data directory itself (the event store, ledger.db and audit.db), not through the API. */
export async function auditVerify(config: Config, options: { json?: boolean; out?: NodeJS.WritableStream } = {}): Promise<LedgerVerification> {
  const out = options.out ?? process.stderr;
  if (!existsSync(config.ledgerDbPath)) throw new Error(`no ledger database at ${config.ledgerDbPath}; start the stack (npm start) first`);
  const store = await openEventStore(eventStoreOptions(config, true));
  const audit = existsSync(config.auditDbPath) ? new AnchorStore(config.auditDbPath, { readonly: true }) : undefined;
  const tty = (out as NodeJS.WriteStream).isTTY === true && !options.json;
  const head = Number((await store.head()).position) || 0;
  let last = 0;
  const progress = (label: string, n: number) => {
    if (!tty || Date.now() - last < 100) return;
    last = Date.now();
    const width = 30;
    const done = head ? Math.min(width, Math.round((n / head) * width)) : 0;
    out.write(`\r${label} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${n.toLocaleString()} events`);
  };
  try {
    return await verifyLedgers(store, config.ledgerDbPath, LEDGERS, {
      chain: { anchors: audit, onProgress: (p) => progress('chain  ', p.events) },
      onProgress: (p) => progress('rebuild', p.eventsRead),
    });
  } finally {
    if (tty) out.write('\r' + ' '.repeat(70) + '\r');
    audit?.close();
    await store.close();
  }
}

export function describeVerification(r: LedgerVerification): string {
  const lines = [
    `${r.ok ? 'OK' : 'FAILED'}: checked ${r.eventsChecked.toLocaleString()} events and ${r.rowsChecked.toLocaleString()} rows in ${(r.durationMs / 1000).toFixed(1)} s (ledgers up to position ${r.checkpoint})`,
  ];
  for (const l of r.ledgers) {
    lines.push(`  ${l.ok ? 'ok  ' : 'DIFF'} ${l.name}: ${l.rows} rows, hash ${l.liveHash.slice(0, 16)}${l.ok ? '' : ` ≠ rebuilt ${l.rebuiltHash.slice(0, 16)}`}`);
    if (l.firstDifference) lines.push(`       first difference: ${JSON.stringify(l.firstDifference)}`);
  }
  if (r.chain) {
    const c = r.chain;
    lines.push(
      `  ${c.ok ? 'ok  ' : 'BROKEN'} hash chain: ${c.events.toLocaleString()} events, head ${c.head.hash.slice(0, 16)} at ${c.head.position}; ${c.linksChecked.toLocaleString()} recorded links and ${c.anchorsChecked} anchors checked${c.unrecorded ? `, ${c.unrecorded} events not yet recorded` : ''}`,
    );
    if (c.firstBreak) lines.push(`       first break at position ${c.firstBreak.position}: ${c.firstBreak.reason} — ${c.firstBreak.detail}`);
  }
  return lines.join('\n');
}

export async function auditAnchor(config: Config, reason: AnchorReason) {
  const store = await openEventStore(eventStoreOptions(config, true));
  const audit = new AnchorStore(config.auditDbPath);
  try {
    await recordChain(store, audit);
    return await anchorChain(store, audit, { reason });
  } finally {
    audit.close();
    await store.close();
  }
}

