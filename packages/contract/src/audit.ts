/* Schemas of the audit routes. */
export {};
