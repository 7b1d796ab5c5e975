// The interface every stage type implements, and the registry the run controller finds them in.
// A stage type is called on every pass while its stage runs; it must be idempotent: called again
// after a crash, it carries on rather than repeating a side effect (children have deterministic names).
import type { StageRecord } from '../../api/v1alpha1/pipeline-run.ts';
import type { Stage } from '../../api/v1alpha1/stages/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { KubeClient, KubeObject } from '../../core/kube-client.ts';
import type { Logger } from '../../core/logger.ts';
import type { Provider, ProviderAccount } from '../../providers/interfaces.ts';
import type { ExpressionScope } from '../expressions.ts';

/**
 * How a stage reaches an account, as the controllers do (resolveAccount over the provider registry):
 * the Account an accountRef names in the run's namespace and its provider. Throws a WaitingError
 * while the Account does not exist and a TerminalError when its provider is not in this operator;
 * both name the run, the stage's accountRef and the Account.
 */
export type ResolveAccount = (accountRef: { name: string }) => { account: ProviderAccount; provider: Provider };

export interface StageRun {
  /** The PipelineRun, as cached (spec holds judgments and other decisions). */
  run: KubeObject;
  /** The stage's definition from the run's snapshot of the pipeline. */
  stage: Stage;
  /** The stage type's block with every expression evaluated. */
  config: Record<string, unknown>;
  /** The stage's record so far (startTime, attempts, outputs). */
  record: StageRecord;
  scope: ExpressionScope;
  clock: Clock;
  /** The cluster Staysail runs in: its own kinds, and Jobs and runs in the run's namespace. */
  client: KubeClient;
  /** Accounts and providers, only ever through here (never a provider or a client of its own). */
  resolveAccount: ResolveAccount;
  log: Logger;
}

export type Outputs = Record<string, unknown>;

/** What a step of a stage came to; state, when given, replaces the stage's saved progress. */
export type StageOutcome = { state?: Record<string, unknown> } & (
  | { status: 'RUNNING'; message?: string; pollAfterMs: number; outputs?: Outputs }
  | { status: 'SUCCEEDED'; message?: string; outputs?: Outputs; judgment?: StageRecord['judgment'] }
  | { status: 'FAILED'; message: string; outputs?: Outputs; judgment?: StageRecord['judgment'];
    /** A verdict, not a mishap: another attempt would come to the same (no retry). */
    final?: boolean });

export interface StageType {
  readonly type: string;
  /** Whether a failed attempt may be retried when the stage sets retries. */
  readonly retryable: boolean;
  /** Timeout when the stage sets none. */
  readonly defaultTimeoutMs?: number;
  /** A field of the stage's block that is its timeout when the stage sets none (before defaultTimeoutMs). */
  readonly timeoutField?: string;
  /** Fields of the stage's block whose expressions the stage type evaluates itself (not before execute). */
  readonly rawFields?: readonly string[];
  execute(s: StageRun): Promise<StageOutcome>;
  /** Stops what the stage started (the run was canceled or failed elsewhere). */
  cancel?(s: StageRun): Promise<void>;
}

export class StageRegistry {
  private readonly byType = new Map<string, StageType>();

  register(...types: StageType[]): this {
    for (const t of types) {
      if (this.byType.has(t.type)) throw new Error(`stage type ${t.type} is registered twice`);
      this.byType.set(t.type, t);
    }
    return this;
  }

  get(type: string): StageType | undefined { return this.byType.get(type); }

  get types(): ReadonlySet<string> { return new Set(this.byType.keys()); }
}
