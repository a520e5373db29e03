import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_DIRECTORY_FILE, loadDirectory } from '../../src/config/directory';
import { ensureLocalTokens, localToken } from '../../src/cli/tokens';
import { tempDir } from '../support/store';

/** Local tokens are issued per person of the staff directory, so rules about who (not which role) can be enforced. */
describe('local tokens', () => {
  it('one per person of the demo directory, in their first role; --as takes a person or a role', () => {
    const t = tempDir('taizhang-tokens-');
    try {
      const directory = loadDirectory(DEMO_DIRECTORY_FILE);
      const { tokens, created } = ensureLocalTokens(t.dir, directory);
      expect(created).toBe(true);
      expect(tokens.map((x) => x.actor).sort()).toEqual(directory.staff.map((m) => m.id).sort());
      expect(tokens.filter((x) => x.role === 'agent').length).toBeGreaterThanOrEqual(2); // several actors share a role
      expect(new Set(tokens.map((x) => x.token)).size).toBe(tokens.length);
      expect(localToken(t.dir, 'wang.qiang')).toBe(tokens.find((x) => x.actor === 'wang.qiang')!.token);
      expect(localToken(t.dir, 'supervisor')).toBe(tokens.find((x) => x.role === 'supervisor')!.token);
      expect(localToken(t.dir, 'nobody')).toBeUndefined();
      // Issued once: a second start keeps them.
      const again = ensureLocalTokens(t.dir, directory);
      expect(again.created).toBe(false);
      expect(JSON.parse(readFileSync(again.file, 'utf8'))).toEqual(tokens);
    } finally {
      t.cleanup();
    }
  });
});
