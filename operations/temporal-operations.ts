// The API's OperationsPort on Temporal: each operation is started with Update-with-Start, so one
// round trip starts the workflow (or joins it, for a retry under the same Idempotency-Key) and
// waits for the `response_mode` checkpoint. The workflow goes on after the answer.
import { randomUUID } from 'node:crypto';
import {
  isGrpcServiceError,
  ServiceError,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import { ApplicationFailure, type SearchAttributePair } from '@temporalio/common';
import { ApiError } from '../api/errors.ts';
import type { OperationAnswer, OperationRequest, OperationsPort, RejoinRequest } from '../api/ports.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../lib/log.ts';
import type { CallStore } from '../store/call-store.ts';
import { sipTaskQueue } from '../temporal/task-queues.ts';
import { CALL_DIALOG_ID, CALL_OPERATION, CALL_USER } from '../workflows/search-attributes.ts';
import { UPDATE_REJECTIONS, waitForCheckpoint, type OperationAnswer as WorkflowAnswer } from '../workflows/signals.ts';
import type { OperationInput } from '../workflows/run-script.ts';
import {
  bodyFingerprint,
  clickToCallInput,
  isSupported,
  OPERATION_WORKFLOWS,
  operationWorkflowId,
  referInput,
  requestFingerprint,
  type ScriptLoader,
  type SupportedKind,
} from './workflow-inputs.ts';

/**
 * The workflow engine cannot be reached (connection refused, timed out), or no workflow worker
 * picked the operation up in time. An ApiError 1503, so the API answers it as is.
 */
export class OperationsUnavailableError extends ApiError {
  override readonly cause: unknown;
  constructor(message: string, cause?: unknown) {
    super(1503, message);
    this.name = 'OperationsUnavailableError';
    this.cause = cause;
  }
}

export interface TemporalOperationsOptions {
  client: Client;
  config: Config;
  /** The call store: REFER reads the dialog's legs to know whom to move. */
  store: CallStore;
  logger?: Logger;
  /** How long the workflow worker may take to accept the operation before the API gives up with
   * 1503 and cancels it (default 20 s). The wait for the checkpoint itself has no limit here: the
   * script's own timers bound it. */
  acceptTimeoutMs?: number;
  /** Default: the built-in scripts from service-scripts/builtin, compiled once per process. */
  scripts?: ScriptLoader;
  /** Default: crypto.randomUUID (ids of operations without an Idempotency-Key). */
  newId?: () => string;
  /**
   * Where an operation's workflow runs. Default: the queue of the node that owns its SIP side
   * (sipTaskQueue(input.node)), whose worker runs the SIP activities as local activities. A fixed
   * queue (OPS_TASK_QUEUE, the shared one) runs it apart from the node, with every SIP action a
   * round trip through Temporal to the node's queue.
   */
  taskQueue?: string | ((node: string) => string);
}

interface Plan {
  kind: SupportedKind;
  workflowType: string;
  workflowId: string;
  input: OperationInput;
  fingerprint: string;
  /** bodyFingerprint: kept in the memo for a retry that comes after the dialog ended. */
  bodyFingerprint: string;
  dialogid?: string;
  summary: string;
}

/** gRPC codes that mean "the engine is not there" rather than "it said no". */
const UNAVAILABLE_CODES = new Set([
  4, // DEADLINE_EXCEEDED
  14, // UNAVAILABLE
  1, // CANCELLED (the channel went away)
]);

/** Whether an error from the Temporal client means the server cannot be reached. */
export function isEngineUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && UNAVAILABLE_CODES.has(e.code)) return true;
    const name = (e as { name?: string }).name;
    if (name === 'TransportError' || name === 'ConnectionError') return true;
    const message = (e as { message?: unknown }).message;
    if (e instanceof ServiceError && typeof message === 'string' && /connect|unavailable|deadline|No connection established/i.test(message)) return true;
  }
  return false;
}

/**
 * Whether a call may have reached the server before it gave up: its deadline passed. grpc-js says so
 * with DEADLINE_EXCEEDED, or with CANCELLED ("Call cancelled") when the deadline falls between the
 * long polls of Update-with-Start, so the clock decides too.
 */
export function mayHaveReachedServer(err: unknown, deadline: number, now: number): boolean {
  if (now >= deadline) return true;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e) && (e.code === 4 || e.code === 1)) return true;
  }
  return false;
}

export class TemporalOperations implements OperationsPort {
  private readonly client: Client;
  private readonly config: Config;
  private readonly store: CallStore;
  private readonly logger: Logger | undefined;
  private readonly acceptTimeoutMs: number;
  private readonly scripts: ScriptLoader | undefined;
  private readonly newId: () => string;
  private readonly taskQueue: (node: string) => string;

  constructor(opts: TemporalOperationsOptions) {
    this.client = opts.client;
    this.config = opts.config;
    this.store = opts.store;
    this.logger = opts.logger;
    this.acceptTimeoutMs = opts.acceptTimeoutMs ?? 20_000;
    this.scripts = opts.scripts;
    this.newId = opts.newId ?? randomUUID;
    const queue = opts.taskQueue ?? sipTaskQueue;
    this.taskQueue = typeof queue === 'string' ? () => queue : queue;
  }

  async start(request: OperationRequest): Promise<OperationAnswer> {
    const plan = this.plan(request);
    return this.run(plan, request.input.response_mode);
  }

  /** The workflow to start for a request: its type, id, input and search attributes. */
  plan(request: OperationRequest): Plan {
    if (!isSupported(request.kind)) {
      // Not written yet: say so rather than pretend (docs/operations.md).
      throw new ApiError(1503, `operations engine not available for ${request.kind}: its workflow is not written yet`);
    }
    const kind = request.kind;
    const req = request as OperationRequest & { kind: SupportedKind };
    const workflowId = operationWorkflowId(req, this.newId);
    const fingerprint = requestFingerprint(request);
    if (req.kind === 'REFER') {
      const input = referInput(req, this.store, this.scripts);
      return {
        kind,
        workflowType: OPERATION_WORKFLOWS.REFER.workflowType,
        workflowId,
        input,
        fingerprint,
        bodyFingerprint: bodyFingerprint(req.kind, req.dialogid, req.input),
        dialogid: req.dialogid,
        summary: `REFER ${req.dialogid}: ${String(input.params.y)} → ${req.input.referto} (${input.user})`,
      };
    }
    const click = req as Extract<OperationRequest, { kind: 'POST' | 'INVITE' }>;
    const input = clickToCallInput(click, this.config, this.scripts);
    return {
      kind,
      workflowType: OPERATION_WORKFLOWS[click.kind].workflowType,
      workflowId,
      input,
      fingerprint,
      bodyFingerprint: bodyFingerprint(click.kind, undefined, click.input),
      summary: `${click.kind} ${click.from.phonenumber} → ${click.input.to} (${input.user})`,
    };
  }

  /**
   * The run's input as started on `queue`: on the node's own queue its SIP activities are local
   * (sipLocal); the starting request's response_mode (answerAt) lets it answer without waiting;
   * collectEvents lets its sending activities return the SIP events they waited for; localHangup
   * lets a hangup caused by a SIP event run in the workflow task; holdGaps keeps SIP events in order
   * in a retried one.
   */
  private startInput(plan: Plan, queue: string, mode: number): OperationInput {
    return {
      ...plan.input,
      collectEvents: true,
      localHangup: true,
      holdGaps: true,
      ...(queue === sipTaskQueue(plan.input.node) ? { sipLocal: true } : {}),
      ...(Number.isInteger(mode) && mode >= 0 && mode <= 5 ? { answerAt: mode } : {}),
    };
  }

  private async run(plan: Plan, mode: number): Promise<OperationAnswer> {
    // Marks the run this request starts (memo), so a timed-out request cancels only its own.
    const nonce = randomUUID();
    const searchAttributes: SearchAttributePair[] = [
      { key: CALL_OPERATION, value: plan.kind },
      { key: CALL_USER, value: plan.input.user },
      ...(plan.dialogid ? [{ key: CALL_DIALOG_ID, value: plan.dialogid }] : []),
    ];
    const queue = this.taskQueue(plan.input.node);
    const startOp = new WithStartWorkflowOperation(plan.workflowType, {
      workflowId: plan.workflowId,
      taskQueue: queue,
      // The starting request's response_mode: the run answers it without waiting past it.
      args: [this.startInput(plan, queue, mode)],
      // A retry under the same Idempotency-Key joins the running operation…
      workflowIdConflictPolicy: 'USE_EXISTING',
      // …and one that comes after it ended gets its final answer, not a second call.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: searchAttributes,
      memo: { fingerprint: plan.fingerprint, bodyFingerprint: plan.bodyFingerprint, request: nonce },
      staticSummary: plan.summary,
    });

    let update: WorkflowUpdateHandle<WorkflowAnswer>;
    const deadline = Date.now() + this.acceptTimeoutMs;
    try {
      update = await this.client.withDeadline(deadline, () =>
        this.client.workflow.startUpdateWithStart(waitForCheckpoint, {
          args: [mode, plan.fingerprint],
          waitForStage: 'ACCEPTED',
          startWorkflowOperation: startOp,
        }),
      );
    } catch (err) {
      // Ended before this request's update got in (a retry racing the end, the server says "update
      // aborted by closing workflow"): its result is the answer.
      if (err instanceof WorkflowExecutionAlreadyStartedError || err instanceof WorkflowNotFoundError) return this.finished(plan);
      if (isEngineUnavailable(err)) {
        // Past the deadline the server may have started the run and be waiting for a worker: cancel
        // it if it is ours. Refused connections never reached it: nothing to undo.
        const cancelled = mayHaveReachedServer(err, deadline, Date.now()) && (await this.cancelIfOurs(plan.workflowId, nonce));
        throw new OperationsUnavailableError(
          cancelled
            ? `operations engine not available: no workflow worker took the operation within ${this.acceptTimeoutMs} ms; it was cancelled`
            : `operations engine not available: ${(err as Error).message}`,
          err,
        );
      }
      throw await this.mapUpdateError(err, plan.workflowId);
    }

    try {
      return (await update.result()) as OperationAnswer;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return this.finished(plan);
      if (isEngineUnavailable(err)) throw new OperationsUnavailableError(`operations engine not available: ${(err as Error).message}`, err);
      throw await this.mapUpdateError(err, plan.workflowId);
    }
  }

  async rejoin(request: RejoinRequest): Promise<OperationAnswer | undefined> {
    const workflowId = operationWorkflowId({ ...request, by: { side: 'a', callids: [] } });
    const handle = this.client.workflow.getHandle(workflowId);
    let memo: { fingerprint?: unknown; bodyFingerprint?: unknown } | undefined;
    let running: boolean;
    try {
      const described = await handle.describe();
      memo = described.memo as typeof memo;
      running = described.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      if (isEngineUnavailable(err)) throw new OperationsUnavailableError(`operations engine not available: ${(err as Error).message}`, err);
      throw err;
    }
    if (memo?.bodyFingerprint !== bodyFingerprint(request.kind, request.dialogid, request.input) || typeof memo.fingerprint !== 'string') throw idempotencyMismatch();
    try {
      if (!running) return (await handle.result()) as OperationAnswer;
      return (await handle.executeUpdate(waitForCheckpoint, { args: [request.input.response_mode, memo.fingerprint] })) as OperationAnswer;
    } catch (err) {
      if (isEngineUnavailable(err)) throw new OperationsUnavailableError(`operations engine not available: ${(err as Error).message}`, err);
      // Ended between describe and the update: its result is the answer.
      if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'WorkflowUpdateRPCTimeoutOrCancelledError')
        return (await handle.result()) as OperationAnswer;
      throw await this.mapUpdateError(err, workflowId);
    }
  }

  /** The operation under this id has ended: a retry gets its final answer (same request only). */
  private async finished(plan: Plan): Promise<OperationAnswer> {
    const handle = this.client.workflow.getHandle(plan.workflowId);
    try {
      const described = await handle.describe();
      const memo = described.memo as { fingerprint?: unknown } | undefined;
      if (memo?.fingerprint !== undefined && memo.fingerprint !== plan.fingerprint) throw idempotencyMismatch();
      return (await handle.result()) as OperationAnswer;
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (isEngineUnavailable(err)) throw new OperationsUnavailableError(`operations engine not available: ${(err as Error).message}`, err);
      if (err instanceof WorkflowFailedError) throw new Error(`operation ${plan.workflowId} failed: ${err.cause?.message ?? err.message}`);
      throw err;
    }
  }

  /** After an accept timeout: cancel the workflow only if this very request started it. */
  private async cancelIfOurs(workflowId: string, nonce: string): Promise<boolean> {
    try {
      const handle = this.client.workflow.getHandle(workflowId);
      const described = await this.client.withDeadline(Date.now() + 2_000, () => handle.describe());
      if ((described.memo as { request?: unknown } | undefined)?.request !== nonce) return false;
      await this.client.withDeadline(Date.now() + 2_000, () => handle.cancel());
      this.logger?.warn('operation cancelled: no worker accepted it in time', { workflowId });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) this.logger?.warn('could not cancel an operation no worker accepted', { workflowId, error: (err as Error).message });
      return false;
    }
  }

  /** Validator refusals become 1400; a run that failed (bad input: a bug) says why, for the log. */
  private async mapUpdateError(err: unknown, workflowId: string): Promise<unknown> {
    if (!(err instanceof WorkflowUpdateFailedError)) return err;
    if (err.cause instanceof ApplicationFailure) {
      if (err.cause.type === UPDATE_REJECTIONS.fingerprint) return idempotencyMismatch();
      if (err.cause.type === UPDATE_REJECTIONS.badMode) return new ApiError(1400, 'response_mode: must be an integer 0 to 5');
    }
    try {
      await this.client.withDeadline(Date.now() + 2_000, () => this.client.workflow.getHandle(workflowId).result());
    } catch (failed) {
      if (failed instanceof WorkflowFailedError) return new Error(`operation ${workflowId} failed: ${failed.cause?.message ?? failed.message}`, { cause: failed });
    }
    return err;
  }
}

function idempotencyMismatch(): ApiError {
  return new ApiError(1400, 'Idempotency-Key: already used for a different request');
}

export function createTemporalOperations(opts: TemporalOperationsOptions): OperationsPort {
  return new TemporalOperations(opts);
}

