import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/process';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import { surveyProcess } from '../../src/processes/survey';
import { startAsEngine, startWorkerStack, type WorkerStack } from '../support/temporal';

/**
 * A round of 2,000 respondents on the real dev server: 2,000 invitations, 2,000 returned questionnaires, the close.
 * Invitations go out in batches and a long history continues as new, so no run of the round's workflow comes near
 * Temporal's history limits; the test reports the largest history.
 */
const N = 2000;
const CONCURRENCY = 8;

describe('a survey round of 2,000 respondents (dev server)', () => {
  let w: WorkerStack;
  const staff: Actor = { actor: 'zhao.min', role: 'supervisor' };

  beforeAll(async () => {
    w = await startWorkerStack('dev', { policy: DEFAULT_POLICY });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('completes with every response counted and no workflow history above 10,000 events', { timeout: 600_000 }, async () => {
    const surveyId = 'ordinary-2027H1';
    const respondents = Array.from({ length: N }, (_, i) => ({ id: `C-BIG-${i + 1}`, kind: 'customer' as const }));
    const t0 = Date.now();
    // A regular round opens from its schedule, as the engine.
    await startAsEngine(w, surveyProcess, surveyId, 'open', { segment: 'ordinary', period: '2027H1', respondents });
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < N; i = next++) {
        await w.gateway.command(surveyProcess, surveyId, 'respond', { respondentId: respondents[i]!.id, answers: { delivery: i % 10 === 0 ? 'dissatisfied' : 'satisfied', service: 'very_satisfied' }, channel: 'paper' }, staff);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const answeredMs = Date.now() - t0;
    await w.gateway.command(surveyProcess, surveyId, 'close', { reason: 'all questionnaires returned' }, staff);

    const events = await w.store.readStream(`survey-${surveyId}`);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('SurveyResponseRecorded')).toBe(N);
    expect(events.filter((e) => e.type === 'NotificationIssued' && (e.data as { about: string }).about === 'SurveyInvitationsSent')).toHaveLength(N);
    const closed = events.find((e) => e.type === 'SurveyClosed')!.data as { returns: number; distribution: Record<string, Record<string, number>>; negativeDimensions: string[] };
    expect(closed.returns).toBe(N);
    expect(closed.distribution.delivery!.dissatisfied).toBe(N / 10);
    expect(closed.negativeDimensions).toEqual(['delivery']);

    // Every run of the round's workflow, with its history length as the server counts it.
    const runs: Array<{ runId: string; length: number; status: string }> = [];
    for await (const r of w.env.client.workflow.list({ query: `WorkflowId = 'survey-${surveyId}'` })) runs.push({ runId: r.runId, length: r.historyLength, status: r.status.name });
    const largest = Math.max(...runs.map((r) => r.length));
    console.info(`survey of ${N}: ${N} responses in ${(answeredMs / 1000).toFixed(1)} s with ${CONCURRENCY} clerks; ${runs.length} runs, history lengths ${runs.map((r) => r.length).join(', ')}; largest ${largest}`);
    expect(runs.length).toBeGreaterThan(1);
    expect(largest).toBeLessThanOrEqual(10_000);
  });
});
