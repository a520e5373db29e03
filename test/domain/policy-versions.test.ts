import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/hashing';
import { shippedPolicies } from '../../src/config/bundle';
import { POLICY_PROFILES } from '../../src/domain/policy';
import { policyInput } from '../../src/api/gateway';

/**
 * A start input names a shipped policy by `name@version`, and the worker looks the document up in its bundle: so a
 * released version must never change, and every released version must stay in the table (policies/archive).
 */
const released = JSON.parse(readFileSync(new URL('../../policies/versions.json', import.meta.url), 'utf8')) as Record<string, string>;
const digest = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex');

describe('shipped policy versions', () => {
  const table = shippedPolicies();

  it('every released version is still in the table, unchanged', () => {
    for (const [ref, sha] of Object.entries(released)) {
      expect(table[ref], `${ref} is missing: copy its file to policies/archive/ before bumping the profile`).toBeDefined();
      expect(digest(table[ref]), `${ref} changed after release: copy the released file to policies/archive/ and bump the profile's version instead`).toBe(sha);
    }
  });

  it('every version in the table is released (recorded in policies/versions.json)', () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(released).sort());
  });

  it('a shipped profile travels by reference, any other policy as its document', () => {
    const profile = POLICY_PROFILES.default!;
    expect(policyInput(profile)).toEqual({ policyRef: `default@${profile.version}` });
    // An equal copy (parsed again from the same file) is still the shipped version.
    expect(policyInput(structuredClone(profile))).toEqual({ policyRef: `default@${profile.version}` });
    const changed = { ...profile, warningFraction: 0.5 };
    expect(policyInput(changed)).toEqual({ policy: changed });
    const renamed = { ...profile, name: 'acme' };
    expect(policyInput(renamed)).toEqual({ policy: renamed });
    expect(policyInput(undefined)).toEqual({});
  });
});
