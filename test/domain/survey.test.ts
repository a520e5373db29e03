import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { Actor } from '../../src/domain/process';
import { pendingSurveyAlarms, SURVEY_BATCH, surveyDecider, type SurveyCommand, type SurveyState } from '../../src/processes/survey/decider';
import { surveyRules } from '../../src/processes/survey/rules';

/** The survey round's rules, on its decider alone: who may answer, what an import must satisfy, how batches go out. */
const system: Actor = { actor: 'taizhang', role: 'system' };
const clerk: Actor = { actor: 'zhao.min', role: 'supervisor' };
const rules = surveyRules(DEFAULT_POLICY);
const opensAt = '2026-10-12T09:00:00+08:00';

function openRound(n: number, extra: Partial<{ outsourced: string | null; segment: 'key' | 'special' }> = {}): SurveyState {
  const w = rules.window(opensAt);
  const c: SurveyCommand = {
    type: 'OpenSurvey',
    by: system,
    data: {
      surveyId: 'special-x', segment: extra.segment ?? 'special', period: null, title: 't', questionnaire: rules.questionnaire, dimensions: rules.dimensions, satisfiedLevels: rules.satisfiedLevels,
      respondents: Array.from({ length: n }, (_, i) => ({ id: `C${i + 1}`, kind: 'customer' as const })), targets: { returns: 0, competitor: 0 }, opensAt, closesAt: w.closesAt, reminders: w.reminders,
      outsourced: extra.outsourced ?? null, sample: null, previous: null, basis: w.basis,
    },
  };
  return surveyDecider.decide(c, surveyDecider.initialState()).reduce(surveyDecider.evolve, surveyDecider.initialState());
}
const run = (state: SurveyState, c: SurveyCommand) => surveyDecider.decide(c, state).reduce(surveyDecider.evolve, state);
const fail = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
};
const now = '2026-10-13T10:00:00+08:00';

describe('survey round decider', () => {
  it('a respondent answers through their own link only; an unknown indicator is named', () => {
    const s = openRound(2);
    expect(fail(() => surveyDecider.decide({ type: 'Respond', by: { actor: 'respondent:C2', role: 'respondent' }, now, data: { respondentId: 'C1', answers: { delivery: 'satisfied' }, channel: 'web' } }, s))).toMatchObject({ kind: 'forbidden', code: 'survey.not_your_link' });
    expect(fail(() => surveyDecider.decide({ type: 'Respond', by: clerk, now, data: { respondentId: 'C9', answers: { delivery: 'satisfied' }, channel: 'paper' } }, s))).toMatchObject({ kind: 'not_found', code: 'survey.unknown_respondent' });
    expect(fail(() => surveyDecider.decide({ type: 'Respond', by: clerk, now, data: { respondentId: 'C1', answers: { colour: 'satisfied' }, channel: 'paper' } }, s)).issues).toEqual([
      { field: 'answers.colour', rule: expect.stringContaining('is not an indicator of this round') },
    ]);
  });

  it('an import with problems is refused whole, each named by line and field', () => {
    let s = openRound(3);
    s = run(s, { type: 'Respond', by: clerk, now, data: { respondentId: 'C1', answers: { delivery: 'satisfied' }, channel: 'paper' } });
    const e = fail(() =>
      surveyDecider.decide(
        {
          type: 'ImportResponses', by: clerk, now, data: {
            file: { name: 'out.csv', sha256: 'a'.repeat(64) },
            rows: [
              { line: 2, form: 'customer', respondentId: 'C2', answers: { delivery: 'satisfied' } },
              { line: 3, form: 'customer', respondentId: 'C1', answers: { delivery: 'satisfied' } },
              { line: 4, form: 'customer', respondentId: 'C2', answers: { service: 'dissatisfied' } },
              { line: 5, form: 'customer', respondentId: 'C7', answers: { service: 'dissatisfied' } },
              { line: 6, form: 'competitor', answers: { service: 'satisfied' } },
            ],
          },
        },
        s,
      ),
    );
    expect(e).toMatchObject({ kind: 'validation', code: 'survey.import_rejected' });
    expect(e.issues.map((i) => i.field)).toEqual(['line 3: respondentId', 'line 4: respondentId', 'line 5: respondentId', 'line 6: competitor']);
  });

  it('an outsourced survey takes respondents its agency found; a file is imported once', () => {
    const s = openRound(0, { outsourced: '某调查公司' });
    const file = { name: 'agency.xlsx', sha256: 'b'.repeat(64) };
    const imported = run(s, { type: 'ImportResponses', by: clerk, now, data: { file, rows: [{ line: 2, form: 'customer', respondentId: 'C50', answers: { delivery: 'very_satisfied' } }, { line: 3, form: 'competitor', competitor: '乙公司', answers: { delivery: 'fairly_satisfied' } }] } });
    expect(imported).toMatchObject({ returns: 1, competitorForms: 1, forms: 2, responded: { C50: 1 } });
    expect(fail(() => surveyDecider.decide({ type: 'ImportResponses', by: clerk, now, data: { file, rows: [{ line: 2, form: 'competitor', competitor: '丙', answers: { delivery: 'satisfied' } }] } }, imported))).toMatchObject({ code: 'survey.file_already_imported' });
  });

  it('invitations and each reminder go out a batch at a time; the reminder skips those who answered', () => {
    let s = openRound(SURVEY_BATCH + 5);
    expect(pendingSurveyAlarms(s)[0]).toEqual({ kind: 'invite', at: opensAt, from: 0 });
    s = run(s, { type: 'FireAlarm', now: opensAt, alarm: { kind: 'invite', at: opensAt, from: 0 } });
    s = run(s, { type: 'FireAlarm', now: opensAt, alarm: { kind: 'invite', at: opensAt, from: SURVEY_BATCH } });
    expect(pendingSurveyAlarms(s).map((a) => a.kind)).toEqual(['remind', 'remind', 'close']);
    for (let i = 1; i <= SURVEY_BATCH; i++) s = run(s, { type: 'Respond', by: clerk, now, data: { respondentId: `C${i}`, answers: { delivery: 'satisfied' }, channel: 'paper' } });
    const r1 = pendingSurveyAlarms(s)[0]!;
    const events = surveyDecider.decide({ type: 'FireAlarm', now: r1.at, alarm: r1 }, s);
    expect(events).toEqual([{ type: 'SurveyRemindersSent', data: { surveyId: 'special-x', reminder: 1, from: 0, to: SURVEY_BATCH + 5, respondents: ['C101', 'C102', 'C103', 'C104', 'C105'] } }]);
    // A stale alarm (already handled) fires nothing.
    expect(surveyDecider.decide({ type: 'FireAlarm', now: opensAt, alarm: { kind: 'invite', at: opensAt, from: 0 } }, s)).toEqual([]);
  });

  it('respondents must be unique; staff cannot open a regular round', () => {
    const w = rules.window(opensAt);
    const base = { surveyId: 'special-y', segment: 'special' as const, period: null, title: 't', questionnaire: rules.questionnaire, dimensions: rules.dimensions, satisfiedLevels: rules.satisfiedLevels, targets: { returns: 0, competitor: 0 }, opensAt, closesAt: w.closesAt, reminders: w.reminders, outsourced: null, sample: null, previous: null, basis: w.basis };
    const dup = fail(() => surveyDecider.decide({ type: 'OpenSurvey', by: clerk, data: { ...base, respondents: [{ id: 'C1', kind: 'customer' }, { id: 'C1', kind: 'dealer' }] } }, surveyDecider.initialState()));
    expect(dup.issues).toEqual([{ field: 'respondents.1.id', rule: 'must be unique (C1 is also respondents.0)' }]);
    expect(fail(() => surveyDecider.decide({ type: 'OpenSurvey', by: clerk, data: { ...base, segment: 'key', respondents: [{ id: 'C1', kind: 'customer' }] } }, surveyDecider.initialState()))).toMatchObject({ code: 'survey.regular_by_schedule' });
  });
});
