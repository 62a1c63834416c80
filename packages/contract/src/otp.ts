/* Schemas of the otp routes. */
export {};
