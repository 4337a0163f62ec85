/**
 * Port views for handlers that need to know what a use case loaded (a connection's or a target's
 * platform, for metrics) without reading it a second time.
 */

type AsyncMethod = (...args: never[]) => Promise<unknown>;

/** The names of `T`'s methods that return a promise. */
export type AsyncMethodOf<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T];

/** What the method `K` of `T` resolves to. */
export type ResolvedBy<T, K extends keyof T> = T[K] extends (...args: never[]) => Promise<infer R> ? R : never;

/**
 * `port` unchanged, except that every result of `method` is also handed to `seen`. Every other
 * member is the port's own, called on the port itself.
 */
export const notingResults = <T extends object, K extends AsyncMethodOf<T>>(port: T, method: K, seen: (result: ResolvedBy<T, K>) => void): T =>
  new Proxy(port, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop !== method) return value.bind(target);
      return async (...args: unknown[]) => {
        const result = (await Reflect.apply(value, target, args)) as ResolvedBy<T, K>;
        seen(result);
        return result;
      };
    },
  });
