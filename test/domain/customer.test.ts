import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../src/domain/errors';
import { DomainError as DomainErrorClass } from '../../src/domain/errors';
import type { NotificationIssued } from '../../src/domain/notifications';
import { maskPii } from '../../src/domain/pii';
import { DEFAULT_POLICY } from '../../src/domain/policy';
import type { Actor, CommandLookups } from '../../src/domain/process';
import { authorize } from '../../src/domain/roles';
import { parseOrThrow } from '../../src/domain/validation';
import { checkEventData, piiFieldsOf } from '../../src/events/catalogue';
import { complaintProcess } from '../../src/processes/complaint';
import { customerProcess, MAKER_CHECKER } from '../../src/processes/customer';
import { approvedCustomerClass, customerClassOf, pendingCustomerAlarms, type CustomerState } from '../../src/processes/customer/decider';
import { registerCustomerInput, rejectChangeInput, type CustomerEvent } from '../../src/processes/customer/schemas';
import { specification } from '../support/given';

const given = specification(customerProcess, 'customer-C1');
const registered = { type: 'CustomerRegistered' as const, data: { customerId: 'C1', name: '张三', phone: '13800138000', type: 'owner' as const, importance: 'ordinary' as const, grade: 'B' as const } };

describe('customer decider before maker-checker (recorded histories replay this)', () => {
  it('registers an unregistered customer', () => {
    const events = given([]).when({ type: 'RegisterCustomer', data: registered.data }).then([registered]);
    expect(events).toEqual([registered]);
    expect(given(events).state).toMatchObject({ status: 'registered', customerId: 'C1', profile: { name: '张三' } });
  });

  it('refuses a second registration with the state and the reason', () => {
    const err = given([registered]).when({ type: 'RegisterCustomer', data: registered.data }).rejects('illegal_state');
    expect(err.code).toBe('customer.already_registered');
  });

  it('records only the contact fields that change; the same values change nothing', () => {
    given([registered]).when({ type: 'UpdateCustomerContact', data: { customerId: 'C1', changes: { phone: '13800138000' } } }).then([]);
    const events = given([registered])
      .when({ type: 'UpdateCustomerContact', data: { customerId: 'C1', changes: { phone: '13800138000', email: 'z@example.com' } } })
      .then([{ type: 'CustomerContactUpdated', data: { customerId: 'C1', changes: { email: 'z@example.com' } } }]);
    expect(events[0]!.data).toEqual({ customerId: 'C1', changes: { email: 'z@example.com' } });
    expect(given([registered, ...events]).state).toMatchObject({ profile: { email: 'z@example.com', phone: '13800138000' } });
  });

  it('cannot update an unknown customer', () => {
    given([]).when({ type: 'UpdateCustomerContact', data: { customerId: 'C9', changes: { phone: '13800138000' } } }).rejects('not_found');
  });

  it('without the patch, the commands are the old ones: registered and changed at once, no approval step', () => {
    const ctx = { id: 'C1', now: '2026-10-09T01:00:00.000Z', by: agent, state: given([]).state, rules: customerProcess.rules!(DEFAULT_POLICY), patched: () => false };
    const register = customerProcess.commands.register!.toCommand(parseOrThrow(registerCustomerInput, registered.data), ctx);
    expect(register).toEqual({ type: 'RegisterCustomer', data: registered.data });
    given([]).when(register).then([registered]);
    const update = customerProcess.commands.updateContact!.toCommand({ changes: { email: 'z@example.com' } }, { ...ctx, state: given([registered]).state });
    expect(update).toEqual({ type: 'UpdateCustomerContact', data: { customerId: 'C1', changes: { email: 'z@example.com' } } });
    given([registered]).when(update).then([{ type: 'CustomerContactUpdated' }]);
    expect(customerProcess.patches).toEqual([MAKER_CHECKER]);
  });
});

// ── maker-checker ───────────────────────────────────────────────────────────────────────
const agent: Actor = { actor: 'li.na', role: 'agent' };
const checker: Actor = { actor: 'xu.he', role: 'checker' };
const manager: Actor = { actor: 'qian.feng', role: 'manager' };
const vp1: Actor = { actor: 'liu.yang', role: 'sales_vp' };
const vp2: Actor = { actor: 'ma.li', role: 'sales_vp' };
const gm: Actor = { actor: 'zhou.hua', role: 'general_manager' };
const NOW = '2026-10-09T01:00:00.000Z'; // Friday 09:00 in Shanghai, a working day
const rules = customerProcess.rules!(DEFAULT_POLICY);
type Recorded = Array<CustomerEvent | NotificationIssued>;

/** The command as the workflow builds it (validated input, the policy's rules, patched), decided on the events so far. */
function on(events: Recorded) {
  const g = given(events);
  return {
    state: g.state,
    act(action: string, input: unknown, by: Actor, now = NOW) {
      const spec = customerProcess.commands[action]!;
      const command = spec.toCommand(parseOrThrow(spec.input, input), { id: 'C1', now, by, state: g.state, rules, patched: (id) => id === MAKER_CHECKER });
      return g.when(command);
    },
  };
}

const registration = { customerId: 'C1', name: '上海某物业', phone: '13800138000', type: 'owner', grade: 'B' };
const submittedRegistration = () => on([]).act('register', registration, agent).then([{ type: 'CustomerChangeSubmitted' }]);
const registeredC1 = (): Recorded => {
  const submitted = submittedRegistration();
  return [...submitted, ...on(submitted).act('approve', { changeId: 'C1-1' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerRegistered' }])];
};

describe('customer master data under maker-checker', () => {
  it('a registration waits for a checker: pending, with its step, its deadline of 2 working days and its alarms', () => {
    const events = submittedRegistration();
    expect(events[0]!.data).toMatchObject({
      customerId: 'C1',
      changeId: 'C1-1',
      kind: 'registration',
      maker: 'li.na',
      registration: { name: '上海某物业', grade: 'B', importance: 'ordinary' },
      step: { step: 'approval', roles: ['checker', 'manager'], quorum: 1, maker: 'li.na', outcome: 'pending', deadline: { kind: 'approval', targetMinutes: 900 } },
      basis: { policy: 'default@5' },
    });
    const state = on(events).state;
    expect(state).toMatchObject({ status: 'pending', customerId: 'C1', profile: null });
    expect(approvedCustomerClass(state)).toBe('ordinary');
    const alarms = pendingCustomerAlarms(state);
    expect(alarms.map((a) => [a.kind, a.changeId])).toEqual([
      ['warning', 'C1-1'],
      ['escalation', 'C1-1'],
      ['escalation', 'C1-1'],
    ]);
  });

  it('the maker approving their own change gets a clear 403, another role too; a checker approves and the customer is registered', () => {
    const events = submittedRegistration();
    const own = on(events).act('approve', { changeId: 'C1-1' }, { actor: 'li.na', role: 'checker' }).rejects('forbidden', /li\.na submitted .*maker-checker/);
    expect(own.code).toBe('approval.own_submission');
    expect(on(events).act('approve', { changeId: 'C1-1' }, { actor: 'wang.qiang', role: 'agent' }).rejects('forbidden').code).toBe('approval.wrong_role');
    const approved = on(events)
      .act('approve', { changeId: 'C1-1' }, checker)
      .then([
        { type: 'CustomerChangeDecided', data: { changeId: 'C1-1', verdict: 'approve', decidedBy: 'xu.he', outcome: 'approved', approvals: ['xu.he'], onTime: true } },
        { type: 'CustomerRegistered', data: { customerId: 'C1', name: '上海某物业', grade: 'B', importance: 'ordinary' } },
      ]);
    const state = on([...events, ...approved]).state;
    expect(state).toMatchObject({ status: 'registered', profile: { name: '上海某物业' }, changes: [{ changeId: 'C1-1', status: 'approved' }] });
    expect(pendingCustomerAlarms(state)).toEqual([]);
    // Decided is decided: a second checker is told who decided and when.
    const again = on([...events, ...approved]).act('approve', { changeId: 'C1-1' }, manager).rejects('illegal_state', /already approved by xu\.he at 2026-10-09T01:00:00\.000Z/);
    expect(again.code).toBe('approval.already_decided');
  });

  it('a second registration while one is pending is refused; a rejected registration may be registered again', () => {
    const events = submittedRegistration();
    expect(on(events).act('register', registration, agent).rejects('illegal_state').code).toBe('customer.already_registered');
    const rejected = on(events).act('reject', { changeId: 'C1-1', reason: '资料不全' }, checker).then([{ type: 'CustomerChangeDecided', data: { outcome: 'rejected', reason: '资料不全' } }, { type: 'NotificationIssued', data: { recipient: 'actor:li.na' } }]);
    expect(on([...events, ...rejected]).state).toMatchObject({ status: 'rejected' });
    expect(approvedCustomerClass(on([...events, ...rejected]).state)).toBeUndefined();
    on([...events, ...rejected])
      .act('register', registration, agent)
      .then([{ type: 'CustomerChangeSubmitted', data: { changeId: 'C1-2', kind: 'registration' } }]);
  });

  it('a rejection states why: 400 from the schema naming reason, and the decider asks for it too', () => {
    let err: unknown;
    try {
      parseOrThrow(rejectChangeInput, { changeId: 'C1-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DomainErrorClass);
    expect((err as DomainError).kind).toBe('validation');
    expect((err as DomainError).issues).toEqual([{ field: 'reason', rule: 'is required' }]);
    const blank = given(submittedRegistration()).when({ type: 'RejectCustomerChange', by: checker, now: NOW, data: { changeId: 'C1-1', reason: ' ' } }).rejects('illegal_state');
    expect(blank.issues).toEqual([{ field: 'reason', rule: 'is required to reject' }]);
  });

  it('a contact change takes effect only once approved; the same values are no change; one pending contact change at a time', () => {
    const base = registeredC1();
    on(base).act('updateContact', { phone: '13800138000' }, agent).then([]);
    const submitted = on(base)
      .act('updateContact', { phone: '13900139000', email: 'wy@example.com' }, agent)
      .then([{ type: 'CustomerChangeSubmitted', data: { changeId: 'C1-2', kind: 'contact', fields: ['phone', 'email'], contact: { phone: '13900139000', email: 'wy@example.com' } } }]);
    expect(on([...base, ...submitted]).state).toMatchObject({ profile: { phone: '13800138000' } });
    expect(on([...base, ...submitted]).act('updateContact', { address: '上海市' }, agent).rejects('illegal_state').code).toBe('customer.change_pending');
    const approved = on([...base, ...submitted])
      .act('approve', { changeId: 'C1-2' }, manager)
      .then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerContactUpdated', data: { customerId: 'C1', changes: { phone: '13900139000', email: 'wy@example.com' } } }]);
    expect(on([...base, ...submitted, ...approved]).state).toMatchObject({ profile: { phone: '13900139000', email: 'wy@example.com' } });
  });

  it('profile changes and flags (黑名单, 多次索赔) with their reason', () => {
    const base = registeredC1();
    const profile = on(base).act('changeProfile', { name: '上海某物业有限公司', accountManager: 'wang.qiang' }, agent).then([{ type: 'CustomerChangeSubmitted', data: { kind: 'profile', fields: ['name', 'accountManager'] } }]);
    const profiled = [...base, ...profile, ...on([...base, ...profile]).act('approve', { changeId: 'C1-2' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerProfileChanged' }])];
    expect(on(profiled).state).toMatchObject({ profile: { name: '上海某物业有限公司', accountManager: 'wang.qiang' } });
    const flag = on(profiled).act('setFlag', { flag: 'blacklist', reason: '恶意拖欠' }, agent).then([{ type: 'CustomerChangeSubmitted', data: { kind: 'flag', flag: { flag: 'blacklist', set: true, reason: '恶意拖欠' } } }]);
    // Another flag may be pending beside it; the same flag not.
    on([...profiled, ...flag]).act('setFlag', { flag: 'repeated_claims', reason: '一年内三次索赔' }, agent).then([{ type: 'CustomerChangeSubmitted' }]);
    expect(on([...profiled, ...flag]).act('setFlag', { flag: 'blacklist', reason: 'x' }, agent).rejects('illegal_state').code).toBe('customer.change_pending');
    const flagged = [...profiled, ...flag, ...on([...profiled, ...flag]).act('approve', { changeId: 'C1-3' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerFlagChanged', data: { flag: 'blacklist', set: true, reason: '恶意拖欠' } }])];
    expect(on(flagged).state).toMatchObject({ blacklisted: true, repeatedClaims: false });
    expect(on(flagged).act('setFlag', { flag: 'blacklist', reason: 'again' }, agent).rejects('illegal_state').code).toBe('customer.no_change');
  });

  it('changes other than the registration wait for it', () => {
    expect(on(submittedRegistration()).act('updateContact', { phone: '13900139000' }, agent).rejects('illegal_state').code).toBe('customer.not_registered');
    expect(on([]).act('approve', { changeId: 'C1-1' }, checker).rejects('not_found').code).toBe('customer.not_found');
    expect(on(registeredC1()).act('approve', { changeId: 'C1-9' }, checker).rejects('not_found').code).toBe('customer.change_not_found');
  });

  it('withdrawn only by its maker, and then nothing is left to decide', () => {
    const base = registeredC1();
    const submitted = on(base).act('updateContact', { email: 'x@example.com' }, agent).then([{ type: 'CustomerChangeSubmitted' }]);
    expect(on([...base, ...submitted]).act('withdraw', { changeId: 'C1-2' }, { actor: 'wang.qiang', role: 'agent' }).rejects('forbidden').code).toBe('approval.not_maker');
    const withdrawn = on([...base, ...submitted]).act('withdraw', { changeId: 'C1-2', reason: '客户更正' }, agent).then([{ type: 'CustomerChangeWithdrawn', data: { withdrawnBy: 'li.na', reason: '客户更正' } }]);
    const after = [...base, ...submitted, ...withdrawn];
    expect(on(after).act('approve', { changeId: 'C1-2' }, checker).rejects('illegal_state', /withdrawn/).code).toBe('approval.already_decided');
    expect(pendingCustomerAlarms(on(after).state)).toEqual([]);
    expect(on(after).state).toMatchObject({ profile: { phone: '13800138000' } });
  });
});

describe('key accounts (重点客户): two different sales VPs (seed 004)', () => {
  const keyRegistration = () => on([]).act('register', { ...registration, importance: 'key' }, agent).then([{ type: 'CustomerChangeSubmitted', data: { changeId: 'C1-1', kind: 'registration' } }, { type: 'CustomerChangeSubmitted', data: { changeId: 'C1-2', kind: 'key_account' } }]);

  it('a registration as key opens the designation beside it; the class stays ordinary until two VPs approve', () => {
    const events = keyRegistration();
    expect(events[1]!.data).toMatchObject({ importance: { from: 'ordinary', to: 'key' }, step: { roles: ['sales_vp'], quorum: 2, maker: 'li.na' } });
    const approved = on(events).act('approve', { changeId: 'C1-1' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerRegistered', data: { importance: 'ordinary' } }]);
    const state = on([...events, ...approved]).state;
    expect(state).toMatchObject({ status: 'registered', profile: { importance: 'ordinary' } });
    expect(approvedCustomerClass(state)).toBe('ordinary');
    // A checker cannot designate a key account.
    expect(on([...events, ...approved]).act('approve', { changeId: 'C1-2' }, checker).rejects('forbidden').code).toBe('approval.wrong_role');
  });

  it('the same VP approving twice is a 409 and does not count; two different VPs designate the key account', () => {
    const events = [...keyRegistration()];
    events.push(...on(events).act('approve', { changeId: 'C1-1' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerRegistered' }]));
    events.push(...on(events).act('approve', { changeId: 'C1-2' }, vp1).then([{ type: 'CustomerChangeDecided', data: { outcome: 'pending', approvals: ['liu.yang'] } }]));
    const twice = on(events).act('approve', { changeId: 'C1-2' }, vp1).rejects('illegal_state', /liu\.yang already approved .* 2 different people/);
    expect(twice.code).toBe('approval.already_decided_by_you');
    expect(on(events).state).toMatchObject({ changes: [{}, { changeId: 'C1-2', status: 'pending', step: { outcome: 'pending' } }] });
    expect(approvedCustomerClass(on(events).state)).toBe('ordinary');
    events.push(
      ...on(events)
        .act('approve', { changeId: 'C1-2' }, vp2)
        .then([
          { type: 'CustomerChangeDecided', data: { outcome: 'approved', approvals: ['liu.yang', 'ma.li'] } },
          { type: 'CustomerImportanceChanged', data: { from: 'ordinary', to: 'key', approvedBy: ['liu.yang', 'ma.li'] } },
        ]),
    );
    const state = on(events).state;
    expect(state).toMatchObject({ status: 'registered', importance: 'key', profile: { importance: 'key' } });
    expect(approvedCustomerClass(state)).toBe('key');
  });

  it('a designation approved while the registration waits makes the pending customer key already', () => {
    const events = [...keyRegistration()];
    events.push(...on(events).act('approve', { changeId: 'C1-2' }, vp1).then([{ type: 'CustomerChangeDecided' }]));
    events.push(...on(events).act('approve', { changeId: 'C1-2' }, vp2).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerImportanceChanged' }]));
    expect(on(events).state.status).toBe('pending');
    expect(approvedCustomerClass(on(events).state)).toBe('key');
    on(events).act('approve', { changeId: 'C1-1' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerRegistered', data: { importance: 'key' } }]);
  });

  it('either VP may reject with a reason; the maker (only) asks the general manager for a second review, once, and the GM decides', () => {
    const events = [...keyRegistration()];
    events.push(...on(events).act('approve', { changeId: 'C1-1' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'CustomerRegistered' }]));
    events.push(...on(events).act('approve', { changeId: 'C1-2' }, vp1).then([{ type: 'CustomerChangeDecided' }]));
    expect(on(events).act('requestSecondReview', { changeId: 'C1-2', reason: '年采购额超千万' }, agent).rejects('illegal_state').code).toBe('customer.not_rejected');
    events.push(...on(events).act('reject', { changeId: 'C1-2', reason: '合作时间不足一年' }, vp2).then([{ type: 'CustomerChangeDecided', data: { outcome: 'rejected', decidedBy: 'ma.li' } }, { type: 'NotificationIssued' }]));
    expect(on(events).state).toMatchObject({ importance: 'ordinary', changes: [{}, { status: 'rejected' }] });
    expect(on(events).act('requestSecondReview', { changeId: 'C1-2', reason: 'x' }, { actor: 'wang.qiang', role: 'agent' }).rejects('forbidden').code).toBe('approval.not_maker');
    events.push(
      ...on(events)
        .act('requestSecondReview', { changeId: 'C1-2', reason: '年采购额超千万' }, agent)
        .then([{ type: 'CustomerSecondReviewRequested', data: { changeId: 'C1-2', requestedBy: 'li.na', step: { step: 'second_review', roles: ['general_manager'], quorum: 1, maker: 'li.na', deadline: { kind: 'second_review' } } } }]),
    );
    expect(pendingCustomerAlarms(on(events).state)[0]).toMatchObject({ changeId: 'C1-2', deadline: 'second_review' });
    expect(on(events).act('approve', { changeId: 'C1-2' }, vp1).rejects('forbidden').code).toBe('approval.wrong_role');
    events.push(
      ...on(events)
        .act('approve', { changeId: 'C1-2', reason: '战略客户' }, gm)
        .then([{ type: 'CustomerChangeDecided', data: { step: 'second_review', outcome: 'approved', decidedBy: 'zhou.hua', approvals: ['zhou.hua'] } }, { type: 'CustomerImportanceChanged', data: { to: 'key' } }]),
    );
    expect(approvedCustomerClass(on(events).state)).toBe('key');
    expect(on(events).act('requestSecondReview', { changeId: 'C1-2', reason: 'again' }, agent).rejects('illegal_state').code).toBe('customer.second_review_used');
    for (const e of events) expect(checkEventData(e.type, e.data), e.type).toMatchObject({ ok: true });
  });
});

describe('grade changes: five factor scores, leadership approval, written notice (seed 004)', () => {
  const scores = { cooperationHistory: 4, payment: 5, reputation: 4, integrity: 5, demand: 3 };

  it('records the scores; grade checkers approve with the written notice, recorded on the event, and the customer is notified', () => {
    const base = registeredC1();
    const submitted = on(base)
      .act('changeGrade', { grade: 'A', scores, reason: '年度评级' }, agent)
      .then([{ type: 'CustomerChangeSubmitted', data: { kind: 'grade', grade: { from: 'B', to: 'A', scores, total: 21 }, step: { roles: ['manager', 'general_manager'] } } }]);
    const events = [...base, ...submitted];
    expect(on(events).act('approve', { changeId: 'C1-2', noticeRef: '客字〔2026〕12号' }, checker).rejects('forbidden').code).toBe('approval.wrong_role');
    const noNotice = on(events).act('approve', { changeId: 'C1-2' }, manager).rejects('illegal_state');
    expect(noNotice.issues).toEqual([{ field: 'noticeRef', rule: expect.stringContaining('written notice') }]);
    const approved = on(events)
      .act('approve', { changeId: 'C1-2', noticeRef: '客字〔2026〕12号' }, manager)
      .then([
        { type: 'CustomerChangeDecided', data: { noticeRef: '客字〔2026〕12号', outcome: 'approved' } },
        { type: 'CustomerGradeChanged', data: { customerId: 'C1', changeId: 'C1-2', from: 'B', to: 'A', scores, total: 21, noticeRef: '客字〔2026〕12号', approvedBy: ['qian.feng'], effectiveOn: '2026-10-09' } },
        { type: 'NotificationIssued', data: { stream: 'customer-C1', recipient: 'customer:C1', about: 'CustomerGradeChanged' } },
      ]);
    const notice = approved[2] as NotificationIssued;
    expect(notice.data.body).toContain('客字〔2026〕12号');
    expect(notice.data.body).not.toMatch(/上海某物业|13800138000/);
    const state = on([...events, ...approved]).state;
    expect(state).toMatchObject({ profile: { grade: 'A' }, scores });
    expect(approvedCustomerClass(state)).toBe('key');
    expect(on([...events, ...approved]).act('changeGrade', { grade: 'A', scores }, agent).rejects('illegal_state').code).toBe('customer.no_change');
  });

  it('scores are whole numbers 1–5, all five of them', () => {
    let err: unknown;
    try {
      parseOrThrow(customerProcess.commands.changeGrade!.input, { grade: 'A', scores: { ...scores, payment: 6, demand: undefined } });
    } catch (e) {
      err = e;
    }
    expect((err as DomainError).issues.map((i) => i.field).sort()).toEqual(['scores.demand', 'scores.payment']);
  });
});

describe('approval time limits: warning and escalation through the shared deadline module', () => {
  it('warns the checkers in the maker’s chain, then escalates up the policy’s ladder; the escalations ledger reads both', () => {
    const events = [...submittedRegistration()];
    const [warning, level1] = pendingCustomerAlarms(on(events).state);
    expect(warning).toMatchObject({ kind: 'warning', deadline: 'approval', changeId: 'C1-1' });
    const warned = given(events).when({ type: 'FireAlarm', now: warning!.at, alarm: warning! }).then([
      { type: 'CustomerApprovalWarningIssued', data: { customerId: 'C1', changeId: 'C1-1', deadline: 'approval', warnAt: warning!.at } },
      { type: 'NotificationIssued', data: { recipient: 'role:checker', chainOf: 'li.na' } },
      { type: 'NotificationIssued', data: { recipient: 'role:manager', chainOf: 'li.na' } },
    ]);
    events.push(...warned);
    // The same alarm again fires nothing.
    given(events).when({ type: 'FireAlarm', now: warning!.at, alarm: warning! }).then([]);
    expect(level1).toMatchObject({ kind: 'escalation', level: 1, role: 'manager' });
    events.push(
      ...given(events)
        .when({ type: 'FireAlarm', now: level1!.at, alarm: level1! })
        .then([{ type: 'CustomerApprovalEscalated', data: { changeId: 'C1-1', level: 1, role: 'manager', reason: expect.stringContaining('C1-1') } }, { type: 'NotificationIssued', data: { recipient: 'role:manager' } }]),
    );
    expect(pendingCustomerAlarms(on(events).state)).toHaveLength(1);
    expect(customerProcess.deadlineEvents).toEqual({ warning: 'CustomerApprovalWarningIssued', escalation: 'CustomerApprovalEscalated' });
    // Decided late: on time no more, and no alarms left.
    const late = on(events).act('approve', { changeId: 'C1-1' }, checker, new Date(Date.parse(level1!.at) + 60_000).toISOString()).then([{ type: 'CustomerChangeDecided', data: { onTime: false } }, { type: 'CustomerRegistered' }]);
    expect(pendingCustomerAlarms(on([...events, ...late]).state)).toEqual([]);
    // What the decider records is what the catalogue (and so the append activity) accepts.
    for (const e of [...events, ...late]) expect(checkEventData(e.type, e.data), e.type).toMatchObject({ ok: true });
  });

  it('a policy recorded before policies had approvals means the default ones, time limit included', () => {
    const { approvals: _, ...old } = DEFAULT_POLICY;
    const rules = customerProcess.rules!(old as never);
    const spec = customerProcess.commands.register!;
    const command = spec.toCommand(parseOrThrow(spec.input, registration), { id: 'C1', now: NOW, by: agent, state: given([]).state, rules, patched: () => true });
    const due = customerProcess.rules!(DEFAULT_POLICY)!.deadline('approval', NOW).deadline.due;
    given([]).when(command).then([{ type: 'CustomerChangeSubmitted', data: { step: { roles: ['checker', 'manager'], deadline: { due } }, basis: { policy: 'default@5' } } }]);
  });

  it('a workflow started without any policy checks with the default roles and no time limit', () => {
    const spec = customerProcess.commands.register!;
    const command = spec.toCommand(parseOrThrow(spec.input, registration), { id: 'C1', now: NOW, by: agent, state: given([]).state, rules: undefined, patched: () => true });
    const events = given([]).when(command).then([{ type: 'CustomerChangeSubmitted', data: { step: { roles: ['checker', 'manager'], deadline: null }, basis: null } }]);
    expect(pendingCustomerAlarms(given(events).state)).toEqual([]);
  });
});

describe('complaints for customers whose registration waits', () => {
  const lookups = (state: CustomerState): CommandLookups => ({ state: async <S>() => ({ state: state as S, revision: 0 }) });
  const receive = complaintProcess.commands.receive!;
  const input = { customerId: 'C1', channel: 'phone', category: 'delivery', severity: 'normal', summary: '送货延迟' };

  it('a pending customer is received, ordinary until its approvals say otherwise; no customer at all is a 404', async () => {
    expect(await receive.lookup!(input, lookups(on(submittedRegistration()).state))).toEqual({ customerClass: 'ordinary' });
    expect(await receive.lookup!(input, lookups(on(registeredC1()).state))).toEqual({ customerClass: 'ordinary' });
    await expect(receive.lookup!(input, lookups(given([]).state))).rejects.toMatchObject({ kind: 'not_found', code: 'customer.not_found' });
    const events = [...submittedRegistration()];
    events.push(...on(events).act('reject', { changeId: 'C1-1', reason: '重复登记' }, checker).then([{ type: 'CustomerChangeDecided' }, { type: 'NotificationIssued' }]));
    await expect(receive.lookup!(input, lookups(on(events).state))).rejects.toMatchObject({ kind: 'not_found', message: expect.stringContaining('rejected') });
  });
});

describe('registration input', () => {
  const issues = (input: unknown) => {
    try {
      parseOrThrow(registerCustomerInput, input);
      return [];
    } catch (e) {
      return (e as DomainError).issues;
    }
  };
  it('names each bad field and its rule', () => {
    const found = issues({ customerId: 'C1', phone: '12345', grade: 'Z', email: 'nope' });
    expect(found.map((i) => i.field).sort()).toEqual(['email', 'grade', 'name', 'phone']);
    expect(found.find((i) => i.field === 'name')!.rule).toBe('is required');
    expect(found.find((i) => i.field === 'grade')!.rule).toBe('must be one of A, B, C, D');
  });
  it('rejects unknown fields and never echoes values', () => {
    const found = issues({ customerId: 'C1', name: 'x', secret: '13800138000' });
    expect(found).toEqual([{ field: 'secret', rule: 'is not a known field' }]);
    expect(JSON.stringify(found)).not.toContain('13800138000');
  });
  it('accepts mobile and landline numbers and applies defaults', () => {
    expect(parseOrThrow(registerCustomerInput, { customerId: 'C1', name: 'x', phone: '+8613800138000' })).toMatchObject({ type: 'potential', importance: 'ordinary', grade: 'C' });
    expect(issues({ customerId: 'C1', name: 'x', phone: '010-12345678' })).toEqual([]);
  });
  it('key customers are 重点客户 or grade A', () => {
    expect(customerClassOf({ importance: 'key', grade: 'C' })).toBe('key');
    expect(customerClassOf({ importance: 'ordinary', grade: 'A' })).toBe('key');
    expect(customerClassOf({ importance: 'ordinary', grade: 'B' })).toBe('ordinary');
  });
});

describe('roles and personal data', () => {
  it('auditors only read', () => {
    const roles = customerProcess.commands.register!.roles;
    expect(() => authorize('RegisterCustomer', roles, 'auditor')).toThrow(expect.objectContaining({ kind: 'forbidden' }));
    expect(() => authorize('RegisterCustomer', roles, 'agent')).not.toThrow();
    expect(() => authorize('ApproveCustomerChange', customerProcess.commands.approve!.roles, 'checker')).not.toThrow();
  });
  it('the catalogue knows which fields are personal data, proposed values included', () => {
    expect(piiFieldsOf('CustomerRegistered').map((f) => f.path).sort()).toEqual(['address', 'contactPerson', 'email', 'name', 'phone']);
    expect(piiFieldsOf('CustomerChangeSubmitted').map((f) => f.path).sort()).toEqual(
      ['contact.address', 'contact.contactPerson', 'contact.email', 'contact.phone', 'profile.name', 'registration.address', 'registration.contactPerson', 'registration.email', 'registration.name', 'registration.phone'].sort(),
    );
  });
  it('masks personal values recognisably', () => {
    expect(maskPii('phone', '13800138000')).toBe('138****8000');
    expect(maskPii('phone', '+86 138-0013-8000')).toBe('138****8000');
    expect(maskPii('email', 'zhang@example.com')).toBe('z***@example.com');
    expect(maskPii('person_name', '张三')).toBe('张*');
  });
});
