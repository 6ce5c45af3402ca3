// The contract's one public door. The renderer imports only this.
export * from './schemas.js';
export * from './api.js';
export * from './errors.js';
export { dispatch, httpStatusFor, isMethodName, type Dispatchable } from './dispatch.js';
export { createHttpClient, HTTP_CALL_PREFIX, HTTP_EVENTS_PATH, type HttpClientOptions } from './http-client.js';
