/** The shape every process decider has (Emmett style): pure, deterministic, time enters through the command. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

export interface Decider<Command, State, Event extends DomainEvent> {
  initialState: () => State;
  /** Returns the events the command causes, or throws a DomainError. */
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
}

export function fold<State, Event>(evolve: (s: State, e: Event) => State, initial: State, events: Iterable<Event>): State {
  let s = initial;
  for (const e of events) s = evolve(s, e);
  return s;
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}

/**
 * `decide` from one small function per command type (Emmett's habit); the mapped type makes it exhaustive, as a
 * `never` check would.
 */
export function byType<C extends { type: string }, S, E>(handlers: { [K in C['type']]: (command: Extract<C, { type: K }>, state: S) => E[] }): (command: C, state: S) => E[] {
  return (command, state) => (handlers[command.type as C['type']] as (c: C, s: S) => E[])(command, state);
}
