/** The policy (data, parsed with zod on the node side) and the shipped profiles. Workflow code imports the types only. */
export * from './schema';
export * from './profiles';
export { calendarForPolicy, policyRef } from './ref';
