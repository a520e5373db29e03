import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  CHANGE_KINDS,
  CHANGE_STATUSES,
  CHANNELS,
  CORRECTIVE_STATUSES,
  CUSTOMER_CLASSES,
  CUSTOMER_TYPES,
  GRADES,
  IMPORTANCE,
  OPINIONS,
  RATING_LABELS,
  RESPONDENT_KINDS,
  SEVERITIES,
  SURVEY_SEGMENTS,
  SURVEY_STATUS_LABELS,
} from '../../src/domain/enums';
import {
  acceptedValues,
  cellLabel,
  columnValueLabels,
  eventLabel,
  EVENT_LABELS,
  isClosedColumn,
  labelRows,
  reasonLabel,
  roleLabel,
  valueLabel,
  valueOfLabel,
  yesNo,
} from '../../src/domain/labels';
import { NOTIFICATION_ISSUED } from '../../src/domain/notifications';
import { PARTIES } from '../../src/domain/pii';
import { ROLES } from '../../src/domain/roles';
import { schemaVersionOf } from '../../src/events/catalogue';
import { CHANGE_DEADLINES } from '../../src/processes/change/schemas';
import { COMPLAINT_STATUSES } from '../../src/processes/complaint/decider';
import { DEADLINE_KINDS } from '../../src/processes/complaint/schemas';
import { CORRECTIVE_DEADLINES } from '../../src/processes/corrective/schemas';
import { CUSTOMER_CHANGE_KINDS, CUSTOMER_CHANGE_STATUSES, CUSTOMER_STEPS } from '../../src/processes/customer/changes';
import { ENQUIRY_STATUSES } from '../../src/processes/enquiry/decider';
import { ENQUIRY_DEADLINES } from '../../src/processes/enquiry/schemas';
import { PROCESSES } from '../../src/processes/registry';
import { ALL_LEDGERS, ledgerByName } from '../../src/projections/ledgers';

const CJK = /[\u4e00-\u9fff]/;
const ledger = (name: string) => ledgerByName(name)!;

/** Both labels of a value: a Chinese one with Chinese characters, an English one; neither empty. */
function expectBoth(column: string, code: string, ledgerName?: string) {
  const zh = valueLabel(column, code, 'zh', ledgerName);
  const en = valueLabel(column, code, 'en', ledgerName);
  expect(zh, `${ledgerName ?? ''}.${column}=${code} (zh)`).toMatch(CJK);
  expect(en, `${ledgerName ?? ''}.${column}=${code} (en)`).not.toBe('');
  expect(en, `${ledgerName ?? ''}.${column}=${code} (en)`).not.toMatch(CJK);
}

describe('label dictionary: completeness', () => {
  it('labels every event type of the catalogue in Chinese and English', () => {
    const types = [NOTIFICATION_ISSUED, ...PROCESSES.flatMap((p) => Object.keys(p.events))];
    expect(types.length).toBeGreaterThan(60);
    for (const type of types) {
      expect(schemaVersionOf(type)).toBeGreaterThan(0); // it is in the catalogue
      expect(eventLabel(type, 'zh'), type).toMatch(CJK);
      expect(eventLabel(type, 'en'), type).not.toBe(type);
    }
    // and labels no type the catalogue does not have
    for (const type of Object.keys(EVENT_LABELS)) expect(() => schemaVersionOf(type), type).not.toThrow();
    expect(eventLabel('ComplaintReceived')).toBe('受理投诉');
    expect(eventLabel('ComplaintReceived', 'en')).toBe('complaint received');
    expect(eventLabel('SomethingNew')).toBe('SomethingNew');
  });

  it('labels every role, and the engine and respondents', () => {
    for (const role of [...ROLES, 'system', 'respondent']) {
      expect(roleLabel(role, 'zh'), role).toMatch(CJK);
      expect(roleLabel(role, 'en'), role).not.toMatch(CJK);
    }
    expect(roleLabel('supervisor')).toBe('客服主管');
    expect(roleLabel('supervisor', 'en')).toBe('service supervisor');
  });

  it('labels every value of every ledger column that holds codes', () => {
    const cases: Array<[ledger: string, column: string, values: readonly string[]]> = [
      ['complaints', 'status', COMPLAINT_STATUSES],
      ['complaints', 'severity', SEVERITIES],
      ['complaints', 'category', CATEGORIES],
      ['complaints', 'channel', CHANNELS],
      ['complaints', 'customer_class', CUSTOMER_CLASSES],
      ['complaints', 'rating', Object.keys(RATING_LABELS)],
      ['follow_ups', 'kind', ['visit', 'overdue']],
      ['follow_ups', 'rating', Object.keys(RATING_LABELS)],
      ['resolutions', 'kind', ['resolution', 'closure']],
      ['enquiries', 'status', ENQUIRY_STATUSES],
      ['enquiries', 'channel', CHANNELS],
      ['customers', 'status', ['pending', 'registered', 'rejected', 'withdrawn', 'erased']],
      ['customers', 'type', CUSTOMER_TYPES],
      ['customers', 'party', PARTIES],
      ['customers', 'importance', IMPORTANCE],
      ['customers', 'grade', GRADES],
      ['customers', 'customer_class', CUSTOMER_CLASSES],
      ['customer_changes', 'kind', CUSTOMER_CHANGE_KINDS],
      ['customer_changes', 'status', CUSTOMER_CHANGE_STATUSES],
      ['customer_changes', 'party', PARTIES],
      ['changes', 'status', CHANGE_STATUSES],
      ['changes', 'kind', CHANGE_KINDS],
      ['changes', 'customer_class', CUSTOMER_CLASSES],
      ['changes', 'tier', ['department', 'vp', 'committee']],
      ['changes', 'second_review', ['requested', 'approved', 'rejected']],
      ['changes', 'step', ['signoff', 'second_review', 'rejected', 'rejected (second review possible)', 'implementation', 'verify', 'close', 'shelved', 'closed', 'cancelled']],
      ['change_steps', 'verdict', [...OPINIONS, 'approve', 'reject', 'passed', 'failed']],
      ['change_steps', 'role', [...ROLES, 'system', 'respondent']],
      [
        'change_steps',
        'step',
        ['submit', 'approval', 'second_review', 'second_review_requested', 'signoff', 'implementation_started', 'implementation_progress', 'implementation_resumed', 'implemented', 'verify', 'close', 'cancel', 'amend', 'inactivity_remind', 'inactivity_escalate', 'shelved'],
      ],
      ['surveys', 'status', Object.keys(SURVEY_STATUS_LABELS)],
      ['surveys', 'segment', SURVEY_SEGMENTS],
      ['survey_responses', 'form', ['customer', 'competitor']],
      ['survey_responses', 'respondent_kind', RESPONDENT_KINDS],
      ['survey_responses', 'channel', ['web', 'paper', 'import']],
      ['corrective_actions', 'status', CORRECTIVE_STATUSES],
      ['corrective_actions', 'current_step', CORRECTIVE_DEADLINES],
      ['escalations', 'process', PROCESSES.map((p) => p.name)],
      ['escalations', 'kind', ['warning', 'escalation']],
      ['escalations', 'deadline', [...DEADLINE_KINDS, ...ENQUIRY_DEADLINES, ...CHANGE_DEADLINES, ...CUSTOMER_STEPS, ...CORRECTIVE_DEADLINES]],
      ['escalations', 'target_role', [...ROLES, 'owner']],
    ];
    for (const [name, column, values] of cases) {
      expect(ledger(name).columns.map((c) => c.name), `${name} has ${column}`).toContain(column);
      for (const v of values) expectBoth(column, v, name);
    }
  });

  it('names each process as its definition titles it', () => {
    for (const p of PROCESSES) {
      expect(valueLabel('process', p.name, 'zh', 'escalations')).toBe(p.title.zh);
      expect(valueLabel('process', p.name, 'en', 'escalations')).toBe(p.title.en);
    }
  });

  it('every text column of every ledger is labelled, free text, an id, an instant or personal data (a new code column fails here)', () => {
    const FREE_TEXT = new Set([
      'customers.sla_class_reason', 'customers.account_manager', 'customers.grade_scores', 'customers.grade_history', 'customers.registered_by', 'customers.approved_by',
      'customer_changes.fields', 'customer_changes.maker', 'customer_changes.request_reason', 'customer_changes.approvals', 'customer_changes.decided_by', 'customer_changes.reason',
      'customer_changes.notice_ref', 'customer_changes.second_review', 'complaints.owner', 'complaints.summary', 'complaints.policy', 'follow_ups.comment', 'follow_ups.recorded_by',
      'enquiries.topic', 'enquiries.owner', 'enquiries.handler', 'enquiries.department', 'enquiries.answered_by', 'enquiries.policy', 'changes.affects', 'changes.wanted_by',
      'changes.requester', 'changes.approvers', 'changes.rejected_reason', 'changes.sign_off_ref', 'changes.team', 'changes.implementer', 'changes.policy', 'change_steps.actor',
      'change_steps.reason', 'change_steps.document_ref', 'surveys.period', 'surveys.title', 'surveys.questionnaire_version', 'surveys.previous_survey', 'surveys.distribution',
      'surveys.dimension_rates', 'surveys.negative_dimensions', 'surveys.sample_checkpoint', 'surveys.outsourced', 'survey_responses.competitor', 'survey_responses.answers',
      'survey_responses.comment', 'survey_responses.negative_dimensions', 'survey_responses.entered_by', 'corrective_actions.dimension', 'corrective_actions.dimension_label',
      'corrective_actions.owner', 'corrective_actions.department', 'corrective_actions.plan', 'resolutions.recorded_by', 'escalations.reason', 'kpi_monthly.period', 'kpi_quarterly.period',
    ]);
    const unclassified: string[] = [];
    for (const l of ALL_LEDGERS)
      for (const c of l.columns) {
        if (c.type !== 'TEXT' || c.instant || c.pii || c.name.endsWith('_id') || l.key.includes(c.name)) continue;
        if (Object.keys(columnValueLabels(l)).includes(c.name) || cellLabelled(l.name, c.name) || FREE_TEXT.has(`${l.name}.${c.name}`)) continue;
        unclassified.push(`${l.name}.${c.name}`);
      }
    expect(unclassified).toEqual([]);
  });

  it('is pure data and functions: nothing it imports uses Node APIs', () => {
    const root = path.resolve(__dirname, '../../src');
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from 'node:|require\(/);
      for (const m of text.matchAll(/^import (?!type )[^;]*? from '(\.[^']+)'/gms)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        visit(m[1]!.endsWith('.json') ? target : `${target}.ts`);
      }
    };
    visit(path.join(root, 'domain/labels/index.ts'));
    expect(seen.size).toBeGreaterThan(3);
  });
});

/** Whether a column's values are rendered by pattern (a cell changes under labelling). */
function cellLabelled(ledgerName: string, column: string): boolean {
  const samples: Record<string, string> = {
    'changes.step': 'review 1/4',
    'changes.reviews': 'service:agree',
    'changes.waiting_for': 'general_manager',
    'change_steps.step': 'review:finance',
    'customer_changes.checkers': 'checker, manager',
    'customer_changes.summary': 'grade C→B',
    'customers.pending_summary': 'C1-3 grade C→B',
    'complaints.calendar_source': 'weekdays only (no public holidays)',
  };
  const sample = samples[`${ledgerName}.${column}`];
  return sample !== undefined && valueLabel(column, sample, 'zh', ledgerName) !== sample;
}

describe('label dictionary: values', () => {
  it('shows flags as 是/否 (yes/no), and only in flag columns', () => {
    expect([yesNo(1), yesNo(0), yesNo(true), yesNo(false), yesNo('1'), yesNo(null)]).toEqual(['是', '否', '是', '否', '是', '']);
    expect([yesNo(1, 'en'), yesNo(0, 'en')]).toEqual(['yes', 'no']);
    expect(valueLabel('breached', 1)).toBe('是');
    expect(valueLabel('first_response_on_time', 0, 'en', 'complaints')).toBe('no');
    expect(valueLabel('customers.blacklisted', 0)).toBe('否');
    expect(valueLabel('blacklisted', 1, 'zh', 'customers')).toBe('是');
    expect(valueLabel('escalation_level', 1, 'zh', 'complaints')).toBe('1'); // an integer, not a flag
    expect(valueLabel('breached', null)).toBe('');
  });

  it('picks a ledger’s own labels where one column name means different things', () => {
    expect(valueLabel('status', 'closed', 'zh', 'complaints')).toBe('已结案');
    expect(valueLabel('status', 'closed', 'zh', 'changes')).toBe('已关闭');
    expect(valueLabel('changes.status', 'closed')).toBe('已关闭');
    expect(valueLabel('status', 'closed', 'zh', 'enquiries')).toBe('已结束');
    expect(valueLabel('kind', 'visit', 'zh', 'follow_ups')).toBe('回访');
    expect(valueLabel('kind', 'price', 'zh', 'changes')).toBe('价格变更');
    expect(valueLabel('channel', 'web', 'zh', 'complaints')).toBe('网站');
    expect(valueLabel('channel', 'web', 'zh', 'survey_responses')).toBe('网上填写');
    expect(valueLabel('severity', 'major')).toBe('重大');
    expect(valueLabel('importance', 'ordinary')).toBe('普通客户');
    expect(valueLabel('customer_class', 'key')).toBe('重点');
    expect(valueLabel('rating', 4)).toBe('4 满意');
    expect(valueLabel('severity', 'unheard_of')).toBe('unheard_of');
    expect(valueLabel('summary', 'free text', 'zh', 'complaints')).toBe('free text');
  });

  it('renders combined codes by pattern', () => {
    expect(valueLabel('step', 'review 2/4', 'zh', 'changes')).toBe('会审 2/4');
    expect(valueLabel('step', 'approval: vp 0/2', 'zh', 'changes')).toBe('审批（销售主管VP）0/2');
    expect(valueLabel('step', 'approval: vp 0/2', 'en', 'changes')).toBe('approval: sales VP 0/2');
    expect(valueLabel('step', 'review:finance', 'zh', 'change_steps')).toBe('会审：财务部');
    expect(valueLabel('reviews', 'service:agree,finance:disagree', 'zh', 'changes')).toBe('客服部：同意、财务部：不同意');
    expect(valueLabel('waiting_for', 'general_manager', 'zh', 'changes')).toBe('总经理');
    expect(valueLabel('waiting_for', '客服部、财务部', 'zh', 'changes')).toBe('客服部、财务部');
    expect(valueLabel('checkers', 'sales_vp ×2', 'zh', 'customer_changes')).toBe('销售主管VP ×2');
    expect(valueLabel('summary', 'importance ordinary→key', 'zh', 'customer_changes')).toBe('重要性 普通客户→重点客户');
    expect(valueLabel('pending_summary', 'C1-2 importance ordinary→key; C1-3 contact (second review)', 'zh', 'customers')).toBe('C1-2 重要性 普通客户→重点客户；C1-3 联系方式变更（二次审核）');
    expect(valueLabel('calendar_source', 'chinese-days@1.5.7 (data 2004–2026)', 'zh', 'complaints')).toBe('chinese-days@1.5.7（节假日数据 2004–2026 年）');
    expect(valueLabel('calendar_source', 'weekdays only (no public holidays)', 'zh', 'complaints')).toBe('仅按周末休息（无法定节假日数据）');
  });

  it('reads what a person typed back as the stored code', () => {
    expect(valueOfLabel('status', '已结案', 'complaints')).toBe('closed');
    expect(valueOfLabel('status', 'closed', 'complaints')).toBe('closed');
    expect(valueOfLabel('status', 'Awaiting Approval', 'changes')).toBe('approving');
    expect(valueOfLabel('severity', '重大')).toBe('major');
    expect(valueOfLabel('breached', '是', 'complaints')).toBe('1');
    expect(valueOfLabel('breached', 'no', 'complaints')).toBe('0');
    expect(valueOfLabel('rating', '满意', 'follow_ups')).toBe('4');
    expect(valueOfLabel('rating', '4 满意', 'follow_ups')).toBe('4');
    expect(valueOfLabel('status', '不存在', 'complaints')).toBeUndefined();
    expect(valueOfLabel('summary', '任何', 'complaints')).toBeUndefined();
    expect(isClosedColumn('status', 'complaints')).toBe(true);
    expect(isClosedColumn('tier', 'changes')).toBe(false);
    expect(acceptedValues('breached', 'complaints')).toEqual(['1 (是)', '0 (否)']);
    expect(acceptedValues('severity', 'complaints')).toEqual(['major (重大)', 'normal (一般)', 'minor (轻微)']);
  });
});

describe('label dictionary: reasons the engine writes', () => {
  const complaint = PROCESSES.find((p) => p.name === 'complaint')!;
  const change = PROCESSES.find((p) => p.name === 'change')!;
  const customer = PROCESSES.find((p) => p.name === 'customer')!;
  const survey = PROCESSES.find((p) => p.name === 'survey')!;
  const due = '2026-10-09T03:08:00.000Z';

  it('translates alarm reasons as each process writes them, keeping the instant (in the zone when given)', () => {
    const escalate = complaint.alarmReason!({ kind: 'escalation', deadline: 'first_response', level: 1, role: 'supervisor', at: due, dueAt: due } as never);
    expect(escalate).toBe(`first_response deadline ${due} missed: escalate to supervisor (level 1)`);
    expect(reasonLabel(escalate)).toBe(`首次响应期限 ${due} 已超时：升级至客服主管（第1级）`);
    expect(reasonLabel(escalate, 'zh', 'Asia/Shanghai')).toBe('首次响应期限 2026-10-09T11:08:00+08:00 已超时：升级至客服主管（第1级）');
    expect(reasonLabel(escalate, 'en', 'Asia/Shanghai')).toBe('first response deadline 2026-10-09T11:08:00+08:00 missed: escalate to service supervisor (level 1)');

    const warn = complaint.alarmReason!({ kind: 'warning', deadline: 'resolution', at: due, dueAt: due } as never);
    expect(reasonLabel(warn, 'zh', 'Asia/Shanghai')).toBe('处理期限 2026-10-09T11:08:00+08:00 即将届满');
    const followUp = complaint.alarmReason!({ kind: 'follow_up_overdue', at: due } as never);
    expect(reasonLabel(followUp, 'zh', 'Asia/Shanghai')).toBe('回访期限 2026-10-09T11:08:00+08:00 已过，未记录回访');

    const idle = change.alarmReason!({ kind: 'inactivity_shelve', at: due, since: due } as never);
    expect(reasonLabel(idle, 'zh', 'Asia/Shanghai')).toBe('自 2026-10-09T11:08:00+08:00 起未更新实施进展：搁置');
    const signoff = change.alarmReason!({ kind: 'escalation', deadline: 'signoff', level: 2, role: 'general_manager', at: due, dueAt: due } as never);
    expect(reasonLabel(signoff)).toBe(`书面签证期限 ${due} 已超时：升级至总经理（第2级）`);

    const master = customer.alarmReason!({ kind: 'escalation', deadline: 'second_review', level: 1, role: 'manager', at: due, dueAt: due, changeId: 'C1-3' } as never);
    expect(reasonLabel(master)).toBe(`资料变更 C1-3：二次审核期限 ${due} 已超时：升级至部门经理（第1级）`);

    expect(reasonLabel(survey.alarmReason!({ kind: 'close', at: due } as never))).toBe('答卷期限已结束');
    expect(reasonLabel(survey.alarmReason!({ kind: 'invite', at: due, from: 0 } as never))).toBe('调查开始：发送邀请');
  });

  it('translates the reasons escalation events record and other system-written ones', () => {
    expect(reasonLabel(`first response deadline ${due} missed; escalation level 2`, 'zh', 'Asia/Shanghai')).toBe('首次响应期限 2026-10-09T11:08:00+08:00 已超时，升级第2级');
    expect(reasonLabel(`answer deadline ${due} missed; escalation level 1`)).toBe(`答复期限 ${due} 已超时，升级第1级`);
    expect(reasonLabel(`plan deadline ${due} missed; escalation level 1`)).toBe(`制定措施期限 ${due} 已超时，升级第1级`);
    expect(reasonLabel(`approval of the grade C→B change C1-3 of customer C1 due ${due} missed; escalation level 1`)).toBe(`客户 C1 的资料变更 C1-3（客户等级 C→B）审批期限 ${due} 已超时，升级第1级`);
    expect(reasonLabel('negative follow-up rating 2')).toBe('回访评分 2（不满意），不满意');
    expect(reasonLabel('scheduled key survey round')).toBe('按计划开展重点客户季度调查');
    expect(reasonLabel('no holiday data for 2027; weekends only')).toBe('2027 年无法定节假日数据，仅按周末休息计算');
    expect(reasonLabel('no holiday data for 2027; weekends only', 'en')).toBe('no holiday data for 2027; weekends only');
  });

  it('leaves what a person wrote as it is', () => {
    expect(reasonLabel('客户要求延期')).toBe('客户要求延期');
    expect(reasonLabel('customer asked for more time', 'zh', 'Asia/Shanghai')).toBe('customer asked for more time');
  });
});

describe('labelRows', () => {
  it('labels the code, flag and reason cells of ledger rows, and instants in the zone when given one', () => {
    const row = {
      complaint_id: 'K1',
      customer_id: 'C1',
      status: 'received',
      severity: 'major',
      category: 'product_quality',
      channel: 'phone',
      customer_class: 'key',
      breached: 0,
      escalation_level: 1,
      received_at: '2026-10-09T02:53:00.000Z',
      summary: '漏水',
    };
    const [zh] = labelRows(ledger('complaints'), [row]);
    expect(zh).toMatchObject({ complaint_id: 'K1', status: '已受理', severity: '重大', category: '产品质量', channel: '电话', customer_class: '重点', breached: '否', escalation_level: 1, received_at: row.received_at, summary: '漏水' });
    const [en] = labelRows(ledger('complaints'), [row], 'en', { timeZone: 'Asia/Shanghai' });
    expect(en).toMatchObject({ status: 'received', severity: 'major', category: 'product quality', breached: 'no', received_at: '2026-10-09T10:53:00+08:00' });
    expect(row.status).toBe('received'); // the input is left alone
    const esc = { process: 'complaint', kind: 'escalation', deadline: 'resolution', target_role: 'manager', reason: `resolution deadline 2026-10-09T03:08:00.000Z missed; escalation level 2` };
    expect(labelRows(ledger('escalations'), [esc], 'zh', { timeZone: 'Asia/Shanghai' })[0]).toMatchObject({
      process: '投诉',
      kind: '超时升级',
      deadline: '处理',
      target_role: '部门经理',
      reason: '处理期限 2026-10-09T11:08:00+08:00 已超时，升级第2级',
    });
    expect(cellLabel(ledger('customers'), 'repeated_claims', 1)).toBe('是');
  });

  it('gives per code column the labels of its codes', () => {
    const labels = columnValueLabels(ledger('complaints'));
    expect(labels.status).toMatchObject({ closed: '已结案', received: '已受理' });
    expect(labels.breached).toEqual({ '1': '是', '0': '否' });
    expect(labels.summary).toBeUndefined();
    expect(columnValueLabels(ledger('complaints'), 'en').severity).toEqual({ major: 'major', normal: 'normal', minor: 'minor' });
  });
});
