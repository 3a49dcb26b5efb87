/** Shapes of values that many modules read: one place for each. */

/** A JSON document read from outside (a credential, a presentation): any field may hold anything. */
export type Json = Record<string, any>;

/** A UUID as this service writes them (row ids, status list ids), in either case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);
