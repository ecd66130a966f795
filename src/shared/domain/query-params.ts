// Schemas for control-API inputs that also arrive as URL query strings (HTTP GET gives every value as
// text), while IPC and WebSocket callers send real numbers and arrays.
import { z } from 'zod'

/** A number, or its decimal text from a query string, then checked by `schema` (where non-numbers fail). */
export const queryNumber = <T extends z.ZodType<number, number>>(schema: T) =>
  z
    .union([z.number(), z.string()])
    .transform((value) =>
      typeof value === 'string' ? (value.trim() === '' ? Number.NaN : Number(value)) : value,
    )
    .pipe(schema)

/** A list, or its comma-separated text from a query string ("a,b"), then checked item by item. */
export const queryList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.array(z.string()), z.string()])
    .transform((value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value))
    .pipe(z.array(item))
