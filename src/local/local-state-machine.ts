/**
 * Runs an ASL file of `statemachines/` locally with aws-local-stepfunctions: the same definition
 * CDK deploys, after the same substitutions. Each Lambda Task runs its handler function
 * in-process; the direct service integrations run against the local services (DynamoDB calls go
 * to DynamoDB Local, events and SNS notifications to the notification outbox). Every state
 * transition is reported to `onTransition`.
 */
import './promise-with-resolvers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './project-root.js';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { StateMachine } from 'aws-local-stepfunctions';
import { ValidationError } from '../core/errors.js';

/** A Lambda handler as the runner calls it: (event, context) -> result. */
export type TaskHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalIntegrations {
  readonly dynamodb: DynamoDBClient;
  /** `events:putEvents`: one entry. */
  putEvent(entry: { readonly DetailType: string; readonly Source: string; readonly Detail: unknown; readonly EventBusName?: string }): Promise<void>;
  /** `sns:publish`. */
  publish(message: { readonly TopicArn: string; readonly Subject?: string; readonly Message: string }): Promise<void>;
}

export interface Transition {
  readonly type: string;
  readonly at: Date;
  readonly state?: string;
  /** The component a Task of a Map iteration works on. */
  readonly component?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface LocalRunOptions {
  /** Lambda handlers by the substitution name of their ARN (`AcquireLock` for `${AcquireLockFunctionArn}`). */
  readonly functions: Readonly<Record<string, TaskHandler>>;
  readonly integrations: LocalIntegrations;
  readonly onTransition?: (t: Transition) => void;
  /** Time a Task may run before it must hand over with a continuation token (Lambda's 15 minutes). */
  readonly taskBudgetMs?: number;
  /** Drills and tests: an error to throw instead of running a Task state (by state name), or work to do just before it. */
  readonly fault?: (state: string) => Error | undefined | Promise<Error | undefined>;
}

const LOCAL_ACCOUNT = 'arn:aws:lambda:local:000000000000:function:';

export function statemachinePath(name: string): string {
  return join(projectRoot(), 'statemachines', `${name}.asl.json`);
}

/** Replaces `${Name}` as CDK's definitionSubstitutions do; an unknown name is an error. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new ValidationError(`the state machine needs a substitution for \${${name}}`);
    return v;
  });
}

interface StateDef {
  readonly Type: string;
  readonly Resource?: string;
  readonly ItemProcessor?: { readonly States: Record<string, StateDef> };
  readonly Iterator?: { readonly States: Record<string, StateDef> };
  readonly Branches?: readonly { readonly States: Record<string, StateDef> }[];
}

/** Every Task state of a definition, nested ones included, with its resource. */
export function taskStates(definition: { States: Record<string, StateDef> }): { name: string; resource: string }[] {
  const out: { name: string; resource: string }[] = [];
  const walk = (states: Record<string, StateDef>): void => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Task' && s.Resource) out.push({ name, resource: s.Resource });
      if (s.ItemProcessor) walk(s.ItemProcessor.States);
      if (s.Iterator) walk(s.Iterator.States);
      for (const b of s.Branches ?? []) walk(b.States);
    }
  };
  walk(definition.States);
  return out;
}

/** The local stand-in of a Lambda context (Powertools reads it; restores read the time left). */
function lambdaContext(functionName: string, budgetMs: number): Context {
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `${LOCAL_ACCOUNT}${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // Without the deprecated done/fail/succeed callbacks: no handler here calls them.
  } as Context;
}

/** An AWS service error as Step Functions names it for Retry/Catch (`DynamoDB.ConditionalCheckFailedException`). */
function serviceError(service: string, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const named = new Error(e.message);
  named.name = `${service}.${e.name}`;
  return named;
}

/**
 * Definitions (after substitution) asl-validator has accepted in this process. Validating compiles
 * the ASL JSON schema with ajv, about half a second of CPU; a definition is the same text for
 * every execution, so it is validated on its first run only.
 */
const validatedDefinitions = new Set<string>();

export class LocalStateMachine {
  private readonly definition: { States: Record<string, StateDef> };
  private readonly definitionText: string;

  constructor(
    definitionText: string,
    substitutions: Readonly<Record<string, string>>,
  ) {
    this.definitionText = substitute(definitionText, substitutions);
    this.definition = JSON.parse(this.definitionText) as { States: Record<string, StateDef> };
  }

  static fromFile(name: string, substitutions: Readonly<Record<string, string>>): LocalStateMachine {
    return new LocalStateMachine(readFileSync(statemachinePath(name), 'utf8'), substitutions);
  }

  /** The local ARN standing for a function key, to put in the substitutions. */
  static functionArn(key: string): string {
    return `${LOCAL_ACCOUNT}wing-rollback-${key}`;
  }

  tasks(): { name: string; resource: string }[] {
    return taskStates(this.definition);
  }

  private handlerFor(resource: string, options: LocalRunOptions): (input: unknown) => Promise<unknown> {
    const budget = options.taskBudgetMs ?? 14 * 60_000;
    if (resource.startsWith(LOCAL_ACCOUNT)) {
      const key = resource.slice(`${LOCAL_ACCOUNT}wing-rollback-`.length);
      const fn = options.functions[key];
      if (!fn) throw new ValidationError(`no local handler for the function ${key}`);
      return (input) => fn(input, lambdaContext(`wing-rollback-${key}`, budget));
    }
    const io = options.integrations;
    switch (resource) {
      case 'arn:aws:states:::events:putEvents':
        return async (input) => {
          const entries = (input as { Entries: Parameters<LocalIntegrations['putEvent']>[0][] }).Entries;
          try {
            for (const e of entries) await io.putEvent(e);
          } catch (err) {
            throw serviceError('EventBridge', err);
          }
          return { Entries: entries.map(() => ({ EventId: crypto.randomUUID() })), FailedEntryCount: 0 };
        };
      case 'arn:aws:states:::sns:publish':
        return async (input) => {
          try {
            await io.publish(input as Parameters<LocalIntegrations['publish']>[0]);
          } catch (err) {
            throw serviceError('SNS', err);
          }
          return { MessageId: crypto.randomUUID() };
        };
      case 'arn:aws:states:::dynamodb:deleteItem':
      case 'arn:aws:states:::dynamodb:putItem':
      case 'arn:aws:states:::dynamodb:updateItem':
        return async (input) => {
          // The Parameters are the API's own input, as on AWS.
          const send = (): Promise<object> => {
            if (resource.endsWith('deleteItem')) return io.dynamodb.send(new DeleteItemCommand(input as never));
            if (resource.endsWith('putItem')) return io.dynamodb.send(new PutItemCommand(input as never));
            return io.dynamodb.send(new UpdateItemCommand(input as never));
          };
          try {
            const out = await send();
            return { ...out, $metadata: undefined };
          } catch (err) {
            throw serviceError('DynamoDB', err);
          }
        };
      default:
        throw new ValidationError(`the local runner does not implement the integration ${resource}`);
    }
  }

  /** Runs one execution to its end: the output, or the error it failed with (as on AWS: `Error`, `Cause`). */
  async run(input: unknown, options: LocalRunOptions): Promise<{ ok: true; output: unknown } | { ok: false; error: string; cause: string }> {
    const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryIntervals: Record<string, number> = {};
    for (const task of this.tasks()) {
      const run = this.handlerFor(task.resource, options);
      overrides[task.name] = async (taskInput) => {
        const fault = await options.fault?.(task.name);
        if (fault) throw fault;
        return run(taskInput);
      };
      // Locally retries do not wait the backoff of a Lambda throttle.
      retryIntervals[task.name] = 10;
    }
    const validated = validatedDefinitions.has(this.definitionText);
    // The constructor throws on an invalid definition, so the text is recorded only once accepted.
    const machine = new StateMachine(this.definition as never, { validationOptions: validated ? { noValidate: true } : { checkPaths: true } });
    validatedDefinitions.add(this.definitionText);
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides as never, retryIntervalOverrides: retryIntervals },
      context: { Execution: { Input: input as never, StartTime: new Date().toISOString(), Name: 'local', Id: 'local' } },
    });
    const watch = (async () => {
      for await (const event of execution.eventLogs) options.onTransition?.(transitionOf(event));
    })();
    try {
      const output = await execution.result;
      await watch;
      return { ok: true, output };
    } catch (err) {
      await watch.catch(() => undefined);
      const e = err as { name?: string; message?: string; cause?: unknown };
      // ExecutionError wraps the state's error: report what a Fail state or failed Task said.
      const inner = e.cause instanceof Error ? e.cause : undefined;
      return { ok: false, error: inner?.name ?? e.name ?? 'Error', cause: inner?.message ?? e.message ?? String(err) };
    }
  }
}

function transitionOf(event: unknown): Transition {
  const e = event as { type: string; timestamp: number; state?: { name: string; input?: unknown }; Error?: string; Cause?: string };
  const input = e.state?.input;
  const component = typeof input === 'object' && input !== null && 'component' in input && typeof input.component === 'string' ? input.component : undefined;
  return {
    type: e.type,
    at: new Date(e.timestamp),
    ...(e.state ? { state: e.state.name } : {}),
    ...(component !== undefined ? { component } : {}),
    ...(e.Error !== undefined ? { error: e.Error } : {}),
    ...(e.Cause !== undefined ? { cause: e.Cause } : {}),
  };
}
