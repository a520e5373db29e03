import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Personal survey links (个人专属链接): `<base>/s/<token>`, the token naming the round and the respondent and signed with
 * the server's secret, so nobody can make or alter one. The same inputs give the same token: a reminder or a resend
 * carries the link of the invitation. Single use and expiry are the round's business (its state), not the token's.
 */

/** 128 bits of HMAC-SHA256: a forged token needs 2^128 guesses. */
const MAC_BYTES = 16;
/** Domain separation: the secret might one day sign other kinds of link. */
const PURPOSE = 'taizhang:survey-link:v1';
/** Survey and respondent ids are at most ~70 characters each; anything much longer is not a token of ours. */
const MAX_TOKEN_LENGTH = 400;
/** The shortest secret accepted (TAIZHANG_LINK_SECRET); a generated one has 32 random bytes. */
export const MIN_SECRET_LENGTH = 32;

export interface SurveyLinkIds {
  surveyId: string;
  respondentId: string;
}

const mac = (secret: string, payload: string): Buffer => createHmac('sha256', secret).update(`${PURPOSE}\n${payload}`).digest().subarray(0, MAC_BYTES);

/** `<base64url of [surveyId, respondentId]>.<base64url of the truncated HMAC>`: deterministic, URL-safe. */
export function surveyToken(secret: string, surveyId: string, respondentId: string): string {
  const payload = Buffer.from(JSON.stringify([surveyId, respondentId]), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The ids a token names, when the secret signed it; anything else (tampered, another secret, junk) is undefined. */
export function readSurveyToken(secret: string, token: string): SurveyLinkIds | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) return undefined;
  const [, payload, signature] = m as unknown as [string, string, string];
  // Compared as text, in constant time: base64url decoding ignores a last character's spare bits, the text does not.
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(mac(secret, payload).toString('base64url'), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  // The MAC covers the payload's text as written, so no other spelling of the same bytes gets through.
  try {
    const ids: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (Array.isArray(ids) && ids.length === 2 && typeof ids[0] === 'string' && typeof ids[1] === 'string' && ids[0] && ids[1]) return { surveyId: ids[0], respondentId: ids[1] };
  } catch {
    // signed by us, so never reached unless the format changes
  }
  return undefined;
}

/** `<base>/s/<token>`, the base without its trailing slashes (it may carry a path prefix of a reverse proxy). */
export function surveyLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/s/${encodeURIComponent(token)}`;
}

/**
 * The secret kept in `file` (mode 0600), generated on first use. Creation is atomic (written aside, then hard-linked
 * into place, which fails if another process got there first), so an API and a worker starting together agree on one.
 */
export function secretFromFile(file: string): string {
  const read = () => readFileSync(file, 'utf8').trim();
  try {
    return checked(read(), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(aside, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    chmodSync(aside, 0o600);
    linkSync(aside, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(aside);
  }
  return checked(read(), file);
}

function checked(secret: string, file: string): string {
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`${file} holds no link secret of at least ${MIN_SECRET_LENGTH} characters; delete it to have one generated`);
  return secret;
}
