/** The complaint SLA policy (data) and the deadlines it sets in business time. */
export * from './policy';
export * from './deadlines';
