import { z } from 'zod';
import type { R2RApi } from './contract';

type ArgsSchemas = {
  [S in keyof R2RApi]: { [M in keyof R2RApi[S]]: R2RApi[S][M] extends (...args: infer A) => unknown ? z.ZodType<A> : never };
};

/**
 * Argument schemas for every method, checked in the backend before any work. They are also
 * the runtime list of methods the transports expose.
 */
export const apiSchemas = {
  app: {
    info: z.tuple([]),
  },
  jobs: {
    submit: z.tuple([z.string().min(1).max(64), z.unknown()]),
    list: z.tuple([]),
    get: z.tuple([z.string().min(1).max(64)]),
    cancel: z.tuple([z.string().min(1).max(64)]),
  },
} satisfies ArgsSchemas;
