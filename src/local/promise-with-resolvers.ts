/**
 * aws-local-stepfunctions calls `Promise.withResolvers` (Node 22); Node 20 lacks it, and without it
 * every Task would fail (and a Catch could hide that). Imported for its effect before the runner.
 */
interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const ctor = Promise as unknown as { withResolvers?: <T>() => Resolvers<T> };
ctor.withResolvers ??= function withResolvers<T>(): Resolvers<T> {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export {};
