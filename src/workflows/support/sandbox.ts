/**
 * How many frames a stack trace keeps inside workflow code (V8's default is 10). The SDK captures a stack trace for
 * every promise a workflow makes (for its stack-trace query, shown in the Temporal UI), mapping each frame through the
 * bundle's source map: measured here, that was more than half the workflow-thread CPU of a new complaint. Three frames
 * still name where a workflow waits and where an error came from. Set once per worker thread: this module is preloaded
 * (src/config/bundle.ts) before the sandbox's globals are frozen.
 */
export const WORKFLOW_STACK_FRAMES = 3;

(Error as unknown as { stackTraceLimit: number }).stackTraceLimit = WORKFLOW_STACK_FRAMES;
