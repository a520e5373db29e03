import { describe, expect, it } from 'vitest';
import { RecipientResolver } from '../../src/activities/notify';
import { parseDirectory } from '../../src/config/directory';
import { chainHolders, type Directory } from '../../src/domain/directory';

/** The staff directory: escalations climb the owner's own chain; recipients resolve at send time. */
const directory: Directory = parseDirectory({
  staff: [
    { id: 'li', name: '李娜', roles: ['agent'], department: 'east', email: 'li@example.com' },
    { id: 'wang', name: '王强', roles: ['agent'], department: 'east', email: 'wang@example.com' },
    { id: 'chen', name: '陈静', roles: ['agent'], department: 'west', supervisor: 'sun', email: 'chen@example.com' },
    { id: 'zhao', name: '赵敏', roles: ['supervisor'], department: 'east', email: 'zhao@example.com' },
    { id: 'sun', name: '孙伟', roles: ['supervisor'], department: 'west', manager: 'qian', email: 'sun@example.com' },
    { id: 'qian', name: '钱峰', roles: ['manager'], department: 'service', email: 'qian@example.com' },
    { id: 'zhou', name: '周华', roles: ['general_manager'], email: 'zhou@example.com' },
  ],
  roles: { general_manager: { email: ['gm-office@example.com'] } },
});

describe('staff directory', () => {
  it('a role in an owner’s chain: their named superiors first, then their department, else everyone holding it', () => {
    expect(chainHolders(directory, 'supervisor', 'li').map((m) => m.id)).toEqual(['zhao']);
    expect(chainHolders(directory, 'supervisor', 'chen').map((m) => m.id)).toEqual(['sun']);
    // chen → sun (supervisor) → qian (manager): the chain climbs.
    expect(chainHolders(directory, 'manager', 'chen').map((m) => m.id)).toEqual(['qian']);
    // No manager in li's chain or department: every manager, so an escalation is never lost.
    expect(chainHolders(directory, 'manager', 'li').map((m) => m.id)).toEqual(['qian']);
    expect(chainHolders(directory, 'supervisor', 'nobody').map((m) => m.id)).toEqual(['zhao', 'sun']);
  });

  it('resolves recipients to addresses at send time: people, roles with their shared mailbox, customers', async () => {
    const r = new RecipientResolver(directory, async (id) => (id === 'C1' ? 'c1@example.com' : undefined));
    expect(await r.resolve('actor:wang')).toEqual({ emails: ['wang@example.com'], actors: ['wang'] });
    expect(await r.resolve('role:supervisor', 'li')).toEqual({ emails: ['zhao@example.com'], actors: ['zhao'] });
    expect(await r.resolve('role:supervisor')).toEqual({ emails: ['zhao@example.com', 'sun@example.com'], actors: ['zhao', 'sun'] });
    expect(await r.resolve('role:general_manager', 'li')).toEqual({ emails: ['zhou@example.com', 'gm-office@example.com'], actors: ['zhou'] });
    expect(await r.resolve('customer:C1')).toEqual({ emails: ['c1@example.com'], actors: [] });
    expect(await r.resolve('customer:C2')).toEqual({ emails: [], actors: [] });
  });

  it('rejects a directory naming a superior who is not on the staff, naming the field', () => {
    expect(() => parseDirectory({ staff: [{ id: 'a', name: 'A', roles: ['agent'], supervisor: 'ghost' }] })).toThrow(/staff\.0\.supervisor.*ghost/);
    expect(() => parseDirectory({ staff: [{ id: 'a', name: 'A', roles: ['pilot'] }] })).toThrow(/staff\.0\.roles\.0/);
  });
});
