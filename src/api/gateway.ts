import { createHash, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { canonicalJson } from '../audit/hashing';
import { DomainError, forbidden, illegalState, notFound, validationError, type DomainErrorKind } from '../domain/errors';
import type { Directory } from '../domain/directory';
import { resolveStaffFields } from '../domain/staff/schema';
import { valueAt, setValueAt } from '../domain/paths';
import { signCommand } from '../domain/signature';
import { effectiveParty, piiFields, type PiiKind } from '../domain/pii';
import { ErasedCustomerError, type PiiCipher } from '../events/keys/cipher';
import { streamOf, type CommandLookups, type CommandMeta, type CommandSpec, type ProcessDefinition } from '../domain/process';
import { DEFAULT_POLICY, POLICY_PROFILES } from '../domain/policy/profiles';
import { policyRef } from '../domain/policy/ref';
import { policyOn } from '../domain/deadlines/replan';
import type { Policy } from '../domain/policy/schema';
import { authorize } from '../domain/roles';
import { parseOrThrow } from '../domain/validation';
import { readEntity } from '../events/entities';
import type { EventStore } from '../events/store/port';
import { complaintProcess } from '../processes/complaint';
import type { ComplaintState } from '../processes/complaint/decider';
import { customerProcess } from '../processes/customer';
import { commandUpdate, processQuery, type CommandResult, type ProcessView } from '../workflows/messages';
import type { ProcessWorkflowInput } from '../workflows/process';
import { DOMAIN_FAILURE, type DomainFailureDetails } from '../workflows/support/failures';

/** Turns a failed Update into the DomainError the workflow raised, so every adapter maps it to the same status. */
function unwrapUpdateFailure(err: unknown): unknown {
  let cause: unknown = err;
  if (err instanceof WorkflowUpdateFailedError) cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.type === DOMAIN_FAILURE) {
    const d = cause.details?.[0] as DomainFailureDetails | undefined;
    return new DomainError((d?.kind ?? 'validation') as DomainErrorKind, d?.code ?? 'rejected', cause.message, d?.issues ?? []);
  }
  return err;
}

const shipped = new WeakMap<Policy, boolean>();
/** True when `policy` is, field for field, the shipped profile of its `name@version` (which every worker has). */
function isShipped(policy: Policy): boolean {
  let known = shipped.get(policy);
  if (known === undefined) {
    const profile = POLICY_PROFILES[policy.name];
    known = profile !== undefined && (profile === policy || (policyRef(profile) === policyRef(policy) && canonicalJson(profile) === canonicalJson(policy)));
    shipped.set(policy, known);
  }
  return known;
}

/**
 * How a start input carries its policy: a shipped profile by `name@version` (the worker's bundle holds every shipped
 * version), any other (an operator's policy file, a holiday file added to a profile) as the whole document.
 */
export function policyInput(policy: Policy | undefined): Pick<ProcessWorkflowInput, 'policy' | 'policyRef'> {
  if (!policy) return {};
  return isShipped(policy) ? { policyRef: policyRef(policy) } : { policy };
}

/** Short deterministic id for a resource created under an idempotency key, so a retried request reaches the same one. */
export function idFromKey(prefix: string, key: string): string {
  return `${prefix}${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Idempotency keys become part of a Temporal update id: their rule, checked wherever one enters. */
function checkIdempotencyKey(key: string | undefined): void {
  if (key !== undefined && !/^[\w.:-]{8,200}$/.test(key)) throw validationError([{ field: 'Idempotency-Key', rule: 'must be 8–200 characters of letters, digits, . _ : -' }]);
}

export interface SendOptions {
  /** A retried request with the same key gets the same result and appends nothing new. */
  idempotencyKey?: string;
  /** Facts a trusted caller already knows, instead of the command's own look-up. */
  lookedUp?: Record<string, unknown>;
  /** The policy a newly started run computes with (default: the gateway's). */
  policy?: Policy;
}

export interface GatewayOptions {
  /** For commands' look-ups (a complaint reads its customer's class from the customer's stream). */
  store?: EventStore;
  /** The policy in force: every run starts with it (default: the shipped default policy). */
  policy?: Policy;
  /** The command keys (TAIZHANG_COMMAND_KEYS): the first signs every command; without one, workflows refuse them all. */
  commandKeys?: readonly Buffer[];
  /** Seals every personal field with its customer's data key before the command leaves (crypto-shredding). */
  pii?: PiiCipher;
  /** The clock commands are signed by (default: this machine's): a time-skipping test server's, in tests. */
  now?: () => number | Promise<number>;
  /** The staff directory: fields naming a person (owner, to, …) may give a display name, sent as the person's id. */
  directory?: Directory;
}

const personalFieldsOf = new WeakMap<CommandSpec, Array<{ path: string[]; kind: PiiKind }>>();
function personalFields(spec: CommandSpec): Array<{ path: string[]; kind: PiiKind }> {
  let f = personalFieldsOf.get(spec);
  if (!f) personalFieldsOf.set(spec, (f = piiFields(spec.input).map((x) => ({ path: x.path.split('.'), kind: x.kind }))));
  return f;
}

/**
 * Sends commands to the process workflows; every write goes through Temporal, never straight to the store. Input is
 * parsed with the command's schema here, so every entry point (API, CLI, tests, benchmarks) sends validated data.
 */
export class TemporalGateway {
  private readonly lookups: CommandLookups;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly options: GatewayOptions = {},
  ) {
    this.lookups = {
      state: <S>(p: ProcessDefinition<S>, id: string) => {
        if (!this.options.store) throw illegalState('gateway.no_store', `looking up ${p.name} ${id} needs the event store`);
        return readEntity<S>(this.options.store, p, id);
      },
    };
  }

  /** The policy every run started from now on computes with (an imported calendar version changes its calendar). */
  usePolicy(policy: Policy): void {
    this.options.policy = policy;
  }

  private inForce: (() => Promise<Policy>) | undefined;

  /**
   * Reads the policy in force before each start instead (the policy with every imported calendar version, as the
   * shared store has them): an import on any API node is then used by every node's next start, not after a restart.
   */
  usePolicyInForce(current: () => Promise<Policy>): void {
    this.inForce = current;
  }

  /** The policy a run started now computes with. */
  private async policyNow(): Promise<Policy> {
    return (this.inForce ? await this.inForce() : this.options.policy) ?? DEFAULT_POLICY;
  }

  private spec(p: ProcessDefinition, action: string): CommandSpec {
    const spec = p.commands[action];
    if (!spec) throw notFound('command.unknown', `a ${p.name} has no command ${action}; known: ${Object.keys(p.commands).join(', ')}`);
    return spec;
  }

  private start(p: ProcessDefinition, id: string, fresh: boolean, policy: Policy | undefined) {
    const args: ProcessWorkflowInput = { id, ...policyInput(policy), ...(fresh ? { fresh: true } : {}) };
    return new WithStartWorkflowOperation(p.workflowType, { workflowId: streamOf(p, id), taskQueue: this.taskQueue, args: [args], workflowIdConflictPolicy: 'USE_EXISTING' });
  }

  /**
   * The command as it is sent: its data as JSON carries it, and its metadata with the signing time and the signature
   * over workflow, Update name and id, data and metadata (see src/domain/signature.ts). `system` is never signed here.
   */
  private async signed(workflowId: string, name: string, updateId: string, data: unknown, meta: CommandMeta): Promise<[{ data: unknown; meta: CommandMeta }]> {
    const key = this.options.commandKeys?.[0];
    if (!key) throw illegalState('gateway.no_command_key', 'no command key is configured (TAIZHANG_COMMAND_KEYS) to sign commands with');
    if ((meta.role as string) === 'system') throw forbidden('meta.system', 'only the engine itself acts as system');
    const at = new Date(this.options.now ? await this.options.now() : Date.now()).toISOString();
    const signed = signCommand(key, { workflowId, name, updateId, data, meta }, at);
    return [{ data: signed.data, meta: signed.meta as unknown as CommandMeta }];
  }

  private async prepared(p: ProcessDefinition, id: string, spec: CommandSpec, data: unknown, options: SendOptions): Promise<Record<string, unknown>> {
    checkIdempotencyKey(options.idempotencyKey);
    const parsed = parseOrThrow(spec.input, resolveStaffFields(this.options.directory, spec.input, data ?? {})) as Record<string, unknown>;
    const looked = options.lookedUp ?? (spec.lookup ? await spec.lookup(parsed, this.lookups) : {});
    return this.sealPersonal(p, id, spec, { ...parsed, ...looked });
  }

  /**
   * The input with each personal field sealed with its customer's data key (src/events/keys/cipher.ts): a customer's
   * own fields, or those of the customer a command names. A customer's name is personal only for a person (业主 or
   * party `person`, also when the customer on record is one); an organisation's name stays plain.
   */
  private async sealPersonal(p: ProcessDefinition, id: string, spec: CommandSpec, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const cipher = this.options.pii;
    const fields = cipher ? personalFields(spec).filter((f) => typeof valueAt(input, f.path) === 'string') : [];
    const customerId = p.name === customerProcess.name ? id : typeof input.customerId === 'string' ? input.customerId : undefined;
    if (!cipher || fields.length === 0 || !customerId) return input;
    const out = structuredClone(input);
    const isCustomerName = (path: string[]) => p.name === customerProcess.name && path.at(-1) === 'name';
    let person: boolean | undefined;
    const isPerson = async (path: string[]) => {
      if (person !== undefined) return person;
      const here = (path.length > 1 ? valueAt(input, path.slice(0, -1)) : input) as { party?: string; type?: string } | undefined;
      if (spec.creates) return (person = effectiveParty(here?.party, here?.type) === 'person');
      // A change of an existing customer: the party on record decides (sealed when it cannot be told).
      const state = this.options.store ? ((await readEntity(this.options.store, customerProcess, customerId)).state as { profile?: { party?: string; type?: string } | null }) : undefined;
      if (!state?.profile) return (person = true);
      return (person = effectiveParty(here?.party, here?.type ?? state.profile.type, effectiveParty(state.profile.party, state.profile.type)) === 'person');
    };
    try {
      for (const f of fields) {
        if (isCustomerName(f.path) && !(await isPerson(f.path))) continue;
        setValueAt(out, f.path, cipher.seal(customerId, f.kind, valueAt(input, f.path) as string));
      }
    } catch (err) {
      if (err instanceof ErasedCustomerError) throw illegalState('customer.erased', `customer ${customerId} has been erased: no personal data can be recorded for them`);
      throw err;
    }
    return out;
  }

  /**
   * Starts a process with its creating command (update-with-start); the result returns once its events are durable.
   * The id is the one given, or derived from the idempotency key, or new.
   */
  async create(p: ProcessDefinition, action: string, data: Record<string, unknown>, meta: CommandMeta, options: SendOptions = {}): Promise<CommandResult & { id: string }> {
    const spec = this.spec(p, action);
    if (!spec.creates) throw illegalState('command.not_creating', `${p.name} ${action} acts on an existing ${p.name}`);
    const id = (data[p.idField] as string | undefined) ?? (options.idempotencyKey ? idFromKey(p.idPrefix, options.idempotencyKey) : `${p.idPrefix}${randomUUID().replaceAll('-', '').slice(0, 16)}`);
    const input = await this.prepared(p, id, spec, { ...data, [p.idField]: id }, options);
    const updateId = options.idempotencyKey ? `${action}:${options.idempotencyKey}` : randomUUID();
    const args = await this.signed(streamOf(p, id), spec.type, updateId, input, meta);
    const policy = options.policy ?? (await this.policyNow());
    try {
      const result = await this.client.workflow.executeUpdateWithStart(commandUpdate(spec), {
        args,
        startWorkflowOperation: this.start(p, id, true, policy),
        updateId,
      });
      return { ...result, id };
    } catch (err) {
      throw unwrapUpdateFailure(err);
    }
  }

  /**
   * Any other command. It goes straight to the running workflow; a workflow that has ended (a closed complaint being
   * reopened) gets a new run that reads the stream; an id that never started is a 404.
   */
  async command(p: ProcessDefinition, id: string, action: string, data: unknown, meta: CommandMeta, options: SendOptions = {}): Promise<CommandResult> {
    const spec = this.spec(p, action);
    const input = await this.prepared(p, id, spec, data, options);
    const handle = this.client.workflow.getHandle(streamOf(p, id));
    const update = commandUpdate(spec);
    const updateId = options.idempotencyKey ? `${action}:${options.idempotencyKey}` : randomUUID();
    const args = await this.signed(streamOf(p, id), spec.type, updateId, input, meta);
    try {
      try {
        return await handle.executeUpdate(update, { args, updateId });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      // Not running: never started (404), or ended (a closed complaint). A run that ends while the command is on its
      // way ("aborted by closing workflow") is the same case: the command goes to a new run, which reads the stream.
      await handle.describe().catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) throw notFound(`${p.name}.not_found`, `no ${p.name} ${id}`);
        throw e;
      });
      const policy = options.policy ?? (await this.policyNow());
      await this.refuseBeforeStart(p, id, spec, input, meta, policy);
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.client.workflow.executeUpdateWithStart(update, { args, updateId, startWorkflowOperation: this.start(p, id, false, policy) });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      throw unwrapUpdateFailure(err);
    }
  }

  /**
   * A command for a process whose workflow has ended is decided here first, on the state its stream holds, with the
   * same pure code the workflow runs (role, `toCommand`, decider): a command the process would refuse is refused with
   * that error before any run starts, so a refusal never leaves a workflow run behind. Anything this check cannot
   * decide (no event store, a failure that is not a domain error) is left to the new run, which decides again.
   */
  private async refuseBeforeStart(p: ProcessDefinition, id: string, spec: CommandSpec, input: Record<string, unknown>, meta: CommandMeta, policy: Policy): Promise<void> {
    authorize(spec.type, spec.roles, meta.role);
    if (!this.options.store) return;
    const { state } = await readEntity<unknown>(this.options.store, p, id);
    const now = new Date(this.options.now ? await this.options.now() : Date.now()).toISOString();
    try {
      // The run's rules on the calendar the state's deadlines use, as the workflow builds them.
      const rules = p.rules?.(policyOn(policy, p.deadlines?.calendarOf(state)));
      const command = spec.toCommand(input, { id, now, by: { actor: meta.actor, role: meta.role }, state, rules, policy, patched: () => true });
      p.decider.decide(command, state);
    } catch (err) {
      if (err instanceof DomainError) throw err;
    }
  }

  /** The process's state and pending alarms, from its workflow. */
  async view<S>(p: ProcessDefinition<S>, id: string): Promise<ProcessView<S>> {
    try {
      return (await this.client.workflow.getHandle(streamOf(p, id)).query(processQuery(p))) as ProcessView<S>;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound(`${p.name}.not_found`, `no ${p.name} ${id}`);
      throw err;
    }
  }

  // ── the two first processes by name, for tests, benchmarks and the dev seed ──────────────
  async registerCustomer(data: Record<string, unknown>, meta: CommandMeta, idempotencyKey?: string): Promise<CommandResult & { customerId: string }> {
    const r = await this.create(customerProcess, 'register', data, meta, { idempotencyKey });
    return { ...r, customerId: r.id };
  }

  async receiveComplaint(
    data: Record<string, unknown>,
    meta: CommandMeta,
    context: { policy?: Policy; customerClass?: 'key' | 'ordinary' } = {},
    idempotencyKey?: string,
  ): Promise<CommandResult & { complaintId: string }> {
    const r = await this.create(complaintProcess, 'receive', data, meta, { idempotencyKey, policy: context.policy, ...(context.customerClass ? { lookedUp: { customerClass: context.customerClass } } : {}) });
    return { ...r, complaintId: r.id };
  }

  complaintCommand(complaintId: string, action: string, data: unknown, meta: CommandMeta, context: { policy?: Policy } = {}, idempotencyKey?: string): Promise<CommandResult> {
    return this.command(complaintProcess, complaintId, action, data, meta, { idempotencyKey, policy: context.policy });
  }

  complaint(complaintId: string): Promise<ProcessView<ComplaintState>> {
    return this.view<ComplaintState>(complaintProcess, complaintId);
  }

  /** True when the Temporal frontend answers. */
  async healthy(): Promise<boolean> {
    try {
      await (this.client.connection as Connection).healthService.check({});
      return true;
    } catch {
      return false;
    }
  }
}
