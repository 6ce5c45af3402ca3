export { Responder, ResponseError, type ActionRequest, type ResponderDeps } from './responder.js';
