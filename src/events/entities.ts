import { foldEntity, streamOf, type ProcessDefinition } from '../domain/process';
import { upcast } from './catalogue';
import type { EventStore } from './store/port';

/** An entity's state as its stream holds it now (upcast, folded): for look-ups outside the owning workflow. */
export async function readEntity<S>(store: EventStore, p: ProcessDefinition<S>, id: string): Promise<{ state: S; revision: number }> {
  const events = await store.readStream(streamOf(p, id));
  const state = foldEntity(p, events.map((e) => ({ type: e.type, data: upcast(e.type, e.metadata.schemaVersion, e.data) })));
  return { state, revision: events.length ? events[events.length - 1]!.revision : -1 };
}
