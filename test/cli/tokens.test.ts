import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, MIN_TOKEN_LENGTH } from '../../src/config/config';
import { DEMO_DIRECTORY_FILE, loadDirectory } from '../../src/config/directory';
import { ensureLocalTokens, localToken, tokensFile } from '../../src/cli/tokens';
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

  it('are long and random enough for the configuration rule, so the stack can load them as TAIZHANG_TOKENS_FILE; the file is 0600', () => {
    const t = tempDir('taizhang-tokens-');
    try {
      // Short ids make short prefixes: the random part alone must satisfy the rule.
      const { file, tokens } = ensureLocalTokens(t.dir, { staff: [{ id: 'ma', name: '马', roles: ['agent'] }, ...loadDirectory(DEMO_DIRECTORY_FILE).staff] });
      for (const x of tokens) expect(x.token.length, x.actor).toBeGreaterThanOrEqual(MIN_TOKEN_LENGTH + 8);
      expect(loadConfig({ TAIZHANG_TOKENS_FILE: file }).tokens).toEqual(tokens);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      t.cleanup();
    }
  });

  it('tokens issued by an earlier version, too short for today\'s rule, are issued again; valid ones are kept', () => {
    const t = tempDir('taizhang-tokens-');
    try {
      const directory = loadDirectory(DEMO_DIRECTORY_FILE);
      const first = ensureLocalTokens(t.dir, directory).tokens;
      const [old, ...kept] = first;
      // An earlier version's 30-character token, in a world-readable file.
      writeFileSync(tokensFile(t.dir), JSON.stringify([{ ...old!, token: 'tz_x_abcdefghijklmnopqrstuvwx' }, ...kept]), { mode: 0o644 });
      expect(localToken(t.dir, old!.actor), 'a short token is not handed out').toBeUndefined();
      const again = ensureLocalTokens(t.dir, directory);
      expect(again.created).toBe(true);
      const reissued = again.tokens.find((x) => x.actor === old!.actor)!;
      expect(reissued.token).not.toBe('tz_x_abcdefghijklmnopqrstuvwx');
      expect(reissued.token.length).toBeGreaterThanOrEqual(MIN_TOKEN_LENGTH);
      for (const k of kept) expect(again.tokens).toContainEqual(k);
      expect(loadConfig({ TAIZHANG_TOKENS_FILE: again.file }).tokens).toHaveLength(first.length);
      expect(statSync(again.file).mode & 0o777).toBe(0o600);
    } finally {
      t.cleanup();
    }
  });
});
