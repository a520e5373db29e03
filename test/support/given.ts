import { expect } from 'vitest';
import type { DomainEvent } from '../../src/domain/decider';
import { DomainError } from '../../src/domain/errors';
import { isNotification, type NotificationIssued } from '../../src/domain/notifications';
import { decideWithNotifications, foldEntity, type FireAlarm, type ProcessDefinition } from '../../src/domain/process';

type Expected<E extends DomainEvent> = Array<{ type: E['type'] | 'NotificationIssued'; data?: Record<string, unknown> }>;

/**
 * Decider tests as specifications, the same for every process: `given(events).when(command).then(events)` or
 * `.rejects(kind, message)`. The command is decided as the workflow decides it, notifications included (the kernel
 * records them after the event that calls for them, keyed by stream).
 */
export function specification<S, C, E extends DomainEvent>(p: ProcessDefinition<S, C, E>, stream: string) {
  return (events: Array<E | NotificationIssued> = []) => {
    const state = foldEntity(p, events);
    const issued = events.filter(isNotification).length;
    return {
      state,
      when(command: C | FireAlarm) {
        const run = () => decideWithNotifications(p, stream, command, state, issued);
        return {
          then(expected: Expected<E>): Array<E | NotificationIssued> {
            const got = run();
            expect(got.map((e) => e.type)).toEqual(expected.map((e) => e.type));
            expected.forEach((e, i) => e.data && expect(got[i]!.data).toMatchObject(e.data));
            return got;
          },
          rejects(kind: DomainError['kind'], message?: RegExp): DomainError {
            let err: unknown;
            try {
              run();
            } catch (e) {
              err = e;
            }
            expect(err).toBeInstanceOf(DomainError);
            expect((err as DomainError).kind).toBe(kind);
            if (message) expect((err as DomainError).message).toMatch(message);
            return err as DomainError;
          },
        };
      },
    };
  };
}
