import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDirectory, DEMO_DIRECTORY_FILE, loadDirectory } from '../../src/config/directory';
import { displayName, resolveStaff, type Directory } from '../../src/domain/directory';
import { resolveStaffFields, staffFields } from '../../src/domain/staff/schema';
import { DomainError } from '../../src/domain/errors';
import { assignInput, receiveComplaintInput } from '../../src/processes/complaint/schemas';

const directory: Directory = parseDirectory({
  staff: [
    { id: 'chen', name: '陈工程师', roles: ['agent'], department: '客服一组' },
    { id: 'chen.jing', name: '陈静', roles: ['agent'], department: '客服二组' },
    { id: 'wang.a', name: '王强', roles: ['agent'], department: '客服一组' },
    { id: 'wang.b', name: '王强', roles: ['supervisor'], department: '客服二组' },
  ],
});

const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).issues;
  }
  throw new Error('expected a validation error');
};

describe('staff display names', () => {
  it('accepts Chinese display names beside ASCII ids, and refuses a non-ASCII id', () => {
    expect(displayName(directory, 'chen')).toBe('陈工程师');
    expect(displayName(directory, 'nobody')).toBe('nobody');
    expect(() => parseDirectory({ staff: [{ id: '陈', name: '陈', roles: ['agent'] }] })).toThrow(/staff\.0\.id/);
  });

  it('the demo directory gives every member a Chinese name', () => {
    const demo = loadDirectory(DEMO_DIRECTORY_FILE);
    expect(demo.staff.length).toBeGreaterThan(5);
    for (const m of demo.staff) expect(m.name).toMatch(/[\u4e00-\u9fff]/);
  });

  it('resolves an id, a unique display name, and keeps a well-formed id outside the directory', () => {
    expect(resolveStaff(directory, 'chen')).toEqual({ id: 'chen' });
    expect(resolveStaff(directory, ' 陈工程师 ')).toEqual({ id: 'chen' });
    expect(resolveStaff(directory, '陈静')).toEqual({ id: 'chen.jing' });
    expect(resolveStaff(directory, 'agent-9')).toEqual({ id: 'agent-9' });
  });

  it('an ambiguous name names the candidates; an unknown one lists close matches', () => {
    const ambiguous = resolveStaff(directory, '王强');
    expect(ambiguous).toEqual({ rule: expect.stringContaining('names 2 people') });
    expect((ambiguous as { rule: string }).rule).toContain('王强 (wang.a, 客服一组)');
    expect((ambiguous as { rule: string }).rule).toContain('王强 (wang.b, 客服二组)');
    const unknown = resolveStaff(directory, '陈工');
    expect((unknown as { rule: string }).rule).toMatch(/^names nobody in the staff directory .*close matches: 陈工程师 \(chen, 客服一组\)/);
    expect((resolveStaff(directory, '赵六') as { rule: string }).rule).toContain("give a person's id");
  });
});

describe('resolving the staff fields of a command before it is parsed', () => {
  it('finds the marked fields of the complaint commands', () => {
    expect(staffFields(assignInput)).toEqual([['to']]);
    expect(staffFields(receiveComplaintInput)).toEqual([['owner']]);
  });

  it('sends the id for a display name, so the parsed input (and the event) holds the id', () => {
    const input = resolveStaffFields(directory, assignInput, { to: '陈工程师', reason: '换人' });
    expect(input).toEqual({ to: 'chen', reason: '换人' });
    expect(assignInput.parse(input)).toEqual({ to: 'chen', reason: '换人' });
  });

  it('refuses an unknown or ambiguous name with the field named, and leaves other input alone', () => {
    expect(issuesOf(() => resolveStaffFields(directory, assignInput, { to: '陈工' }))).toEqual([{ field: 'to', rule: expect.stringContaining('close matches: 陈工程师 (chen') }]);
    expect(issuesOf(() => resolveStaffFields(directory, receiveComplaintInput, { owner: '王强', summary: 'x' }))).toEqual([{ field: 'owner', rule: expect.stringContaining('names 2 people') }]);
    const untouched = { summary: 'no owner given' };
    expect(resolveStaffFields(directory, receiveComplaintInput, untouched)).toEqual(untouched);
    expect(resolveStaffFields(directory, assignInput, { to: 42 })).toEqual({ to: 42 });
  });

  it('resolves nested and listed staff fields, naming each path', () => {
    const schema = z.object({ team: z.object({ lead: receiveComplaintInput.shape.owner }), members: z.array(assignInput.shape.to) });
    expect(resolveStaffFields(directory, schema, { team: { lead: '陈静' }, members: ['chen', '陈工程师'] })).toEqual({ team: { lead: 'chen.jing' }, members: ['chen', 'chen'] });
    expect(issuesOf(() => resolveStaffFields(directory, schema, { team: { lead: '某人' }, members: ['王强'] })).map((i) => i.field)).toEqual(['team.lead', 'members[0]']);
  });

  it('without a directory (or an empty one) the input goes on as typed, for the schema to judge', () => {
    expect(resolveStaffFields(undefined, assignInput, { to: '陈工程师' })).toEqual({ to: '陈工程师' });
    expect(assignInput.safeParse({ to: '陈工程师' }).success).toBe(false);
  });
});
