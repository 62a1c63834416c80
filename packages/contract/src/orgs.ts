/* Schemas of the orgs routes. */
export {};
