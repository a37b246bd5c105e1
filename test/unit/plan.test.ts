import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  componentByName,
  defaultPlan,
  defaultPlanInput,
  parsePlan,
  restoreOrder,
  type Plan,
} from '../../src/core/plan.js';

/** A minimal plan component in input form. */
function component(name: string, dependsOn: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, sources: [{ type: 'dynamodb', tableName: `table-${name}` }], dependsOn, ...extra };
}

function planOf(...components: Record<string, unknown>[]): unknown {
  return { components };
}

function levelNames(plan: Plan): string[][] {
  return plan.levels.map((level) => level.map((c) => c.name));
}

/** Runs `act` and returns the error it throws (fails the test when it throws nothing). */
function errorOf(act: () => unknown): unknown {
  try {
    act();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error, got none');
}

describe('the default plan', () => {
  it('restores vision-lake, then auth, then agents, then squadrons, one component per level', () => {
    // Act
    const plan = defaultPlan();

    // Assert
    expect(levelNames(plan)).toEqual([['vision-lake'], ['auth'], ['agents'], ['squadrons']]);
    expect(restoreOrder(plan).map((c) => c.name)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
  });

  it('fills in the documented defaults for retention, tables and pack size', () => {
    // Act
    const plan = defaultPlan();

    // Assert
    expect(plan.retention).toEqual({ keepLast: 0, hourly: 0, daily: 7, weekly: 4, monthly: 6 });
    expect(plan.systemTable).toBe('wing-rollback-system');
    expect(plan.vaultBucket).toBe('wing-rollback-vault');
    expect(plan.packTargetBytes).toBe(4 * 1024 * 1024);
  });

  it('is the same plan whether parsed from its input form or built directly', () => {
    expect(parsePlan(defaultPlanInput())).toEqual(defaultPlan());
  });
});

describe('dependency levels', () => {
  it.each([
    {
      case: 'independent components share level 0',
      components: [component('alpha'), component('beta'), component('gamma')],
      levels: [['alpha', 'beta', 'gamma']],
    },
    {
      case: 'a diamond puts both middle components on one level',
      components: [component('top'), component('left', ['top']), component('right', ['top']), component('bottom', ['left', 'right'])],
      levels: [['top'], ['left', 'right'], ['bottom']],
    },
    {
      case: 'declaration order does not matter: a dependant declared first still restores after',
      components: [component('child', ['parent']), component('parent')],
      levels: [['parent'], ['child']],
    },
    {
      case: 'a component waits for its deepest dependency',
      components: [component('aa'), component('bb', ['aa']), component('cc', ['aa', 'bb']), component('dd', ['aa'])],
      levels: [['aa'], ['bb', 'dd'], ['cc']],
    },
  ])('$case', ({ components, levels }) => {
    // Act
    const plan = parsePlan(planOf(...components));

    // Assert
    expect(levelNames(plan)).toEqual(levels);
  });

  it('never puts a component on the same level as one it depends on', () => {
    // Arrange
    const plan = parsePlan(
      planOf(component('aa'), component('bb', ['aa']), component('cc', ['bb']), component('dd', ['aa']), component('ee', ['dd', 'cc'])),
    );

    // Act
    const levelOf = new Map(plan.levels.flatMap((level, i) => level.map((c) => [c.name, i] as const)));

    // Assert
    for (const c of plan.components) {
      for (const d of c.dependsOn) expect(levelOf.get(d)).toBeLessThan(levelOf.get(c.name) ?? -1);
    }
  });
});

describe('an invalid plan is refused with one ValidationError', () => {
  it.each([
    {
      case: 'a two-component cycle names the cycle',
      components: [component('aa', ['bb']), component('bb', ['aa'])],
      message: /dependency cycle aa -> bb -> aa/,
    },
    {
      case: 'a three-component cycle names the whole cycle',
      components: [component('aa', ['bb']), component('bb', ['cc']), component('cc', ['aa'])],
      message: /dependency cycle aa -> bb -> cc -> aa/,
    },
    {
      case: 'a cycle reached through a component outside it names only the cycle',
      components: [component('zz', ['aa']), component('aa', ['bb']), component('bb', ['aa'])],
      message: /dependency cycle aa -> bb -> aa$/,
    },
    {
      case: 'an unknown dependency names the component and the missing name',
      components: [component('aa', ['nope'])],
      message: /component "aa" depends on unknown component "nope"/,
    },
    {
      case: 'a duplicate name names the duplicate',
      components: [component('aa'), component('aa')],
      message: /component "aa" is declared twice/,
    },
    {
      case: 'a self dependency names the component',
      components: [component('aa', ['aa'])],
      message: /component "aa" depends on itself/,
    },
    {
      case: 'a schedule that is neither rate(...) nor cron(...) is refused at its path',
      components: [component('aa', [], { schedule: 'every hour' })],
      message: /invalid plan at components\.0\.schedule: a schedule is rate\(N unit\) or cron\(six fields\)/,
    },
    {
      case: 'a cron schedule with five fields is refused',
      components: [component('aa', [], { schedule: 'cron(0 * * * *)' })],
      message: /components\.0\.schedule/,
    },
    {
      case: 'a rate with an unknown unit is refused',
      components: [component('aa', [], { schedule: 'rate(2 weeks)' })],
      message: /components\.0\.schedule/,
    },
    {
      case: 'an upper-case component name is refused',
      components: [component('Auth')],
      message: /components\.0\.name/,
    },
    {
      case: 'a component without sources is refused',
      components: [component('aa', [], { sources: [] })],
      message: /components\.0\.sources/,
    },
    {
      case: 'a sanitization rule on a key attribute names the component and the key',
      components: [component('aa', [], { sanitize: [{ field: 'sk', action: 'mask' }] })],
      message: /^invalid plan: component "aa" cannot sanitize the key attribute "sk"$/,
    },
    {
      case: 'two sanitization rules for one field name the field',
      components: [component('aa', [], { sanitize: [{ field: 'email', action: 'hash' }, { field: 'email', action: 'omit' }] })],
      message: /^invalid plan: component "aa" has more than one sanitization rule for "email"$/,
    },
    {
      case: 'sanitization rules on a component with only S3 sources are refused',
      components: [component('aa', [], { sources: [{ type: 's3', bucketName: 'docs-bucket' }], sanitize: [{ field: 'email', action: 'omit' }] })],
      message: /^invalid plan: component "aa" has sanitization rules but no DynamoDB source/,
    },
    {
      case: 'an unknown sanitization action is refused at its path',
      components: [component('aa', [], { sanitize: [{ field: 'email', action: 'encrypt' }] })],
      message: /components\.0\.sanitize\.0\.action/,
    },
  ])('$case', ({ components, message }) => {
    // Act
    const err = errorOf(() => parsePlan(planOf(...components)));

    // Assert
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).exitCode).toBe(2);
    expect((err as ValidationError).message).toMatch(message);
  });

  it('accepts sanitization rules on a component with a DynamoDB source; the default plan has none', () => {
    // Act
    const plan = parsePlan(planOf(component('aa', [], { sanitize: [{ field: 'ssn', action: 'omit' }, { field: 'email', action: 'hash' }] })));

    // Assert
    expect(plan.components[0]?.sanitize).toEqual([{ field: 'ssn', action: 'omit' }, { field: 'email', action: 'hash' }]);
    expect(defaultPlan().components.flatMap((c) => c.sanitize)).toEqual([]);
  });

  it('refuses a plan without components', () => {
    expect(() => parsePlan({ components: [] })).toThrow(ValidationError);
  });

  it('refuses an unknown top-level field', () => {
    expect(() => parsePlan({ ...planOf(component('aa')) as object, extra: true })).toThrow(ValidationError);
  });

  it.each(['rate(1 minute)', 'rate(15 minutes)', 'rate(6 hours)', 'rate(1 day)', 'cron(0 3 * * ? *)'])(
    'accepts the schedule %s',
    (schedule) => {
      // Act
      const plan = parsePlan(planOf(component('aa', [], { schedule })));

      // Assert
      expect(plan.components[0]?.schedule).toBe(schedule);
    },
  );
});

describe('componentByName', () => {
  it('returns the component with that name', () => {
    // Arrange
    const plan = defaultPlan();

    // Act
    const found = componentByName(plan, 'agents');

    // Assert
    expect(found.name).toBe('agents');
    expect(found.dependsOn).toEqual(['vision-lake', 'auth']);
  });

  it('refuses an unknown name with a ValidationError listing the known ones', () => {
    // Arrange
    const plan = defaultPlan();

    // Act
    const err = errorOf(() => componentByName(plan, 'billing'));

    // Assert
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('unknown component "billing": the plan has vision-lake, auth, agents, squadrons');
  });
});

describe('sources of the plan do not overlap', () => {
  const base = defaultPlanInput();
  const withSources = (sources: unknown[]): unknown => ({
    ...base,
    components: [...base.components, { name: 'extra', sources, dependsOn: [] }],
  });
  it.each([
    { name: 'a table of another component', sources: [{ type: 'dynamodb', tableName: 'wing-auth' }], message: /both "auth" and "extra"/ },
    { name: "the rollback system's own table", sources: [{ type: 'dynamodb', tableName: 'wing-rollback-system' }], message: /own table/ },
    { name: 'the vault bucket', sources: [{ type: 's3', bucketName: 'wing-rollback-vault', prefix: '' }], message: /vault bucket/ },
    { name: 'the audit bucket', sources: [{ type: 's3', bucketName: 'wing-rollback-audit', prefix: '' }], message: /audit bucket/ },
    { name: 'a prefix inside a bucket another component takes whole', sources: [{ type: 's3', bucketName: 'wing-vision-lake-documents', prefix: 'docs/' }], message: /overlaps/ },
    { name: 'a prefix without its trailing slash', sources: [{ type: 's3', bucketName: 'other-bucket', prefix: 'docs' }], message: /must end with/ },
  ])('refuses $name', ({ sources, message }) => {
    expect(() => parsePlan(withSources(sources))).toThrow(message);
  });
});
