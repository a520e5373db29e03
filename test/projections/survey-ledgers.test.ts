import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { Actor } from '../../src/domain/process';
import { correctiveActionsLedger } from '../../src/processes/corrective/ledger';
import { correctiveDecider, type CorrectiveCommand, type CorrectiveState } from '../../src/processes/corrective/decider';
import { correctiveRules } from '../../src/processes/corrective/rules';
import { correctiveEventSchemas } from '../../src/processes/corrective/schemas';
import { given, recorded } from '../support/rows';
import { surveyDecider, type SurveyCommand, type SurveyState } from '../../src/processes/survey/decider';
import { surveyRules } from '../../src/processes/survey/rules';
import { surveyEventSchemas } from '../../src/processes/survey/schemas';
import { LedgerDb } from '../../src/projections/ledger-db';
import { ALL_LEDGERS, LEDGERS } from '../../src/projections/ledgers';
import { LedgerReader } from '../../src/projections/reader';
import { envelope } from '../support/events';
import { tempStore } from '../support/store';

/**
 * 满意度调查台账 (`surveys`), 问卷明细 (`survey_responses`) and the satisfaction KPI by source, from the events the
 * round's own decider produces (each checked against its schema): the projector's tables, as people read them.
 */
const system: Actor = { actor: 'taizhang', role: 'system' };
const clerk: Actor = { actor: 'zhao.min', role: 'supervisor' };

describe('survey ledgers and the satisfaction KPI', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('a closed round: one row with its statistics and flags, one row per form, and the KPI rate by source', async () => {
    const s = tempStore();
    cleanups.push(s.cleanup);
    const rules = surveyRules(DEFAULT_POLICY);
    const opensAt = '2026-10-12T09:00:00+08:00';
    const w = rules.window(opensAt);
    const respondents = ['C1', 'C2', 'C3'].map((id) => ({ id, kind: 'customer' as const }));
    const commands: Array<Exclude<SurveyCommand, { type: 'FireAlarm' }>> = [
      {
        type: 'OpenSurvey',
        by: system,
        data: {
          surveyId: 'key-2026Q4', segment: 'key', period: '2026Q4', title: '重点客户满意度调查 2026Q4', questionnaire: rules.questionnaire, dimensions: rules.dimensions,
          satisfiedLevels: rules.satisfiedLevels, respondents, targets: rules.targets, opensAt, closesAt: w.closesAt, reminders: w.reminders, outsourced: null,
          sample: { source: 'ledger:customers', checkpoint: '42', rule: 'every key customer', population: 3 }, previous: { surveyId: 'key-2026Q3', satisfactionRate: 90, closedAt: '2026-07-24T09:00:00+08:00' }, basis: w.basis,
        },
      },
      { type: 'Respond', by: clerk, now: '2026-10-13T10:00:00+08:00', data: { respondentId: 'C1', answers: { delivery: 'dissatisfied', service: 'very_satisfied' }, channel: 'paper' } },
      { type: 'Respond', by: { actor: 'respondent:C2', role: 'respondent' }, now: '2026-10-14T10:00:00+08:00', data: { respondentId: 'C2', answers: { delivery: 'satisfied', service: 'fairly_satisfied' }, comment: '交货及时', channel: 'web' } },
      { type: 'Benchmark', by: clerk, now: '2026-10-15T10:00:00+08:00', data: { competitor: '甲公司', answers: { delivery: 'very_satisfied' } } },
      { type: 'CloseSurvey', by: clerk, now: '2026-10-20T10:00:00+08:00', data: { reason: '提前结束' } },
    ];
    let state: SurveyState = surveyDecider.initialState();
    let revision = -1;
    for (const c of commands) {
      const events = surveyDecider.decide(c, state);
      for (const e of events) {
        surveyEventSchemas[e.type].parse(e.data);
        state = surveyDecider.evolve(state, e);
      }
      await s.store.append('survey-key-2026Q4', events.map((e) => envelope(e.type, e.data, { actor: c.by.actor, role: c.by.role })), { expectedRevision: revision < 0 ? 'no_stream' : revision });
      revision += events.length;
    }
    const file = path.join(s.dir, 'ledger.db');
    const db = new LedgerDb(file, LEDGERS);
    const all = [];
    for await (const e of s.store.readAll()) all.push(e);
    db.applyBatch(all);
    db.close();
    const reader = new LedgerReader(file, ALL_LEDGERS);
    cleanups.push(async () => reader.close());

    const [round] = reader.list('surveys', 'auditor').rows;
    // 4 answers, 3 satisfied; previous round 90 % → trend −15 points.
    expect(round).toMatchObject({
      survey_id: 'key-2026Q4', segment: 'key', period: '2026Q4', status: 'closed', questionnaire_version: 'Q-2026.1', respondents: 3, returns: 2, return_target: 100, returns_short: 1,
      competitor_forms: 1, competitor_target: 10, competitor_short: 1, answer_count: 4, satisfied_count: 3, satisfaction_rate: 75, previous_survey: 'key-2026Q3', previous_rate: 90, trend: -15,
      negative_dimensions: 'delivery', corrective_actions: 1, sample_checkpoint: '42',
    });
    expect(JSON.parse(String(round!.distribution)).delivery).toEqual({ very_satisfied: 0, satisfied: 1, fairly_satisfied: 0, dissatisfied: 1, very_dissatisfied: 0 });
    expect(JSON.parse(String(round!.dimension_rates))).toMatchObject({ delivery: 50, service: 100, packaging: null });

    const forms = reader.list('survey_responses', 'auditor').rows;
    expect(forms.map((r) => [r.response_no, r.form, r.respondent_id, r.competitor, r.channel, r.negative_dimensions, r.entered_by])).toEqual([
      [1, 'customer', 'C1', null, 'paper', 'delivery', 'zhao.min'],
      [2, 'customer', 'C2', null, 'web', '', null],
      [3, 'competitor', null, '甲公司', 'paper', '', 'zhao.min'],
    ]);
    expect(forms[1]).toMatchObject({ comment: '交货及时', answers: JSON.stringify({ delivery: 'satisfied', service: 'fairly_satisfied' }) });

    const kpi = reader.list('kpi_quarterly', 'auditor').rows.find((r) => r.period === '2026-Q4');
    expect(kpi).toMatchObject({ survey_answers: 4, survey_satisfied: 3, survey_satisfaction_rate: 75, follow_ups: 0, satisfaction_rate: null });
    const labels = Object.fromEntries(ALL_LEDGERS.find((l) => l.name === 'kpi_quarterly')!.columns.map((c) => [c.name, c.label.zh]));
    expect([labels.satisfaction_rate, labels.survey_satisfaction_rate]).toEqual(['满意率(回访,%)', '满意率(满意度调查,%)']);
  });

  it('corrective actions: owner, plan, execution, a failed verification and a second plan, each step late or on time', () => {
    const r = correctiveRules(DEFAULT_POLICY);
    const perf: Actor = { actor: 'pm.lead', role: 'performance' };
    const owner: Actor = { actor: 'sun.wei', role: 'supervisor' };
    const t = (d: string) => `2026-11-${d}+08:00`;
    const commands: Array<Exclude<CorrectiveCommand, { type: 'FireAlarm' }>> = [
      { type: 'OpenCorrective', by: system, now: t('02T09:00:00'), data: { correctiveId: 'key-2026Q4-delivery', surveyId: 'key-2026Q4', dimension: 'delivery', label: '交货期', negatives: { dissatisfied: 10, very_dissatisfied: 2 }, answers: 90 }, assign: r.deadline('assign', t('02T09:00:00')), basis: r.basis(t('02T09:00:00')) },
      { type: 'AssignCorrective', by: perf, now: t('10T09:00:00'), data: { owner: 'sun.wei', department: '售后服务部' }, plan: r.deadline('plan', t('10T09:00:00')) },
      { type: 'PlanCorrective', by: owner, now: t('11T09:00:00'), data: { plan: '增加发货班次' }, execute: r.deadline('execute', t('11T09:00:00')) },
      { type: 'CompleteCorrective', by: owner, now: t('20T09:00:00'), data: { summary: '已增加' }, verify: r.deadline('verify', t('20T09:00:00')) },
      { type: 'VerifyCorrective', by: perf, now: t('23T09:00:00'), data: { effective: false, note: '抽查仍有延误' }, plan: r.deadline('plan', t('23T09:00:00')) },
    ];
    let state: CorrectiveState = correctiveDecider.initialState();
    const events = commands.flatMap((c, i) =>
      correctiveDecider.decide(c, state).map((e) => {
        correctiveEventSchemas[e.type].parse(e.data);
        state = correctiveDecider.evolve(state, e);
        return recorded('corrective-key-2026Q4-delivery', i, e.type, e.data, { actor: c.by.actor, role: c.by.role, occurredAt: new Date(Date.parse(c.now)).toISOString() });
      }),
    );
    expect(given(events).rows(correctiveActionsLedger)).toEqual([
      expect.objectContaining({
        corrective_id: 'key-2026Q4-delivery', survey_id: 'key-2026Q4', dimension: 'delivery', dimension_label: '交货期', negatives: 12, status: 'planning', owner: 'sun.wei', department: '售后服务部',
        plan: '增加发货班次', current_step: 'plan', current_due: r.deadline('plan', t('23T09:00:00')).due, late_steps: 1, rounds: 2, effective: 0, closed_at: null,
      }),
    ]);
  });
});
