import compressed from '../../../policies/compressed.json';
import defaults from '../../../policies/default.json';
import seed001 from '../../../policies/seed-001.json';
import { parsePolicy, type Policy } from './schema';

/**
 * The shipped policy profiles, read from `policies/*.json` (the files are the one source):
 * - `default`: docs/domain.md's tiered complaint SLA and the 10-minute enquiry answer;
 * - `seed-001`: seed 001's own limits, an enquiry answered within 10 minutes and every complaint handled within half a
 *   working day;
 * - `compressed`: seconds-scale targets on a 24×7 clock, for demos and wall-clock tests.
 */
export const DEFAULT_POLICY: Policy = parsePolicy(defaults);
export const SEED_001_POLICY: Policy = parsePolicy(seed001);
export const COMPRESSED_POLICY: Policy = parsePolicy(compressed);

export const POLICY_PROFILES: Readonly<Record<string, Policy>> = { default: DEFAULT_POLICY, 'seed-001': SEED_001_POLICY, compressed: COMPRESSED_POLICY };
